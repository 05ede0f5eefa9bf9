"""Reader for the tidy ``issues.csv`` / ``links.csv`` format (``shared/data/links-dev`` and other trackers).

``issues.csv`` columns: ``key`` (required), and any of ``project``, ``type``, ``status``,
``priority``, ``summary``, ``description``, ``components`` and ``labels`` (``;``-joined),
``assignee``, ``reporter``, ``created``, ``resolved``, ``updated``, ``sprint`` (``;``-joined
names), ``team``. ``links.csv`` columns: ``source_key``, ``target_key``, ``link_type`` and
optionally ``link_label``.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import JiraFormatError
from ._assemble import RawExport, assemble
from ._files import shown

__all__ = ["read_tables", "parse_tables"]

_ISSUE_REQUIRED = ("key",)
_LINK_REQUIRED = ("source_key", "target_key", "link_type")


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise JiraFormatError("file not found", file=path) from exc
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise JiraFormatError(f"not a readable CSV table ({exc})", file=path) from exc
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise JiraFormatError(
            f"missing column(s) {missing}; expected a header with {list(required)} (found {list(df.columns)[:8]})",
            file=path, line=1,
        )
    return df


def _split(v: str) -> list[str]:
    return [p.strip() for p in str(v).split(";") if p.strip()] if v else []


def _time(v: str, path: Path, row: int, field: str):
    if not v:
        return None
    try:
        return pd.Timestamp(v).tz_convert("UTC") if pd.Timestamp(v).tzinfo else pd.Timestamp(v).tz_localize("UTC")
    except (ValueError, TypeError) as exc:
        raise JiraFormatError(f"invalid date {shown(v)}; expected an ISO 8601 timestamp", file=path, row=row, field=field) from exc


def parse_tables(issues: pd.DataFrame, links: pd.DataFrame | None = None, *, source: str = "tables", path: Any = None) -> RawExport:
    """Turn tidy issue and link DataFrames (all ``str``) into a :class:`RawExport`."""
    path = Path(path) if path is not None else Path(source)
    raw = RawExport(source=source)
    seen: dict[str, int] = {}
    for i, rec in enumerate(issues.to_dict("records"), start=1):
        key = rec.get("key", "").strip()
        if not key:
            raise JiraFormatError("empty issue key; expected a key such as 'PROJ-12'", file=path, row=i, field="key")
        if key in seen:
            raise JiraFormatError(f"duplicate issue key {key!r} (first at row {seen[key]})", file=path, row=i, field="key")
        seen[key] = i
        raw.issues.append({
            "key": key,
            "project": rec.get("project") or key.rsplit("-", 1)[0],
            "type": rec.get("type") or None,
            "status": rec.get("status") or None,
            "priority": rec.get("priority") or None,
            "summary": rec.get("summary") or None,
            "description": rec.get("description") or None,
            "components": _split(rec.get("components", "")),
            "labels": _split(rec.get("labels", "")),
            "assignee": rec.get("assignee") or None,
            "reporter": rec.get("reporter") or None,
            "created": _time(rec.get("created", ""), path, i, "created"),
            "updated": _time(rec.get("updated", ""), path, i, "updated"),
            "resolved": _time(rec.get("resolved", ""), path, i, "resolved"),
            "sprints": _split(rec.get("sprint", "")),
            "team_field": rec.get("team") or None,
        })
    if links is not None:
        for rec in links.to_dict("records"):
            raw.links.append({
                "source_key": rec["source_key"].strip(),
                "target_key": rec["target_key"].strip(),
                "link_type": rec["link_type"].strip(),
                "label": (rec.get("link_label") or "").strip() or None,
            })
    return raw


def read_tables(issues_csv: str | os.PathLike, links_csv: str | os.PathLike | None = None, *, teams: Any = None):
    """Read a tidy ``issues.csv`` (and optional ``links.csv``) into a :class:`~attn_team.Backlog`.

    Parameters
    ----------
    issues_csv : path
        One row per issue (see module docstring for the columns).
    links_csv : path, optional
        One row per link, in Jira's outward direction.
    teams : None, path, mapping or TeamRules
        Team rules; by default the ``team`` column, then component, then project.

    Returns
    -------
    Backlog

    Examples
    --------
    >>> import attn_team, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "issues.csv").write_text("key,summary\\nA-1,Login\\nA-2,Logout\\n")
    >>> attn_team.read_tables(d / "issues.csv").n_items
    2
    """
    ipath = Path(issues_csv)
    issues = _read_csv(ipath, _ISSUE_REQUIRED)
    links = _read_csv(Path(links_csv), _LINK_REQUIRED) if links_csv is not None else None
    raw = parse_tables(issues, links, source=ipath.name, path=ipath)
    return assemble(raw, teams=teams)


csv.field_size_limit(2**31 - 1)
