"""Which sprints a team has, and which sprint a report shows when none is named (and why).

- :func:`team_sprints`: a team's sprints: on its board, or on no team's board and holding its items
  (boards from :func:`._sprint_state.sprint_boards`).
- :func:`pick_sprint`: the latest sprint that has started (the active one first), or the last
  closed; with ``team``, among that team's sprints. When several boards' sprints closed (or
  started) the same day it says which it showed and how to choose another; without sprint
  dates it takes the last by name and says so. :func:`resolve_sprint` is the row alone.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from ..model import Backlog
from ._sprint_state import is_na, natural_key, sprint_boards, utc_now

__all__ = ["SprintChoice", "pick_sprint", "resolve_sprint", "team_sprints"]


def _sprint_name(row: pd.Series) -> str:
    return str(row["sprint_id"]) if is_na(row["name"]) else str(row["name"])


def team_sprints(backlog: Backlog, team: str, boards: dict[str, str] | None = None) -> set[str]:
    """Ids of the sprints of ``team``: on its board, or on no team's board and holding its items.

    Raises ``KeyError`` naming the known teams when ``team`` has no item.
    """
    items = backlog.items
    mine = items[(items["team"] == team).fillna(False)]
    if not len(mine):
        known = ", ".join(sorted(map(str, items["team"].dropna().unique()))[:20])
        raise KeyError(f"no team {team!r} in this backlog (known: {known or 'none'})")
    boards = sprint_boards(backlog.sprints, items) if boards is None else boards
    holding = {str(s) for sprints in mine["sprints"] for s in sprints}
    return {sid for sid, board in boards.items() if board == team or (board == "" and sid in holding)}


@dataclasses.dataclass(frozen=True)
class SprintChoice:
    """The sprint a report shows (``row`` of ``backlog.sprints``, or ``None``) and, when it was a choice, why."""

    row: pd.Series | None
    reason: str | None = None
    board: str | None = None


def _close(sp: pd.DataFrame) -> pd.Series:
    return sp["complete"].where(sp["complete"].notna(), sp["end"])


_VERB = {"closed": "close", "started": "start"}


def _latest(cand: pd.DataFrame, when: pd.Series, verb: str, boards: dict[str, str]) -> SprintChoice:
    """The latest of ``cand`` by ``when``, saying so when sprints of other boards ended the same day."""
    order = cand.assign(when_=when, key_=cand["name"].map(natural_key)).sort_values(["when_", "start", "key_"],
                                                                                     kind="stable")
    pick = order.iloc[-1]
    board = boards.get(str(pick["sprint_id"]), "")
    same_day = order[order["when_"].dt.date == pick["when_"].date()]
    others = sorted({boards.get(str(s), "") for s in same_day["sprint_id"]} - {board})
    reason = None
    if others:
        names = ", ".join(b or "no board" for b in [board, *others])
        reason = (f"{len(same_day)} sprints {verb} on {pick['when_']:%Y-%m-%d} ({names}): showing "
                  f"{_sprint_name(pick)!r}{f' ({board})' if board else ''}, the last to {_VERB[verb]}"
                  "; pass --team (team=) for another team")
    return SprintChoice(pick.drop(["when_", "key_"]), reason, board or None)


def pick_sprint(backlog: Backlog, sprint: Any = None, *, now: Any = None, last_closed: bool = False,
                team: str | None = None) -> SprintChoice:
    """The sprint to report on, and why it was picked (see :func:`resolve_sprint` for the rule).

    With ``team``, only that team's sprints (:func:`team_sprints`) are candidates. The reason
    names the tie when several boards' sprints closed (or started) the same day, and the
    fallback when the export has no sprint dates.
    """
    sp = backlog.sprints
    boards = sprint_boards(sp, backlog.items)
    if sprint is not None:
        sprint = str(sprint)
        hit = sp[(sp["sprint_id"] == sprint) | (sp["name"] == sprint)]
        if not len(hit):
            names = ", ".join(map(str, sp["name"].dropna().head(12)))
            raise KeyError(f"no sprint {sprint!r} in this backlog (known: {names or 'none'})")
        row = hit.iloc[0]
        return SprintChoice(row, None, boards.get(str(row["sprint_id"])) or None)
    pool = sp if team is None else sp[sp["sprint_id"].astype(str).isin(team_sprints(backlog, team, boards))]
    if not len(pool):
        return SprintChoice(None, None if team is None else f"team {team!r} has no sprint")
    t = utc_now(now)
    started = pool[pool["start"].notna() & (pool["start"] <= t)]
    if last_closed:
        closed = started[((started["state"] == "closed") | started["complete"].notna()).fillna(False)]
        if len(closed):
            return _latest(closed, _close(closed), "closed", boards)
    elif len(started):
        active = started[(started["state"] == "active").fillna(False)]
        pool_ = active if len(active) else started
        return _latest(pool_, pool_["start"], "started", boards)
    if len(started):
        choice = _latest(started, started["start"], "started", boards)
        return dataclasses.replace(choice, reason="no sprint has closed yet: showing the latest that started"
                                   + (f" ({choice.reason})" if choice.reason else ""))
    undated = pool[pool["start"].isna() & (pool["state"] != "future").fillna(True)]
    if len(undated):
        prefer = "closed" if last_closed else "active"
        pref = undated[(undated["state"] == prefer).fillna(False)]
        cand = pref if len(pref) else undated
        row = cand.iloc[max(range(len(cand)), key=lambda i: natural_key(_sprint_name(cand.iloc[i])))]
        return SprintChoice(row, f"the export has no sprint dates: showing {_sprint_name(row)!r}, the last by name of "
                                 f"{len(undated)} sprint(s); pass --sprint NAME (sprint=) for another",
                            boards.get(str(row["sprint_id"])) or None)
    row = pool.iloc[-1]
    return SprintChoice(row, "no sprint has started yet", boards.get(str(row["sprint_id"])) or None)


def resolve_sprint(backlog: Backlog, sprint: Any = None, *, now: Any = None, last_closed: bool = False,
                   team: str | None = None) -> pd.Series | None:
    """The row of ``backlog.sprints`` for ``sprint`` (id or name); ``None`` when the backlog has no sprints.

    With ``sprint=None``: the latest sprint that has started (the active one when there is one),
    or with ``last_closed=True`` the most recently closed one; with ``team``, among that team's
    sprints only. Without sprint dates: the last sprint by name. Raises ``KeyError`` naming the
    known sprints when ``sprint`` is not found. :func:`pick_sprint` also says why.
    """
    return pick_sprint(backlog, sprint, now=now, last_closed=last_closed, team=team).row
