"""Sprint metrics from the backlog's history, and the cross-team dependencies that put a sprint at risk.

Definitions (also in :data:`METRIC_DEFINITIONS`, which reports print):

- A sprint's *start* is ``sprints.start``; its *close* is ``sprints.complete``, else
  ``sprints.end``, else ``now`` for a sprint still running.
- Sprint membership over time is rebuilt from ``events`` with ``field == "sprint"``
  (Jira changelogs, or the differences between successive workspace snapshots). ``from``/``to``
  hold the sprint field before and after (sprint names or ids, comma-separated when an item
  is in several sprints). The state before an item's first event is the opposite of that
  event; after its last event it is the item's current ``sprints`` list.
- **committed**: in the sprint at its start (and created by then).
- **added**: entered the sprint after the start and before the close.
- **removed**: in the sprint at some point after the start (committed or added) but no longer
  in it at the close, having left it before the close. Moving an unfinished item to the next
  sprint *at* the close is carry-over, not removal.
- **completed**: in the sprint at the close with a done status at the close (status from
  ``status`` events; without them, ``resolved`` at or before the close).
- **not_completed**: in the sprint at the close and not completed.
- **carried_over**: not completed and found in the next sprint of the same board/team.
- **say/do**: ``say_do`` = completed / committed ("completed of committed": added work that
  was finished counts); ``say_do_strict`` = (committed and completed) / committed
  ("committed-and-completed of committed").
- **velocity**: completed items and completed story points per sprint; ``velocity_*_avg`` is
  the mean over the last ``window`` finished sprints of the same board (this one included when
  finished; a running sprint's partial count is left out).
- **scope_change**: (added + removed) / committed; ``net_scope_change`` = (added - removed) / committed.

- **done now** (``in_sprint_now``, ``done_now``, ``not_done_now`` and their points): the items
  listing the sprint now, by their status now. They need neither dates nor history, so an export
  with sprint names only (a CSV) still gives them.
- **board**: ``sprints.team``, else the team of at least 80% of the sprint's items, else one
  shared board; carry-over, velocity averages and the report's charts stay within a board.
- **team** (``team=``): that team's sprints, counting only its items.

Where the data cannot tell (no sprint history, no dates, no story points), the numbers are left
missing (``<NA>``), the ``missing`` column maps each to a code of :data:`NEEDS` (what data would
give it) and ``notes`` says why; nothing is invented. Each figure is a small pure function below
(``_scope``, ``_completion``, ``_carried_over``, ``_ratios``, ``_velocity_averages``); the item
state they read (membership and status at a time, boards) lives in :mod:`._sprint_state`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..model import Backlog
from ._rules import strong_cut
from ._sprint_choice import SprintChoice, pick_sprint, resolve_sprint, team_sprints
from ._sprint_state import (
    BOARD_SHARE,
    EXCLUDED_TYPES,
    ItemHistory,
    counted_items,
    done_at,
    in_sprint_at,
    is_na,
    item_history,
    listing_sprint,
    sprint_boards,
    sprint_order,
    utc_now,
)

__all__ = [
    "EXCLUDED_TYPES",
    "METRIC_DEFINITIONS",
    "NEEDS",
    "SPRINT_COLUMNS",
    "SprintChoice",
    "at_risk_dependencies",
    "missing_text",
    "pick_sprint",
    "resolve_sprint",
    "sprint_metrics",
    "team_sprints",
]

log = logging.getLogger(__name__)

METRIC_DEFINITIONS: dict[str, str] = {
    "committed": "in the sprint at its start (created by then)",
    "added": "entered the sprint after its start, before its close",
    "removed": "left the sprint after its start and before its close (moving unfinished work at the close is carry-over)",
    "completed": "in the sprint at its close with a done status (status history, else resolution date at or before the close)",
    "not_completed": "in the sprint at its close and not completed",
    "carried_over": "not completed and in the next sprint of the same board/team",
    "say_do": "completed / committed ('completed of committed': finished added work counts)",
    "say_do_strict": "(committed and completed) / committed ('committed-and-completed of committed')",
    "velocity": "completed items and completed story points per sprint; *_avg = mean over the last `window` finished sprints of the board (a running sprint's partial count is left out)",
    "scope_change": "(added + removed) / committed; net_scope_change = (added - removed) / committed",
    "close": "sprint complete date, else its end date, else now for a running sprint",
    "done now": "in the sprint's list now with a done status now (needs neither dates nor history; not the state at the close)",
    "board": (f"the sprint's board or team from the export, else the team of at least {BOARD_SHARE:.0%} of its items; "
              "sprints of one board share velocity averages and the next-sprint rule, and charts show one board"),
    "items counted": "standard issues: epics and sub-tasks are left out, as in Jira's sprint report",
}

#: What data would give a missing figure: code -> (short text for a table cell, full text).
NEEDS: dict[str, tuple[str, str]] = {
    "history": ("needs sprint history",
                "sprint history: a REST JSON export with changelog (expand=changelog), or two snapshots of the "
                "export imported into one workspace (at the start and at the close)"),
    "dates": ("needs sprint dates",
              "sprint dates (start, end, complete): a REST JSON export, whose sprint field carries them, "
              "or the board's sprint list (Agile API sprints JSON) imported with the export"),
    "dates_history": ("needs sprint dates and history",
                      "sprint dates and sprint history: a REST JSON export with changelog (expand=changelog), whose "
                      "sprint field carries the dates; or sprint dates and two snapshots of the export (start, close)"),
    "done_dates": ("needs done dates",
                   "when the items were done: status history (REST JSON with changelog) or resolution dates"),
    "points": ("no story points",
               "story points: the export's Story Points (or Story point estimate) field is empty for every item"),
    "next_sprint": ("next sprint not started", "the next sprint of this board: known once it starts"),
    "running": ("after the close", "known once the sprint closes"),
    "not_started": ("not started", "known once the sprint starts"),
    "none_committed": ("undefined (0 committed)", "nothing was committed at the start, so the ratio is undefined"),
}

SPRINT_COLUMNS = [
    "sprint_id", "sprint", "team", "state", "start", "close",
    "committed", "added", "removed", "completed", "not_completed", "carried_over",
    "committed_points", "added_points", "removed_points", "completed_points",
    "say_do", "say_do_strict", "velocity_items", "velocity_points",
    "velocity_items_avg", "velocity_points_avg", "scope_change", "net_scope_change",
    "in_sprint_now", "done_now", "not_done_now", "done_now_points", "not_done_now_points",
    "history", "notes", "missing",
]
_COUNT_COLS = ["committed", "added", "removed", "completed", "not_completed", "carried_over", "in_sprint_now",
               "done_now", "not_done_now", "velocity_items"]
_FLOAT_COLS = ["committed_points", "added_points", "removed_points", "completed_points", "velocity_points",
               "done_now_points", "not_done_now_points", "say_do", "say_do_strict", "scope_change", "net_scope_change",
               "velocity_items_avg", "velocity_points_avg"]
_SCOPE_COLS = ("committed", "added", "removed", "committed_points", "added_points", "removed_points")
_RATIO_COLS = ("say_do", "say_do_strict", "scope_change", "net_scope_change")
_DONE_COLS = ("completed", "not_completed", "completed_points", "velocity_items", "velocity_points")


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for c in _COUNT_COLS:
        df[c] = pd.array([None if is_na(v) else int(v) for v in df[c].tolist()], dtype="Int64")
    for c in _FLOAT_COLS:
        df[c] = pd.array([None if is_na(v) else float(v) for v in df[c].tolist()], dtype="Float64")
    for c in ("sprint_id", "sprint", "team", "state", "history", "notes"):
        df[c] = df[c].astype("string")
    for c in ("start", "close"):
        df[c] = pd.to_datetime(df[c], utc=True).astype("datetime64[ns, UTC]")
    df["missing"] = [dict(m) if isinstance(m, dict) else {} for m in df["missing"].tolist()]
    return df


def _empty_result() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: pd.Series([], dtype=object) for c in SPRINT_COLUMNS}))


def missing_text(missing: dict, column: str, *, full: bool = False) -> str | None:
    """What data would give ``column`` of a metrics row whose ``missing`` entry is ``missing`` (``None``: not missing)."""
    code = (missing or {}).get(column)
    return None if code is None else NEEDS[code][1 if full else 0]


# -- the figures, one small pure function each ----------------------------------------------------

def _state_is(state: Any, value: str) -> bool:
    return not is_na(state) and str(state) == value


@dataclasses.dataclass(frozen=True)
class _Window:
    start: Any
    close: Any
    running: bool
    dated: bool  # has started (start known and not after now)
    notes: tuple


def _window(r: Any, t_now: pd.Timestamp) -> _Window:
    """Start and close of sprint ``r`` (a row of the sorted sprints), whether it is running, and why not dated."""
    start, close = r.start, (r.complete if not is_na(r.complete) else r.end)
    if is_na(start):
        return _Window(start, pd.NaT, False, False,
                       ("sprint has no start date: committed/added/removed cannot be told",))
    if start > t_now:
        return _Window(start, pd.NaT, False, False, ("sprint has not started",))
    if is_na(close) or (_state_is(r.state, "active") and is_na(r.complete)) or close > t_now:
        return _Window(start, t_now, True, True, (f"sprint still running: counts as of {t_now:%Y-%m-%d %H:%M} UTC",))
    return _Window(start, close, False, True, ())


@dataclasses.dataclass(frozen=True)
class _Scope:
    committed: set
    added: set
    removed: set
    at_close: set


def _scope(h: ItemHistory, keys: Iterable[str], sid: str, start: pd.Timestamp, close: pd.Timestamp) -> _Scope:
    """Committed, added and removed items, and those in the sprint at the close, from sprint events."""
    committed, added, removed, at_close = set(), set(), set(), set()
    for k in keys:
        created = h.facts[k].created
        ch = h.membership.get((k, sid), [])
        at_start = in_sprint_at(h, k, sid, start) and (is_na(created) or created <= start)
        entered_after = any(start < at <= close and to for at, _f, to in ch) or (
            not is_na(created) and start < created <= close and in_sprint_at(h, k, sid, created))
        if at_start:
            committed.add(k)
        elif entered_after:
            added.add(k)
        else:
            continue
        left_before_close = any(start < at < close and frm and not to for at, frm, to in ch)
        if not in_sprint_at(h, k, sid, close) and left_before_close:
            removed.add(k)
        else:
            at_close.add(k)  # in it at the close, or left exactly at the close: moved on with the sprint's end
    return _Scope(committed, added, removed, at_close)


def _membership_now(h: ItemHistory, keys: Iterable[str], sid: str) -> dict[str, Any]:
    """Items listing the sprint now, done and not done now, with their points (needs no dates)."""
    now_in = [k for k in keys if sid in h.facts[k].sprints]
    done = [k for k in now_in if h.facts[k].done_now]
    rest = [k for k in now_in if not h.facts[k].done_now]
    return {"in_sprint_now": len(now_in), "done_now": len(done), "not_done_now": len(rest),
            "done_now_points": h.points(done), "not_done_now_points": h.points(rest)}


def _completion(h: ItemHistory, at_close: set, close: pd.Timestamp) -> tuple[set, set, int]:
    """(completed, not completed, number whose state at the close is unknown) of the items at the close."""
    flags = {k: done_at(h, k, close) for k in at_close}
    return ({k for k, f in flags.items() if f}, {k for k, f in flags.items() if f is False},
            sum(1 for f in flags.values() if f is None))


def _carried_over(h: ItemHistory, not_completed: set, nxt: str | None) -> set:
    """Not-completed items found in the next sprint of the board (now or at any time)."""
    if nxt is None:
        return set()
    return {k for k in not_completed if nxt in h.facts[k].sprints or (k, nxt) in h.membership}


def _ratios(committed: set, completed: set | None, added: set, removed: set) -> dict[str, float | None]:
    """Say/do (both definitions) and scope change; ``None`` where undefined or unknown."""
    if not committed:
        return dict.fromkeys(_RATIO_COLS)
    n = len(committed)
    return {"say_do": None if completed is None else len(completed) / n,
            "say_do_strict": None if completed is None else len(committed & completed) / n,
            "scope_change": (len(added) + len(removed)) / n, "net_scope_change": (len(added) - len(removed)) / n}


def _undated_row(h: ItemHistory, w: _Window) -> tuple[dict, dict]:
    """Figures and missing codes of a sprint without dates (or not started): only membership now is known."""
    code = "dates" if is_na(w.start) else "not_started"
    missing = dict.fromkeys(_DONE_COLS + ("carried_over",), code)
    scope_code = "dates_history" if code == "dates" and not h.has_sprint_history else code
    missing.update(dict.fromkeys(_SCOPE_COLS + _RATIO_COLS, scope_code))
    return {"history": "none"}, missing


@dataclasses.dataclass(frozen=True)
class _Part:
    """Some figures of a row, the missing codes of others, and notes: what each step below returns."""

    figures: dict = dataclasses.field(default_factory=dict)
    missing: dict = dataclasses.field(default_factory=dict)
    notes: tuple = ()


def _scope_part(h: ItemHistory, keys: list, sid: str, w: _Window) -> tuple[_Scope | None, set, _Part]:
    """Committed, added and removed (from sprint events), and the items in the sprint at the close."""
    if not h.has_sprint_history:
        return None, {k for k in keys if sid in h.facts[k].sprints}, _Part(
            {"history": "current sprint lists only"}, dict.fromkeys(_SCOPE_COLS + _RATIO_COLS, "history"),
            ("no sprint history (no 'sprint' events): committed, added, removed, say/do and scope change "
             "cannot be told; completed and carried over use the items' current sprint lists",))
    scope = _scope(h, keys, sid, w.start, w.close)
    figures = {"history": "events", **{c: len(getattr(scope, c)) for c in ("committed", "added", "removed")},
               **{f"{c}_points": h.points(getattr(scope, c)) for c in ("committed", "added", "removed")}}
    return scope, scope.at_close, _Part(figures)


def _done_part(h: ItemHistory, at_close: set, close: pd.Timestamp) -> tuple[set | None, set, _Part]:
    """Completed and not completed at the close; ``None`` completed when some item's state then is unknown."""
    completed, not_completed, unknown = _completion(h, at_close, close)
    if unknown:
        return None, not_completed, _Part(
            {}, dict.fromkeys(_DONE_COLS + ("say_do", "say_do_strict", "carried_over"), "done_dates"),
            (f"{unknown} item(s) are done now but without a status history or resolution date: "
             "whether they were done at the close cannot be told",))
    not_completed = at_close - completed
    return completed, not_completed, _Part({
        "completed": len(completed), "not_completed": len(not_completed), "completed_points": h.points(completed),
        "velocity_items": len(completed), "velocity_points": h.points(completed)})


