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

Where the data cannot tell (no sprint history, no start date), the numbers are left missing
(``<NA>``) and the ``notes`` column says why; nothing is invented.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..io._assemble import status_category
from ..model import Backlog
from ._rules import strong_cut, waiting_pairs

__all__ = ["sprint_metrics", "at_risk_dependencies", "resolve_sprint", "METRIC_DEFINITIONS", "SPRINT_COLUMNS"]

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
    "items counted": "standard issues: epics and sub-tasks are left out, as in Jira's sprint report",
}

SPRINT_COLUMNS = [
    "sprint_id", "sprint", "team", "state", "start", "close",
    "committed", "added", "removed", "completed", "not_completed", "carried_over",
    "committed_points", "added_points", "removed_points", "completed_points",
    "say_do", "say_do_strict", "velocity_items", "velocity_points",
    "velocity_items_avg", "velocity_points_avg", "scope_change", "net_scope_change",
    "in_sprint_now", "history", "notes",
]
_COUNT_COLS = ["committed", "added", "removed", "completed", "not_completed", "carried_over", "in_sprint_now"]
_POINT_COLS = ["committed_points", "added_points", "removed_points", "completed_points", "velocity_points"]
_FLOAT_COLS = ["say_do", "say_do_strict", "scope_change", "net_scope_change", "velocity_items_avg",
               "velocity_points_avg", "velocity_points"]


def _empty_result() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series([], dtype=object) for c in SPRINT_COLUMNS})
    return _typed(df)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for c in _COUNT_COLS + ["velocity_items"]:
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    for c in set(_POINT_COLS + _FLOAT_COLS):
        df[c] = pd.array([None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else float(v)
                          for v in df[c].tolist()], dtype="Float64")
    for c in ("sprint_id", "sprint", "team", "state", "history", "notes"):
        df[c] = df[c].astype("string")
    for c in ("start", "close"):
        df[c] = pd.to_datetime(df[c], utc=True).astype("datetime64[ns, UTC]")
    return df


# -- helpers --------------------------------------------------------------------------------------

def _now(now: Any) -> pd.Timestamp:
    ts = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _is_na(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v) or (v is pd.NaT)


class _SprintRefs:
    """Turns the text of a sprint field (names or ids, comma-separated) into sprint ids."""

    def __init__(self, sprints: pd.DataFrame):
        self.ids = set(sprints["sprint_id"].dropna().astype(str))
        self.by_name = {}
        for sid, name in zip(sprints["sprint_id"], sprints["name"]):
            if not _is_na(name):
                self.by_name.setdefault(str(name).strip(), str(sid))
        self._cache: dict[str, frozenset] = {}

    def parse(self, text: Any) -> frozenset:
        if _is_na(text):
            return frozenset()
        text = str(text).strip()
        if text in self._cache:
            return self._cache[text]
        out = set()
        one = self._one(text)
        if one is not None:
            out.add(one)
        else:
            for part in text.replace(";", ",").split(","):
                part = part.strip().strip("[]").strip()
                if not part:
                    continue
                sid = self._one(part)
                out.add(sid if sid is not None else part)
        res = frozenset(out)
        self._cache[text] = res
        return res

    def _one(self, text: str) -> str | None:
        if text in self.ids:
            return text
        return self.by_name.get(text)


def _done_lookup(items: pd.DataFrame) -> dict[str, bool]:
    """status name (lower case) -> is done, from the items' own status/category pairs."""
    out: dict[str, bool] = {}
    for s, c in zip(items["status"], items["status_category"]):
        if not _is_na(s) and not _is_na(c):
            out.setdefault(str(s).strip().lower(), c == "done")
    return out


def _status_done(name: Any, lookup: dict[str, bool]) -> bool:
    if _is_na(name):
        return False
    key = str(name).strip().lower()
    if key in lookup:
        return lookup[key]
    return status_category(str(name)) == "done"


def _state_at(changes: list[tuple[pd.Timestamp, Any, Any]], t: pd.Timestamp, current: Any) -> Any:
    """Value at time ``t`` from time-sorted (at, from, to) changes and the current value."""
    before = None
    for at, frm, to in changes:
        if at <= t:
            before = to
        else:
            return before if before is not None else frm
    return before if before is not None else current


