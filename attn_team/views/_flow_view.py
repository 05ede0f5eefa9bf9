"""The flow report (``attn-team flow``), flow charts for notebooks, and the sprint report's at-risk delay.

:class:`FlowReport` computes :func:`~attn_team.insights._flow.flow_metrics` and two forecasts once
and renders them as one self-contained HTML file (inline SVG, no script, strict CSP), Markdown or
JSON (every table); :meth:`FlowReport.cycle_time_data` is the per-item table the CLI writes as CSV. The chart functions return
:class:`~attn_team._svg_flow.SVG` strings that notebooks display directly, in the report's style.
Issue text is escaped everywhere.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _svg
from .._svg_flow import STAGE_COLORS, SVG, histogram_chart, point_chart, stacked_area_chart
from ..insights._flow import ALL_TEAMS, FLOW_DEFINITIONS, STAGES, FlowMetrics, flow_metrics
from ..insights._forecast import forecast
from ..model import Backlog
from ._report import _CSP, _CSS, _e, _html_table, _md_table, md_escape

__all__ = ["FlowReport", "cycle_time_chart", "cfd_chart", "throughput_chart", "wip_chart", "aging_chart",
           "forecast_chart", "at_risk_delay", "at_risk_delay_html", "at_risk_delay_markdown"]

log = logging.getLogger(__name__)

_CT_COLUMNS = ["key", "team", "type", "summary", "status", "stage", "created", "start", "end", "cycle_time_days",
               "lead_time_days", "basis", "waited", "waited_on", "waited_via"]


def _scope(fm: FlowMetrics, team: str | None) -> str:
    if team is not None:
        return team
    if fm.team is not None:
        return fm.team
    teams = set(fm.cfd["team"]) if len(fm.cfd) else set()
    return ALL_TEAMS if ALL_TEAMS in teams else (next(iter(teams)) if teams else ALL_TEAMS)


def _rows(df: pd.DataFrame, team: str) -> pd.DataFrame:
    return df[df["team"] == team] if len(df) else df


# -- charts ------------------------------------------------------------------------------------------

#: points drawn at most in a scatter (cycle time, ageing WIP); above it the chart says what it shows
MAX_POINTS = 2_000


def cycle_time_chart(fm: FlowMetrics, team: str | None = None, *, width: int = 640) -> SVG:
    """Cycle-time scatter: one point per finished item at its end date, with the 50/85/95% lines."""
    scope = _scope(fm, team)
    ct = fm.cycle_times
    done = ct[ct["cycle_time_days"].notna()]
    if scope != ALL_TEAMS:
        done = done[done["team"] == scope]
    title = f"Cycle time, {scope}" if scope != ALL_TEAMS else "Cycle time, all teams"
    if not len(done):
        return point_chart([], [], title=title, width=width)
    if len(done) > MAX_POINTS:  # an SVG point per item stops being readable (and weighs MBs) long before 1M
        title += f" (the latest {MAX_POINTS:,} of {len(done):,} items; the lines are over all of them)"
        done = done.sort_values("end", kind="stable").tail(MAX_POINTS)
    t = done["end"].astype("int64").to_numpy(float)
    lo, hi = t.min(), t.max()
    xs = (t - lo) / (hi - lo) if hi > lo else np.full(len(t), 0.5)
    pct = fm.percentiles.set_index("team")
    lines = {f"{p}%": pct.loc[scope, f"cycle_p{p}"] for p in (50, 85, 95)} if scope in pct.index else {}
    tips = [f"{k} ({tm}): {c:.1f} days, done {e:%Y-%m-%d}" + (" · waited on another team" if w else "") + f" · {s}"
            for k, tm, c, e, w, s in zip(done["key"], done["team"], done["cycle_time_days"], done["end"], done["waited"],
                                         done["summary"].fillna(""))]
    groups = ["waited on another team" if w else "no cross-team wait" for w in done["waited"]]
    ticks = [(p, f"{pd.Timestamp(int(lo + p * (hi - lo)), tz='UTC'):%Y-%m-%d}") for p in (0.0, 0.5, 1.0)]
    return point_chart(xs, done["cycle_time_days"].tolist(), tips=tips, groups=groups, lines=lines, xticks=ticks,
                       title=title, ylabel="days", width=width,
                       colors={"waited on another team": "#D55E00", "no cross-team wait": "#0072B2"})


def cfd_chart(fm: FlowMetrics, team: str | None = None, *, width: int = 640) -> SVG:
    """Cumulative flow diagram: items in each stage at the end of each day, done at the bottom."""
    scope = _scope(fm, team)
    c = _rows(fm.cfd, scope)
    labels = [f"{d:%Y-%m-%d}" for d in c["date"]] if len(c) else []
    series = {s: c[s].tolist() for s in reversed(STAGES)} if len(c) else {}
    return stacked_area_chart(labels, series, title=f"Cumulative flow, {scope}", ylabel="items", width=width,
                              colors=STAGE_COLORS)


def throughput_chart(fm: FlowMetrics, team: str | None = None, *, weeks: int = 26, width: int = 640) -> SVG:
    """Items finished per week (the last ``weeks`` weeks)."""
    scope = _scope(fm, team)
    w = _rows(fm.throughput_weekly, scope).tail(weeks)
    return _svg.bar_chart([f"{d:%Y-%m-%d}" for d in w["week"]], {"items finished": w["items"].tolist()},
                          title=f"Throughput per week, {scope}", ylabel="items", width=width)


def wip_chart(fm: FlowMetrics, team: str | None = None, *, days: int = 120, width: int = 640) -> SVG:
    """Items in progress (and committed) at the end of each day."""
    scope = _scope(fm, team)
    w = _rows(fm.wip, scope).tail(days)
    return _svg.line_chart([f"{d:%Y-%m-%d}" for d in w["date"]], {"in progress": w["wip"].tolist(),
                                                                    "committed": w["committed"].tolist()},
                           title=f"Work in progress, {scope}", ylabel="items", width=width)


def aging_chart(fm: FlowMetrics, team: str | None = None, *, width: int = 640) -> SVG:
    """Ageing WIP: each item in progress at its age, by status, against the cycle-time percentiles."""
    scope = _scope(fm, team)
    a = fm.aging_wip if scope == ALL_TEAMS else fm.aging_wip[fm.aging_wip["team"] == scope]
    title = f"Ageing work in progress, {scope}"
    if len(a) > MAX_POINTS:
        title += f" (the oldest {MAX_POINTS:,} of {len(a):,} items)"
        a = a.sort_values("age_days", ascending=False, kind="stable").head(MAX_POINTS)
    statuses = sorted({str(s) for s in a["status"].dropna()})
    pos = {s: (i + 0.5) / max(1, len(statuses)) for i, s in enumerate(statuses)}
    spread = 0.6 / max(1, len(statuses))
    xs, counts = [], {}
    for s in a["status"].astype(str):
        k = counts.get(s, 0)
        counts[s] = k + 1
        xs.append(pos.get(s, 0.5) + spread * (((k * 0.618) % 1.0) - 0.5))  # deterministic jitter
    pct = fm.percentiles.set_index("team")
    lines = {f"{p}%": pct.loc[scope, f"cycle_p{p}"] for p in (50, 85, 95)} if scope in pct.index else {}
    tips = [f"{k} ({t}, {s}): {d:.1f} days in progress" for k, t, s, d in zip(a["key"], a["team"], a["status"], a["age_days"])]
    return point_chart(xs, a["age_days"].tolist(), tips=tips, lines=lines, xticks=[(p, s) for s, p in pos.items()],
                       title=title, ylabel="days since start", width=width)


def forecast_chart(fc: pd.DataFrame, *, width: int = 640) -> SVG:
    """Histogram of the Monte Carlo runs with the 50/85/95% marks."""
    h = fc.attrs.get("histogram", {"value": [], "runs": []})
    when = len(fc) and fc["question"].iloc[0] == "when"
    col = "days" if when else "items"
    marks = {f"{int(p)}%": v for p, v in zip(fc["percentile"], fc[col])}
    title = f"Forecast: {fc.attrs.get('description', '')}"
    return histogram_chart(h["value"], h["runs"], marks=marks, title=title, width=width,
                           xlabel="days from now" if when else "items done")


# -- the sprint report's at-risk delay ---------------------------------------------------------------

def at_risk_delay(backlog: Backlog, at_risk: pd.DataFrame, *, attention: Any = None,
                  fm: FlowMetrics | None = None) -> pd.DataFrame:
    """The at-risk items with the delay their team's cross-team dependencies typically cost.

    ``typical_delay_days`` is the team's ``difference_days`` of :attr:`FlowMetrics.dependency_cost`
    (by link or strong attention when attention is given, else by link), or the organisation's
    when the team has fewer than 3 finished items that waited; ``delay_basis`` says which.
    """
    cols = ["key", "team", "summary", "depends_on", "depends_on_team", "via", "typical_delay_days", "ci_low",
            "ci_high", "delay_basis"]
    if not len(at_risk):
        return pd.DataFrame({c: [] for c in cols})
    if fm is None:
        fm = flow_metrics(backlog, attention=attention if attention is not False else None)
    cost = fm.dependency_cost
    via = "link or attention" if (cost["via"] == "link or attention").any() else "link"
    cost = cost[cost["via"] == via].set_index("team")
    out = at_risk.copy()
    vals = []
    for t in out["team"]:
        row, basis = None, ""
        if t in cost.index and cost.loc[t, "n_waited"] >= 3 and cost.loc[t, "difference_days"] == cost.loc[t, "difference_days"]:
            row, basis = cost.loc[t], f"team {t}, {int(cost.loc[t, 'n_waited'])} items that waited ({via})"
        elif ALL_TEAMS in cost.index and cost.loc[ALL_TEAMS, "n_waited"] >= 1:
            row, basis = cost.loc[ALL_TEAMS], f"all teams, {int(cost.loc[ALL_TEAMS, 'n_waited'])} items that waited ({via})"
        elif len(cost) == 1 and cost["n_waited"].iloc[0] >= 1:
            row, basis = cost.iloc[0], f"{int(cost['n_waited'].iloc[0])} items that waited ({via})"
        vals.append((np.nan, np.nan, np.nan, "not enough finished items that waited") if row is None else
                    (row["difference_days"], row["ci_low"], row["ci_high"], basis))
    out["typical_delay_days"], out["ci_low"], out["ci_high"], out["delay_basis"] = map(list, zip(*vals))
    return out[[c for c in cols if c in out.columns]]


def _delay_text(df: pd.DataFrame) -> str:
    return ("Typical delay: how much longer (median cycle time, days) finished items of the same team took when they "
            "waited on another team's unfinished item than when they did not, with its bootstrap 95% interval.")


def at_risk_delay_html(backlog: Backlog, at_risk: pd.DataFrame, *, attention: Any = None) -> str:
    """HTML for the sprint report: the at-risk items with their typical delay, and the cycle-time scatter."""
    fm = flow_metrics(backlog, attention=attention if attention is not False else None)
    d = at_risk_delay(backlog, at_risk, fm=fm)
    parts = ["<h3>What these dependencies typically cost</h3>", f"<p class='sub'>{_e(_delay_text(d))}</p>"]
    if len(d):
        parts.append(_html_table(d, ["key", "team", "depends_on", "depends_on_team", "typical_delay_days", "ci_low",
                                     "ci_high", "delay_basis"], headers={"typical_delay_days": "typical delay (days)"}))
    else:
        parts.append("<p>No at-risk item.</p>")
    if fm.has_history or len(fm.cycle_times):
        parts.append(cycle_time_chart(fm, width=760))
    for n in fm.notes:
        parts.append(f"<p class='note'>{_e(n)}</p>")
    return "".join(parts)


def at_risk_delay_markdown(backlog: Backlog, at_risk: pd.DataFrame, *, attention: Any = None) -> str:
    """Markdown for the sprint report: the at-risk items with their typical delay."""
    fm = flow_metrics(backlog, attention=attention if attention is not False else None)
    d = at_risk_delay(backlog, at_risk, fm=fm)
    out = ["### What these dependencies typically cost\n", md_escape(_delay_text(d)) + "\n",
           _md_table(d, ["key", "team", "depends_on", "depends_on_team", "typical_delay_days", "ci_low", "ci_high",
                         "delay_basis"], headers={"typical_delay_days": "typical delay (days)"})]
    out += [f"> {md_escape(n)}\n" for n in fm.notes]
    return "\n".join(out)


# -- the flow report ---------------------------------------------------------------------------------

class FlowReport:
    """Flow metrics, forecasts and the cost of cross-team waiting, for a team or the organisation.

    Parameters
    ----------
    backlog : Backlog
    team : str, optional
        One team (default: the organisation, with a table row per team).
    stages : mapping or path, optional
        Status -> stage overrides (see :func:`~attn_team.insights._flow.flow_metrics`).
    attention : optional
        Item attention; without it the dependency cost is by link only.
    now : datetime-like, optional
        Default: the latest time in the backlog.
    items : optional
        What the "when" forecast is about (see :func:`~attn_team.insights._forecast.forecast`;
        default: every open item of the team or organisation).
    until : datetime-like, optional
        Date of the "how many" forecast (default: four weeks after ``now``).
    runs, random_state : int
        Monte Carlo runs and seed.

    Examples
    --------
    >>> from attn_team.model import Backlog
    >>> FlowReport(Backlog()).markdown().startswith("# Flow")
    True
    """

    def __init__(self, backlog: Backlog, *, team: str | None = None, stages: Any = None, attention: Any = None,
                 now: Any = None, items: Any = None, until: Any = None, runs: int = 10_000, random_state: int = 0):
        if not isinstance(backlog, Backlog):
            raise TypeError(f"FlowReport needs a Backlog, not {type(backlog).__name__}")
        self.backlog = backlog
        self.team = team
        self.stages = stages
        self.attention = attention
        self.now = now
        self.items = items
        self.until = until
        self.runs = runs
        self.random_state = random_state

    @functools.cached_property
    def metrics(self) -> FlowMetrics:
        return flow_metrics(self.backlog, team=self.team, stages=self.stages, attention=self.attention, now=self.now)

    @functools.cached_property
    def forecasts(self) -> dict[str, pd.DataFrame]:
        """``{"when": ..., "how many": ...}`` (see :func:`~attn_team.insights._forecast.forecast`)."""
        now = self.metrics.now
        until = self.until if self.until is not None else now + pd.Timedelta(days=28)
        kw = dict(team=self.team, runs=self.runs, random_state=self.random_state, now=now, stages=self.stages,
                  attention=self.attention)
        return {"when": forecast(self.backlog, items=self.items, **kw), "how many": forecast(self.backlog, until=until, **kw)}

    def charts(self) -> dict[str, SVG]:
        fm = self.metrics
        return {"cycle time": cycle_time_chart(fm), "cumulative flow": cfd_chart(fm), "throughput": throughput_chart(fm),
                "work in progress": wip_chart(fm), "ageing WIP": aging_chart(fm),
                "forecast (when)": forecast_chart(self.forecasts["when"]),
                "forecast (how many)": forecast_chart(self.forecasts["how many"])}

    def _title(self) -> str:
        return f"Flow: {self.team}" if self.team else "Flow: all teams"

    @staticmethod
    def _forecast_rows(fc: pd.DataFrame) -> pd.DataFrame:
        return fc.assign(percentile=[f"{int(p)}%" for p in fc["percentile"]])

    def html_snippet(self) -> str:
        fm, fc = self.metrics, self.forecasts
        ch = self.charts()
        parts = [f"<div class='attn-team-report'><style>{_CSS}</style>", f"<h1>{_e(self._title())}</h1>"]
        sub = f"{len(fm.cycle_times):,} items counted (epics and sub-tasks left out); now: {fm.now:%Y-%m-%d %H:%M} UTC"
        parts.append(f"<p class='sub'>{_e(sub)}</p>")
        for n in fm.notes:
            parts.append(f"<p class='note'>{_e(n)}</p>")
        parts.append("<h2>Cycle time and lead time</h2>")
        parts.append(_html_table(fm.percentiles, list(fm.percentiles.columns), max_rows=60))
        parts.append(ch["cycle time"])
        parts.append("<h2>What waiting on another team costs</h2>")
        parts.append(f"<p class='sub'>{_e(FLOW_DEFINITIONS['dependency cost'])}.</p>")
        parts.append(_html_table(fm.dependency_cost, list(fm.dependency_cost.columns), max_rows=60,
                                 headers={"difference_days": "difference (days)"}))
        parts.append("<h2>Forecasts</h2>")
        for name in ("when", "how many"):
            f = fc[name]
            how = f"{f.attrs.get('runs', 0):,} runs; {f.attrs.get('n_waiting', 0)} item(s) drawn from waiting cycle times"
            parts.append(f"<p><strong>{_e(name.capitalize())}:</strong> {_e(f.attrs.get('description', ''))} "
                         f"({_e(how)})</p>")
            parts.append(_html_table(self._forecast_rows(f), ["percentile", "date", "days", "items"]))
            parts.append(ch[f"forecast ({name})"])
            for n in f.attrs.get("notes", [])[len(fm.notes):]:
                parts.append(f"<p class='note'>{_e(n)}</p>")
        parts.append("<h2>Throughput, WIP and cumulative flow</h2><div class='charts'>")
        parts += [ch["throughput"], ch["work in progress"], ch["cumulative flow"]]
        parts.append("</div><h2>Ageing work in progress</h2>")
        parts.append(ch["ageing WIP"])
        parts.append(_html_table(fm.aging_wip, ["key", "team", "summary", "status", "start", "age_days", "band"]))
        parts.append("<h2>Stages</h2>")
        parts.append(_html_table(fm.stages, ["status", "stage", "rule"], max_rows=80))
        parts.append("<h2>Definitions</h2><dl>")
        parts += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in fm.definitions.items()]
        parts.append("</dl><footer>Generated by attn_team.</footer></div>")
        return "".join(parts)

    def html(self) -> str:
        """One self-contained HTML document (no script, no network)."""
        return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
                f"<title>{_e(self._title())}</title></head><body style='margin:0'>{self.html_snippet()}</body></html>\n")

    def markdown(self) -> str:
        fm, fc = self.metrics, self.forecasts
        out = [f"# {md_escape(self._title())}\n"]
        out += [f"> {md_escape(n)}\n" for n in fm.notes]
        out.append("## Cycle time and lead time (days)\n")
        out.append(_md_table(fm.percentiles, list(fm.percentiles.columns), max_rows=60))
        out.append("## What waiting on another team costs\n")
        out.append(md_escape(FLOW_DEFINITIONS["dependency cost"]) + "\n")
        out.append(_md_table(fm.dependency_cost, list(fm.dependency_cost.columns), max_rows=60))
        out.append("## Forecasts\n")
        for name in ("when", "how many"):
            f = fc[name]
            out.append(f"**{md_escape(name.capitalize())}**: {md_escape(f.attrs.get('description', ''))}\n")
            out.append(_md_table(self._forecast_rows(f), ["percentile", "date", "days", "items"]))
        out.append("## Ageing work in progress\n")
        out.append(_md_table(fm.aging_wip, ["key", "team", "summary", "status", "start", "age_days", "band"]))
        out.append("## Definitions\n")
        out += [f"- **{md_escape(k)}**: {md_escape(v)}" for k, v in fm.definitions.items()]
        return "\n".join(out) + "\n"

    def cycle_time_data(self) -> pd.DataFrame:
        """The cycle-time data, one row per item (``waited_on`` joined by ";"), for spreadsheets and other flow tools.

        ``attn-team flow --format csv`` writes it with formula-safe cells.
        """
        ct = self.metrics.cycle_times
        ct = ct.assign(waited_on=[";".join(v) for v in ct["waited_on"]])
        return ct[[c for c in _CT_COLUMNS if c in ct.columns]].reset_index(drop=True)

    def to_json(self) -> str:
        """Every table, the forecasts and the notes, as one JSON document."""
        fm = self.metrics

        def recs(df):
            df = df.copy()
            for c in df.columns:
                if isinstance(df[c].dtype, pd.DatetimeTZDtype):
                    df[c] = df[c].map(lambda t: None if pd.isna(t) else t.isoformat())
            return json.loads(df.to_json(orient="records", date_format="iso"))

        doc = {"team": self.team, "now": fm.now.isoformat() if fm.now is not None else None, "notes": list(fm.notes),
               "definitions": fm.definitions}
        for name in ("percentiles", "dependency_cost", "cycle_times", "aging_wip", "throughput_weekly", "net_flow",
                     "stages"):
            doc[name] = recs(getattr(fm, name))
        doc["forecasts"] = {k: {"description": v.attrs.get("description"), "runs": v.attrs.get("runs"),
                                "n_waiting": v.attrs.get("n_waiting"), "rows": recs(v)} for k, v in self.forecasts.items()}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"

    def write(self, path: str | Path, *, format: str | None = None) -> Path:
        """Write the report: ``format`` ("html", "md", "json") or the file suffix decides."""
        path = Path(path)
        fmt = (format or {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md",
                          ".json": "json"}.get(path.suffix.lower(), "")).lower()
        render = {"html": self.html, "md": self.markdown, "json": self.to_json}.get(fmt)
        if render is None:
            raise ValueError(f"cannot tell the format of {path.name!r}: use .html, .md or .json, or format=")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(), encoding="utf-8")
        log.info("wrote %s flow report to %s", fmt, path)
        return path

    def __repr__(self) -> str:
        return f"FlowReport(team={self.team!r}, items={self.backlog.n_items})"

    def _repr_html_(self) -> str:
        return self.html_snippet()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": repr(self), "text/html": self.html_snippet()}
