"""Shared last step of every importer: raw records -> validated :class:`~attn_team.model.Backlog`.

Parsers (CSV, REST JSON, XML, tidy tables, synthetic) only turn their format
into a :class:`RawExport` of plain dicts (the CSV reader: of columns, an
:class:`IssueColumns`); this module applies what all formats share: sprint
references resolved to sprint ids, status categories, link categories, team
rules, the people table, and validation.

Speed: the issues of all sources become one DataFrame; rules, categories and
sprint references are computed once per distinct value, not once per row, and
only keys seen in more than one record are merged record by record.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AttnTeamWarning
from ..model import Backlog, conform
from ._files import shown
from ._links import link_category
from ._locale import EPIC_TYPE_NAMES
from ._teams import TeamRules, load_team_rules

__all__ = ["RawExport", "IssueColumns", "assemble", "status_category"]

log = logging.getLogger(__name__)


#: Fields of a raw issue record (see :class:`RawExport`); ``source`` is filled in by :func:`assemble`.
ISSUE_FIELDS = (
    "key", "project", "type", "status", "status_category", "priority", "summary", "description",
    "labels", "components", "fix_versions", "assignee", "reporter", "watchers", "commenters",
    "parent_key", "epic_key", "story_points", "created", "updated", "resolved", "sprints",
    "team_field", "source",
)


class IssueColumns(Sequence):
    """Raw issue records kept column-wise in a DataFrame, read like a list of dicts.

    The CSV reader builds its columns with vectorised pandas operations; handing
    them to :func:`assemble` as a frame saves building (and taking apart again) one
    dict per row. Indexing and iteration give the same dicts a parser of lists
    would: missing values are ``None``, timestamps are ``datetime``, story points
    ``float``.

    Parameters
    ----------
    frame : DataFrame
        One row per issue, columns from :data:`ISSUE_FIELDS`.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame.reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        n = len(self)
        if not -n <= i < n:
            raise IndexError("issue record index out of range")
        i %= n
        return {c: _plain(self.frame[c].iat[i]) for c in self.frame.columns}

    def __iter__(self):
        cols = [[_plain(v) for v in self.frame[c].tolist()] for c in self.frame.columns]
        for values in zip(*cols):
            yield dict(zip(self.frame.columns, values))

    def __eq__(self, other) -> bool:
        if isinstance(other, (list, tuple, IssueColumns)):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"IssueColumns({len(self)} issue(s))"


def _plain(v: Any) -> Any:
    """A cell as a parser of dicts would have stored it (None, datetime, float, str, list)."""
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


@dataclasses.dataclass
class RawExport:
    """What one parser read from one source (a file or a set of pages).

    Attributes
    ----------
    source : str
        File name(s), stored in ``items.source``.
    issues : list of dict, or IssueColumns
        One dict per issue (the CSV reader keeps them column-wise in an
        :class:`IssueColumns`, which reads like the same list) with item columns (``key``, ``project``, ``type``, ``status``,
        ``priority``, ``summary``, ``description``, ``labels``, ``components``, ``fix_versions``,
        ``assignee``, ``reporter``, ``watchers``, ``commenters``, ``parent_key``, ``epic_key``,
        ``story_points``, ``created``, ``updated``, ``resolved``), plus
        ``sprints`` (sprint ids *or* names, in order), ``team_field`` (Jira's Team field,
        if any) and ``status_category`` (Jira's own category name, any language, if known).
    sprints : list of dict
        Columns of the sprints table (``sprint_id``, ``name``, ``state``, ``start``, ...).
    links : list of dict
        ``source_key``, ``target_key``, ``link_type``, ``label`` (outward direction).
    events : list of dict, or DataFrame
        Columns of the events table (a frame when the reader keeps them column-wise).
    people : dict
        Person id -> display name.
    warnings : list of str
    """

    source: str
    issues: list[dict] = dataclasses.field(default_factory=list)
    sprints: list[dict] = dataclasses.field(default_factory=list)
    links: list[dict] = dataclasses.field(default_factory=list)
    events: list[dict] = dataclasses.field(default_factory=list)
    people: dict[str, str] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)


