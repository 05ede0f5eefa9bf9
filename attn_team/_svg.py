"""Self-contained SVG charts: pure functions that return SVG strings.

Used by the HTML report, by notebook fallbacks (``_display.graph_mimebundle``)
and by anything else that needs a picture without JavaScript, a CDN or a font
download. Every piece of text that reaches the SVG goes through :func:`esc`, so
issue summaries, team names and sprint names cannot inject markup.

All functions are deterministic: the graph layout is seeded. Colours, shapes and edge kinds are
read from ``_palette.json``, the definition the canvas views bundle too.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "PALETTE",
    "STYLE",
    "edge_style",
    "node_style",
    "esc",
    "team_colors",
    "bar_chart",
    "line_chart",
    "diverging_bar_chart",
    "heatmap_svg",
    "graph_svg",
    "drawn_edges",
    "shape_points",
]


def _load_style() -> dict:
    from pathlib import Path

    return json.loads((Path(__file__).with_name("_palette.json")).read_text(encoding="utf-8"))


#: The one palette / node-shape / edge-kind definition (``_palette.json``), shared with the canvas views.
STYLE = _load_style()
#: Colour-blind-friendly palette (Okabe-Ito first), cycled for teams and series.
PALETTE = tuple(STYLE["teams"])
NO_TEAM = STYLE["no_team"]


def edge_style(kind: Any) -> tuple[str, dict]:
    """``(kind, style)`` for an edge kind (aliases resolved; unknown kinds are suggestions)."""
    k = str(kind or "suggested")
    k = STYLE["edge_aliases"].get(k, k)
    if k not in STYLE["edges"]:
        k = "suggested"
    return k, STYLE["edges"][k]


def node_style(kind: Any) -> tuple[str, dict]:
    """``(kind, style)`` for a node kind (``person`` is a member; unknown kinds are items)."""
    k = "member" if kind == "person" else str(kind or "item")
    if k not in STYLE["nodes"]:
        k = "item"
    return k, STYLE["nodes"][k]
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"


def esc(text: Any) -> str:
    """Escape any value for use as SVG/HTML text or attribute value (quotes included)."""
    if text is None:
        return ""
    try:
        if text != text:  # NaN / NA
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(text), quote=True)


def _fmt(v: float) -> str:
    if v is None or v != v:
        return "–"
    if abs(v - round(v)) < 1e-9:
        return f"{int(round(v)):,}"
    return f"{v:,.1f}" if abs(v) >= 10 else f"{v:.2f}"


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return f


def team_colors(teams: Sequence[Any]) -> dict[str, str]:
    """A stable colour per team: sorted names cycle through :data:`PALETTE`."""
    names = sorted({str(t) for t in teams if t is not None and t == t})
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(names)}


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" style="{_FONT};font-size:11px">'
            f"<title>{esc(title)}</title>")


def _empty(width: int, height: int, title: str, message: str) -> str:
    return (_open(width, height, title)
            + f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" fill="#666">{esc(message)}</text></svg>')


def _nice_step(span: float) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving at most about 5 intervals."""
    if not span or span != span or span <= 0:
        return 0.25
    raw = span / 5
    exp = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * exp >= raw - 1e-12:
            return m * exp
    return 10 * exp  # pragma: no cover


def _nice_max(v: float) -> float:
    """``v`` rounded up to a multiple of its tick step (1 when there is nothing to show)."""
    if not v or v != v or v <= 0:
        return 1.0
    step = _nice_step(v)
    return math.ceil(v / step - 1e-9) * step


def _axes(left: int, top: int, pw: float, ph: float, ymin: float, ymax: float, ylabel: str) -> list[str]:
    parts = []
    step = _nice_step(ymax - ymin)
    val = math.ceil(ymin / step - 1e-9) * step
    while val <= ymax + 1e-9:
        y = top + ph - (val - ymin) / (ymax - ymin) * ph
        parts.append(f'<line x1="{left}" x2="{left + pw:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#555">{esc(_fmt(val))}</text>')
        val += step
    if ylabel:
        parts.append(f'<text transform="translate(12,{top + ph / 2:.1f}) rotate(-90)" text-anchor="middle" fill="#333">{esc(ylabel)}</text>')
    return parts


