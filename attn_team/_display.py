"""Notebook display helpers shared by every layer (no heavy imports).

Every result object's ``_repr_mimebundle_`` goes through here, so the notebook,
the file export and other front ends share one renderer. All text is escaped.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pandas as pd

__all__ = ["GRAPH_MIME", "GRAPH_VERSION", "graph_payload", "graph_mimebundle", "table_html"]

GRAPH_MIME = "application/vnd.attn-team.graph+json"
GRAPH_VERSION = 1


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


def graph_mimebundle(payload: dict, *, plain: str | None = None) -> dict:
    """MIME bundle for a graph: our vendor type, a self-contained HTML fallback and plain text."""
    n, m = len(payload["nodes"]), len(payload["edges"])
    title = payload.get("meta", {}).get("title") or "attention graph"
    text = plain or f"{title}: {n} nodes, {m} edges"
    from ._svg import graph_svg  # a static picture for front ends without the extension

    fallback = graph_svg(payload)
    edges = pd.DataFrame(payload["edges"], columns=["source", "target", "weight", "kind"])
    html_out = (f"<div class='attn-team-graph'><strong>{html.escape(title)}</strong> "
                f"<span>({n} nodes, {m} edges)</span>{fallback or ''}"
                f"{table_html(edges.sort_values('weight', ascending=False), max_rows=25)}</div>")
    return {GRAPH_MIME: json.loads(json.dumps(payload)), "text/html": html_out, "text/plain": text}