# Jira's status category names in several locales, lower case.
_CATEGORY_NAMES = {
    "todo": ["to do", "todo", "new", "por hacer", "pendiente", "k vypolneniyu", "к выполнению", "a fazer", "à faire", "zu erledigen", "da fare", "undefined"],
    "in_progress": ["in progress", "indeterminate", "en curso", "en progreso", "в работе", "em andamento", "en cours", "in arbeit", "in corso"],
    "done": ["done", "complete", "completed", "listo", "hecho", "finalizado", "готово", "concluído", "terminé", "fertig", "completato"],
}
_CATEGORY_LOOKUP = {name: cat for cat, names in _CATEGORY_NAMES.items() for name in names}
_DONE_STATUS = re.compile(r"done|closed|resolved|fixed|complete|released|deployed|cancel|won'?t|rejected|listo|hecho|cerrad|resuelt|finaliz|готов|закрыт|решен|выполнен", re.I)
_TODO_STATUS = re.compile(r"^(open|to ?do|new|backlog|reopened|selected for development|ready|por hacer|abiert|pendiente|nuev|открыт|к выполнению|новый|сделать)", re.I)


def status_category(status: str | None, jira_category: str | None = None) -> str | None:
    """Map Jira's status category (any locale) or, failing that, the status name to todo/in_progress/done."""
    if jira_category:
        cat = _CATEGORY_LOOKUP.get(str(jira_category).strip().lower())
        if cat:
            return cat
    if not status:
        return None
    s = str(status).strip()
    if _DONE_STATUS.search(s):
        return "done"
    if _TODO_STATUS.search(s):
        return "todo"
    return "in_progress"