def _legend(names: Sequence[str], colors: Sequence[str], x: float, y: float, *, line: bool = False) -> list[str]:
    parts, cx = [], x
    for name, col in zip(names, colors):
        if line:
            parts.append(f'<line x1="{cx:.1f}" x2="{cx + 14:.1f}" y1="{y - 4}" y2="{y - 4}" stroke="{col}" stroke-width="2.5"/>')
        else:
            parts.append(f'<rect x="{cx:.1f}" y="{y - 9}" width="12" height="10" fill="{col}"/>')
        parts.append(f'<text x="{cx + 17:.1f}" y="{y}" fill="#333">{esc(name)}</text>')
        cx += 28 + 6.5 * len(str(name))
    return parts


def _xlabels(labels: Sequence[Any], xs: Sequence[float], y: float, step_w: float) -> list[str]:
    parts = []
    rotate = step_w < 60 and any(len(str(lab)) > 6 for lab in labels)
    every = max(1, math.ceil(14 / step_w)) if step_w < 14 else 1
    for i, (lab, x) in enumerate(zip(labels, xs)):
        if i % every:
            continue
        text = str(lab)
        short = text if len(text) <= 18 else text[:17] + "…"
        if rotate:
            parts.append(f'<text transform="translate({x:.1f},{y}) rotate(-35)" text-anchor="end" fill="#333">'
                         f"<title>{esc(text)}</title>{esc(short)}</text>")
        else:
            parts.append(f'<text x="{x:.1f}" y="{y}" text-anchor="middle" fill="#333"><title>{esc(text)}</title>{esc(short)}</text>')
    return parts