def _carry_part(h: ItemHistory, not_completed: set, known: bool, nxt: str | None, running: bool) -> _Part:
    """Carried over, once the sprint has closed and the board's next sprint exists."""
    if running:
        return _Part({}, {"carried_over": "running"}, ("carry-over is known once the sprint closes",))
    if nxt is None:
        return _Part({}, {"carried_over": "next_sprint"}, ("no next sprint on this board: carried over cannot be told yet",))
    return _Part({"carried_over": len(_carried_over(h, not_completed, nxt))} if known else {})


def _ratio_part(scope: _Scope | None, completed: set | None) -> _Part:
    """Say/do and scope change, where the scope is known."""
    if scope is None:
        return _Part()
    ratios = _ratios(scope.committed, completed, scope.added, scope.removed)
    if not scope.committed:
        return _Part({}, dict.fromkeys(_RATIO_COLS, "none_committed"),
                     ("nothing committed at the start: say/do and scope change undefined",))
    return _Part({k: v for k, v in ratios.items() if v is not None})


def _dated_row(h: ItemHistory, keys: list, sid: str, w: _Window, nxt: str | None) -> tuple[dict, dict, list]:
    """Figures, missing codes and notes of a sprint that has started: the steps above, in order."""
    scope, at_close, scope_p = _scope_part(h, keys, sid, w)
    completed, not_completed, done_p = _done_part(h, at_close, w.close)
    parts = [scope_p, done_p, _carry_part(h, not_completed, completed is not None, nxt, w.running),
             _ratio_part(scope, completed)]
    figures, missing, notes = {}, {}, []
    for part in parts:
        figures.update(part.figures)
        missing.update({k: v for k, v in part.missing.items() if not (k == "carried_over" and k in missing)})
        notes.extend(part.notes)
    return figures, missing, notes


