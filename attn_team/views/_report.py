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
from ..attention._fitted import as_backlog_attention
from ..insights._teams_check import team_warning
from ..insights._dependencies import suggest_dependencies
from ..insights._rules import strong_edge_definition
from ..insights._sprint_state import EXCLUDED_TYPES, counted_items, listing_sprint
from ..insights._sprints import (
    METRIC_DEFINITIONS,
    NEEDS,
    at_risk_dependencies,
    missing_text,
    pick_sprint,
    sprint_metrics,
)
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

#: teams drawn at most in the report's coupling heatmap (the most coupled; the title says how many there are)
HEATMAP_TEAMS = 30

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


def _cell(rec: dict, c: str, kind: str) -> str:
    """A table cell's text: the value, or for a missing sprint figure what data would give it."""
    v = rec[c]
    if isinstance(rec.get("missing"), dict) and _fmt(v) == "–":
        return missing_text(rec["missing"], c) or "–"
    return _fmt(v, kind)


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
            cells.append(f"<td{' class=num' if num else ''}>{_e(_cell(rec, c, kinds.get(c, '')))}</td>")
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
        lines.append("| " + " | ".join(md_escape(_cell(rec, c, kinds.get(c, ""))) for c in cols) + " |")
    if len(df) > max_rows:
        lines.append(f"\n… and {len(df) - max_rows:,} more")
    return "\n".join(lines) + "\n"


_CARDS = [("committed", "committed", ""), ("added", "added", ""), ("removed", "removed", ""),
          ("completed", "completed", ""), ("not completed", "not_completed", ""), ("carried over", "carried_over", ""),
          ("say/do", "say_do", "pct"), ("say/do strict", "say_do_strict", "pct"), ("points done", "completed_points", ""),
          ("scope change", "scope_change", "pct")]
_NOW_CARDS = [("in the sprint now", "in_sprint_now", ""), ("done now", "done_now", ""), ("not done now", "not_done_now", ""),
              ("points done now", "done_now_points", ""), ("points not done now", "not_done_now_points", "")]
_PCT = {"say_do": "pct", "say_do_strict": "pct", "scope_change": "pct"}
_HIST_COLS = ["sprint", "committed", "added", "removed", "completed", "not_completed", "carried_over", "say_do",
              "say_do_strict", "velocity_points", "scope_change", "in_sprint_now", "done_now", "not_done_now"]


def _needs_notes(row: pd.Series) -> list[str]:
    """For a metrics row, one sentence per kind of missing data, naming the figures it would give."""
    labels = {col: name for name, col, _k in _CARDS}
    by_code: dict[str, list[str]] = {}
    for col, code in (row["missing"] or {}).items():
        if col in labels:
            by_code.setdefault(code, []).append(labels[col])
    return [f"Missing figures — {', '.join(names)}: {NEEDS[code][1]}." for code, names in by_code.items()]