def bar_chart(labels: Sequence[Any], series: Mapping[str, Sequence[Any]], *, title: str = "", ylabel: str = "",
              width: int = 640, height: int = 260, colors: Sequence[str] | None = None,
              line_series: Mapping[str, Sequence[Any]] | None = None) -> str:
    """Grouped bar chart (one group per label, one bar per series), optionally with line overlays.

    Parameters
    ----------
    labels : sequence
        x-axis categories (for example sprint names).
    series : mapping of str to sequence of float
        Bar heights per series, each as long as ``labels``. Missing values (NaN/None) draw no bar.
    line_series : mapping of str to sequence of float, optional
        Drawn as lines with points over the bars, on the same axis (for example a rolling velocity).

    Returns
    -------
    str
        A standalone ``<svg>`` element.
    """
    line_series = dict(line_series or {})
    if not len(labels) or not series:
        return _empty(width, height, title or "chart", "no data")
    colors = list(colors or PALETTE)
    vals = [_num(v) for s in list(series.values()) + list(line_series.values()) for v in s]
    finite = [v for v in vals if v == v]
    ymax = _nice_max(max(finite) if finite else 1.0)
    left, top, right, bottom = 48, 44, 12, 62
    pw, ph = width - left - right, height - top - bottom
    n, m = len(labels), len(series)
    step = pw / n
    bw = max(1.0, step * 0.8 / m)
    parts = [_open(width, height, title or "bar chart")]
    if title:
        parts.append(f'<text x="{left}" y="16" font-weight="bold" fill="#222">{esc(title)}</text>')
    parts += _axes(left, top, pw, ph, 0.0, ymax, ylabel)
    for j, (name, ys) in enumerate(series.items()):
        col = colors[j % len(colors)]
        for i, v in enumerate(ys):
            v = _num(v)
            if v != v:
                continue
            h = max(0.0, v) / ymax * ph
            x = left + i * step + step * 0.1 + j * bw
            parts.append(f'<rect x="{x:.1f}" y="{top + ph - h:.1f}" width="{bw:.1f}" height="{h:.1f}" fill="{col}">'
                         f"<title>{esc(labels[i])} · {esc(name)}: {esc(_fmt(v))}</title></rect>")
    for j, (name, ys) in enumerate(line_series.items()):
        col = colors[(m + j) % len(colors)]
        pts = [(left + i * step + step / 2, top + ph - _num(v) / ymax * ph) for i, v in enumerate(ys) if _num(v) == _num(v)]
        if len(pts) > 1:
            parts.append('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
                col, " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)))
        for (x, y) in pts:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{col}"/>')
    parts += _xlabels(labels, [left + i * step + step / 2 for i in range(n)], top + ph + 14, step)
    names = list(series) + list(line_series)
    cols = [colors[j % len(colors)] for j in range(len(names))]
    parts += _legend(names, cols, left, 32)
    parts.append("</svg>")
    return "".join(parts)


def line_chart(labels: Sequence[Any], series: Mapping[str, Sequence[Any]], *, title: str = "", ylabel: str = "",
               width: int = 640, height: int = 240, colors: Sequence[str] | None = None) -> str:
    """Line chart with one line per series over categorical x labels; NaN values break nothing (skipped)."""
    if not len(labels) or not series:
        return _empty(width, height, title or "chart", "no data")
    colors = list(colors or PALETTE)
    vals = [_num(v) for s in series.values() for v in s]
    finite = [v for v in vals if v == v]
    ymin = min(0.0, min(finite)) if finite else 0.0
    ymax = _nice_max(max(finite) if finite else 1.0)
    left, top, right, bottom = 48, 44, 12, 62
    pw, ph = width - left - right, height - top - bottom
    n = len(labels)
    step = pw / n
    parts = [_open(width, height, title or "line chart")]
    if title:
        parts.append(f'<text x="{left}" y="16" font-weight="bold" fill="#222">{esc(title)}</text>')
    parts += _axes(left, top, pw, ph, ymin, ymax, ylabel)
    for j, (name, ys) in enumerate(series.items()):
        col = colors[j % len(colors)]
        pts = [(left + i * step + step / 2, top + ph - (_num(v) - ymin) / (ymax - ymin) * ph, _num(v))
               for i, v in enumerate(ys) if _num(v) == _num(v)]
        if len(pts) > 1:
            parts.append('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
                col, " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts)))
        for x, y, v in pts:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{col}"><title>{esc(name)}: {esc(_fmt(v))}</title></circle>')
    parts += _xlabels(labels, [left + i * step + step / 2 for i in range(n)], top + ph + 14, step)
    names = list(series)
    parts += _legend(names, [colors[j % len(colors)] for j in range(len(names))], left, 32, line=True)
    parts.append("</svg>")
    return "".join(parts)


def diverging_bar_chart(labels: Sequence[Any], up: Mapping[str, Sequence[Any]], down: Mapping[str, Sequence[Any]], *,
                        title: str = "", ylabel: str = "", width: int = 640, height: int = 240,
                        colors: Sequence[str] = ("#D55E00", "#0072B2", "#E69F00", "#56B4E9")) -> str:
    """Bars above zero for ``up`` series (for example items added) and below zero for ``down`` (items removed).

    Values in ``down`` are given as positive numbers and drawn downwards. Series stack within each side.
    """
    if not len(labels) or not (up or down):
        return _empty(width, height, title or "chart", "no data")

    def _tot(group):
        out = []
        for i in range(len(labels)):
            out.append(sum(max(0.0, _num(s[i])) for s in group.values() if _num(s[i]) == _num(s[i])))
        return out

    top_max = _nice_max(max(_tot(up), default=0) or 1)
    bot_max = _nice_max(max(_tot(down), default=0) or 1)
    left, top, right, bottom = 48, 44, 12, 62
    pw, ph = width - left - right, height - top - bottom
    span = top_max + bot_max
    zero_y = top + top_max / span * ph
    n = len(labels)
    step = pw / n
    bw = step * 0.6
    parts = [_open(width, height, title or "scope change")]
    if title:
        parts.append(f'<text x="{left}" y="16" font-weight="bold" fill="#222">{esc(title)}</text>')
    for val in (-bot_max, -bot_max / 2, 0.0, top_max / 2, top_max):
        y = zero_y - val / span * ph
        parts.append(f'<line x1="{left}" x2="{left + pw:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#555">{esc(_fmt(abs(val)))}</text>')
    if ylabel:
        parts.append(f'<text transform="translate(12,{top + ph / 2:.1f}) rotate(-90)" text-anchor="middle" fill="#333">{esc(ylabel)}</text>')
    parts.append(f'<line x1="{left}" x2="{left + pw:.1f}" y1="{zero_y:.1f}" y2="{zero_y:.1f}" stroke="#333"/>')
    cols = list(colors)
    for side, group, sign in (("up", up, -1), ("down", down, 1)):
        base = [zero_y] * n
        for j, (name, ys) in enumerate(group.items()):
            col = cols[(j + (0 if side == "up" else len(up))) % len(cols)]
            for i, v in enumerate(ys):
                v = _num(v)
                if v != v or v <= 0:
                    continue
                h = v / span * ph
                y = base[i] - h if sign < 0 else base[i]
                x = left + i * step + (step - bw) / 2
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{h:.1f}" fill="{col}">'
                             f"<title>{esc(labels[i])} · {esc(name)}: {esc(_fmt(v))}</title></rect>")
                base[i] = y if sign < 0 else y + h
    parts += _xlabels(labels, [left + i * step + step / 2 for i in range(n)], top + ph + 14, step)
    names = list(up) + list(down)
    parts += _legend(names, [cols[j % len(cols)] for j in range(len(names))], left, 32)
    parts.append("</svg>")
    return "".join(parts)


def _hex(c: str) -> tuple[int, int, int]:
    c = c.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _heat_color(v: float, vmax: float) -> str:
    """The heat colour of ``v`` on a 0..``vmax`` scale (``STYLE["heat"]``: the canvas heatmap's too)."""
    heat = STYLE["heat"]
    if v != v or vmax <= 0:
        return "#f4f4f4"
    t = max(0.0, min(1.0, v / vmax)) ** heat["gamma"]
    lo, hi = _hex(heat["low"]), _hex(heat["high"])
    r, g, b = (round(a + (z - a) * t) for a, z in zip(lo, hi))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_svg(matrix: Any, *, title: str = "", row_label: str = "from", col_label: str = "to",
                cell: int = 34, fmt: str = "{:.2f}", marks: Sequence[tuple[Any, Any]] = ()) -> str:
    """Heatmap of a square or rectangular DataFrame (index = rows, columns = columns).

    Parameters
    ----------
    matrix : DataFrame
        Numeric values; NaN cells are drawn grey.
    marks : sequence of (row, col)
        Cells to outline (for example coordination gaps), drawn with a red border.
    """
    rows = [str(r) for r in getattr(matrix, "index", [])]
    cols = [str(c) for c in getattr(matrix, "columns", [])]
    if not rows or not cols:
        return _empty(360, 80, title or "heatmap", "no data")
    values = [[_num(v) for v in row] for row in matrix.to_numpy().tolist()]
    finite = [v for row in values for v in row if v == v]
    vmax = max(finite) if finite else 0.0
    label_w = min(170, 12 + 6.5 * max(len(r) for r in rows))
    head_h = min(130, 18 + 5.0 * max(len(c) for c in cols))
    width = max(340, int(label_w + cell * len(cols) + 20), int(12 + 6.6 * len(title)))
    height = int(head_h + cell * len(rows) + 36)
    parts = [_open(width, height, title or "heatmap")]
    if title:
        parts.append(f'<text x="4" y="14" font-weight="bold" fill="#222">{esc(title)}</text>')
    mark_set = {(str(a), str(b)) for a, b in marks}
    y0 = head_h
    for j, c in enumerate(cols):
        x = label_w + j * cell + cell / 2
        short = c if len(c) <= 20 else c[:19] + "…"
        parts.append(f'<text transform="translate({x + 3:.1f},{y0 - 4:.1f}) rotate(-50)" fill="#333"><title>{esc(c)}</title>{esc(short)}</text>')
    for i, r in enumerate(rows):
        y = y0 + i * cell
        short = r if len(r) <= 24 else r[:23] + "…"
        parts.append(f'<text x="{label_w - 4:.1f}" y="{y + cell / 2 + 4:.1f}" text-anchor="end" fill="#333"><title>{esc(r)}</title>{esc(short)}</text>')
        for j, c in enumerate(cols):
            v = values[i][j]
            x = label_w + j * cell
            col = _heat_color(v, vmax)
            stroke = ' stroke="#d00" stroke-width="2.5"' if (r, c) in mark_set else ' stroke="#fff"'
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell}" height="{cell}" fill="{col}"{stroke}>'
                         f"<title>{esc(r)} → {esc(c)}: {esc(fmt.format(v) if v == v else 'n/a')}</title></rect>")
            if v == v and v > 0 and cell >= 26:
                txt_col = "#fff" if vmax and v / vmax > 0.45 else "#333"
                text = fmt.format(v)
                if len(text) > 5:
                    text = _fmt(v)
                parts.append(f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2 + 3:.1f}" text-anchor="middle" font-size="9" fill="{txt_col}">{esc(text)}</text>')
    parts.append(f'<text x="4" y="{height - 8}" fill="#666">rows: {esc(row_label)} · columns: {esc(col_label)}'
                 + (" · red outline: coordination gap" if mark_set else "") + "</text>")
    parts.append("</svg>")
    return "".join(parts)