def _velocity_averages(df: pd.DataFrame, window: int) -> pd.DataFrame:
    """Mean velocity over the last ``window`` finished sprints of each board (running sprints left out)."""
    finished = ~df["_running"].astype(bool)
    for src, dst in (("velocity_items", "velocity_items_avg"), ("velocity_points", "velocity_points_avg")):
        vals = pd.to_numeric(df[src], errors="coerce").where(finished)
        df[dst] = vals.groupby(df["_board"]).transform(lambda s: s.rolling(window, min_periods=1).mean())
    return df


_POINT_COLS = ("committed_points", "added_points", "removed_points", "completed_points", "velocity_points",
               "velocity_points_avg", "done_now_points", "not_done_now_points")


def _without_points(rows: list[dict]) -> list[dict]:
    """Rows with every points figure missing (code ``"points"``): for items none of which has story points."""
    for row in rows:
        row.update(dict.fromkeys(_POINT_COLS))
        row["missing"] = {**row["missing"], **dict.fromkeys(_POINT_COLS, "points")}
    return rows


def _sprint_row(r: Any, h: ItemHistory, nxt: str | None, t_now: pd.Timestamp) -> dict[str, Any]:
    """One row of :func:`sprint_metrics` for sprint ``r`` (a row of the sorted sprints)."""
    sid = str(r.sprint_id)
    w = _window(r, t_now)
    keys = sorted(h.touched.get(sid, ()))
    row: dict[str, Any] = dict.fromkeys(SPRINT_COLUMNS)
    row.update({"sprint_id": sid, "sprint": r.name if not is_na(r.name) else sid, "team": r.board_ or None,
                "state": r.state, "start": w.start, "close": w.close if w.dated else pd.NaT,
                "_board": r.board_, "_running": w.running})
    row.update(_membership_now(h, keys, sid))
    if w.dated:
        figures, missing, notes = _dated_row(h, keys, sid, w, nxt)
    else:
        (figures, missing), notes = _undated_row(h, w), []
    row.update(figures)
    row["missing"] = missing
    row["notes"] = "; ".join([*w.notes, *notes])
    return row


