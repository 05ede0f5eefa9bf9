"""Where each item was, and whether it was done, at a given time: the state that sprint metrics read.

Everything here is a pure function of the backlog's tables (items, sprints, events):

- :func:`counted_items`: the items sprint counts use (epics and sub-tasks left out);
- :class:`ItemHistory` / :func:`item_history`: per item, its current sprints, status and dates,
  and its sprint-membership and status changes from ``events``;
- :func:`in_sprint_at`, :func:`done_at`: an item's state at a time;
- :func:`sprint_boards`: the board (team) of each sprint, named by ``sprints.team`` or, when
  the export does not say, by the team nearly all of the sprint's items belong to;
- :func:`sprint_order`: the sprints in time order, and the next sprint of each on its board.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..io._assemble import status_category
from ..io._locale import EPIC_TYPE_NAMES, SUBTASK_TYPE_NAMES
from ..model import is_missing as is_na

__all__ = [
    "BOARD_SHARE",
    "EXCLUDED_TYPES",
    "ItemHistory",
    "SprintRefs",
    "counted_items",
    "done_at",
    "in_sprint_at",
    "is_na",
    "item_history",
    "listing_sprint",
    "natural_key",
    "sprint_boards",
    "sprint_order",
    "utc_now",
]

#: Item types left out of sprint counts by default, as in Jira's sprint report (lower case, several languages).
EXCLUDED_TYPES = tuple(sorted(EPIC_TYPE_NAMES | SUBTASK_TYPE_NAMES))

#: A sprint without a board in the export belongs to a team's board when at least this share of its items
#: are that team's; otherwise the sprints without a board share one unnamed board.
BOARD_SHARE = 0.8


def utc_now(now: Any = None) -> pd.Timestamp:
    """``now`` as a UTC timestamp (the current time when ``None``)."""
    ts = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


_DIGITS = re.compile(r"(\d+)")


def natural_key(name: Any) -> tuple:
    """Sort key that puts "Sprint 2" before "Sprint 10"."""
    return tuple(int(p) if p.isdigit() else p.casefold() for p in _DIGITS.split(str(name)))


def counted_items(items: pd.DataFrame, exclude_types: Iterable[str] | None) -> pd.DataFrame:
    """The items sprint counts use: those whose type (case-insensitive) is not in ``exclude_types``."""
    if not exclude_types:
        return items
    drop = {str(t).strip().lower() for t in exclude_types}
    return items[~items["type"].astype("string").str.strip().str.lower().isin(drop).fillna(False)]


def listing_sprint(items: pd.DataFrame, sid: str) -> pd.DataFrame:
    """The rows of ``items`` whose current ``sprints`` list holds sprint ``sid``."""
    return items[items["sprints"].map(lambda s: sid in s).astype(bool)]


class SprintRefs:
    """Turns the text of a sprint field (names or ids, comma-separated) into sprint ids."""

    def __init__(self, sprints: pd.DataFrame):
        self.ids = set(sprints["sprint_id"].dropna().astype(str))
        self.by_name: dict[str, str] = {}
        for sid, name in zip(sprints["sprint_id"], sprints["name"]):
            if not is_na(name):
                self.by_name.setdefault(str(name).strip(), str(sid))
        self._cache: dict[str, frozenset] = {}

    def parse(self, text: Any) -> frozenset:
        if is_na(text):
            return frozenset()
        text = str(text).strip()
        if text not in self._cache:
            self._cache[text] = self._parse(text)
        return self._cache[text]

    def _parse(self, text: str) -> frozenset:
        one = self._one(text)
        if one is not None:
            return frozenset((one,))
        out = set()
        for part in text.replace(";", ",").split(","):
            part = part.strip().strip("[]").strip()
            if part:
                sid = self._one(part)
                out.add(sid if sid is not None else part)
        return frozenset(out)

    def _one(self, text: str) -> str | None:
        return text if text in self.ids else self.by_name.get(text)


def _done_lookup(items: pd.DataFrame) -> dict[str, bool]:
    """status name (lower case) -> is done, from the items' own status/category pairs."""
    out: dict[str, bool] = {}
    for s, c in zip(items["status"], items["status_category"]):
        if not is_na(s) and not is_na(c):
            out.setdefault(str(s).strip().lower(), c == "done")
    return out


def _status_done(name: Any, lookup: dict[str, bool]) -> bool:
    if is_na(name):
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


@dataclasses.dataclass(frozen=True)
class ItemFacts:
    sprints: frozenset
    status: Any
    created: Any
    resolved: Any
    points: Any
    done_now: bool


@dataclasses.dataclass(frozen=True)
class ItemHistory:
    """What :func:`item_history` found: the counted items and their sprint and status changes.

    ``membership[(key, sprint_id)]`` is a time-sorted list of ``(at, was_in, is_in)``;
    ``status_changes[key]`` a time-sorted list of ``(at, from, to)``; ``touched[sprint_id]``
    the keys that were ever in the sprint.
    """

    facts: dict[str, ItemFacts]
    membership: dict[tuple[str, str], list]
    status_changes: dict[str, list]
    touched: dict[str, set]
    done_lookup: dict[str, bool]
    has_sprint_history: bool

    def points(self, keys: Iterable[str]) -> float:
        vals = [float(self.facts[k].points) for k in keys if not is_na(self.facts[k].points)]
        return float(sum(vals)) if vals else 0.0