def _seed_of(payload: Mapping[str, Any]) -> int:
    ids = ",".join(sorted(str(n.get("id")) for n in payload.get("nodes", [])))
    return int(hashlib.sha1(ids.encode("utf-8")).hexdigest()[:8], 16)


def graph_svg(payload: Mapping[str, Any], *, width: int = 720, height: int = 480, max_nodes: int = 150,
              seed: int | None = None, labels: bool = True) -> str:
    """Draw a graph MIME payload (``_display.graph_payload``) as a static SVG.

    Layout: ``networkx.spring_layout`` seeded (by ``seed`` or a hash of the node ids), so the
    same payload always gives the same picture. Colours, node shapes and edge kinds come from
    ``_palette.json`` (:data:`STYLE`), as in the canvas view: nodes coloured by team, one shape
    per kind (item circle, member square, team hexagon, sprint diamond); edges coloured and
    dashed by kind (suggested, link, at_risk, gap), width following ``weight``, with a legend of
    the kinds drawn. The payload's ``meta`` (threshold, head, scope, team) selects the edges drawn,
    by the canvas's rule (:func:`drawn_edges`). When the graph has more than ``max_nodes`` nodes,
    only the nodes of the heaviest edges are drawn, and the picture says so.
    Every label and tooltip is escaped.
    """
    import networkx as nx

    meta = dict(payload.get("meta") or {})
    title = str(meta.get("title") or "attention graph")
    nodes = {str(n["id"]): n for n in payload.get("nodes", [])}
    edges = [e for e in payload.get("edges", []) if str(e.get("source")) in nodes and str(e.get("target")) in nodes]
    if not nodes:
        return _empty(width, 80, title, "no nodes")
    edges = drawn_edges(edges, nodes, meta)
    if meta.get("team"):  # a team focus: that team's nodes and the ends of its edges
        ends = {str(e[end]) for e in edges for end in ("source", "target")}
        nodes = {k: v for k, v in nodes.items() if k in ends or v.get("team") == meta["team"]}
    note = ""
    if len(nodes) > max_nodes:
        keep: list[str] = []
        for e in sorted(edges, key=lambda e: -_num(e.get("weight") or 0)):
            for end in (str(e["source"]), str(e["target"])):
                if end not in keep:
                    keep.append(end)
            if len(keep) >= max_nodes:
                break
        keep_set = set(keep[:max_nodes]) or set(list(nodes)[:max_nodes])
        note = f"showing {len(keep_set)} of {len(nodes)} nodes (heaviest edges)"
        nodes = {k: v for k, v in nodes.items() if k in keep_set}
        edges = [e for e in edges if str(e["source"]) in nodes and str(e["target"]) in nodes]
    g = nx.Graph()
    g.add_nodes_from(sorted(nodes))
    for e in edges:
        w = max(_num(e.get("weight") or 0.0), 0.0)
        w = w if w == w else 0.0
        a, b = str(e["source"]), str(e["target"])
        if g.has_edge(a, b):
            g[a][b]["weight"] = max(g[a][b]["weight"], w + 1e-3)
        else:
            g.add_edge(a, b, weight=w + 1e-3)
    pos = nx.spring_layout(g, seed=_seed_of(payload) if seed is None else seed, weight="weight",
                           k=1.6 / math.sqrt(max(g.number_of_nodes(), 1)), iterations=80)
    legend_h = 20
    pad = 28
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    right = pad + (max((min(len(k), 16) for k in nodes), default=0) * 5.4 + 8 if labels and len(nodes) <= 60 else 0)
    sx = (width - pad - right) / ((maxx - minx) or 1.0)
    sy = (height - 2 * pad - legend_h - 10) / ((maxy - miny) or 1.0)

    def xy(k):
        x, y = pos[k]
        if maxx == minx:
            return width / 2, (height + legend_h) / 2
        return pad + (x - minx) * sx, pad + legend_h + (y - miny) * sy

    colors = team_colors([n.get("team") for n in nodes.values()])
    wmax = max([_num(e.get("weight") or 0) for e in edges if _num(e.get("weight") or 0) == _num(e.get("weight") or 0)] or [1.0]) or 1.0
    parts = [_open(width, height, title)]
    parts.append(f'<text x="6" y="14" font-weight="bold" fill="#222">{esc(title)}</text>')
    if note:
        parts.append(f'<text x="{width - 6}" y="14" text-anchor="end" fill="#666">{esc(note)}</text>')
    parts.append('<g stroke-linecap="round">')
    kinds_drawn: list[str] = []
    for e in sorted(edges, key=lambda e: _num(e.get("weight") or 0)):
        (x1, y1), (x2, y2) = xy(str(e["source"])), xy(str(e["target"]))
        w = _num(e.get("weight") or 0)
        w = w if w == w else 0.0
        sw = 0.6 + 3.4 * (w / wmax)
        kind, style = edge_style(e.get("kind"))
        if kind not in kinds_drawn:
            kinds_drawn.append(kind)
        dash = f' stroke-dasharray="{" ".join(str(d) for d in style["dash"])}"' if style["dash"] else ""
        if kind == "gap":
            sw = max(sw, 2.5)
        tip = f"{e['source']} → {e['target']} ({kind}) weight {w:.3f}"
        if e.get("reason"):
            tip += f": {e['reason']}"
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{style["color"]}" '
                     f'stroke-width="{sw:.2f}" stroke-opacity="0.8"{dash}><title>{esc(tip)}</title></line>')
    parts.append("</g><g>")
    show_labels = labels and len(nodes) <= 60
    base_r = 5
    for k, n in nodes.items():
        x, y = xy(k)
        team = n.get("team")
        col = colors.get(str(team), NO_TEAM) if team is not None and team == team else NO_TEAM
        _, style = node_style(n.get("kind"))
        label = str(n.get("label") or k)
        tip = f"{k}: {label}" if label != k else k
        if team is not None and team == team:
            tip += f" [{team}]"
        if n.get("status"):
            tip += f" ({n['status']})"
        r = base_r * style["scale"]
        parts.append(_shape_svg(style["shape"], x, y, r, col, esc(tip)))
        if show_labels:
            short = k if len(k) <= 16 else k[:15] + "…"
            parts.append(f'<text x="{x + r + 2:.1f}" y="{y + 3:.1f}" font-size="9" fill="#333">{esc(short)}</text>')
    parts.append("</g>")
    if colors:
        parts += _legend(list(colors)[:10], [colors[t] for t in list(colors)[:10]], 6, height - 6)
    if len(kinds_drawn) > 1 or (kinds_drawn and kinds_drawn != ["suggested"]):
        parts += _edge_legend(kinds_drawn, width - 6, 30)
    parts.append("</svg>")
    return "".join(parts)


