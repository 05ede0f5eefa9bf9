"""Notebook display helpers shared by every layer (no heavy imports).

Every result object's ``_repr_mimebundle_`` goes through here, so the notebook,
the file export and other front ends share one renderer. All text is escaped.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pandas as pd

__all__ = ["GRAPH_MIME", "VIEW_MIME", "GRAPH_VERSION", "SCOPES", "graph_payload", "graph_mimebundle", "table_html",
           "visible_mask", "team_pairs", "pairs_html", "first_reason"]

GRAPH_MIME = "application/vnd.attn-team.graph+json"
#: Heatmap and explorer outputs: what they draw with no kernel (the widget model gone) and the live widget's id.
VIEW_MIME = "application/vnd.attn-team.view+json"
GRAPH_VERSION = 1
#: What a graph shows: edges between different teams only (the default of AttentionGraph), or every edge.
SCOPES = ("cross-team", "all")


def _thresholded_kinds() -> set[str]:
    from ._svg import STYLE

    kinds = {k for k, v in STYLE["edges"].items() if v["thresholded"]}
    return kinds | {a for a, k in STYLE["edge_aliases"].items() if k in kinds} | {"", "None", "nan"}


def visible_mask(source_team: Any, target_team: Any, weight: Any, *, kind: Any = None, dominant: Any = None,
                 threshold: float = 0.0, head: str | None = None, scope: str = "all",
                 team: str | None = None) -> "np.ndarray":
    """Which edges a graph draws: the one rule of the canvas view (``extension/src/filter.ts``).

    ``threshold`` applies to attention edges only (edge kinds marked ``thresholded`` in
    ``_palette.json``: links, at-risk dependencies and gaps are facts, always drawn);
    ``head`` keeps edges whose largest head contribution is that head; ``scope="cross-team"``
    leaves out edges whose two ends are in the same known team; ``team`` keeps edges touching it.
    Arguments are aligned sequences (one entry per edge).
    """
    import numpy as np

    st = pd.Series(list(source_team), dtype=object)
    tt = pd.Series(list(target_team), dtype=object)
    w = pd.to_numeric(pd.Series(list(weight)), errors="coerce").fillna(0.0).to_numpy(dtype=float)
    n = len(w)
    if kind is None:
        thresholded = np.ones(n, dtype=bool)
    else:
        thresholded = pd.Series([str(k) if k is not None else "" for k in kind]).isin(_thresholded_kinds()).to_numpy()
    keep = ~thresholded | (w >= float(threshold))
    if head:
        keep &= pd.Series(list(dominant) if dominant is not None else [None] * n, dtype=object).eq(head).to_numpy()
    if scope == "cross-team":
        keep &= ~(st.notna() & tt.notna() & (st == tt)).to_numpy(dtype=bool)
    if team:
        keep &= (st.eq(team) | tt.eq(team)).to_numpy(dtype=bool)
    return keep


def _num(v: Any) -> Any:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else round(f, 6)


def graph_payload(nodes: pd.DataFrame, edges: pd.DataFrame, *, title: str = "", threshold: float = 0.0,
                  heads: tuple[str, ...] = (), extra_meta: dict | None = None) -> dict:
    """The versioned graph MIME payload (DESIGN.md section 5).

    ``nodes`` needs ``id`` and may have ``label``, ``kind``, ``team``, ``status``;
    ``edges`` needs ``source``, ``target``, ``weight`` and may have ``kind``,
    ``reason`` and one column per name in ``heads``.
    """
    node_list = []
    for r in nodes.to_dict("records"):
        node = {"id": str(r["id"]), "label": str(r.get("label") or r["id"]), "kind": str(r.get("kind") or "item"),
                "team": None if pd.isna(r.get("team")) else str(r.get("team"))}
        for extra in ("status", "summary", "title"):
            if extra in r and not pd.isna(r[extra]):
                node[extra] = str(r[extra])
        node_list.append(node)
    edge_list = []
    for r in edges.to_dict("records"):
        e = {"source": str(r["source"]), "target": str(r["target"]), "weight": _num(r.get("weight")) or 0.0,
             "kind": str(r.get("kind") or "suggested")}
        hv = {h: _num(r.get(h)) for h in heads if h in r and _num(r.get(h)) is not None}
        if hv:
            e["heads"] = hv
        if r.get("reason") and not pd.isna(r.get("reason")):
            e["reason"] = str(r["reason"])
        edge_list.append(e)
    meta = {"title": title, "threshold": threshold, "heads": list(heads)}
    meta.update(extra_meta or {})
    return {"version": GRAPH_VERSION, "nodes": node_list, "edges": edge_list, "meta": meta}


def table_html(df: pd.DataFrame, *, title: str = "", max_rows: int = 50) -> str:
    """A small self-contained HTML table; every cell escaped."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.head(max_rows).itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                txt = f"{v:.3f}"
            elif isinstance(v, (list, tuple)):
                txt = ", ".join(map(str, v))
            else:
                txt = "" if v is None or (not isinstance(v, (list, dict)) and pd.isna(v)) else str(v)
            cells.append(f"<td>{html.escape(txt)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p>… {len(df) - max_rows:,} more rows</p>" if len(df) > max_rows else ""
    cap = f"<caption>{html.escape(title)}</caption>" if title else ""
    return (f"<div class='attn-team-table'><table style='border-collapse:collapse'>{cap}<thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>{more}</div>")


def graph_mimebundle(payload: dict, *, plain: str | None = None, pairs: pd.DataFrame | None = None) -> dict:
    """MIME bundle for a graph: our vendor type, a self-contained HTML fallback and plain text.

    The fallback draws what the canvas draws (the payload's threshold, scope and focus), then
    ``pairs`` (see :func:`team_pairs`) and the heaviest edges drawn.
    """
    from ._svg import drawn_edges, graph_svg

    n, m = len(payload["nodes"]), len(payload["edges"])
    title = payload.get("meta", {}).get("title") or "attention graph"
    text = plain or f"{title}: {n} nodes, {m} edges"
    nodes = {str(x["id"]): x for x in payload["nodes"]}
    drawn = drawn_edges(list(payload["edges"]), nodes, payload.get("meta") or {})
    edges = pd.DataFrame(drawn, columns=["source", "target", "weight", "kind"])
    html_out = (f"<div class='attn-team-graph'><strong>{html.escape(title)}</strong> "
                f"<span>({n} nodes, {len(drawn)} of {m} edges drawn)</span>{graph_svg(payload)}"
                f"{pairs_html(pairs) if pairs is not None else ''}"
                f"{table_html(edges.sort_values('weight', ascending=False), max_rows=25)}</div>")
    return {GRAPH_MIME: json.loads(json.dumps(payload)), "text/html": html_out, "text/plain": text}

def first_reason(reason: Any) -> str:
    """The first clause of an attention reason (``"shared component 'warehouse'"``), or ``""``."""
    if reason is None or (isinstance(reason, float) and reason != reason) or reason is pd.NA:
        return ""
    return str(reason).split(";", 1)[0].strip()


def team_pairs(edges: pd.DataFrame, team_of: dict, *, examples: int = 3) -> pd.DataFrame:
    """Cross-team edges grouped by unordered team pair, heaviest pair first (the graph's side list).

    Returns ``team_a, team_b, n_edges, weight, examples, reason``: ``examples`` the strongest item
    pairs (``"PAY-283 / DAT-295"``, each unordered pair once), ``reason`` the first clause of the
    strongest edge's reason. The canvas view lists the same groups (``extension/src/pairs.ts``).
    """
    cols = ["team_a", "team_b", "n_edges", "weight", "examples", "reason"]
    if not len(edges):
        return pd.DataFrame(columns=cols)
    groups: dict[tuple[str, str], dict] = {}
    reasons = edges["reason"] if "reason" in edges.columns else [None] * len(edges)
    order = sorted(range(len(edges)), key=lambda i: -float(edges["weight"].iloc[i] or 0.0))
    src, dst, w = edges["source"].astype(str).tolist(), edges["target"].astype(str).tolist(), edges["weight"].tolist()
    reasons = list(reasons)
    for i in order:
        a, b = team_of.get(src[i]), team_of.get(dst[i])
        if a is None or b is None or a != a or b != b or a == b:
            continue
        key = tuple(sorted((str(a), str(b))))
        g = groups.setdefault(key, {"team_a": key[0], "team_b": key[1], "n_edges": 0, "weight": 0.0, "examples": [],
                                    "_seen": set(), "reason": first_reason(reasons[i])})
        g["n_edges"] += 1
        g["weight"] += float(w[i] or 0.0)
        pair = frozenset((src[i], dst[i]))
        if pair not in g["_seen"] and len(g["examples"]) < examples:
            g["_seen"].add(pair)
            g["examples"].append(f"{src[i]} / {dst[i]}")
    rows = sorted(groups.values(), key=lambda g: (-g["weight"], g["team_a"], g["team_b"]))
    for g in rows:
        del g["_seen"]
    return pd.DataFrame(rows, columns=cols)


def pairs_html(pairs: pd.DataFrame, *, max_pairs: int = 12) -> str:
    """The team-pair list as escaped HTML ("Payments <-> Data: PAY-283 / DAT-295, shared component ...")."""
    if not len(pairs):
        return "<p>No cross-team suggestions drawn.</p>"
    lines = []
    for r in pairs.head(max_pairs).itertuples(index=False):
        ex = [f"{r.examples[0]}, {r.reason}" if r.reason else r.examples[0], *r.examples[1:]] if r.examples else []
        lines.append(f"<li><b>{html.escape(r.team_a)} &lt;-&gt; {html.escape(r.team_b)}</b> "
                     f"({r.n_edges} edge{'' if r.n_edges == 1 else 's'}): {html.escape('; '.join(ex))}</li>")
    return "<div class='attn-team-pairs'><b>Which teams to talk to, and about what</b><ul>" + "".join(lines) + "</ul></div>"
