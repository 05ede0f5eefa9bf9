"""The data model: a :class:`Backlog` is a frozen set of validated pandas tables.

Every importer (CSV, REST JSON, XML, tidy tables, the synthetic generator)
ends in a :class:`Backlog`; every later layer (workspace, embed, attention,
insights, views) reads only these tables.

Tables and columns follow ``DESIGN.md`` section 3. All timestamps are
timezone-aware UTC (``datetime64[ns, UTC]``); list-valued cells are Python
lists in ``object`` columns (never ``NaN``: an empty list when there is
nothing).
"""

from __future__ import annotations

import dataclasses
import functools
import html
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Backlog",
    "SCHEMA",
    "STATUS_CATEGORIES",
    "LINK_CATEGORIES",
    "TEAM_RULES",
    "empty_table",
    "conform",
    "is_missing",
]

STATUS_CATEGORIES = ("todo", "in_progress", "done")
LINK_CATEGORIES = ("dependency", "relation", "duplicate", "clone", "hierarchy")
#: Team rules, in the default order they are tried (see ``attn_team.io.TeamRules``).
TEAM_RULES = ("mapping_person", "mapping_component", "team_field", "component", "project", "none")

_STR = "string"
_TS = "datetime64[ns, UTC]"
_LIST = "list"  # object column whose cells are Python lists of str

#: Columns and dtypes of every table.  ``"list"`` marks an object column of lists.
SCHEMA: dict[str, dict[str, str]] = {
    "items": {
        "key": _STR,
        "project": _STR,
        "type": _STR,
        "status": _STR,
        "status_category": _STR,
        "priority": _STR,
        "summary": _STR,
        "description": _STR,
        "labels": _LIST,
        "components": _LIST,
        "fix_versions": _LIST,
        "team": _STR,
        "team_rule": _STR,
        "assignee": _STR,
        "reporter": _STR,
        "watchers": _LIST,
        "commenters": _LIST,
        "parent_key": _STR,
        "epic_key": _STR,
        "story_points": "Float64",
        "created": _TS,
        "updated": _TS,
        "resolved": _TS,
        "sprints": _LIST,
        "source": _STR,
    },
    "people": {
        "person": _STR,
        "display_name": _STR,
        "team": _STR,
    },
    "teams": {
        "team": _STR,
        "rule": _STR,
        "n_items": "Int64",
    },
    "sprints": {
        "sprint_id": _STR,
        "name": _STR,
        "state": _STR,  # future / active / closed (lower case), or <NA>
        "start": _TS,
        "end": _TS,
        "complete": _TS,
        "team": _STR,
        "goal": _STR,
    },
    "links": {
        "source_key": _STR,
        "target_key": _STR,
        "link_type": _STR,
        "category": _STR,
        "label": _STR,  # Jira's outward phrase ("blocks", "is cloned by", ...)
    },
    "events": {
        "key": _STR,
        "at": _TS,
        "field": _STR,  # status, sprint, assignee, story_points, ...
        "from": _STR,
        "to": _STR,
        "author": _STR,
        "origin": _STR,  # "changelog" or "snapshot"
    },
}

TABLES = tuple(SCHEMA)


def is_missing(v: Any) -> bool:
    """Whether a scalar cell holds no value: ``None``, ``pd.NA``, ``NaT`` or a float NaN."""
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _empty_series(dtype: str, n: int = 0) -> pd.Series:
    if dtype == _LIST:
        return pd.Series([[] for _ in range(n)], dtype=object)
    return pd.Series([pd.NA] * n, dtype=dtype)


def empty_table(name: str) -> pd.DataFrame:
    """An empty DataFrame with the columns and dtypes of table ``name``."""
    return pd.DataFrame({col: _empty_series(dt) for col, dt in SCHEMA[name].items()})


def _to_list(value: Any) -> list:
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and v == v and str(v) != ""]
    if isinstance(value, (tuple, set)):
        return [str(v) for v in value if v is not None and str(v) != ""]
    if value is None or value is pd.NA:
        return []
    if isinstance(value, float) and value != value:
        return []
    if hasattr(value, "tolist"):  # numpy / arrow arrays
        return _to_list(list(value.tolist()))
    s = str(value)
    return [s] if s else []


def _clean_list(value: Any) -> list:
    """``value`` itself when it already is a list of non-empty str (the common case), else :func:`_to_list`."""
    if type(value) is list:
        for v in value:
            if type(v) is not str or not v:
                return _to_list(value)
        return value
    return _to_list(value)


def _clean_lists(cells: list) -> list:
    """:func:`_clean_list` of every cell; checked column-wise first, since cells are usually clean already."""
    if all(map(list.__instancecheck__, cells)) and _clean_strings(itertools.chain.from_iterable(cells)):
        return cells
    return [_clean_list(v) for v in cells]


