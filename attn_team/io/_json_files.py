"""Jira REST JSON files: reading one (with its errors), and keeping a parsed page small (used by ``_json.py``)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import JiraFormatError
from ._assemble import IssueColumns, RawExport
from ._files import read_export_bytes, read_head


# A JSON number longer than int() reads (Python's limit: 4,300 digits), and \u escapes of UTF-16 surrogates
# that do not form a pair (a high one not followed by a low one, a low one not preceded by a high one).
_LONG_NUMBER = re.compile(r"-?\d{4301,}")
_FIELD_BEFORE = re.compile(r'"((?:[^"\\\n]|\\.){1,80})"\s*:\s*\[?\s*$')
_LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _place(text: str, pos: int) -> tuple[int, str | None]:
    """Line of ``pos`` in ``text`` and the name of the JSON field whose value starts there, if any."""
    m = _FIELD_BEFORE.search(text, max(0, pos - 200), pos)
    return text.count("\n", 0, pos) + 1, (m.group(1) if m else None)


def _repair_surrogates(obj: Any, path: str, found: list[str]) -> Any:
    """``obj`` with each lone surrogate in its strings (keys too) replaced by U+FFFD; paths of the changed strings in ``found``."""
    if isinstance(obj, str):
        if _SURROGATE.search(obj):
            found.append(path)
            return _SURROGATE.sub("\ufffd", obj)
        return obj
    if isinstance(obj, list):
        return [_repair_surrogates(v, f"{path}[{i}]", found) for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        return {_repair_surrogates(k, path, found): _repair_surrogates(v, f"{path}.{k}" if path else str(k), found) for k, v in obj.items()}
    return obj


def _load(path: Path, notes: list[str] | None = None) -> Any:
    """The decoded JSON of ``path``; lone surrogates repaired (and said in ``notes``), other damage a JiraFormatError."""
    name = str(path)
    data = read_export_bytes(path, expected="a Jira REST JSON document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise JiraFormatError(f"not UTF-8 text (byte {exc.start}): expected a Jira REST JSON document", file=name, line=line) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        what = "truncated JSON" if exc.pos >= len(text.rstrip()) else "invalid JSON"
        raise JiraFormatError(f"{what} at column {exc.colno}: {exc.msg}; expected a Jira REST JSON document", file=name, line=exc.lineno) from None
    except RecursionError:
        raise JiraFormatError("JSON nested too deeply: expected a Jira REST JSON document", file=name) from None
    except ValueError as exc:  # an integer too long for int() (json raises no JSONDecodeError for it)
        m = _LONG_NUMBER.search(text)
        if m is None:
            raise JiraFormatError(f"unreadable JSON ({str(exc)[:80]}): expected a Jira REST JSON document", file=name) from None
        line, field = _place(text, m.start())
        raise JiraFormatError(f"a number of {len(m.group().lstrip('-')):,} digits: expected a number of at most 4,300 digits",
                              file=name, line=line, field=field) from None
    lone = _LONE_SURROGATE.search(text) if _SURROGATE_ESCAPE.search(text) else None  # the prefilter is the faster scan
    if lone is not None:
        found: list[str] = []
        obj = _repair_surrogates(obj, "", found)
        if found:  # (the escape found may be an escaped backslash before "ud800": then nothing is repaired)
            line, _ = _place(text, lone.start())
            more = f" and {len(found) - 1} more" if len(found) > 1 else ""
            msg = (f"{name}: half of a UTF-16 character pair (lone surrogate {lone.group()}, first at line {line}) in {found[0]}{more}: "
                   "replaced by U+FFFD (the text was cut inside an emoji or other character)")
            if notes is not None:
                notes.append(msg)
    return obj


# Fields whose values repeat across issues and events (people, statuses, names): one string object each.
_SHARED_ISSUE_FIELDS = ("project", "type", "status", "status_category", "priority", "assignee", "reporter", "team_field", "source")
_SHARED_LIST_FIELDS = ("labels", "components", "fix_versions", "watchers", "commenters", "sprints")
_SHARED_EVENT_FIELDS = ("field", "from", "to", "author", "origin")


def _share_strings(records: list[dict], fields: Sequence[str], list_fields: Sequence[str], pool: dict) -> None:
    """Make equal strings of ``fields`` (and inside the lists of ``list_fields``) one object (in place)."""
    for rec in records:
        for f in fields:
            v = rec.get(f)
            if type(v) is str:
                rec[f] = pool.setdefault(v, v)
        for f in list_fields:
            v = rec.get(f)
            if type(v) is list and v:
                rec[f] = [pool.setdefault(x, x) if type(x) is str else x for x in v]


def _compact(raw: RawExport, pool: dict | None = None) -> None:
    """Hold ``raw``'s issues and events column-wise and one record per sprint (in place).

    A dict per issue and per changelog event costs about 1.5 KB more than a row of a frame:
    1.5 GB at a million issues; and a JSON decoder makes a new string for every value, so the
    same person or status read on a million events is a million strings. ``pool`` (shared by
    the pages of one read) keeps one string per distinct value of the repeating fields.
    Sprint records repeat on every issue of the sprint.
    """
    pool = {} if pool is None else pool
    if raw.issues and not isinstance(raw.issues, IssueColumns):
        _share_strings(raw.issues, _SHARED_ISSUE_FIELDS, _SHARED_LIST_FIELDS, pool)
        raw.issues = IssueColumns(pd.DataFrame(raw.issues))
    if isinstance(raw.events, list) and raw.events:
        _share_strings(raw.events, _SHARED_EVENT_FIELDS, (), pool)
        raw.events = pd.DataFrame(raw.events)
    if len(raw.sprints) > 1:
        raw.sprints = _merge_sprint_records(raw.sprints)


def _merge_sprint_records(records: list[dict]) -> list[dict]:
    """One record per sprint, at its first place, merged as :func:`~attn_team.io.assemble` merges them.

    ``assemble`` merges the records of a sprint in order, later values (not ``None``) winning;
    merging them here first gives the same sprint. A sprint given two names keeps all its
    records, so that ``assemble`` still warns about it.
    """
    merged: dict[str, dict] = {}
    names: dict[str, set] = {}
    for r in records:
        sid = str(r.get("sprint_id") or r.get("name"))
        if r.get("name"):
            names.setdefault(sid, set()).add(str(r["name"]))
        merged[sid] = {**merged.get(sid, {}), **{k: v for k, v in r.items() if v is not None and v == v}}
    if any(len(v) > 1 for v in names.values()):
        return records
    return list(merged.values())


_PAGE_HEAD = re.compile(rb'"issues"\s*:\s*\[')


def _looks_like_page(path: Path) -> bool:
    """True when the start of ``path`` shows a search page (``"issues": [`` near the top)."""
    head = read_head(path)
    return head is not None and bool(_PAGE_HEAD.search(head))  # unreadable: _load reports it