def _count_notes(backlog: Backlog, sid: str, team: str | None) -> list[str]:
    """Why this report's counts for the sprint can differ from another view of the same sprint."""
    items = backlog.items
    in_sprint = listing_sprint(items, sid)
    counted = counted_items(in_sprint, EXCLUDED_TYPES)
    notes = []
    if len(counted) < len(in_sprint):
        left = in_sprint.loc[~in_sprint.index.isin(counted.index), "type"].fillna("(no type)").value_counts()
        notes.append(f"Counts leave out {len(in_sprint) - len(counted)} item(s) of this sprint that are epics or sub-tasks "
                     f"({', '.join(f'{k}: {v}' for k, v in left.items())}), as Jira's sprint report does.")
    if team is not None:
        others = counted[(counted["team"] != team).fillna(True)]
        if len(others):
            by = others["team"].fillna("(no team)").value_counts()
            notes.append(f"Counts cover team {team!r} only: {len(counted) - len(others)} of the {len(counted)} counted items "
                         f"in this sprint now; not counted: {', '.join(f'{k} {v}' for k, v in by.items())}. "
                         "Without the team filter the same sprint shows higher figures.")
    placed = int(pd.to_numeric(backlog.teams["n_items"], errors="coerce").fillna(0).sum()) if len(backlog.teams) else 0
    if placed > backlog.n_items:
        notes.append(f"This backlog holds {backlog.n_items:,} of the {placed:,} items its import placed in teams: it was "
                     "filtered (for example with Backlog.replace(items=...)), so the figures count only the items present "
                     "and can be lower than sprint_metrics on the whole backlog.")
    return notes


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
    team : str, optional
        One team: its sprints (the default sprint is the team's latest), counting only its items;
        the report says how that differs from the whole sprint.

    Examples
    --------
    >>> from attn_team.model import Backlog
    >>> SprintReport(Backlog(), attention=False).sprint_name is None
    True
    """

    def __init__(self, backlog: Backlog, sprint: Any = None, *, attention: Any = None, now: Any = None,
                 top: int = 10, window: int = 12, last_closed: bool = False, team: str | None = None):
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
        self.team = team
        # resolve the sprint eagerly so a wrong sprint or team name fails at construction
        self._choice = pick_sprint(backlog, sprint, now=self.now, last_closed=last_closed, team=team)
        self._sprint_row = self._choice.row

    @property
    def choice_reason(self) -> str | None:
        """Why this sprint was picked, when the report picked it (ties across teams, no sprint dates)."""
        return self._choice.reason

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
        team_note = team_warning(b)  # one team, or none: no cross-team pair is possible (and the fix)
        if team_note:
            notes.append(team_note)
        att = self.attention
        use_att = att is not False and b.n_items >= 2 and not team_note
        bound = as_backlog_attention(b, att) if use_att else None
        if bound is not None:  # None: the untrained model (the report never fits)
            # once, shared by every section; the k already computed (e.g. kept in the workspace) if any
            att = bound.attend("items", bound.resolved_k())
        row = self._sprint_row
        sid = None if row is None else str(row["sprint_id"])
        metrics, this, hist = self._metrics(sid)
        if self._choice.reason:
            notes.append(f"Sprint picked: {self._choice.reason}.")
        if row is None:
            notes.append("This backlog has no sprints: sprint metrics cannot be computed.")
        sprint_items = listing_sprint(b.items, sid) if sid is not None else b.items.iloc[0:0]
        if self.team is not None:
            sprint_items = sprint_items[(sprint_items["team"] == self.team).fillna(False)]
        if sid is not None and not len(sprint_items):
            notes.append(f"Sprint {self.sprint_name!r} has no items" + (f" of team {self.team!r}." if self.team else "."))
        if sid is not None:
            notes.extend(_count_notes(b, sid, self.team))
        at_risk = at_risk_dependencies(b, sid, attention=att if use_att else None, now=self.now, use_attention=use_att,
                                       team=self.team) if sid is not None else at_risk_dependencies(b, attention=False, use_attention=False)
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

    def _metrics(self, sid: str | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(every sprint's metrics, this sprint's row, the recent sprints of its board for the charts)."""
        b = self.backlog
        metrics = sprint_metrics(b, now=self.now, team=self.team)
        if sid is not None and sid not in set(metrics["sprint_id"]):
            one = sprint_metrics(b, sid, now=self.now, team=self.team)
            metrics = pd.concat([metrics, one], ignore_index=True) if len(metrics) else one
        this = metrics[metrics["sprint_id"] == sid] if sid is not None else metrics.iloc[0:0]
        board = this["team"].iloc[0] if len(this) else pd.NA
        hist = metrics[metrics["team"].isna()] if board is pd.NA else metrics[(metrics["team"] == board).fillna(False)]
        if len(this) and this["start"].notna().all():
            hist = hist[hist["start"] <= this["start"].iloc[0]]
        return metrics, this, hist.tail(self.window)

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
        out["at risk"] = ("item of the sprint, unfinished, waiting (by a dependency link, or a strong attention edge) "
                          "on an unfinished item of another team")
        out["strong edge"] = strong_edge_definition().removeprefix("strong edge: ")
        out["cycle time (similar history)"] = (
            "from when work started (the first move into an in-progress or done status; created, when there is no "
            "status history) to resolved. One definition for the whole library: the similar-history outcomes used "
            "to count from any first status change and the attention history from creation; the flow literature's "
            "(and jira-agile-metrics') start of work won")
        return out

    def _rule_counts(self) -> str:
        it = self.backlog.items
        if not len(it):
            return "no items"
        vc = it["team_rule"].fillna("(unknown)").value_counts()
        return ", ".join(f"{k}: {v:,} items" for k, v in vc.items())

    # -- rendering --------------------------------------------------------------------------------
    def _title(self) -> str:
        title = f"Sprint report: {self.sprint_name}" if self.sprint_name else "Sprint report"
        return f"{title} (team {self.team})" if self.team else title

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
            known_first = all(_fmt(r[c]) == "–" for _n, c, _k in _CARDS)  # e.g. a CSV: what it can tell, first
            order = (_NOW_CARDS, _CARDS) if known_first else (_CARDS, _NOW_CARDS)
            parts.append("".join(self._cards_html(r, cards) for cards in order))
            if isinstance(r["notes"], str) and r["notes"]:
                parts.append(f"<p class='note'>{_e(r['notes'])}</p>")
            for n in _needs_notes(r):
                parts.append(f"<p class='note'>{_e(n)}</p>")
        hist = d["history"]
        dated = hist[hist["start"].notna()]
        if len(dated):
            labels = dated["sprint"].tolist()
            on = f" ({self._board_label(hist)})"
            parts.append("<h2>Velocity and commitment</h2><div class='charts'>")
            parts.append(_svg.bar_chart(labels, {"committed": dated["committed"].tolist(), "completed": dated["completed"].tolist()},
                                        line_series={"velocity (avg items)": dated["velocity_items_avg"].tolist()},
                                        title="Items committed and completed" + on, ylabel="items", width=520))
            parts.append(_svg.bar_chart(labels, {"completed points": dated["velocity_points"].tolist()},
                                        line_series={"velocity (avg points)": dated["velocity_points_avg"].tolist()},
                                        title="Story points completed" + on, ylabel="points", width=520,
                                        colors=("#009E73", "#CC79A7")))
            parts.append("</div><h2>Scope change</h2>")
            parts.append(_svg.diverging_bar_chart(labels, {"added after start": dated["added"].tolist()},
                                                  {"removed after start": dated["removed"].tolist()},
                                                  title="Items added (up) and removed (down) after the start" + on, ylabel="items"))
        elif len(hist):
            parts.append("<h2>Sprints</h2>")
            parts.append(f"<p class='note'>Velocity and scope charts would need {_e(NEEDS['dates'][1])}.</p>")
        if len(hist):
            parts.append(_html_table(hist, _HIST_COLS, kinds=_PCT))
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
            n_teams = len(c.matrix.index)
            heat_title = "Attention mass from team (rows) to team (columns), cross-team"
            if n_teams > HEATMAP_TEAMS:
                heat_title += f" ({HEATMAP_TEAMS} most coupled of {n_teams} teams)"
            parts.append(_svg.heatmap_svg(c.cross_matrix(top=HEATMAP_TEAMS), title=heat_title, marks=marks))
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

    @staticmethod
    def _cards_html(r: pd.Series, cards: list) -> str:
        out = []
        for name, col, kind in cards:
            need = missing_text(r["missing"], col) if _fmt(r[col]) == "–" else None
            label = f"{name}: {need}" if need else name
            out.append(f"<div class='card'><b>{_e(_fmt(r[col], kind))}</b><span>{_e(label)}</span></div>")
        return "<div class='cards'>" + "".join(out) + "</div>"

    @staticmethod
    def _board_label(hist: pd.DataFrame) -> str:
        board = hist["team"].dropna()
        return f"board {board.iloc[0]}" if len(board) else "sprints without a team's board"

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
            out.append(_md_table(this, [c for _n, c, _k in _CARDS], kinds=_PCT))
            out.append(_md_table(this, [c for _n, c, _k in _NOW_CARDS]))
            if isinstance(r["notes"], str) and r["notes"]:
                out.append(f"> {md_escape(r['notes'])}\n")
            for n in _needs_notes(r):
                out.append(f"> {md_escape(n)}\n")
        if len(d["history"]):
            out.append(f"## Velocity and scope over recent sprints ({md_escape(self._board_label(d['history']))})\n")
            out.append(_md_table(d["history"], ["sprint", "committed", "added", "removed", "completed", "carried_over",
                                                "velocity_points", "velocity_points_avg", "scope_change", "in_sprint_now",
                                                "done_now"], kinds={"scope_change": "pct"}))
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