def _clean_strings(values: Iterable[Any]) -> bool:
    """True when every value is a non-empty ``str`` (the loop runs in C: ``map`` and ``set``)."""
    values = list(values)
    return set(map(type, values)) <= {str} and "" not in values


def _to_utc(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").astype(_TS)
    out = pd.to_datetime(series, utc=True, errors="raise", format="mixed")
    return out.astype(_TS)


def conform(name: str, df: pd.DataFrame | Mapping[str, Any] | None) -> pd.DataFrame:
    """Return ``df`` with exactly the columns of table ``name``, in order, with declared dtypes.

    Missing columns are added empty; extra columns are dropped; list columns get
    lists in every cell; timestamps become UTC.
    """
    if df is None:
        return empty_table(name)
    if not isinstance(df, pd.DataFrame):
        df = pd.DataFrame(df)
    n = len(df)
    out = {}
    for col, dtype in SCHEMA[name].items():
        if col not in df.columns:
            out[col] = _empty_series(dtype, n)
            continue
        s = df[col].reset_index(drop=True)
        if dtype == _LIST:
            out[col] = pd.Series(_clean_lists(s.tolist()), dtype=object)
        elif dtype == _TS:
            out[col] = s if str(s.dtype) == _TS else _to_utc(s)
        elif dtype == _STR:
            s = s if str(s.dtype) == _STR else s.astype(_STR)  # str() of every value, NA for missing
            out[col] = s.mask(s == "")
        else:
            out[col] = pd.to_numeric(s, errors="coerce").astype(dtype)
    return pd.DataFrame(out)


@dataclasses.dataclass(frozen=True, eq=False)
class Backlog:
    """A validated, immutable set of backlog tables.

    Parameters
    ----------
    items, people, teams, sprints, links, events : DataFrame
        Tables with the columns of :data:`SCHEMA`; they are conformed (missing
        columns added, dtypes enforced) and their ``flags.writeable`` left as
        pandas has them: treat them as read-only and use :meth:`replace` to
        derive a new backlog.
    warnings : tuple of str
        Warnings raised while the backlog was built (skipped rows, unknown link
        types, encoding fallbacks), kept so reports can show them.

    Examples
    --------
    >>> from attn_team.model import Backlog
    >>> b = Backlog(items={"key": ["A-1", "A-2"], "summary": ["x", "y"]})
    >>> b.n_items
    2
    """

    items: pd.DataFrame = dataclasses.field(default=None)  # type: ignore[assignment]
    people: pd.DataFrame = dataclasses.field(default=None)  # type: ignore[assignment]
    teams: pd.DataFrame = dataclasses.field(default=None)  # type: ignore[assignment]
    sprints: pd.DataFrame = dataclasses.field(default=None)  # type: ignore[assignment]
    links: pd.DataFrame = dataclasses.field(default=None)  # type: ignore[assignment]
    events: pd.DataFrame = dataclasses.field(default=None)  # type: ignore[assignment]
    warnings: tuple = ()

    def __post_init__(self) -> None:
        for name in TABLES:
            object.__setattr__(self, name, conform(name, getattr(self, name)))
        object.__setattr__(self, "warnings", tuple(self.warnings))

    # -- construction -------------------------------------------------------
    @classmethod
    def from_conformed(cls, conformed: Mapping[str, pd.DataFrame], **tables: Any) -> Backlog:
        """A Backlog from tables of which those in ``conformed`` are already :func:`conform`'s own output.

        Those are taken as they are (conforming a large items table twice costs as
        much as reading it); the others are conformed as in the constructor.
        """
        unknown = (set(conformed) | set(tables)) - set(TABLES) - {"warnings"}
        if unknown:
            raise TypeError(f"unknown table(s): {sorted(unknown)}")
        self = cls.__new__(cls)
        for name in TABLES:
            df = conformed[name] if name in conformed else conform(name, tables.get(name))
            object.__setattr__(self, name, df)
        object.__setattr__(self, "warnings", tuple(tables.get("warnings", ())))
        return self

    def replace(self, **changes: Any) -> Backlog:
        """A copy with some tables replaced (like :func:`dataclasses.replace`)."""
        unknown = set(changes) - set(TABLES) - {"warnings"}
        if unknown:
            raise TypeError(f"Backlog.replace() got unknown table(s): {sorted(unknown)}")
        return dataclasses.replace(self, **changes)

    # -- access -------------------------------------------------------------
    @property
    def n_items(self) -> int:
        return len(self.items)

    def item(self, key: str) -> pd.Series:
        """The row of item ``key``; raises ``KeyError`` naming the key."""
        hit = self.items.index[self.items["key"] == key]
        if len(hit) == 0:
            raise KeyError(f"no item with key {key!r} in this backlog")
        return self.items.loc[hit[0]]

    # -- derived facts (computed once per backlog; see attn_team._derived) ---------------
    @functools.cached_property
    def involvement(self) -> pd.DataFrame:
        """``key, person, role``: who was involved in which item (assignee, reporter, commenter, watcher)."""
        from ._derived import involvement_table

        return involvement_table(self.items)

    @functools.cached_property
    def dependencies(self) -> pd.DataFrame:
        """``waiting, waits_for, label, directed``: which item waits for which, per dependency link."""
        from ._derived import dependency_table

        return dependency_table(self.links)

    @functools.cached_property
    def _outcomes(self) -> pd.DataFrame:
        from ._derived import outcome_table

        return outcome_table(self)

    def outcomes(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """What happened to items: cycle and lead time, sprints, carry-over, teams involved.

        Columns ``key, cycle_time_days, cycle_from, lead_time_days, n_sprints, carried_over,
        teams_involved``; the definitions are in :mod:`attn_team._derived`.
        """
        out = self._outcomes
        if keys is not None:
            out = out[out["key"].isin(set(map(str, keys)))].reset_index(drop=True)
        return out.copy()

    def team_of(self) -> dict[str, str]:
        """Mapping item key -> team (items with no team are left out)."""
        it = self.items.dropna(subset=["team"])
        return dict(zip(it["key"], it["team"]))

    # -- validation ---------------------------------------------------------
    def validate(self) -> Backlog:
        """Check the invariants of the data model; return ``self`` or raise ``ValueError``.

        Checks: unique, non-empty item keys; finite story points; known status
        categories and link categories; UTC timestamps; list columns hold lists;
        links, events and item sprints refer to known items and sprints.
        """
        problems: list[str] = []
        items = self.items
        if items["key"].isna().any():
            problems.append(f"items: {int(items['key'].isna().sum())} row(s) without a key")
        dup = items["key"][items["key"].duplicated()].dropna().unique().tolist()
        if dup:
            problems.append(f"items: duplicate key(s) {dup[:5]}")
        points = items["story_points"].dropna().to_numpy(dtype=float)
        if len(points) and not np.isfinite(points).all():
            problems.append(f"items.story_points: {int((~np.isfinite(points)).sum())} infinite value(s), expected finite numbers")
        bad_cat = set(items["status_category"].dropna().unique()) - set(STATUS_CATEGORIES)
        if bad_cat:
            problems.append(f"items.status_category: unexpected {sorted(bad_cat)}, expected one of {STATUS_CATEGORIES}")
        bad_link = set(self.links["category"].dropna().unique()) - set(LINK_CATEGORIES)
        if bad_link:
            problems.append(f"links.category: unexpected {sorted(bad_link)}, expected one of {LINK_CATEGORIES}")
        for name in TABLES:
            df = getattr(self, name)
            for col, dtype in SCHEMA[name].items():
                if dtype == _LIST and not all(map(list.__instancecheck__, df[col].tolist())):
                    problems.append(f"{name}.{col}: every cell must be a list")
                if dtype == _TS and str(df[col].dtype) != _TS:
                    problems.append(f"{name}.{col}: expected {_TS}, got {df[col].dtype}")
        sprint_ids = set(self.sprints["sprint_id"].dropna().unique())
        used = {s for lst in items["sprints"] for s in lst}
        missing = used - sprint_ids
        if missing:
            problems.append(f"items.sprints: sprint id(s) not in sprints table: {sorted(missing)[:5]}")
        if problems:
            raise ValueError("invalid Backlog:\n  " + "\n  ".join(problems))
        return self

    # -- display ------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        items = self.items
        return {
            "items": len(items),
            "projects": int(items["project"].nunique()),
            "teams": int(items["team"].nunique()),
            "people": len(self.people),
            "sprints": len(self.sprints),
            "links": len(self.links),
            "events": len(self.events),
        }

    def __repr__(self) -> str:
        s = self.summary()
        return "Backlog(" + ", ".join(f"{k}={v}" for k, v in s.items()) + ")"

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{v:,}</td></tr>" for k, v in s.items()
        )
        teams = self.items["team"].value_counts().head(12)
        team_rows = "".join(
            f"<tr><td>{html.escape(str(t))}</td><td>{n:,}</td></tr>" for t, n in teams.items()
        )
        return (
            "<div class='attn-team-backlog'><strong>attn_team Backlog</strong>"
            f"<table>{rows}</table>"
            + (f"<details><summary>items per team</summary><table>{team_rows}</table></details>" if team_rows else "")
            + "</div>"
        )
