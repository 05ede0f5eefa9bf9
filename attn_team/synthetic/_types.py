"""The generated organisation's types: :class:`SyntheticOrg`, the simulated item, time helpers."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from ..model import Backlog
from ._catalogue import _EPOCH


#: Days an item waiting on another team's unfinished item takes longer (the planted cost of waiting).
WAIT_DAYS = 4


@dataclasses.dataclass(frozen=True, eq=False)
class SyntheticOrg:
    """A generated organisation: the backlog and what the generator knows about it.

    Attributes
    ----------
    backlog : Backlog
        Built through :func:`attn_team.io.assemble`, so it obeys the data model.
    truth : dict
        ``planted_pairs`` (list of ``(key_a, key_b)``: related, cross-team, not linked),
        ``linked_cross_team`` (list of ``(source_key, target_key, link_type)``),
        ``coordination_gap`` (``(team_a, team_b)``), ``sprint_truth`` (sprint name ->
        counts and story points, see the module docstring), ``teams`` (team ->
        project, components, people), ``coupled_pairs`` (team pairs that share links and people),
        ``waiting_cost`` (``days``: the planted extra cycle time of items that waited on another
        team's unfinished item; ``waiting``: ``(waiting_key, awaited_key)`` pairs, see
        :meth:`_Gen.plant_waiting`).
    extras : dict
        Details Jira exports but the data model does not keep: ``comments``
        (list of ``(key, at, author, body)``), ``issue_ids`` (key -> numeric id),
        ``now``, ``cycle_times`` (key -> true cycle time in days, first move to In Progress to
        Done, of every finished story, task and bug).
    """

    backlog: Backlog
    truth: dict
    extras: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(eq=False)
class _Item:
    team: int
    type: str
    created: int
    summary: str = ""
    description: str = ""
    components: list = dataclasses.field(default_factory=list)
    labels: list = dataclasses.field(default_factory=list)
    priority: str = "Medium"
    points: float | None = None
    assignee: str | None = None
    reporter: str | None = None
    watchers: list = dataclasses.field(default_factory=list)
    comments: list = dataclasses.field(default_factory=list)
    parent: Any = None
    epic: Any = None
    sprints: list = dataclasses.field(default_factory=list)
    level: int = 0
    events: list = dataclasses.field(default_factory=list)
    resolved: int | None = None
    fix_versions: list = dataclasses.field(default_factory=list)
    key: str = ""
    preferred: int | None = None
    in_progress_at: int | None = None
    refined: bool = False
    cur: int | None = None  # sprint index the item is in now (simulation state)


def _minutes(ts: datetime) -> int:
    return int((ts - _EPOCH).total_seconds() // 60)


def _ts(m: int | None) -> datetime | None:
    return None if m is None else _EPOCH + timedelta(minutes=int(m))


def _fmt_points(v) -> str | None:
    if v is None:
        return None
    return str(int(v)) if float(v).is_integer() else str(v)


def _truth_row(committed, added, removed, completed, carried) -> dict:
    def pts(items):
        return float(sum(it.points or 0.0 for it in items))

    return {
        "committed": len(committed), "committed_points": pts(committed),
        "added": len(added), "added_points": pts(added),
        "removed": len(removed), "removed_points": pts(removed),
        "completed": len(completed), "completed_points": pts(completed),
        "carried_over": len(carried), "carried_over_points": pts(carried),
    }