def resolve_sprint(backlog: Backlog, sprint: Any = None, *, now: Any = None, last_closed: bool = False) -> pd.Series | None:
    """The row of ``backlog.sprints`` for ``sprint`` (id or name); ``None`` when the backlog has no sprints.

    With ``sprint=None``: the latest sprint that has started (the active one when there is one),
    or with ``last_closed=True`` the most recently closed one. Raises ``KeyError`` naming the
    known sprints when ``sprint`` is not found.
    """
    sp = backlog.sprints
    if sprint is not None:
        sprint = str(sprint)
        hit = sp[(sp["sprint_id"] == sprint) | (sp["name"] == sprint)]
        if not len(hit):
            names = ", ".join(map(str, sp["name"].dropna().head(12)))
            raise KeyError(f"no sprint {sprint!r} in this backlog (known: {names or 'none'})")
        return hit.iloc[0]
    if not len(sp):
        return None
    t = _now(now)
    started = sp[sp["start"].notna() & (sp["start"] <= t)]
    if last_closed:
        closed = started[(started["state"] == "closed") | started["complete"].notna()]
        if len(closed):
            return closed.sort_values("start").iloc[-1]
    elif len(started):
        active = started[started["state"] == "active"]
        pool = active if len(active) else started
        return pool.sort_values("start").iloc[-1]
    if len(started):
        return started.sort_values("start").iloc[-1]
    return sp.iloc[-1]


# -- the metrics ----------------------------------------------------------------------------------

#: Item types left out of sprint counts by default, as in Jira's sprint report (lower case).
EXCLUDED_TYPES = ("epic", "sub-task", "subtask", "sub task")