def _empty(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and v != v:
        return True
    return isinstance(v, (str, list, tuple)) and len(v) == 0


def _warn(msg: str, sink: list[str]) -> None:
    sink.append(msg)
    warnings.warn(msg, AttnTeamWarning, stacklevel=3)


def assemble(raws: RawExport | Iterable[RawExport], *, teams: Any = None, link_types: Mapping[str, str] | None = None) -> Backlog:
    """Combine raw exports into one validated :class:`Backlog`.

    Parameters
    ----------
    raws : RawExport or iterable of RawExport
        The same key in several sources: the record with the latest ``updated`` wins.
    teams : None, path, mapping or TeamRules
        Team rules (see :mod:`attn_team.io._teams`).
    link_types : mapping of str to str, optional
        Extra link-type -> category entries, tried before the built-in table.
    """
    if isinstance(raws, RawExport):
        raws = [raws]
    raws = list(raws)
    rules: TeamRules = load_team_rules(teams)
    notes: list[str] = []
    for r in raws:
        notes.extend(r.warnings)

    # -- people -----------------------------------------------------------
    display: dict[str, str] = {}
    for r in raws:
        for pid, name in r.people.items():
            if pid and (pid not in display or not display[pid]):
                display[pid] = name

    # -- sprints: ids, and name -> id ----------------------------------------
    sprints: dict[str, dict] = {}
    for r in raws:
        for s in r.sprints:
            sid = str(s.get("sprint_id") or s.get("name"))
            prev = sprints.get(sid, {})
            if prev.get("name") and s.get("name") and str(prev["name"]) != str(s["name"]):
                _warn(f"sprint id {shown(sid)} is named both {shown(prev['name'])} and {shown(s['name'])} "
                      f"(exports from different Jira sites?): kept as one sprint named {shown(s['name'])}", notes)
            merged = {**prev, **{k: v for k, v in s.items() if v is not None and v == v}}
            merged["sprint_id"] = sid
            merged.setdefault("name", sid)
            sprints[sid] = merged
    by_name = {str(s["name"]): sid for sid, s in sprints.items()}

    # -- issues: one frame, the latest version of each key -------------------
    frame = _issues_frame(raws)

    # Jira Cloud's hierarchy puts epics in "parent": the parent is the epic when it is an Epic here
    parent, epic = frame["parent_key"], frame["epic_key"]
    codes, uniq = pd.factorize(frame["type"])  # a few distinct types
    lowered = np.array([_lower(t) for t in uniq.tolist()] + [""], dtype=object)
    type_of = pd.Series(lowered[codes], index=frame["key"].to_numpy(), dtype=object)
    take = _present(parent) & ~_present(epic) & parent.map(type_of).isin(EPIC_TYPE_NAMES).to_numpy(dtype=bool)
    if take.any():
        frame["epic_key"] = epic.where(~take, parent)

    # per distinct value, not per row: exports repeat the same few sprint lists, teams and statuses
    sprint_refs = [tuple(map(str, v)) if isinstance(v, (list, tuple)) else () for v in _values(frame["sprints"])]
    refs_of = dict.fromkeys(sprint_refs)  # distinct lists, in order of appearance (new sprints are added in order)
    for value in refs_of:
        refs_of[value] = _sprint_refs(value, sprints, by_name)
    refs_col = [list(refs_of[v]) for v in sprint_refs]  # a list per cell: cells never share a mutable list
    rule_fields = ("components", "team_field", "project")
    if rules.people and "mapping_person" in rules.order:
        rule_fields += ("assignee", "reporter")
    columns = [_values(frame[f]) for f in rule_fields]
    columns[0] = [tuple(c) if isinstance(c, list) else c for c in columns[0]]  # components: hashable
    decided = _per_distinct(zip(*columns), lambda v: rules.decide(
        {f: (list(x) if isinstance(x, tuple) else x) for f, x in zip(rule_fields, v)}, display))
    team_col, rule_col = [t for t, _ in decided], [r for _, r in decided]
    cat_col = _per_distinct(zip(_values(frame["status"]), _values(frame["status_category"])), lambda v: status_category(*v))
    frame = frame.drop(columns=["team_field", "status_category"]).assign(
        sprints=refs_col, team=team_col, team_rule=rule_col, status_category=cat_col)
    items = conform("items", frame)

    # -- links: categories, dedupe, keep links to unknown items (other projects) --
    link_rows = []
    seen = set()
    unknown_types: set[str] = set()
    link_cats: dict[str, str | None] = {}
    extra_types = dict(link_types) if link_types else None
    for r in raws:
        for ln in r.links:
            s, t, lt = ln.get("source_key"), ln.get("target_key"), ln.get("link_type")
            if not s or not t or not lt or s == t:
                continue
            ident = (s, t, lt)
            if ident in seen:
                continue
            seen.add(ident)
            cat = link_cats.get(lt, _MISSING)
            if cat is _MISSING:
                cat = link_cats[lt] = link_category(lt, extra_types)
            if cat is None:
                unknown_types.add(str(lt))
                cat = "relation"
            link_rows.append({**ln, "category": cat})
    for lt in sorted(unknown_types):
        _warn(f"unknown link type {shown(lt)}: counted as 'relation' (extend attn_team.io.LINK_CATEGORY_TABLE or pass link_types=)", notes)

    # -- people table: a person's team is where they work most ------------------
    people = conform("people", _people_rows(items, display, rules)).sort_values("person", ignore_index=True)

    # -- teams table ----------------------------------------------------------
    if len(items):
        tcount = items.dropna(subset=["team"]).groupby(["team", "team_rule"]).size().reset_index(name="n_items")
        tcount = tcount.sort_values("n_items", ascending=False).drop_duplicates("team")
        teams_df = tcount.rename(columns={"team_rule": "rule"}).sort_values("team", ignore_index=True)
    else:
        teams_df = None

    if any(isinstance(r.events, pd.DataFrame) for r in raws):  # compact readers keep events column-wise
        parts = [r.events if isinstance(r.events, pd.DataFrame) else pd.DataFrame(list(r.events))
                 for r in raws if len(r.events)]
        events = pd.concat(parts, ignore_index=True) if parts else []
    else:
        events = [e for r in raws for e in r.events]
    backlog = Backlog.from_conformed(
        {"items": items, "people": people},
        teams=teams_df,
        sprints=pd.DataFrame(list(sprints.values())) if sprints else None,
        links=pd.DataFrame(link_rows) if link_rows else None,
        events=(events if isinstance(events, pd.DataFrame) else pd.DataFrame(events)) if len(events) else None,
        warnings=tuple(notes),
    )
    return backlog.validate()


_MISSING = object()


def _per_distinct(rows: Iterable[tuple], fn) -> list:
    """``[fn(row) for row in rows]``, calling ``fn`` once per distinct row."""
    rows = list(rows)
    try:
        cache: dict[tuple, Any] = {}
        for row in dict.fromkeys(rows):  # distinct rows, in order of appearance
            cache[row] = fn(row)
    except TypeError:  # an unhashable cell (a dict from some JSON field): one call per row
        return [fn(row) for row in rows]
    return [cache[row] for row in rows]


def _lower(v: Any) -> str:
    return str(v or "").strip().lower()


def _values(s: pd.Series) -> list:
    """The cells of ``s`` as a list, missing ones as ``None`` (pandas gives NaN in str and float columns)."""
    arr = s.to_numpy(dtype=object)
    missing = pd.isna(arr)  # element-wise: a list cell is never missing
    if missing.any():
        arr = arr.copy()
        arr[missing] = None
    return arr.tolist()


def _present(s: pd.Series) -> np.ndarray:
    """Cells that are neither missing nor empty (of a column of strings)."""
    return np.asarray(s.notna() & (s != ""), dtype=bool)


def _frame_of(raw: RawExport) -> pd.DataFrame | None:
    """The issues of one source as a frame with exactly :data:`ISSUE_FIELDS`; missing values ``None``."""
    if isinstance(raw.issues, IssueColumns):
        frame = raw.issues.frame
    elif raw.issues:
        frame = pd.DataFrame(list(raw.issues))
    else:
        return None
    frame = frame.reindex(columns=list(ISSUE_FIELDS))
    src = frame["source"]
    if src.isna().any():
        frame["source"] = src.where(src.notna(), raw.source) if src.notna().any() else raw.source
    keep = _present(frame["key"])  # records without a key are skipped
    return frame if keep.all() else frame[keep]


def _issues_frame(raws: list[RawExport]) -> pd.DataFrame:
    """All issues of all sources, one row per key, in the order keys were first seen.

    The same key in several sources (or twice in one): the record with the latest
    ``updated`` wins; a record without ``updated`` replaces the one before; equal
    ``updated`` (a search page and a single issue) fills the gaps of the later one.
    """
    frames = [f for f in (_frame_of(r) for r in raws) if f is not None]
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in ISSUE_FIELDS})
    frame = frames[0].reset_index(drop=True) if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    dup = frame["key"].duplicated(keep=False).to_numpy()
    if not dup.any():
        return frame
    # the few keys seen more than once are merged record by record, as they come
    merged: dict[str, dict] = {}
    for rec in frame[dup].to_dict("records"):
        rec = {k: _plain(v) for k, v in rec.items()}
        key = rec["key"]
        old = merged.get(key)
        if old is not None:
            newer = pd.Timestamp(rec["updated"]) if rec.get("updated") else None
            older = pd.Timestamp(old["updated"]) if old.get("updated") else None
            if newer is not None and older is not None and newer < older:
                continue
            if newer == older:  # same version seen twice (a search page and a single issue): fill gaps
                rec = {**rec, **{k: v for k, v in old.items() if _empty(rec.get(k)) and not _empty(v)}}
        merged[key] = rec
    first = dup & ~frame["key"].duplicated().to_numpy()  # where each merged key was first seen
    merged_frame = pd.DataFrame(list(merged.values()), columns=frame.columns, index=np.flatnonzero(first))
    return pd.concat([frame[~dup], merged_frame]).sort_index().reset_index(drop=True)