def sprint_metrics(backlog: Backlog, sprint: Any = None, *, now: Any = None, window: int = 3,
                   exclude_types: Iterable[str] | None = EXCLUDED_TYPES, team: str | None = None) -> pd.DataFrame:
    """Committed, added, removed, completed, carried over, say/do, velocity and scope change per sprint.

    Parameters
    ----------
    backlog : Backlog
    sprint : str, optional
        A sprint id or name: return only its row (velocity averages still use the sprints
        before it). Default: every sprint that has started, oldest first, then the sprints
        without dates (not marked future), by name.
    now : datetime-like, optional
        The clock, for sprints still running (default: the current UTC time).
    window : int, default=3
        Number of sprints (of the same board/team) in the velocity averages.
    exclude_types : iterable of str or None, default=EXCLUDED_TYPES
        Item types (case-insensitive) left out of every count: epics and sub-tasks, as in Jira's
        sprint report. ``None`` counts every item.
    team : str, optional
        One team: its sprints only (see :func:`team_sprints`), counting only its items.

    Returns
    -------
    DataFrame
        One row per sprint with the columns of :data:`SPRINT_COLUMNS`. ``team`` is the sprint's
        board (see ``METRIC_DEFINITIONS["board"]``). Counts are nullable integers and are
        ``<NA>`` where the data cannot tell; ``missing`` maps each such column to a code of
        :data:`NEEDS` (what data would give it), ``history`` says what the numbers rest on
        (``"events"``, ``"current sprint lists only"``, ``"none"``) and ``notes`` why a number is
        missing. ``in_sprint_now``, ``done_now``, ``not_done_now`` and their points need no dates.

    Raises
    ------
    KeyError
        ``sprint`` is not a sprint of the backlog, or ``team`` not a team of it.

    Examples
    --------
    >>> from attn_team.model import Backlog
    >>> sprint_metrics(Backlog()).empty
    True
    """
    t_now = utc_now(now)
    target = pick_sprint(backlog, sprint, now=t_now).row if sprint is not None else None
    if not len(backlog.sprints):
        log.info("sprint_metrics: the backlog has no sprints")
        return _empty_result()
    boards = sprint_boards(backlog.sprints, backlog.items)
    items = counted_items(backlog.items, exclude_types)
    sp = backlog.sprints
    if team is not None:
        sp = sp[sp["sprint_id"].astype(str).isin(team_sprints(backlog, team, boards))]
        items = items[(items["team"] == team).fillna(False)]
    h = item_history(items, backlog.events, backlog.sprints)
    sp, next_of = sprint_order(sp, boards)
    target_id = None if target is None else str(target["sprint_id"])
    keep = [(r.sprint_id == target_id) or (not is_na(r.start) and r.start <= t_now)
            or (is_na(r.start) and not _state_is(r.state, "future")) for r in sp.itertuples(index=False)]
    rows = [_sprint_row(r, h, next_of.get(str(r.sprint_id)), t_now) for r, k in zip(sp.itertuples(index=False), keep) if k]
    if not rows:
        return _empty_result()
    if len(items) and not items["story_points"].notna().any():
        rows = _without_points(rows)
    df = _velocity_averages(pd.DataFrame(rows), window)
    df = _typed(df[SPRINT_COLUMNS].copy())
    if target_id is not None:
        df = df[df["sprint_id"] == target_id].reset_index(drop=True)
    return df