def sprint_metrics(backlog: Backlog, sprint: Any = None, *, now: Any = None, window: int = 3,
                   exclude_types: Iterable[str] | None = EXCLUDED_TYPES) -> pd.DataFrame:
    """Committed, added, removed, completed, carried over, say/do, velocity and scope change per sprint.

    Parameters
    ----------
    backlog : Backlog
    sprint : str, optional
        A sprint id or name: return only its row (velocity averages still use the sprints
        before it). Default: every sprint that has started, oldest first.
    now : datetime-like, optional
        The clock, for sprints still running (default: the current UTC time).
    window : int, default=3
        Number of sprints (of the same board/team) in the velocity averages.
    exclude_types : iterable of str or None, default=EXCLUDED_TYPES
        Item types (case-insensitive) left out of every count: epics and sub-tasks, as in Jira's
        sprint report. ``None`` counts every item.

    Returns
    -------
    DataFrame
        One row per sprint with the columns of :data:`SPRINT_COLUMNS`. Counts are nullable
        integers and are ``<NA>`` where the data cannot tell; ``history`` says what the numbers
        rest on (``"events"``, ``"current sprint lists only"``) and ``notes`` why a number is
        missing. See :data:`METRIC_DEFINITIONS` for the definitions.

    Raises
    ------
    KeyError
        ``sprint`` is not a sprint of the backlog.

    Examples
    --------
    >>> from attn_team.model import Backlog
    >>> sprint_metrics(Backlog()).empty
    True
    """
    t_now = _now(now)
    sp = backlog.sprints.copy()
    target = resolve_sprint(backlog, sprint, now=t_now) if sprint is not None else None
    if not len(sp):
        log.info("sprint_metrics: the backlog has no sprints")
        return _empty_result()
    items = backlog.items
    if exclude_types:
        drop = {str(t).strip().lower() for t in exclude_types}
        items = items[~items["type"].astype("string").str.strip().str.lower().isin(drop).fillna(False)]
    refs = _SprintRefs(sp)
    done_lookup = _done_lookup(items)

    ev = backlog.events
    field = ev["field"].astype("string").str.strip().str.lower()
    sev = ev[field == "sprint"].sort_values("at", kind="stable")
    stev = ev[field == "status"].sort_values("at", kind="stable")
    has_sprint_history = len(sev) > 0

    info = {
        k: (set(s), st, created, resolved, pts)
        for k, s, st, created, resolved, pts in zip(items["key"], items["sprints"], items["status"], items["created"],
                                                     items["resolved"], items["story_points"])
    }
    # per item: membership changes per sprint, status changes
    membership: dict[tuple[str, str], list[tuple[pd.Timestamp, bool, bool]]] = defaultdict(list)
    for key, at, frm, to in zip(sev["key"], sev["at"], sev["from"], sev["to"]):
        if _is_na(key) or _is_na(at) or key not in info:
            continue
        a, b = refs.parse(frm), refs.parse(to)
        for sid in b - a:
            membership[(key, sid)].append((at, False, True))
        for sid in a - b:
            membership[(key, sid)].append((at, True, False))
    status_changes: dict[str, list] = defaultdict(list)
    for key, at, frm, to in zip(stev["key"], stev["at"], stev["from"], stev["to"]):
        if not _is_na(key) and not _is_na(at) and key in info:
            status_changes[key].append((at, frm, to))

    # which items ever touched each sprint
    touched: dict[str, set] = defaultdict(set)
    for k, (sprints_now, *_rest) in info.items():
        for sid in sprints_now:
            touched[str(sid)].add(k)
    for (k, sid) in membership:
        if k in info:
            touched[sid].add(k)

    def in_sprint(key: str, sid: str, t: pd.Timestamp) -> bool:
        changes = [(at, frm, to) for at, frm, to in membership.get((key, sid), [])]
        return bool(_state_at(changes, t, sid in info[key][0]))

    def done_at(key: str, t: pd.Timestamp) -> bool | None:
        sprints_now, status, created, resolved, _ = info[key]
        ch = status_changes.get(key)
        if ch:
            return _status_done(_state_at(ch, t, status), done_lookup)
        if not _is_na(resolved):
            return bool(resolved <= t)
        if _is_na(status):
            return None
        if not _status_done(status, done_lookup):
            return False  # not done now, so not done then either
        return None  # done now, but when is unknown

    # sprint order per board (team), for "next sprint" and velocity windows
    sp["board_"] = sp["team"].astype(object).where(sp["team"].notna(), "")
    sp = sp.sort_values(["start", "sprint_id"], na_position="last", kind="stable").reset_index(drop=True)
    next_of: dict[str, str | None] = {}
    for _, grp in sp.groupby("board_", sort=False):
        ids = grp["sprint_id"].tolist()
        for i, sid in enumerate(ids):
            next_of[sid] = ids[i + 1] if i + 1 < len(ids) else None

    rows = []
    for r in sp.itertuples(index=False):
        sid = str(r.sprint_id)
        start = r.start
        notes: list[str] = []
        close = r.complete if not _is_na(r.complete) else r.end
        running = False
        if _is_na(start) or start > t_now:
            if target is None or str(target["sprint_id"]) != sid:
                continue  # not started: not a row of the history
            notes.append("sprint has not started" if not _is_na(start) else "sprint has no start date: committed/added/removed cannot be told")
        if _is_na(close) or (r.state == "active" and _is_na(r.complete)) or (not _is_na(close) and close > t_now):
            close, running = t_now, True
            if not _is_na(start) and start <= t_now:
                notes.append(f"sprint still running: counts as of {t_now:%Y-%m-%d %H:%M} UTC")
        keys = sorted(touched.get(sid, ()))
        in_now = sum(1 for k in keys if sid in info[k][0])
        row: dict[str, Any] = {
            "sprint_id": sid, "sprint": r.name if not _is_na(r.name) else sid, "team": r.team, "state": r.state,
            "start": start, "close": close if not _is_na(start) else pd.NaT, "in_sprint_now": in_now,
        }
        for c in SPRINT_COLUMNS:
            row.setdefault(c, None)
        nxt = next_of.get(sid)
        if _is_na(start) or start > t_now:
            row["history"] = "none"
            row["notes"] = "; ".join(notes)
            rows.append(row)
            continue

        def pts(ks: Iterable[str]) -> float:
            vals = [info[k][4] for k in ks]
            vals = [float(v) for v in vals if not _is_na(v)]
            return float(sum(vals)) if vals else 0.0

        # carried over: not completed at close and in the next sprint (at any time)
        def in_next(k: str) -> bool:
            if nxt is None:
                return False
            return nxt in info[k][0] or bool(membership.get((k, nxt)))

        if has_sprint_history:
            committed, added, removed, at_close = set(), set(), set(), set()
            for k in keys:
                created = info[k][2]
                ch = membership.get((k, sid), [])
                at_start = in_sprint(k, sid, start) and (_is_na(created) or created <= start)
                end_state = in_sprint(k, sid, close)
                entered_after = any(start < at <= close and to for at, _f, to in ch) or (
                    not _is_na(created) and start < created <= close and in_sprint(k, sid, created))
                if at_start:
                    committed.add(k)
                elif entered_after:
                    added.add(k)
                else:
                    continue
                left_before_close = any(start < at < close and frm and not to for at, frm, to in ch)
                if end_state:
                    at_close.add(k)
                elif left_before_close:
                    removed.add(k)
                else:
                    at_close.add(k)  # left exactly at the close: moved on with the sprint's end
            row["history"] = "events"
        else:
            committed = added = removed = None
            at_close = {k for k in keys if sid in info[k][0]}
            row["history"] = "current sprint lists only"
            notes.append("no sprint history (no 'sprint' events): committed, added, removed, say/do and scope change "
                         "cannot be told; completed and carried over use the items' current sprint lists")
        done_flags = {k: done_at(k, close) for k in at_close}
        unknown_done = [k for k, f in done_flags.items() if f is None]
        completed = {k for k, f in done_flags.items() if f}
        if unknown_done:
            notes.append(f"{len(unknown_done)} item(s) are done now but without a status history or resolution date: "
                         "whether they were done at the close cannot be told")
            completed_n = None
            not_completed_set = {k for k, f in done_flags.items() if f is False}
        else:
            completed_n = len(completed)
            not_completed_set = at_close - completed
        carried = {k for k in not_completed_set if in_next(k)}
        if nxt is None:
            notes.append("no next sprint on this board: carried over cannot be told yet" if not running
                         else "carry-over is known once the sprint closes")
        row.update({
            "completed": completed_n,
            "not_completed": None if unknown_done else len(not_completed_set),
            "carried_over": len(carried) if nxt is not None and not running else None,
            "completed_points": pts(completed) if completed_n is not None else None,
            "velocity_items": completed_n,
            "velocity_points": pts(completed) if completed_n is not None else None,
        })
        if committed is not None:
            row.update({
                "committed": len(committed), "added": len(added), "removed": len(removed),
                "committed_points": pts(committed), "added_points": pts(added), "removed_points": pts(removed),
            })
            if committed:
                if completed_n is not None:
                    row["say_do"] = completed_n / len(committed)
                    row["say_do_strict"] = len(committed & completed) / len(committed)
                row["scope_change"] = (len(added) + len(removed)) / len(committed)
                row["net_scope_change"] = (len(added) - len(removed)) / len(committed)
            else:
                notes.append("nothing committed at the start: say/do and scope change undefined")
        row["_board"] = r.board_
        row["_running"] = running
        row["notes"] = "; ".join(notes)
        rows.append(row)

    if not rows:
        return _empty_result()
    df = pd.DataFrame(rows)
    # velocity averages over the last `window` sprints of the same board
    df["_board"] = df["_board"].where(df["_board"].notna(), "")
    for src, dst in (("velocity_items", "velocity_items_avg"), ("velocity_points", "velocity_points_avg")):
        vals = pd.to_numeric(df[src], errors="coerce").where(~df["_running"].fillna(False).astype(bool))
        df[dst] = vals.groupby(df["_board"]).transform(lambda s: s.rolling(window, min_periods=1).mean())
    df = _typed(df[SPRINT_COLUMNS].copy())
    if target is not None:
        df = df[df["sprint_id"] == str(target["sprint_id"])].reset_index(drop=True)
    return df