def _sprint_refs(values: tuple, sprints: dict[str, dict], by_name: dict[str, str]) -> list[str]:
    """Sprint ids of one item's sprint references (ids or names); unknown ones become new sprints."""
    refs: list[str] = []
    for ref in values:
        ref = str(ref)
        sid = ref if ref in sprints else by_name.get(ref)
        if sid is None:
            sid = ref
            sprints[sid] = {"sprint_id": sid, "name": ref}
            by_name[ref] = sid
        if sid not in refs:
            refs.append(sid)
    return refs


def _people_rows(items: pd.DataFrame, display: Mapping[str, str], rules: TeamRules) -> pd.DataFrame | None:
    """People table: everyone named in the items or in ``display``; team from the mapping or where they work most.

    Where they work most: 2 per item assigned, 1 per item reported (2 when they are
    also its assignee), ties broken by team name.
    """
    assignee, reporter, team = items["assignee"], items["reporter"], items["team"]
    persons = {*_values(assignee), *_values(reporter), *display,
               *itertools.chain.from_iterable(items["watchers"].tolist()),
               *itertools.chain.from_iterable(items["commenters"].tolist())}
    persons -= {"", None}
    if not persons:
        return None
    has_team = team.notna().to_numpy(dtype=bool)
    a_ok = has_team & assignee.notna().to_numpy(dtype=bool)
    r_ok = has_team & reporter.notna().to_numpy(dtype=bool)
    same = (reporter == assignee).fillna(False).to_numpy(dtype=bool)
    counts = pd.DataFrame({
        "who": np.concatenate([assignee.to_numpy(dtype=object)[a_ok], reporter.to_numpy(dtype=object)[r_ok]]),
        "team": np.concatenate([team.to_numpy(dtype=object)[a_ok], team.to_numpy(dtype=object)[r_ok]]),
        "w": np.concatenate([np.full(int(a_ok.sum()), 2), np.where(same[r_ok], 2, 1)]),
    })
    sums = counts.groupby(["who", "team"], sort=False)["w"].sum().reset_index()
    best = sums.sort_values(["who", "w", "team"], ascending=[True, False, True], kind="stable").drop_duplicates("who")
    most = dict(zip(best["who"].tolist(), best["team"].tolist()))
    rows = []
    for pid in persons:
        mapped = rules.people.get(pid) or rules.people.get(display.get(pid, "")) if rules.people else None
        rows.append({"person": pid, "display_name": display.get(pid) or pid, "team": mapped or most.get(pid)})
    return pd.DataFrame(rows)