def drawn_edges(edges: list, nodes: Mapping[str, Any], meta: Mapping[str, Any]) -> list:
    """The edges the canvas view draws for the payload's ``meta`` (threshold, head, scope, team)."""
    from ._display import visible_mask

    if not edges:
        return edges
    team = {k: n.get("team") for k, n in nodes.items()}
    dom = [max(e["heads"], key=e["heads"].get) if e.get("heads") else None for e in edges]
    keep = visible_mask([team[str(e["source"])] for e in edges], [team[str(e["target"])] for e in edges],
                        [e.get("weight") for e in edges], kind=[e.get("kind") for e in edges], dominant=dom,
                        threshold=float(meta.get("threshold") or 0.0), head=meta.get("head"),
                        scope=str(meta.get("scope") or "all"), team=meta.get("team"))
    return [e for e, k in zip(edges, keep) if k]


def shape_points(shape: str, x: float, y: float, r: float) -> list[tuple[float, float]]:
    """Polygon corners of a node shape (``square``, ``hexagon``, ``diamond``; the canvas traces the same)."""
    if shape == "square":
        return [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
    if shape == "diamond":
        return [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    if shape == "hexagon":
        return [(x + r * math.cos(math.pi / 6 + i * math.pi / 3), y + r * math.sin(math.pi / 6 + i * math.pi / 3))
                for i in range(6)]
    return []


def _shape_svg(shape: str, x: float, y: float, r: float, fill: str, tip: str) -> str:
    pts = shape_points(shape, x, y, r)
    if not pts:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" stroke="#fff"><title>{tip}</title></circle>'
    p = " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)
    return f'<polygon points="{p}" fill="{fill}" stroke="#fff"><title>{tip}</title></polygon>'


def _edge_legend(kinds: Sequence[str], right: float, y: float) -> list[str]:
    """One line per edge kind drawn (its colour, dash and meaning), right-aligned."""
    parts = []
    for i, kind in enumerate(kinds):
        _, style = edge_style(kind)
        yy = y + i * 13
        dash = f' stroke-dasharray="{" ".join(str(d) for d in style["dash"])}"' if style["dash"] else ""
        parts.append(f'<line x1="{right - 22:.1f}" x2="{right:.1f}" y1="{yy - 3}" y2="{yy - 3}" stroke="{style["color"]}" '
                     f'stroke-width="2.5"{dash}/>')
        parts.append(f'<text x="{right - 26:.1f}" y="{yy}" text-anchor="end" font-size="9.5" fill="#444">{esc(style["label"])}</text>')
    return parts