# -- at-risk dependencies -------------------------------------------------------------------------

_RISK_COLUMNS = ["key", "team", "summary", "status", "depends_on", "depends_on_team", "depends_on_summary",
                 "depends_on_status", "via", "weight", "reason"]


def at_risk_dependencies(backlog: Backlog, sprint: Any = None, *, threshold: float | None = None, attention: Any = None,
                         now: Any = None, use_attention: bool = True) -> pd.DataFrame:
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

    Returns
    -------
    DataFrame
        ``key, team, summary, status, depends_on, depends_on_team, depends_on_summary,
        depends_on_status, via, weight, reason``; ``via`` is ``"link: <label>"`` or ``"attention"``.
        Sorted: links first, then by weight. Empty (same columns) when the sprint has no items or
        the backlog no sprints.
    """
    empty = pd.DataFrame({c: pd.Series([], dtype="string") for c in _RISK_COLUMNS}).astype({"weight": "Float64"})
    row = resolve_sprint(backlog, sprint, now=now)
    if row is None:
        return empty
    sid = str(row["sprint_id"])
    items = backlog.items
    in_sprint = items[items["sprints"].map(lambda s: sid in s)]
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
        return not _is_na(ta) and not _is_na(tb) and ta != tb

    found: dict[tuple[str, str], dict] = {}
    for waiting, waits_for, label in waiting_pairs(backlog.links):
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
                found[(s, t)] = {"via": "attention", "weight": float(w), "reason": None if _is_na(reason) else str(reason)}
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
