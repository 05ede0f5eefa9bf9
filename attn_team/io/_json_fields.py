"""Jira REST JSON field values: typed accessors, times, people and sprints (used by ``_json.py``).

Every accessor either returns a plain Python value or raises
:class:`~attn_team.errors.JiraFormatError` through :class:`_Ctx`, which names the file,
the issue (index and key) and the field.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from ..errors import JiraFormatError
from ._dates import RANGE, in_range
from ._files import shown

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d+$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
_LEGACY_SPRINT = re.compile(r"com\.atlassian\.greenhopper\.service\.sprint\.Sprint@[0-9a-fA-F]*\[(.*)\]\s*$", re.S)


def _legacy_sprint_match(text: str) -> re.Match | None:
    """``_LEGACY_SPRINT.search(text)``; without a "]" at the end no start can match, and each would scan to the end."""
    return _LEGACY_SPRINT.search(text) if text.rstrip().endswith("]") else None
_LEGACY_KEYS = (
    "id", "rapidViewId", "state", "name", "goal", "startDate", "endDate", "completeDate",
    "activatedDate", "sequence", "autoStartStop", "synced", "incompleteIssuesDestinationId",
)
_LEGACY_SPLIT = re.compile(r",(?=(?:" + "|".join(_LEGACY_KEYS) + r")=)")
_SPRINT_STATES = {"future", "active", "closed"}


# ----------------------------------------------------------------------------------------
# small typed accessors
# ----------------------------------------------------------------------------------------


def _get(obj: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(p)
    return obj


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    s = str(value).strip()
    return s or None


def _name(value: Any) -> str | None:
    """``{"name": ..}`` / ``{"value": ..}`` / plain string -> str."""
    if isinstance(value, dict):
        for k in ("name", "value", "title", "key"):
            s = _str(value.get(k))
            if s:
                return s
        return None
    return _str(value)


class _Ctx:
    """Where we are, for error messages."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.row: int | None = None
        self.key: str | None = None
        self.times: dict[str, pd.Timestamp] = {}  # ISO strings already parsed in this document

    def error(self, message: str, field: str | None = None) -> JiraFormatError:
        if self.key:
            message = f"issue {self.key}: {message}"
        return JiraFormatError(message, file=self.file, row=self.row, field=field)