# -- at-risk dependencies -------------------------------------------------------------------------

_RISK_COLUMNS = ["key", "team", "summary", "status", "depends_on", "depends_on_team", "depends_on_summary",
                 "depends_on_status", "via", "weight", "reason"]


def at_risk_dependencies(backlog: Backlog, sprint: Any = None, *, threshold: float | None = None, attention: Any = None,
                         now: Any = None, use_attention: bool = True, team: str | None = None) -> pd.DataFrame:
    """Items of a sprint that wait on unfinished items of other teams, by link or by strong attention.

    Parameters
    ----------
    backlog : Backlog
    sprint : str, optional
        Sprint id or name (default: the latest sprint that has started, see :func:`resolve_sprint`).
    threshold : float, optional
        Minimum attention ``score`` for an unlinked pair to count. Default: the 0.9 quantile of the
        scores of all cross-team edges (the strongest 10%; softmax weights over thousands of keys
        are too small to threshold directly).
    attention : CrossAttention, Attention, DataFrame or mapping, optional
        Item-to-item attention (see :func:`attn_team.insights._dependencies.attention_edges`);
        the untrained model when ``None`` and ``use_attention`` is true (nothing is fitted here).
    use_attention : bool, default=True
        ``False`` uses links only (no model is fitted).
    team : str, optional
        Only the items of this team wait (the default sprint is then the team's latest).

    Returns
    -------
    DataFrame
        ``key, team, summary, status, depends_on, depends_on_team, depends_on_summary,
        depends_on_status, via, weight, reason``; ``via`` is ``"link: <label>"`` or ``"attention"``.
        Sorted: links first, then by weight. Empty (same columns) when the sprint has no items or
        the backlog no sprints.
    """
    empty = pd.DataFrame({c: pd.Series([], dtype="string") for c in _RISK_COLUMNS}).astype({"weight": "Float64"})
    row = resolve_sprint(backlog, sprint, now=now, team=team)
    if row is None:
        return empty
    sid = str(row["sprint_id"])
    items = backlog.items
    in_sprint = listing_sprint(items, sid)
    if team is not None:
        in_sprint = in_sprint[(in_sprint["team"] == team).fillna(False)]
    if not len(in_sprint):
        return empty
    keys = set(in_sprint["key"])
    idx = items.set_index("key")
    team = idx["team"].to_dict()
    cat = idx["status_category"].to_dict()

    def unfinished(k):
        return k in cat and cat[k] != "done"

    def other_team(a, b):
        ta, tb = team.get(a), team.get(b)
        return not is_na(ta) and not is_na(tb) and ta != tb

    found: dict[tuple[str, str], dict] = {}
    dep = backlog.dependencies
    for waiting, waits_for, label in zip(dep["waiting"], dep["waits_for"], dep["label"]):
        if waiting in keys and unfinished(waiting) and unfinished(waits_for) and other_team(waiting, waits_for):
            found.setdefault((waiting, waits_for), {"via": f"link: {label}", "weight": None, "reason": "linked in Jira"})
    if use_attention:
        from ._dependencies import attention_edges

        edges = attention_edges(backlog, attention, to="items")
        if len(edges):
            if threshold is None:
                threshold = strong_cut(edges, team)
            e = edges[edges["source"].isin(keys) & (edges["score"].astype(float) >= threshold)]
            for s, t, w, reason in zip(e["source"], e["target"], e["weight"], e.get("reason", [None] * len(e))):
                if (s, t) in found or not unfinished(s) or not unfinished(t) or not other_team(s, t):
                    continue
                found[(s, t)] = {"via": "attention", "weight": float(w), "reason": None if is_na(reason) else str(reason)}
    if not found:
        return empty
    out = []
    for (a, b), d in found.items():
        out.append({
            "key": a, "team": team.get(a), "summary": idx["summary"].get(a), "status": idx["status"].get(a),
            "depends_on": b, "depends_on_team": team.get(b), "depends_on_summary": idx["summary"].get(b),
            "depends_on_status": idx["status"].get(b), **d,
        })
    df = pd.DataFrame(out, columns=_RISK_COLUMNS)
    df["_link"] = df["via"].str.startswith("link")
    df = df.sort_values(["_link", "weight", "key"], ascending=[False, False, True], na_position="last").drop(columns="_link")
    df = df.astype({c: "string" for c in _RISK_COLUMNS if c != "weight"}).astype({"weight": "Float64"})
    return df.reset_index(drop=True)
