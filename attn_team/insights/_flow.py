"""Flow metrics from the backlog's history, and what waiting on another team costs in time.

Stages
------
Every status maps to one of four stages, in this order: ``backlog``, ``committed``,
``in_progress``, ``done``. By default the status category decides (``todo`` -> backlog,
``in_progress`` -> in_progress, ``done`` -> done), except that a to-do status whose name says it
is committed ("Selected for Development", "Ready for Development", "Ready", "Committed",
"Planned") goes to ``committed``. A status no item currently has gets its category from its
name ("done", "closed", "resolved", ... -> done; "to do", "open", "backlog", "new" -> backlog;
anything else -> in_progress). A mapping status -> stage (the ``[stages]`` table of the teams
file, or the ``stages=`` argument) overrides any of these, like jira-agile-metrics' ``cycle``
setting.

Rules, next to jira-agile-metrics' (jam) own
--------------------------------------------
- **Start** of an item: the first time it entered ``in_progress`` or a later stage. jam starts the
  cycle at its ``committed`` column; here ``committed`` is a waiting stage (it shows in the
  cumulative flow), and the clock starts when work starts.
- **Skipped stages** are entered at the moment of the later stage: an item going straight from
  backlog to done starts and ends at that moment (cycle time 0). jam back-fills a skipped column
  with the date of the next column entered; the rule is the same.
- **Backward moves** keep the first start: an item moved from in progress back to the backlog and
  started again keeps its first start. jam with ``reset_on_backwards`` (its default) clears the
  later dates and restarts the clock at re-entry; here the elapsed time counts, because the time
  an item spent waiting after a false start is what a dependency costs.
- **Reopened items** (done, then back to an earlier stage) are open again; their **end** is the
  last entry into ``done`` (from a stage before it). jam keeps the first entry time of each column
  (``keep_first_entry_time``) but clears ``done`` on a backward move, which gives the same end.
- **Created straight into a later stage**: the stage an item had when created is the ``from`` of
  its first status change (or its current status when it never changed); created into
  ``in_progress`` or later, it starts at ``created``.
- **Lead time**: ``created`` to end. **Cycle time**: start to end. Days are fractional
  (``(end - start) / 1 day``), not rounded up as jam does.
- **No history** (a CSV export has no changelog): an item without any status change is taken as
  started when created and finished when resolved (``resolved``, else ``updated`` for an item
  whose status is done), so its cycle time is its lead time. The ``basis`` column and
  :attr:`FlowMetrics.notes` say which items are measured that way.

Figures (per team and for the whole organisation, team ``"(all)"``): cycle and lead time per
item with their 50th/85th/95th percentiles; throughput per day and per week (items reaching their
end); work in progress and the cumulative flow (items in each stage at the end of each UTC day);
ageing work in progress (age of each item in progress against its team's percentiles); net flow
per week (items started minus items finished). Epics and sub-tasks are left out, as in Jira's
sprint report.

Cost of cross-team dependencies
-------------------------------
An item **waited on another team** when, at its start, it depended on an unfinished item of
another team: a dependency link (direction from ``Backlog.dependencies``)
or, when ``attention`` is given, a strong attention edge
(:func:`~attn_team.insights._rules.strong_edges`) from it to that item. ``dependency_cost``
compares the cycle times of finished items that waited with those of finished items that did
not, per team: the difference of the medians with a bootstrap 95% interval (seeded).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import pandas as pd

from .._display import table_html
from ..model import Backlog
from ._flow_cost import COST_COLUMNS, bootstrap_difference, bootstrap_medians, cost_rows
from ._flow_stages import _BACKLOG, _DONE, _IN_PROGRESS, STAGES, _is_status, _lower_codes, load_stages, stage_map
from ._rules import strong_edges
from ._sprints import EXCLUDED_TYPES

__all__ = ["flow_metrics", "FlowMetrics", "stage_map", "load_stages", "STAGES", "ALL_TEAMS", "NO_TEAM",
           "FLOW_DEFINITIONS", "bootstrap_difference", "bootstrap_medians"]

log = logging.getLogger(__name__)

#: Team label of the organisation-wide rows.
ALL_TEAMS = "(all)"
#: Team label of items without a team.
NO_TEAM = "(no team)"
_DAY_NS = 86_400 * 10**9
PERCENTILES = (50, 85, 95)

FLOW_DEFINITIONS: dict[str, str] = {
    "stage": "backlog, committed, in progress, done: from the status category (a to-do status named like "
             "'Selected for Development' or 'Ready' is committed), overridden by the [stages] table of the teams file",
    "start": "first entry into in progress or a later stage (skipped stages count as entered then; moving back keeps "
             "the first start; created straight into a later stage starts at creation)",
    "end": "last entry into done (a reopened item is open until it is done again)",
    "cycle time": "start to end, in days; without a changelog, created to resolved",
    "lead time": "created to end, in days",
    "throughput": "items reaching their end per day / per week",
    "WIP": "items in progress at the end of each UTC day",
    "cumulative flow": "items in each stage at the end of each UTC day",
    "ageing WIP": "days since the start of each item in progress, against its team's cycle-time percentiles",
    "net flow": "items started minus items finished per week",
    "waited on another team": "at its start, the item depended (dependency link, or strong attention edge when "
                              "attention is given) on an unfinished item of another team",
    "dependency cost": "median cycle time of finished items that waited on another team minus that of those that "
                       "did not, per team, with a bootstrap 95% interval",
    "items counted": "epics and sub-tasks are left out",
}


# -- per-item flow -----------------------------------------------------------------------------------

def _ns(series: pd.Series) -> np.ndarray:
    """UTC timestamps as int64 nanoseconds, missing as the int64 minimum."""
    return series.astype("datetime64[ns, UTC]").array.asi8.copy() if len(series) else np.zeros(0, np.int64)


_NAT = np.iinfo(np.int64).min


def _to_ts(ns: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(np.where(ns == _NAT, np.datetime64("NaT"), ns.astype("datetime64[ns]")), utc=True))


def _latest(backlog: Backlog) -> pd.Timestamp:
    cands = [backlog.items[c].max() for c in ("created", "updated", "resolved")] + [backlog.events["at"].max()]
    cands = [c for c in cands if c is not None and c is not pd.NaT and not pd.isna(c)]
    return max(cands) if cands else pd.Timestamp.now(tz="UTC")


def _now(backlog: Backlog, now: Any) -> pd.Timestamp:
    t = _latest(backlog) if now is None else pd.Timestamp(now)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


@dataclasses.dataclass(frozen=True)
class _Flow:
    """Per-item arrays (rows of ``items``) and the stage changes, computed once."""

    items: pd.DataFrame  # the counted items, index 0..n-1
    team: np.ndarray  # team code per item
    teams: list  # team labels by code
    created: np.ndarray
    start: np.ndarray
    end: np.ndarray
    stage: np.ndarray  # current stage code
    initial: np.ndarray
    history: np.ndarray  # bool: has status changes
    changelog: np.ndarray  # bool: has status changes from a changelog (not only from snapshots)
    ch_item: np.ndarray  # stage changes: item, time, from stage, to stage (from != to)
    ch_at: np.ndarray
    ch_from: np.ndarray
    ch_to: np.ndarray


def _flow(backlog: Backlog, stages: Any) -> tuple[_Flow, pd.DataFrame]:
    smap = stage_map(backlog, stages)
    code_of = {s.lower(): STAGES.index(g) for s, g in zip(smap["status"], smap["stage"])}
    items = backlog.items
    kind = _lower_codes(items["type"], {t: True for t in EXCLUDED_TYPES}, False)
    items = items[~kind.astype(bool)].drop_duplicates("key", keep="last").reset_index(drop=True)
    n = len(items)
    team_lab = items["team"].fillna(NO_TEAM).astype(str).to_numpy()
    teams = sorted(set(team_lab.tolist()))
    team = pd.Index(teams).get_indexer(team_lab) if n else np.zeros(0, np.int64)
    created = _ns(items["created"])
    cur = _lower_codes(items["status"], code_of, -1)
    cat = items["status_category"].to_numpy(dtype=object, na_value=None)
    cur = np.where(cur >= 0, cur, np.where(cat == "done", _DONE, np.where(cat == "in_progress", _IN_PROGRESS, _BACKLOG)))

    ev = backlog.events
    if len(ev):
        ev = ev[_is_status(ev)]
    item_of = pd.Index(items["key"]).get_indexer(ev["key"]) if len(ev) else np.zeros(0, np.int64)
    keep = item_of >= 0
    e_item = item_of[keep]
    e_at = _ns(ev["at"])[keep] if len(ev) else np.zeros(0, np.int64)

    def codes(col):
        if not len(ev):
            return np.zeros(0, np.int64)
        return _lower_codes(ev[col], code_of, -1)[keep]

    e_from, e_to = codes("from"), codes("to")
    e_snap = _lower_codes(ev["origin"], {"snapshot": True}, False).astype(bool)[keep] if len(ev) else np.zeros(0, bool)
    ok = (e_at != _NAT) & (e_to >= 0)
    e_item, e_at, e_from, e_to = e_item[ok], e_at[ok], e_from[ok], e_to[ok]
    changelog = np.zeros(n, bool)
    changelog[e_item[~e_snap[ok]]] = True
    order = np.lexsort((e_at, e_item))
    e_item, e_at, e_from, e_to = e_item[order], e_at[order], e_from[order], e_to[order]
    m = len(e_item)
    first = np.ones(m, bool)
    first[1:] = e_item[1:] != e_item[:-1]
    last = np.ones(m, bool)
    last[:-1] = e_item[1:] != e_item[:-1]
    history = np.zeros(n, bool)
    history[e_item] = True

    # stage when created: ``from`` of the first change (its ``to`` when ``from`` is unknown)
    initial = cur.copy()
    fi = e_item[first]
    initial[fi] = np.where(e_from[first] >= 0, e_from[first], _BACKLOG)
    # without history: started when created (what the dates allow)
    initial = np.where(~history & (cur >= _IN_PROGRESS), _IN_PROGRESS, initial)
    initial = np.where(~history & (cur < _IN_PROGRESS), cur, initial)
    stage = cur.copy()
    stage[e_item[last]] = e_to[last]

    # stage changes, the stage before each change being the one the previous change left
    prev = np.empty(m, np.int64)
    if m:
        prev[1:] = e_to[:-1]
        prev[first] = initial[e_item[first]]
    moved = prev != e_to
    ch_item, ch_at, ch_from, ch_to = e_item[moved], e_at[moved], prev[moved], e_to[moved]

    # start: created when created into in progress or later, else the first change into it
    start = np.full(n, _NAT, np.int64)
    started_at_creation = (initial >= _IN_PROGRESS) & (created != _NAT)
    start[started_at_creation] = created[started_at_creation]
    sel = ch_to >= _IN_PROGRESS
    if sel.any():
        s_item, s_at = ch_item[sel], ch_at[sel]
        firsts = np.ones(len(s_item), bool)
        firsts[1:] = s_item[1:] != s_item[:-1]
        cand = np.full(n, np.iinfo(np.int64).max, np.int64)
        cand[s_item[firsts]] = s_at[firsts]
        has = cand != np.iinfo(np.int64).max
        start = np.where(has & ((start == _NAT) | (cand < start)), cand, start)
    # end: last entry into done, for items done now
    end = np.full(n, _NAT, np.int64)
    sel = (ch_to == _DONE)
    if sel.any():
        d_item, d_at = ch_item[sel], ch_at[sel]
        lasts = np.ones(len(d_item), bool)
        lasts[:-1] = d_item[1:] != d_item[:-1]
        end[d_item[lasts]] = d_at[lasts]
    created_done = (initial == _DONE) & (end == _NAT)
    end[created_done] = created[created_done]
    # without history: the dates
    resolved, updated = _ns(items["resolved"]), _ns(items["updated"])
    nh = ~history & (stage == _DONE)
    end[nh] = np.where(resolved[nh] != _NAT, resolved[nh], updated[nh])
    end[stage != _DONE] = _NAT
    bad = (end != _NAT) & (start != _NAT) & (end < start)
    start[bad] = end[bad]  # clock skew in exports: never a negative cycle time
    flow = _Flow(items, team, teams, created, start, end, stage, initial, history, changelog, ch_item, ch_at, ch_from,
                 ch_to)
    return flow, smap


# -- the figures -------------------------------------------------------------------------------------

def _days(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ok = (a != _NAT) & (b != _NAT)
    out = np.full(len(a), np.nan)
    out[ok] = (b[ok] - a[ok]) / _DAY_NS
    return out


def _percentiles(ct: pd.DataFrame, teams: list[str]) -> pd.DataFrame:
    rows = []
    done = ct[ct["cycle_time_days"].notna()]
    for t in teams:
        g = done if t == ALL_TEAMS else done[done["team"] == t]
        row = {"team": t, "n_done": len(g)}
        for col, pre in (("cycle_time_days", "cycle"), ("lead_time_days", "lead")):
            v = g[col].dropna().to_numpy(float)
            for p in PERCENTILES:
                row[f"{pre}_p{p}"] = float(np.percentile(v, p)) if len(v) else np.nan
        row["cycle_mean"] = float(g["cycle_time_days"].mean()) if len(g) else np.nan
        rows.append(row)
    cols = ["team", "n_done"] + [f"{pre}_p{p}" for pre in ("cycle", "lead") for p in PERCENTILES] + ["cycle_mean"]
    return pd.DataFrame(rows, columns=cols)


def _day_grid(f: _Flow, now: pd.Timestamp) -> tuple[int, int]:
    times = [x[x != _NAT] for x in (f.created, f.ch_at, f.end)]
    times = np.concatenate(times) if times else np.zeros(0, np.int64)
    end_day = now.value // _DAY_NS
    if not len(times):
        return end_day, end_day
    return int(times.min() // _DAY_NS), int(max(end_day, times.max() // _DAY_NS))


def _per_team_days(values_team: np.ndarray, values_day: np.ndarray, weights: np.ndarray | None,
                   n_teams: int, n_days: int) -> np.ndarray:
    idx = values_team * n_days + values_day
    return np.bincount(idx, weights=weights, minlength=n_teams * n_days).reshape(n_teams, n_days)


def _long(matrix: np.ndarray, teams: list[str], dates: pd.DatetimeIndex, columns: dict[str, int] | str,
          team_filter: str | None) -> pd.DataFrame:
    """Per-team day (or week) matrices -> a long table with organisation rows (team ``(all)``)."""
    frames = []
    labels = list(teams) + [ALL_TEAMS]
    total = matrix.sum(axis=0, keepdims=True)
    full = np.concatenate([matrix, total], axis=0)
    for i, t in enumerate(labels):
        if team_filter is not None and t != team_filter:
            continue
        if team_filter is None and t == ALL_TEAMS and len(teams) <= 1:
            continue
        d = {"date": dates, "team": t}
        if isinstance(columns, str):
            d[columns] = full[i].astype(np.int64)
        else:
            for name, j in columns.items():
                d[name] = full[i, :, j].astype(np.int64)
        frames.append(pd.DataFrame(d))
    if not frames:
        return _empty("date", [columns] if isinstance(columns, str) else list(columns))
    out = pd.concat(frames, ignore_index=True)
    out["team"] = out["team"].astype("string")
    return out


def _empty(date_col: str, cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame({date_col: pd.Series([], dtype="datetime64[ns, UTC]"), "team": pd.Series([], dtype="string"),
                         **{c: pd.Series([], dtype=np.int64) for c in cols}})


def _weekly(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    if not len(df):
        return _empty("week", cols)
    week = (df["date"] - pd.to_timedelta(df["date"].dt.day_of_week, unit="D")).rename("week")
    return df.groupby([week, df["team"]], sort=True)[cols].sum().reset_index()


# -- dependency cost ---------------------------------------------------------------------------------

def _waited(f: _Flow, pairs: pd.DataFrame, backlog: Backlog) -> tuple[np.ndarray, list[list[str]]]:
    """Per counted item: did it wait, at its start, on an unfinished item of another team (and on which)?"""
    n = len(f.items)
    waited = np.zeros(n, bool)
    on: list[list[str]] = [[] for _ in range(n)]
    if not len(pairs) or not n:
        return waited, on
    idx = pd.Index(f.items["key"])
    w = idx.get_indexer(pairs["waiting"])
    b = idx.get_indexer(pairs["waits_for"])
    all_items = backlog.items.drop_duplicates("key", keep="last")
    all_idx = pd.Index(all_items["key"])
    wa, ba = all_idx.get_indexer(pairs["waiting"]), all_idx.get_indexer(pairs["waits_for"])
    team_all = all_items["team"].to_numpy(dtype=object, na_value=None)
    res_all = _ns(all_items["resolved"])
    # the awaited item's end: from the flow when counted, else its resolution date
    b_end = np.where(b >= 0, f.end[np.maximum(b, 0)], np.where(ba >= 0, res_all[np.maximum(ba, 0)], _NAT))
    tw = np.where(wa >= 0, team_all[np.maximum(wa, 0)], None)
    tb = np.where(ba >= 0, team_all[np.maximum(ba, 0)], None)
    cross = (tw != None) & (tb != None) & (tw != tb)  # element-wise on object arrays
    ok = (w >= 0) & cross
    w_start = np.where(w >= 0, f.start[np.maximum(w, 0)], _NAT)
    # unfinished at the waiting item's start (an item not started yet: unfinished now)
    ref = np.where(w_start != _NAT, w_start, np.iinfo(np.int64).max)
    open_then = (b_end == _NAT) | (b_end > ref)
    hit = ok & open_then
    for i, k in zip(w[hit], pairs["waits_for"].to_numpy()[hit]):
        waited[i] = True
        if k not in on[i]:
            on[i].append(str(k))
    return waited, on


def _attention_pairs(backlog: Backlog, attention: Any) -> pd.DataFrame:
    from ._dependencies import attention_edges

    # k=None: the k already computed (e.g. kept in the workspace at k=5) if any, not k=20 computed again
    edges = attention_edges(backlog, attention, to="items", k=None)
    strong = strong_edges(edges, backlog.team_of())
    return pd.DataFrame({"waiting": strong["source"].astype(str).to_numpy(),
                         "waits_for": strong["target"].astype(str).to_numpy()})


# -- the result --------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False)
class FlowMetrics:
    """Result of :func:`flow_metrics`: DataFrames, the rules used and notes on what the data allowed.

    Attributes
    ----------
    cycle_times : DataFrame
        One row per counted item: ``key, team, type, summary, status, stage, created, start, end,
        cycle_time_days, lead_time_days, basis`` (``"changelog"``, ``"snapshots"``: status changes
        seen between workspace imports, or ``"dates"``: no status change known), ``waited``
        (bool: waited on another team at its start), ``waited_on`` (keys), ``waited_via``.
    percentiles : DataFrame
        ``team, n_done, cycle_p50, cycle_p85, cycle_p95, lead_p50, lead_p85, lead_p95, cycle_mean``.
    throughput, throughput_weekly : DataFrame
        ``date`` (``week``: the Monday), ``team``, ``items``.
    wip : DataFrame
        ``date, team, wip`` (items in progress at the end of the day), ``committed``.
    cfd : DataFrame
        ``date, team, backlog, committed, in_progress, done``.
    aging_wip : DataFrame
        ``key, team, summary, status, start, age_days, band`` for each item in progress.
    net_flow : DataFrame
        ``week, team, arrivals, departures, net_flow``.
    dependency_cost : DataFrame
        ``team, via, n_waited, n_not_waited, median_waited, median_not_waited, difference_days,
        ci_low, ci_high, mean_difference_days``.
    stages : DataFrame
        ``status, stage, rule``.
    notes : tuple of str
    """

    cycle_times: pd.DataFrame
    percentiles: pd.DataFrame
    throughput: pd.DataFrame
    throughput_weekly: pd.DataFrame
    wip: pd.DataFrame
    cfd: pd.DataFrame
    aging_wip: pd.DataFrame
    net_flow: pd.DataFrame
    dependency_cost: pd.DataFrame
    stages: pd.DataFrame
    notes: tuple = ()
    team: str | None = None
    now: pd.Timestamp | None = None
    definitions: dict = dataclasses.field(default_factory=lambda: dict(FLOW_DEFINITIONS))

    @property
    def has_history(self) -> bool:
        """True when at least one counted item has status changes (a changelog or snapshots)."""
        return bool((self.cycle_times["basis"] != "dates").any()) if len(self.cycle_times) else False

    def __repr__(self) -> str:
        done = int(self.cycle_times["cycle_time_days"].notna().sum()) if len(self.cycle_times) else 0
        return (f"FlowMetrics(team={self.team!r}, items={len(self.cycle_times)}, done={done}, "
                f"in_progress={len(self.aging_wip)})")

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{table_html(pd.DataFrame({'note': [n]}))}</p>" for n in self.notes[:3])
        return ("<div class='attn-team-flow'><strong>Flow metrics</strong>"
                + table_html(self.percentiles.round(2), title="cycle and lead time percentiles (days)")
                + table_html(self.dependency_cost.round(2), title="cost of waiting on another team (days)")
                + notes + "</div>")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": repr(self), "text/html": self._repr_html_()}


def flow_metrics(backlog: Backlog, *, team: str | None = None, stages: Any = None, attention: Any = None,
                 now: Any = None, random_state: Any = 0) -> FlowMetrics:
    """Cycle time, lead time, throughput, WIP, cumulative flow, ageing WIP, net flow and dependency cost.

    Parameters
    ----------
    backlog : Backlog
    team : str, optional
        Only this team's rows (default: every team and the organisation, team ``"(all)"``).
    stages : mapping or path, optional
        Status name -> stage (``backlog``, ``committed``, ``in_progress``, ``done``), or a teams
        file whose ``[stages]`` table holds that mapping; overrides the status-category default.
    attention : CrossAttention, Attention, DataFrame or mapping, optional
        Item attention (see :func:`attn_team.insights._dependencies.attention_edges`). With it the
        dependency cost is also measured "by link or strong attention"; without it (the default),
        by link only (no model is fitted here).
    now : datetime-like, optional
        The clock for ages and the last day (default: the latest time in the backlog).
    random_state : int, default=0
        Seed of the bootstrap.

    Returns
    -------
    FlowMetrics

    Raises
    ------
    KeyError
        ``team`` is not a team of the backlog.
    ValueError
        A stage in ``stages`` is not one of the four stages.

    Examples
    --------
    >>> from attn_team.model import Backlog
    >>> fm = flow_metrics(Backlog(items={"key": ["A-1"], "status": ["Done"], "status_category": ["done"],
    ...                                  "created": ["2025-01-01"], "resolved": ["2025-01-03"]}))
    >>> float(fm.cycle_times["cycle_time_days"].iloc[0])
    2.0
    """
    if team is not None:
        known = set(backlog.items["team"].dropna())
        if team not in known:
            raise KeyError(f"no team {team!r} in this backlog (teams: {', '.join(sorted(map(str, known))) or 'none'})")
    now = _now(backlog, now)
    f, smap = _flow(backlog, stages)
    it = f.items
    n = len(it)
    notes: list[str] = []
    ct = pd.DataFrame({
        "key": it["key"], "team": pd.Series(np.array(f.teams, dtype=object)[f.team] if n else [], dtype="string"),
        "type": it["type"], "summary": it["summary"], "status": it["status"],
        "stage": pd.Series(np.array(STAGES, dtype=object)[f.stage] if n else [], dtype="string"),
        "created": it["created"], "start": _to_ts(f.start), "end": _to_ts(f.end),
        "cycle_time_days": _days(f.start, f.end), "lead_time_days": _days(f.created, f.end),
        "basis": pd.Series(np.where(f.changelog, "changelog", np.where(f.history, "snapshots", "dates")), dtype="string"),
    })
    n_dates = int((~f.history & (f.end != _NAT)).sum())
    if n and not f.history.any():
        notes.append("No status history in this data (CSV and XML exports have no changelog): cycle time is measured from created to "
                     "resolved, items in progress count as started when created, and the cumulative flow shows only "
                     "what these dates allow.")
    elif n_dates:
        notes.append(f"{n_dates:,} finished item(s) have no status history: their cycle time is created to resolved.")
    n_no_res = int((~f.history & (f.stage == _DONE) & (_ns(it["resolved"]) == _NAT)).sum())
    if n_no_res:
        notes.append(f"{n_no_res:,} done item(s) without history have no resolution date: their last update is used as the end.")

    # dependencies
    link_pairs = backlog.dependencies[["waiting", "waits_for", "label"]]
    waited_link, on_link = _waited(f, link_pairs, backlog)
    ct["waited_by_link"] = waited_link
    ct["waited"] = waited_link
    ct["waited_on"] = on_link
    ct["waited_via"] = pd.Series(np.where(waited_link, "link", None), dtype="string")
    vias = [("waited_by_link", "link")]
    if attention is not None and attention is not False and backlog.n_items >= 2:
        waited_att, on_att = _attention_pairs_flags(f, backlog, attention)
        both = waited_link | waited_att
        ct["waited"] = both
        ct["waited_on"] = [sorted(set(a) | set(b)) for a, b in zip(on_link, on_att)]
        ct["waited_via"] = pd.Series(np.where(waited_link & waited_att, "link and attention",
                                              np.where(waited_link, "link", np.where(waited_att, "attention", None))),
                                     dtype="string")
        vias.append(("waited", "link or attention"))
    else:
        notes.append("Dependency cost by link only: no attention was given (pass attention=, or --attention on the "
                     "command line, to count strong attention edges too).")

    team_labels = f.teams + ([ALL_TEAMS] if len(f.teams) > 1 else [])
    show = [team] if team is not None else team_labels
    rows = []
    for flag, via in vias:
        rows += cost_rows(ct, flag, via, show, random_state, all_label=ALL_TEAMS)
    cost = pd.DataFrame(rows, columns=COST_COLUMNS)
    cost["team"] = cost["team"].astype("string")
    pct = _percentiles(ct, show)

    # day grids
    d0, d1 = _day_grid(f, now)
    n_days = d1 - d0 + 1
    dates = pd.DatetimeIndex(pd.to_datetime((np.arange(d0, d1 + 1) * _DAY_NS).astype("datetime64[ns]"), utc=True))
    T = len(f.teams)
    ok_c = f.created != _NAT
    # stage occupancy: +1 into the stage entered, -1 out of the one left, on the day of the change
    add_team = np.concatenate([f.team[ok_c], f.team[f.ch_item], f.team[f.ch_item]])
    add_day = np.concatenate([f.created[ok_c] // _DAY_NS, f.ch_at // _DAY_NS, f.ch_at // _DAY_NS]) - d0
    add_stage = np.concatenate([f.initial[ok_c], f.ch_to, f.ch_from])
    add_w = np.concatenate([np.ones(ok_c.sum()), np.ones(len(f.ch_item)), -np.ones(len(f.ch_item))])
    # no history: done at the end date
    nh = ~f.history & (f.end != _NAT) & ok_c & (f.initial != _DONE)
    add_team = np.concatenate([add_team, f.team[nh], f.team[nh]])
    add_day = np.concatenate([add_day, f.end[nh] // _DAY_NS - d0, f.end[nh] // _DAY_NS - d0])
    add_stage = np.concatenate([add_stage, np.full(nh.sum(), _DONE), f.initial[nh]])
    add_w = np.concatenate([add_w, np.ones(nh.sum()), -np.ones(nh.sum())])
    idx = (add_team * n_days + add_day) * 4 + add_stage
    occ = np.bincount(idx.astype(np.int64), weights=add_w, minlength=max(T, 1) * n_days * 4)[: T * n_days * 4]
    occ = np.cumsum(occ.reshape(T, n_days, 4), axis=1)
    stage_cols = {s: i for i, s in enumerate(STAGES)}
    cfd = _long(occ, f.teams, dates, stage_cols, team)
    wip = cfd[["date", "team"]].assign(wip=cfd["in_progress"], committed=cfd["committed"])

    ended = f.end != _NAT
    e_day = f.end[ended] // _DAY_NS - d0
    tp = _per_team_days(f.team[ended], np.clip(e_day, 0, n_days - 1), None, T, n_days) if T else np.zeros((0, n_days))
    throughput = _long(tp, f.teams, dates, "items", team)
    started = f.start != _NAT
    s_day = np.clip(f.start[started] // _DAY_NS - d0, 0, n_days - 1)
    arr = _per_team_days(f.team[started], s_day, None, T, n_days) if T else np.zeros((0, n_days))
    arrivals = _long(arr, f.teams, dates, "arrivals", team)
    weekly = _weekly(throughput, ["items"])
    nf = _weekly(arrivals.assign(departures=throughput["items"].to_numpy()), ["arrivals", "departures"])
    nf["net_flow"] = nf["arrivals"] - nf["departures"]

    # ageing WIP
    wipmask = (f.stage == _IN_PROGRESS) & (f.start != _NAT)
    aging = ct[wipmask][["key", "team", "summary", "status", "start"]].copy()
    aging["age_days"] = (now.value - f.start[wipmask]) / _DAY_NS
    aging["band"] = _bands(aging, ct, pct)
    if team is not None:
        ct_show = ct[ct["team"] == team]
        aging = aging[aging["team"] == team]
    else:
        ct_show = ct
    aging = aging.sort_values("age_days", ascending=False).reset_index(drop=True)
    if not f.history.any() and len(aging):
        notes.append("Ages of items in progress count from their creation (no history says when they started).")
    return FlowMetrics(cycle_times=ct_show.reset_index(drop=True), percentiles=pct, throughput=throughput,
                       throughput_weekly=weekly, wip=wip, cfd=cfd, aging_wip=aging, net_flow=nf,
                       dependency_cost=cost, stages=smap, notes=tuple(notes), team=team, now=now)


def _bands(aging: pd.DataFrame, ct: pd.DataFrame, pct: pd.DataFrame) -> pd.Series:
    """"below p50", "above p50", "above p85" or "above p95" of the team's cycle times (the organisation's
    when the team has fewer than 5 finished items)."""
    org = _percentiles(ct, [ALL_TEAMS]).iloc[0]
    ref = pct.set_index("team")
    ref = ref[ref["n_done"] >= 5]
    out = pd.Series(pd.NA, index=aging.index, dtype="string")
    if not len(aging) or (org["n_done"] == 0 and not len(ref)):
        return out
    age = aging["age_days"].to_numpy(float)
    labels = np.full(len(aging), "below p50", dtype=object)
    for p in (50, 85, 95):
        cut = aging["team"].map(ref[f"cycle_p{p}"]).astype(float).fillna(org[f"cycle_p{p}"]).to_numpy(float)
        labels = np.where(age > cut, f"above p{p}", labels)
    return pd.Series(labels, index=aging.index, dtype="string")


def _attention_pairs_flags(f: _Flow, backlog: Backlog, attention: Any) -> tuple[np.ndarray, list[list[str]]]:
    return _waited(f, _attention_pairs(backlog, attention), backlog)
