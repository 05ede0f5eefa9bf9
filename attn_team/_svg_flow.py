"""Flow charts as self-contained SVG, in the style of :mod:`attn_team._svg`.

A point chart with reference lines (the cycle-time scatter with percentile lines, and ageing
work in progress), a stacked area chart (the cumulative flow diagram) and a histogram with
marked percentiles (Monte Carlo forecasts). Every piece of text goes through :func:`esc`.
Throughput and WIP use :func:`attn_team._svg.bar_chart` and :func:`attn_team._svg.line_chart`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._svg import PALETTE, _axes, _empty, _fmt, _legend, _nice_max, _num, _open, esc

__all__ = ["SVG", "point_chart", "stacked_area_chart", "histogram_chart", "STAGE_COLORS"]

#: Colours of the four stages (done at the bottom of a cumulative flow diagram).
STAGE_COLORS = {"done": "#009E73", "in_progress": "#0072B2", "committed": "#E69F00", "backlog": "#bbbbbb"}
_LINE_COLORS = ("#D55E00", "#CC79A7", "#000000", "#56B4E9")
_HALO = 'paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round"'


class SVG(str):
    """An SVG string that notebooks display as a picture."""

    def _repr_svg_(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return str(self)


def _title(parts: list[str], left: int, title: str) -> None:
    if title:
        parts.append(f'<text x="{left}" y="16" font-weight="bold" fill="#222">{esc(title)}</text>')


def _xticks(parts: list[str], ticks: Sequence[tuple[float, Any]], left: float, pw: float, y: float) -> None:
    for pos, label in ticks:
        x = left + pos * pw
        anchor = "start" if pos <= 0.05 else "end" if pos >= 0.95 else "middle"  # keep the edge labels inside
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 12:.1f}" y2="{y - 8:.1f}" stroke="#999"/>')
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="#333">{esc(label)}</text>')


def _hlines(parts: list[str], lines: Mapping[str, float], left: float, pw: float, top: float, ph: float,
            ymax: float) -> None:
    for j, (name, v) in enumerate(lines.items()):
        v = _num(v)
        if v != v:
            continue
        y = top + ph - min(v, ymax) / ymax * ph
        col = _LINE_COLORS[j % len(_LINE_COLORS)]
        parts.append(f'<line x1="{left}" x2="{left + pw:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{col}" '
                     f'stroke-dasharray="5 3"><title>{esc(name)}: {esc(_fmt(v))}</title></line>')
        parts.append(f'<text x="{left + pw - 2:.1f}" y="{y - 3:.1f}" text-anchor="end" fill="{col}" {_HALO}>'
                     f"{esc(name)} {esc(_fmt(v))}</text>")


def point_chart(xs: Sequence[float], ys: Sequence[Any], *, tips: Sequence[Any] | None = None,
                groups: Sequence[Any] | None = None, lines: Mapping[str, float] | None = None,
                xticks: Sequence[tuple[float, Any]] = (), title: str = "", ylabel: str = "", width: int = 640,
                height: int = 280, colors: Mapping[str, str] | None = None) -> SVG:
    """Points at ``xs`` (0..1 across the plot) and ``ys``, with dashed horizontal reference lines.

    Parameters
    ----------
    xs : sequence of float
        Horizontal positions, 0 (left) to 1 (right).
    ys : sequence of float
        Values (for example cycle times in days); NaN draws no point.
    tips : sequence, optional
        Hover text per point (escaped).
    groups : sequence, optional
        Group per point (for example the team); one colour and one legend entry each.
    lines : mapping of str to float, optional
        Reference lines (for example ``{"50%": 3.1, "85%": 7.0}``).
    xticks : sequence of (position, label)
        Labels under the axis.
    """
    lines = dict(lines or {})
    vals = [_num(v) for v in ys] + [_num(v) for v in lines.values()]
    finite = [v for v in vals if v == v]
    if not len(xs) or not finite:
        return SVG(_empty(width, height, title or "chart", "no data"))
    ymax = _nice_max(max(finite))
    left, top, right, bottom = 48, 44, 12, 36
    pw, ph = width - left - right, height - top - bottom
    names = sorted({str(g) for g in groups}) if groups is not None else []
    cmap = dict(colors or {})
    for i, g in enumerate(names):
        cmap.setdefault(g, PALETTE[i % len(PALETTE)])
    parts = [_open(width, height, title or "point chart")]
    _title(parts, left, title)
    parts += _axes(left, top, pw, ph, 0.0, ymax, ylabel)
    for i, (x, y) in enumerate(zip(xs, ys)):
        y = _num(y)
        if y != y:
            continue
        col = cmap.get(str(groups[i]), PALETTE[0]) if groups is not None else PALETTE[0]
        tip = esc(tips[i]) if tips is not None else esc(_fmt(y))
        parts.append(f'<circle cx="{left + float(x) * pw:.1f}" cy="{top + ph - y / ymax * ph:.1f}" r="3" fill="{col}" '
                     f'fill-opacity="0.75"><title>{tip}</title></circle>')
    _hlines(parts, lines, left, pw, top, ph, ymax)
    _xticks(parts, xticks, left, pw, top + ph + 18)
    if names and len(names) > 1:
        parts += _legend(names, [cmap[n] for n in names], left, 32)
    parts.append("</svg>")
    return SVG("".join(parts))


def stacked_area_chart(labels: Sequence[Any], series: Mapping[str, Sequence[Any]], *, title: str = "",
                       ylabel: str = "", width: int = 640, height: int = 280,
                       colors: Mapping[str, str] | None = None, n_ticks: int = 6) -> SVG:
    """Stacked areas over categorical x ``labels`` (dates); the first series is at the bottom."""
    if not len(labels) or not series:
        return SVG(_empty(width, height, title or "chart", "no data"))
    n = len(labels)
    tops = [0.0] * n
    layers = []
    for name, ys in series.items():
        low = list(tops)
        tops = [a + max(0.0, _num(v) if _num(v) == _num(v) else 0.0) for a, v in zip(tops, ys)]
        layers.append((name, low, list(tops)))
    ymax = _nice_max(max(tops) if tops else 1.0)
    left, top, right, bottom = 48, 44, 12, 36
    pw, ph = width - left - right, height - top - bottom

    def x(i):
        return left + (i / (n - 1) if n > 1 else 0.5) * pw

    def y(v):
        return top + ph - v / ymax * ph

    parts = [_open(width, height, title or "stacked areas")]
    _title(parts, left, title)
    parts += _axes(left, top, pw, ph, 0.0, ymax, ylabel)
    cols = dict(colors or {})
    for j, (name, low, high) in enumerate(layers):
        col = cols.get(name, PALETTE[j % len(PALETTE)])
        pts = [f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(high)] + \
              [f"{x(i):.1f},{y(v):.1f}" for i, v in reversed(list(enumerate(low)))]
        last = high[-1] - low[-1]
        parts.append(f'<polygon points="{" ".join(pts)}" fill="{col}" fill-opacity="0.85" stroke="{col}">'
                     f"<title>{esc(name)}: {esc(_fmt(last))} at {esc(labels[-1])}</title></polygon>")
    step = max(1, (n - 1) // max(1, n_ticks - 1))
    _xticks(parts, [((i / (n - 1) if n > 1 else 0.5), labels[i]) for i in range(0, n, step)], left, pw, top + ph + 18)
    names = [name for name, _, _ in layers]
    parts += _legend(names, [cols.get(nm, PALETTE[j % len(PALETTE)]) for j, nm in enumerate(names)], left, 32)
    parts.append("</svg>")
    return SVG("".join(parts))


def histogram_chart(values: Sequence[float], counts: Sequence[float], *, marks: Mapping[str, float] | None = None,
                    title: str = "", xlabel: str = "", ylabel: str = "runs", width: int = 640, height: int = 260,
                    color: str = "#0072B2") -> SVG:
    """Bars of ``counts`` at integer ``values`` (for example days to done), with vertical ``marks``."""
    pairs = [(_num(v), _num(c)) for v, c in zip(values, counts) if _num(v) == _num(v) and _num(c) == _num(c)]
    if not pairs:
        return SVG(_empty(width, height, title or "histogram", "no data"))
    lo = min(v for v, _ in pairs)
    hi = max(v for v, _ in pairs)
    ymax = _nice_max(max(c for _, c in pairs))
    left, top, right, bottom = 48, 44, 12, 40
    pw, ph = width - left - right, height - top - bottom
    span = hi - lo + 1
    bw = pw / span

    def xpos(v):
        return left + (v - lo) * bw

    parts = [_open(width, height, title or "histogram")]
    _title(parts, left, title)
    parts += _axes(left, top, pw, ph, 0.0, ymax, ylabel)
    for v, c in pairs:
        h = c / ymax * ph
        parts.append(f'<rect x="{xpos(v):.1f}" y="{top + ph - h:.1f}" width="{max(0.8, bw - 1):.1f}" height="{h:.1f}" '
                     f'fill="{color}"><title>{esc(_fmt(v))}: {esc(_fmt(c))} runs</title></rect>')
    for j, (name, v) in enumerate((marks or {}).items()):
        v = _num(v)
        if v != v:
            continue
        x = xpos(v) + bw / 2
        col = _LINE_COLORS[j % len(_LINE_COLORS)]
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" stroke="{col}" stroke-dasharray="5 3"/>')
        parts.append(f'<text x="{x + 3:.1f}" y="{top + 10 + 12 * j}" fill="{col}" {_HALO}>{esc(name)} {esc(_fmt(v))}</text>')
    step = max(1, int(span // 8))
    ticks = [((v - lo + 0.5) / span, _fmt(v)) for v in range(int(lo), int(hi) + 1, step)]
    _xticks(parts, ticks, left, pw, top + ph + 18)
    if xlabel:
        parts.append(f'<text x="{left + pw / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="#333">{esc(xlabel)}</text>')
    parts.append("</svg>")
    return SVG("".join(parts))
