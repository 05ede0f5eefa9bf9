"""The sprint report: computed once, rendered as one self-contained HTML file, Markdown, or in a notebook.

The HTML has no script, no CDN, no external font and no remote image: charts are
inline SVG (:mod:`attn_team._svg`), styles are scoped under ``.attn-team-report``,
and the full file carries a Content-Security-Policy that forbids scripts and
network access, as a second line of defence behind escaping every piece of
issue text.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .. import _svg
from .._display import graph_payload
from ..insights._coupling import team_coupling
from ..attention._fitted import DEFAULT_K, as_backlog_attention
from ..insights._dependencies import suggest_dependencies
from ..insights._sprints import METRIC_DEFINITIONS, at_risk_dependencies, resolve_sprint, sprint_metrics
from ..model import Backlog

__all__ = ["SprintReport", "md_escape"]

log = logging.getLogger(__name__)

_CSS = """
.attn-team-report{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1d1d1f;
  max-width:1060px;margin:0 auto;padding:12px 18px;line-height:1.4;font-size:14px;background:#fff}
.attn-team-report h1{font-size:22px;margin:4px 0 2px}
.attn-team-report h2{font-size:17px;margin:22px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}
.attn-team-report .sub{color:#555;margin:0 0 10px}
.attn-team-report .cards{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.attn-team-report .card{border:1px solid #ddd;border-radius:6px;padding:6px 10px;min-width:92px}
.attn-team-report .card b{display:block;font-size:20px}
.attn-team-report .card span{color:#555;font-size:12px}
.attn-team-report table{border-collapse:collapse;margin:6px 0;font-size:12.5px}
.attn-team-report th,.attn-team-report td{border:1px solid #e1e1e1;padding:3px 6px;text-align:left;vertical-align:top}
.attn-team-report th{background:#f5f6f8}
.attn-team-report td.num{text-align:right;font-variant-numeric:tabular-nums}
.attn-team-report .note{color:#6b4e00;background:#fff8e1;border-left:3px solid #e6b800;padding:4px 8px;margin:6px 0}
.attn-team-report .charts{display:flex;flex-wrap:wrap;gap:10px}
.attn-team-report svg{max-width:100%;height:auto}
.attn-team-report dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:12.5px}
.attn-team-report dt{font-weight:600}
.attn-team-report footer{color:#777;font-size:12px;margin-top:24px}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; script-src 'none'; connect-src 'none'"

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
_MD_LEADING = re.compile(r"^(\s*)([#+\-!=>])")
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])")


def md_escape(text: Any) -> str:
    """Escape issue text for Markdown: HTML made inert (``&lt;``), emphasis/code/link/table characters
    backslashed, a leading heading/list/quote marker escaped, all on one line."""
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return ""
    s = " ".join(str(text).split())
    s = html.escape(s, quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = _MD_ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), s)
    return _MD_LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), s)  # no heading, list or quote


def _e(v: Any) -> str:
    return _svg.esc(v)


def _fmt(v: Any, kind: str = "") -> str:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return "–"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d}"
    if kind == "pct":
        return f"{float(v):.0%}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.0f}" if v == int(v) and kind != "f3" else f"{v:.3f}" if kind == "f3" else f"{v:,.2f}"
    return str(v)


def _html_table(df: pd.DataFrame, columns: list[str], *, kinds: dict[str, str] | None = None,
                headers: dict[str, str] | None = None, max_rows: int = 30) -> str:
    kinds = kinds or {}
    headers = headers or {}
    cols = [c for c in columns if c in df.columns]
    head = "".join(f"<th>{_e(headers.get(c, c))}</th>" for c in cols)
    rows = []
    for rec in df.head(max_rows).to_dict("records"):
        cells = []
        for c in cols:
            v = rec[c]
            num = isinstance(v, (int, float)) and not isinstance(v, bool)
            cells.append(f"<td{' class=num' if num else ''}>{_e(_fmt(v, kinds.get(c, '')))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class='sub'>… and {len(df) - max_rows:,} more</p>" if len(df) > max_rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _md_table(df: pd.DataFrame, columns: list[str], *, kinds: dict[str, str] | None = None,
              headers: dict[str, str] | None = None, max_rows: int = 30) -> str:
    kinds = kinds or {}
    headers = headers or {}
    cols = [c for c in columns if c in df.columns]
    if not len(df):
        return "_none_\n"
    lines = ["| " + " | ".join(md_escape(headers.get(c, c)) for c in cols) + " |",
             "|" + "|".join("---" for _ in cols) + "|"]
    for rec in df.head(max_rows).to_dict("records"):
        lines.append("| " + " | ".join(md_escape(_fmt(rec[c], kinds.get(c, ""))) for c in cols) + " |")
    if len(df) > max_rows:
        lines.append(f"\n… and {len(df) - max_rows:,} more")
    return "\n".join(lines) + "\n"


class SprintReport:
    """A sprint report for a review: metrics, charts, at-risk and suggested cross-team dependencies, coupling.

    Everything is computed once, on first use (:attr:`data`), and rendered by :meth:`html`,
    :meth:`html_snippet`, :meth:`markdown`, :meth:`write` and in notebooks.

    Parameters
    ----------
    backlog : Backlog
    sprint : str, optional
        Sprint id or name. Default: the latest sprint that has started (the active one if any).
    attention : optional
        A fitted ``CrossAttention``, or attention results/edge tables (a mapping with an ``"items"``
        entry, an ``Attention`` or a DataFrame). ``None`` fits a default model once for the whole
        report; ``False`` leaves attention out (links only).
    now : datetime-like, optional
        The clock (default: current UTC time), for running sprints and the footer.
    top : int, default=10
        Suggestions and gaps listed.
    window : int, default=12
        Sprints shown in the velocity and scope charts.
    last_closed : bool, default=False
        With ``sprint=None``, report the most recently *closed* sprint instead.

    Examples
    --------
    >>> from attn_team.model import Backlog
    >>> SprintReport(Backlog(), attention=False).sprint_name is None
    True
    """

    def __init__(self, backlog: Backlog, sprint: Any = None, *, attention: Any = None, now: Any = None,
                 top: int = 10, window: int = 12, last_closed: bool = False):
        if not isinstance(backlog, Backlog):
            raise TypeError(f"SprintReport needs a Backlog, not {type(backlog).__name__}")
        self.backlog = backlog
        self.sprint = sprint
        self.attention = attention
        self.now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
        if self.now.tzinfo is None:
            self.now = self.now.tz_localize("UTC")
        self.top = top
        self.window = window
        self.last_closed = last_closed
        # resolve the sprint eagerly so a wrong name fails at construction
        self._sprint_row = resolve_sprint(backlog, sprint, now=self.now, last_closed=last_closed)

    # -- computed once --------------------------------------------------------------------------
    @property
    def sprint_name(self) -> str | None:
        r = self._sprint_row
        if r is None:
            return None
        return str(r["name"]) if r["name"] is not pd.NA and r["name"] is not None else str(r["sprint_id"])

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        """Everything the report shows (DataFrames, the coupling result, the graph payload, notes)."""
        b = self.backlog
        notes: list[str] = []
        att = self.attention
        use_att = att is not False and b.n_items >= 2
        bound = as_backlog_attention(b, att) if use_att else None
        if bound is not None:  # None: the untrained model (the report never fits)
            att = bound.attend("items", DEFAULT_K)  # once, shared by every section
        metrics = sprint_metrics(b, now=self.now)
        row = self._sprint_row
        sid = None if row is None else str(row["sprint_id"])
        board = None if row is None or row["team"] is pd.NA else row["team"]
        if sid is not None and sid not in set(metrics["sprint_id"]):
            metrics = pd.concat([metrics, sprint_metrics(b, sid, now=self.now)], ignore_index=True) if len(metrics) else \
                sprint_metrics(b, sid, now=self.now)
        this = metrics[metrics["sprint_id"] == sid] if sid is not None else metrics.iloc[0:0]
        hist = metrics[(metrics["team"] == board).fillna(False)] if board is not None else metrics[metrics["team"].isna()]
        if sid is not None and len(hist):
            hist = hist[hist["start"] <= this["start"].iloc[0]] if len(this) and this["start"].notna().all() else hist
        hist = hist.tail(self.window)
        if row is None:
            notes.append("This backlog has no sprints: sprint metrics cannot be computed.")
        sprint_items = b.items[b.items["sprints"].map(lambda s: sid in s)] if sid is not None else b.items.iloc[0:0]
        if sid is not None and not len(sprint_items):
            notes.append(f"Sprint {self.sprint_name!r} has no items.")
        at_risk = at_risk_dependencies(b, sid, attention=att if use_att else None, now=self.now,
                                       use_attention=use_att) if sid is not None else at_risk_dependencies(b, attention=False, use_attention=False)
        if use_att:
            sugg_all = suggest_dependencies(b, top=None, attention=att)
            keys = set(sprint_items["key"])
            sugg = sugg_all[sugg_all["source"].isin(keys) | sugg_all["target"].isin(keys)]
            scope = "touching this sprint's items"
            if not len(sugg):
                sugg, scope = sugg_all, "across the backlog (none touch this sprint's items)"
            sugg = sugg.head(self.top).reset_index(drop=True)
            sugg["rank"] = range(1, len(sugg) + 1)
            coupling = team_coupling(b, attention=att)
        else:
            sugg, scope, coupling = None, "", None
            notes.append("Attention was not used: suggestions and team coupling are left out.")
        return {
            "sprint_id": sid, "metrics": metrics, "this": this, "history": hist, "sprint_items": sprint_items,
            "at_risk": at_risk, "suggestions": sugg, "suggestion_scope": scope, "coupling": coupling,
            "graph": self._graph(sprint_items, at_risk, sugg), "notes": notes,
            "attention": att if use_att else None,  # for the flow section (what dependencies typically cost)
        }

    def _graph(self, sprint_items: pd.DataFrame, at_risk: pd.DataFrame, sugg: pd.DataFrame | None) -> dict:
        b = self.backlog
        idx = b.items.set_index("key")
        edges = []
        for r in at_risk.itertuples(index=False):
            edges.append({"source": r.key, "target": r.depends_on, "weight": 1.0 if r.weight is pd.NA else float(r.weight),
                          "kind": "at_risk", "reason": r.via})
        keys = set(sprint_items["key"])
        ln = b.links[(b.links["category"] == "dependency") & (b.links["source_key"].isin(keys) | b.links["target_key"].isin(keys))]
        for s, t, lab in zip(ln["source_key"], ln["target_key"], ln["label"]):
            edges.append({"source": s, "target": t, "weight": 0.5, "kind": "link", "reason": None if lab is pd.NA else str(lab)})
        if sugg is not None:
            for r in sugg.itertuples(index=False):
                edges.append({"source": r.source, "target": r.target, "weight": float(r.weight), "kind": "suggested",
                              "reason": None if r.reason is pd.NA else str(r.reason)})
        ids = sorted({e["source"] for e in edges} | {e["target"] for e in edges})
        nodes = pd.DataFrame([{"id": k, "label": str(idx["summary"].get(k)) if k in idx.index and idx["summary"].get(k) is not pd.NA else k,
                               "kind": "item", "team": idx["team"].get(k) if k in idx.index else None,
                               "status": idx["status"].get(k) if k in idx.index else None} for k in ids],
                             columns=["id", "label", "kind", "team", "status"])
        return graph_payload(nodes, pd.DataFrame(edges, columns=["source", "target", "weight", "kind", "reason"]),
                             title="Cross-team dependencies of the sprint")

    # -- team rules and definitions ---------------------------------------------------------------
    def _team_rules(self) -> pd.DataFrame:
        t = self.backlog.teams
        if len(t):
            return t[["team", "rule", "n_items"]]
        it = self.backlog.items
        if not len(it):
            return pd.DataFrame(columns=["team", "rule", "n_items"])
        g = it.groupby([it["team"].fillna("(none)"), it["team_rule"].fillna("(unknown)")]).size()
        return g.reset_index().set_axis(["team", "rule", "n_items"], axis=1)

    @staticmethod
    def _definitions(coupling) -> dict[str, str]:
        """Every definition the report uses, for the HTML and the Markdown alike."""
        out = dict(METRIC_DEFINITIONS)
        if coupling is not None:
            out["congruence"] = coupling.definition
        out["at risk"] = ("item of the sprint, unfinished, waiting (dependency link, or a strong attention edge: "
                          "score in the top 10% of cross-team edges) on an unfinished item of another team")
        return out

    def _rule_counts(self) -> str:
        it = self.backlog.items
        if not len(it):
            return "no items"
        vc = it["team_rule"].fillna("(unknown)").value_counts()
        return ", ".join(f"{k}: {v:,} items" for k, v in vc.items())

    # -- rendering --------------------------------------------------------------------------------
    def _title(self) -> str:
        return f"Sprint report: {self.sprint_name}" if self.sprint_name else "Sprint report"

    def html_snippet(self) -> str:
        """The report body (scoped styles, no script), for notebooks and embedding in other pages."""
        d = self.data
        parts = [f"<div class='attn-team-report'><style>{_CSS}</style>", f"<h1>{_e(self._title())}</h1>"]
        row = self._sprint_row
        if row is not None:
            sub = [f"state: {_fmt(row['state'])}", f"start {_fmt(row['start'])}",
                   f"end {_fmt(row['end'])}", f"completed {_fmt(row['complete'])}"]
            if row["team"] is not pd.NA and row["team"] is not None:
                sub.insert(0, f"board/team: {row['team']}")
            parts.append(f"<p class='sub'>{_e(' · '.join(sub))}</p>")
            if row["goal"] is not pd.NA and row["goal"] is not None:
                parts.append(f"<p><strong>Goal:</strong> {_e(row['goal'])}</p>")
        for n in d["notes"]:
            parts.append(f"<p class='note'>{_e(n)}</p>")
        this = d["this"]
        if len(this):
            r = this.iloc[0]
            cards = [("committed", r["committed"], ""), ("added", r["added"], ""), ("removed", r["removed"], ""),
                     ("completed", r["completed"], ""), ("not completed", r["not_completed"], ""),
                     ("carried over", r["carried_over"], ""), ("say/do", r["say_do"], "pct"),
                     ("say/do strict", r["say_do_strict"], "pct"), ("points done", r["completed_points"], ""),
                     ("scope change", r["scope_change"], "pct")]
            parts.append("<div class='cards'>" + "".join(
                f"<div class='card'><b>{_e(_fmt(v, k))}</b><span>{_e(name)}</span></div>" for name, v, k in cards) + "</div>")
            if isinstance(r["notes"], str) and r["notes"]:
                parts.append(f"<p class='note'>{_e(r['notes'])}</p>")
        hist = d["history"]
        if len(hist):
            labels = hist["sprint"].tolist()
            parts.append("<h2>Velocity and commitment</h2><div class='charts'>")
            parts.append(_svg.bar_chart(labels, {"committed": hist["committed"].tolist(), "completed": hist["completed"].tolist()},
                                        line_series={"velocity (avg items)": hist["velocity_items_avg"].tolist()},
                                        title="Items committed and completed", ylabel="items", width=520))
            parts.append(_svg.bar_chart(labels, {"completed points": hist["velocity_points"].tolist()},
                                        line_series={"velocity (avg points)": hist["velocity_points_avg"].tolist()},
                                        title="Story points completed", ylabel="points", width=520,
                                        colors=("#009E73", "#CC79A7")))
            parts.append("</div><h2>Scope change</h2>")
            parts.append(_svg.diverging_bar_chart(labels, {"added after start": hist["added"].tolist()},
                                                  {"removed after start": hist["removed"].tolist()},
                                                  title="Items added (up) and removed (down) after the start", ylabel="items"))
            parts.append(_html_table(hist, ["sprint", "committed", "added", "removed", "completed", "not_completed",
                                            "carried_over", "say_do", "say_do_strict", "velocity_points", "scope_change"],
                                     kinds={"say_do": "pct", "say_do_strict": "pct", "scope_change": "pct"}))
        parts.append("<h2>At-risk cross-team dependencies</h2>")
        ar = d["at_risk"]
        parts.append("<p class='sub'>Items of this sprint waiting on unfinished items of other teams, by link or by strong attention.</p>")
        parts.append(_html_table(ar, ["key", "team", "summary", "status", "depends_on", "depends_on_team",
                                      "depends_on_summary", "depends_on_status", "via", "weight"], kinds={"weight": "f3"})
                     if len(ar) else "<p>None found.</p>")
        from ._flow_view import at_risk_delay_html  # the delay these dependencies typically cost (flow)

        parts.append(at_risk_delay_html(self.backlog, ar, attention=d.get("attention")))
        if d["suggestions"] is not None:
            parts.append("<h2>Likely cross-team dependencies not linked yet</h2>")
            parts.append(f"<p class='sub'>Top {len(d['suggestions'])} {_e(d['suggestion_scope'])}, ranked by attention score.</p>")
            s = d["suggestions"]
            parts.append(_html_table(s, ["rank", "source", "source_team", "source_summary", "target", "target_team",
                                         "target_summary", "score", "reason"], kinds={"score": "f3"}) if len(s) else "<p>None found.</p>")
        if d["graph"]["nodes"]:
            parts.append("<h2>Dependency graph</h2>")
            parts.append(_svg.graph_svg(d["graph"], width=760, height=460))
            parts.append("<p class='sub'>Red: at-risk dependency · dashed grey: dependency link in Jira · blue: suggested by attention. "
                         "Colours are teams; hover for details.</p>")
        c = d["coupling"]
        if c is not None:
            parts.append("<h2>Team coupling and coordination</h2>")
            cong = "n/a (no pair of teams requires coordination)" if c.congruence != c.congruence else f"{c.congruence:.2f}"
            parts.append(f"<p><strong>Socio-technical congruence:</strong> {_e(cong)} "
                         f"({int(c.pairs['required'].sum())} team pairs require coordination, {len(c.gaps)} gap(s)).</p>")
            marks = list(zip(c.gaps["team_a"], c.gaps["team_b"])) + list(zip(c.gaps["team_b"], c.gaps["team_a"]))
            parts.append(_svg.heatmap_svg(c.cross_matrix(), title="Attention mass from team (rows) to team (columns), cross-team", marks=marks))
            if len(c.gaps):
                parts.append(_html_table(c.gaps.head(self.top), ["team_a", "team_b", "n_strong", "n_links", "n_shared_people", "example_pairs"],
                                         headers={"n_strong": "strong attention edges"}))
            else:
                parts.append("<p>No coordination gaps.</p>")
        parts.append("<h2>How teams were decided</h2>")
        parts.append(f"<p class='sub'>Rule that placed the items: {_e(self._rule_counts())}.</p>")
        parts.append(_html_table(self._team_rules(), ["team", "rule", "n_items"], max_rows=60))
        parts.append("<h2>Definitions</h2><dl>")
        for k, v in self._definitions(c).items():
            parts.append(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>")
        parts.append("</dl>")
        if self.backlog.warnings:
            parts.append("<h2>Import warnings</h2><ul>" + "".join(f"<li>{_e(w)}</li>" for w in self.backlog.warnings[:50]) + "</ul>")
        parts.append(f"<footer>Generated by attn_team on {self.now:%Y-%m-%d %H:%M} UTC from {self.backlog.n_items:,} items.</footer></div>")
        return "".join(parts)

    def html(self) -> str:
        """One self-contained HTML document (no script, no network: inline SVG and styles, strict CSP)."""
        return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
                "<meta name='viewport' content='width=device-width, initial-scale=1'>"
                f"<title>{_e(self._title())}</title></head><body style='margin:0'>{self.html_snippet()}</body></html>\n")

    def markdown(self) -> str:
        """The report as Markdown (issue text escaped; no charts)."""
        d = self.data
        out = [f"# {md_escape(self._title())}\n"]
        row = self._sprint_row
        if row is not None:
            out.append(md_escape(f"state: {_fmt(row['state'])} · start {_fmt(row['start'])} · end {_fmt(row['end'])}") + "\n")
        for n in d["notes"]:
            out.append(f"> {md_escape(n)}\n")
        this = d["this"]
        if len(this):
            r = this.iloc[0]
            out.append("## This sprint\n")
            out.append(_md_table(this, ["committed", "added", "removed", "completed", "not_completed", "carried_over",
                                        "say_do", "say_do_strict", "completed_points", "scope_change"],
                                 kinds={"say_do": "pct", "say_do_strict": "pct", "scope_change": "pct"}))
            if isinstance(r["notes"], str) and r["notes"]:
                out.append(f"> {md_escape(r['notes'])}\n")
        if len(d["history"]):
            out.append("## Velocity and scope over recent sprints\n")
            out.append(_md_table(d["history"], ["sprint", "committed", "added", "removed", "completed", "carried_over",
                                                "velocity_points", "velocity_points_avg", "scope_change"],
                                 kinds={"scope_change": "pct"}))
        out.append("## At-risk cross-team dependencies\n")
        out.append(_md_table(d["at_risk"], ["key", "team", "summary", "depends_on", "depends_on_team", "depends_on_summary",
                                            "depends_on_status", "via"]))
        from ._flow_view import at_risk_delay_markdown  # the delay these dependencies typically cost (flow)

        out.append(at_risk_delay_markdown(self.backlog, d["at_risk"], attention=d.get("attention")))
        if d["suggestions"] is not None:
            out.append(f"## Likely cross-team dependencies not linked yet\n\n{md_escape(d['suggestion_scope'])}\n")
            out.append(_md_table(d["suggestions"], ["rank", "source", "source_team", "source_summary", "target", "target_team",
                                                    "target_summary", "score", "reason"], kinds={"score": "f3"}))
        c = d["coupling"]
        if c is not None:
            cong = "n/a" if c.congruence != c.congruence else f"{c.congruence:.2f}"
            out.append(f"## Team coupling\n\nSocio-technical congruence: {cong}\n")
            out.append(_md_table(c.gaps, ["team_a", "team_b", "n_strong", "n_links", "n_shared_people", "example_pairs"]))
        out.append("## How teams were decided\n")
        out.append(md_escape(self._rule_counts()) + "\n")
        out.append(_md_table(self._team_rules(), ["team", "rule", "n_items"], max_rows=60))
        out.append("## Definitions\n")
        for k, v in self._definitions(c).items():
            out.append(f"- **{md_escape(k)}**: {md_escape(v)}")
        out.append(f"\n_Generated by attn\\_team on {self.now:%Y-%m-%d %H:%M} UTC._\n")
        return "\n".join(out)

    def write(self, path: str | Path, *, format: str | None = None) -> Path:
        """Write the report; the format comes from ``format`` ("html" or "md") or the file suffix."""
        path = Path(path)
        fmt = (format or {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}.get(path.suffix.lower(), "")).lower()
        if fmt in ("markdown",):
            fmt = "md"
        if fmt not in ("html", "md"):
            raise ValueError(f"cannot tell the report format of {path.name!r}: use a .html or .md suffix or format='html'|'md'")
        text = self.html() if fmt == "html" else self.markdown()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        log.info("wrote %s report to %s", fmt, path)
        return path

    # -- notebook -----------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"SprintReport(sprint={self.sprint_name!r}, items={self.backlog.n_items})"

    def _repr_html_(self) -> str:
        return self.html_snippet()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": repr(self), "text/html": self.html_snippet()}