def _field_events(events: pd.DataFrame, name: str, keys: dict) -> list[tuple[str, pd.Timestamp, Any, Any]]:
    # matched on the column's distinct spellings ("Sprint", " sprint"): no lower-cased copy of every row
    spellings = [v for v in events["field"].dropna().unique() if str(v).strip().lower() == name]
    ev = events[events["field"].isin(spellings).to_numpy(dtype=bool)].sort_values("at", kind="stable")
    return [(k, at, frm, to) for k, at, frm, to in zip(ev["key"], ev["at"], ev["from"], ev["to"])
            if not is_na(k) and not is_na(at) and k in keys]


def item_history(items: pd.DataFrame, events: pd.DataFrame, sprints: pd.DataFrame) -> ItemHistory:
    """The facts and changes of ``items`` that sprint metrics need (see :class:`ItemHistory`)."""
    lookup = _done_lookup(items)
    facts = {
        k: ItemFacts(frozenset(map(str, s)), st, created, resolved, pts, _status_done(st, lookup))
        for k, s, st, created, resolved, pts in zip(items["key"], items["sprints"], items["status"], items["created"],
                                                     items["resolved"], items["story_points"])
    }
    refs = SprintRefs(sprints)
    sprint_events = _field_events(events, "sprint", facts)
    membership: dict[tuple[str, str], list] = defaultdict(list)
    for key, at, frm, to in sprint_events:
        a, b = refs.parse(frm), refs.parse(to)
        for sid in b - a:
            membership[(key, sid)].append((at, False, True))
        for sid in a - b:
            membership[(key, sid)].append((at, True, False))
    status_changes: dict[str, list] = defaultdict(list)
    for key, at, frm, to in _field_events(events, "status", facts):
        status_changes[key].append((at, frm, to))
    touched: dict[str, set] = defaultdict(set)
    for k, f in facts.items():
        for sid in f.sprints:
            touched[sid].add(k)
    for (k, sid) in membership:
        touched[sid].add(k)
    return ItemHistory(facts, dict(membership), dict(status_changes), dict(touched), lookup, bool(sprint_events))


def in_sprint_at(h: ItemHistory, key: str, sid: str, t: pd.Timestamp) -> bool:
    """Whether ``key`` was in sprint ``sid`` at time ``t``."""
    return bool(_state_at(h.membership.get((key, sid), []), t, sid in h.facts[key].sprints))


def done_at(h: ItemHistory, key: str, t: pd.Timestamp) -> bool | None:
    """Whether ``key`` was done at ``t``; ``None`` when the data cannot tell (done now, but since when is unknown)."""
    f = h.facts[key]
    ch = h.status_changes.get(key)
    if ch:
        return _status_done(_state_at(ch, t, f.status), h.done_lookup)
    if not is_na(f.resolved):
        return bool(f.resolved <= t)
    if is_na(f.status):
        return None
    if not f.done_now:
        return False  # not done now, so not done then either
    return None


def sprint_boards(sprints: pd.DataFrame, items: pd.DataFrame, *, share: float = BOARD_SHARE) -> dict[str, str]:
    """sprint id -> board: ``sprints.team``, else the team of at least ``share`` of its items (now), else ``""``."""
    per_sprint: dict[str, Counter] = defaultdict(Counter)
    for team, sprint_ids in zip(items["team"], items["sprints"]):
        if not is_na(team):
            for sid in sprint_ids:
                per_sprint[str(sid)][str(team)] += 1
    out = {}
    for sid, team in zip(sprints["sprint_id"].astype(str), sprints["team"]):
        if not is_na(team):
            out[sid] = str(team)
            continue
        counts = per_sprint.get(sid)
        top = counts.most_common(1) if counts else []
        out[sid] = top[0][0] if top and top[0][1] >= share * sum(counts.values()) else ""
    return out


def sprint_order(sprints: pd.DataFrame, boards: dict[str, str]) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """Sprints sorted by start (those without a start last, by name), with ``board_``; and the next dated sprint of each.

    A sprint without a start date has no known next sprint (its place in time is unknown).
    """
    sp = sprints.assign(board_=sprints["sprint_id"].astype(str).map(boards).fillna(""),
                        name_key_=sprints["name"].map(natural_key))
    sp = sp.sort_values(["start", "name_key_", "sprint_id"], na_position="last", kind="stable").reset_index(drop=True)
    next_of: dict[str, str | None] = {}
    for _, grp in sp.groupby("board_", sort=False):
        dated = grp[grp["start"].notna()]
        ids = dated["sprint_id"].astype(str).tolist()
        for i, sid in enumerate(ids):
            next_of[sid] = ids[i + 1] if i + 1 < len(ids) else None
    return sp.drop(columns="name_key_"), next_of