def _names(value: Any, ctx: _Ctx, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if not isinstance(value, list):
        raise ctx.error(f"expected a list of names, got {type(value).__name__}", field)
    out = []
    for v in value:
        s = _name(v)
        if s and s not in out:
            out.append(s)
    return out


def _time(value: Any, ctx: _Ctx, field: str) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # epoch milliseconds (some Agile payloads)
        try:
            return pd.Timestamp(int(value), unit="ms", tz="UTC")
        except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
            raise ctx.error(f"invalid time {shown(value)}: expected ISO 8601 or epoch milliseconds {RANGE}", field) from None
    if isinstance(value, str):
        ts = ctx.times.get(value)
        if ts is not None:  # (a page repeats sprint dates in every issue of the sprint)
            return ts
    s = str(value).strip() if isinstance(value, str) else None
    if s is None or not _ISO.match(s):
        raise ctx.error(f"invalid date {shown(value)}: expected ISO 8601 like '2024-03-05T14:05:20.974+0100'", field)
    try:
        ts = pd.Timestamp(s)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        if not in_range(ts):
            raise ValueError("out of range")
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        raise ctx.error(f"invalid date {shown(value)} ({exc}): expected ISO 8601 {RANGE}", field) from None
    if len(ctx.times) < 100_000:
        ctx.times[value] = ts
    return ts


def _person(user: Any, people: dict[str, str]) -> str | None:
    """Stable id of a Jira user object: accountId, else key/name, else displayName."""
    if isinstance(user, str):
        s = user.strip()
        return s or None
    if not isinstance(user, dict):
        return None
    pid = None
    for k in ("accountId", "key", "name", "displayName", "emailAddress"):
        pid = _str(user.get(k))
        if pid:
            break
    if pid is None or pid == "-1":
        return None
    display = _str(user.get("displayName")) or pid
    if pid not in people or people[pid] == pid:
        people[pid] = display
    return pid


# ----------------------------------------------------------------------------------------
# sprints
# ----------------------------------------------------------------------------------------


def parse_legacy_sprint(text: str) -> dict | None:
    """Parse Jira's legacy sprint string into a sprint record, or ``None`` if it is not one.

    ``com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=3,rapidViewId=1,state=CLOSED,
    name=Sprint 3,startDate=...,endDate=...,completeDate=<null>,sequence=3]``, keys in any order.

    Examples
    --------
    >>> s = "com.atlassian.greenhopper.service.sprint.Sprint@5f[rapidViewId=2,state=ACTIVE,name=S 1,id=7]"
    >>> parse_legacy_sprint(s)["sprint_id"], parse_legacy_sprint(s)["state"]
    ('7', 'active')
    """
    if not isinstance(text, str):
        return None
    m = _legacy_sprint_match(text)
    if not m:
        return None
    vals: dict[str, str | None] = {}
    for part in _LEGACY_SPLIT.split(m.group(1)):
        k, sep, v = part.partition("=")
        if sep:
            v = v.strip()
            vals[k.strip()] = None if v in ("", "<null>") else v
    if not vals.get("id") and not vals.get("name"):
        return None
    return {
        "sprint_id": vals.get("id") or vals.get("name"),
        "name": vals.get("name") or vals.get("id"),
        "state": (vals.get("state") or "").lower() or None,
        "start": vals.get("startDate"),
        "end": vals.get("endDate"),
        "complete": vals.get("completeDate"),
        "goal": vals.get("goal"),
        "board": vals.get("rapidViewId"),
    }


def story_points(value: Any, ctx: _Ctx, field: str) -> float:
    """Story points from a JSON number or text: a finite number (``inf``, ``1e999`` or ``Infinity`` is an error)."""
    try:
        points = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ctx.error(f"expected a number of story points, got {shown(value)}", field) from None
    if math.isinf(points):
        raise ctx.error(f"expected a finite number of story points, got {shown(value)}", field)
    return points


def sprint_number(value: float, ctx: _Ctx, field: str) -> str:
    """A sprint id given as a JSON number: a whole finite number, as text."""
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise ctx.error(f"expected a sprint id (a whole number), got {shown(value)}", field)
    return str(int(value))


def _sprint_record(obj: dict, ctx: _Ctx, field: str, boards: dict[str, str]) -> dict:
    if isinstance(obj.get("id"), float):
        sprint_number(obj["id"], ctx, f"{field}.id")
    sid = _str(obj.get("id")) or _str(obj.get("name"))
    if sid is None:
        raise ctx.error("sprint without id or name: expected {'id': .., 'name': .., 'state': ..}", field)
    board = _str(obj.get("originBoardId") or obj.get("boardId") or obj.get("rapidViewId") or obj.get("board"))
    state = _str(obj.get("state"))
    return {
        "sprint_id": sid,
        "name": _str(obj.get("name")) or sid,
        "state": state.lower() if state else None,
        "start": _time(obj.get("startDate", obj.get("start")), ctx, f"{field}.startDate"),
        "end": _time(obj.get("endDate", obj.get("end")), ctx, f"{field}.endDate"),
        "complete": _time(obj.get("completeDate", obj.get("complete")), ctx, f"{field}.completeDate"),
        "team": boards.get(board) if board else None,
        "goal": _str(obj.get("goal")),
    }


def _looks_like_sprint(v: Any) -> bool:
    return isinstance(v, dict) and "id" in v and "name" in v and ("state" in v or "boardId" in v or "startDate" in v)


def _is_sprint_value(value: Any) -> bool:
    if isinstance(value, dict):
        return _looks_like_sprint(value)
    if not isinstance(value, list) or not value:
        return False
    return all(_looks_like_sprint(v) or (isinstance(v, str) and _legacy_sprint_match(v)) for v in value)
