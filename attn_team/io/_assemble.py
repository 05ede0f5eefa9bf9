"""Shared last step of every importer: raw records -> validated :class:`~attn_team.model.Backlog`.

Parsers (CSV, REST JSON, XML, tidy tables, synthetic) only turn their format
into a :class:`RawExport` of plain dicts; this module applies what all formats
share: sprint references resolved to sprint ids, status categories, link
categories, team rules, the people table, and validation.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..errors import AttnTeamWarning
from ..model import Backlog, conform
from ._links import link_category
from ._teams import TeamRules, load_team_rules

__all__ = ["RawExport", "assemble", "status_category"]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class RawExport:
    """What one parser read from one source (a file or a set of pages).

    Attributes
    ----------
    source : str
        File name(s), stored in ``items.source``.
    issues : list of dict
        One dict per issue with item columns (``key``, ``project``, ``type``, ``status``,
        ``priority``, ``summary``, ``description``, ``labels``, ``components``, ``fix_versions``,
        ``assignee``, ``reporter``, ``watchers``, ``commenters``, ``parent_key``, ``epic_key``,
        ``story_points``, ``created``, ``updated``, ``resolved``), plus
        ``sprints`` (sprint ids *or* names, in order), ``team_field`` (Jira's Team field,
        if any) and ``status_category`` (Jira's own category name, any language, if known).
    sprints : list of dict
        Columns of the sprints table (``sprint_id``, ``name``, ``state``, ``start``, ...).
    links : list of dict
        ``source_key``, ``target_key``, ``link_type``, ``label`` (outward direction).
    events : list of dict
        Columns of the events table.
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


_EPIC_TYPES = {"epic", "épica", "epica", "épique", "эпик", "эпопея"}


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
                _warn(f"sprint id {sid!r} is named both {prev['name']!r} and {s['name']!r} "
                      f"(exports from different Jira sites?): kept as one sprint named {s['name']!r}", notes)
            merged = {**prev, **{k: v for k, v in s.items() if v is not None and v == v}}
            merged["sprint_id"] = sid
            merged.setdefault("name", sid)
            sprints[sid] = merged
    by_name = {str(s["name"]): sid for sid, s in sprints.items()}

    # -- issues -------------------------------------------------------------
    issues: dict[str, dict] = {}
    for r in raws:
        for rec in r.issues:
            key = rec.get("key")
            if not key:
                continue
            rec = dict(rec)
            rec.setdefault("source", r.source)
            old = issues.get(key)
            if old is not None:
                newer = pd.Timestamp(rec["updated"]) if rec.get("updated") else None
                older = pd.Timestamp(old["updated"]) if old.get("updated") else None
                if newer is not None and older is not None and newer < older:
                    continue
                if newer == older:  # same version seen twice (a search page and a single issue): fill gaps
                    rec = {**rec, **{k: v for k, v in old.items() if _empty(rec.get(k)) and not _empty(v)}}
            issues[key] = rec

    # Jira Cloud's hierarchy puts epics in "parent": the parent is the epic when it is an Epic here
    types = {k: str(r.get("type") or "").strip().lower() for k, r in issues.items()}
    for rec in issues.values():
        parent = rec.get("parent_key")
        if parent and not rec.get("epic_key") and types.get(parent) in _EPIC_TYPES:
            rec["epic_key"] = parent

    rows = []
    for key, rec in issues.items():
        refs = []
        for ref in rec.get("sprints") or []:
            ref = str(ref)
            sid = ref if ref in sprints else by_name.get(ref)
            if sid is None:
                sid = ref
                sprints[sid] = {"sprint_id": sid, "name": ref}
                by_name[ref] = sid
            if sid not in refs:
                refs.append(sid)
        team, rule = rules.decide(rec, display)
        row = dict(rec)
        row.pop("team_field", None)
        row.pop("status_category", None)
        row["sprints"] = refs
        row["team"] = team
        row["team_rule"] = rule
        row["status_category"] = status_category(rec.get("status"), rec.get("status_category"))
        rows.append(row)
    items = conform("items", pd.DataFrame(rows) if rows else None)

    # -- links: categories, dedupe, keep links to unknown items (other projects) --
    link_rows = []
    seen = set()
    unknown_types: set[str] = set()
    for r in raws:
        for ln in r.links:
            s, t, lt = ln.get("source_key"), ln.get("target_key"), ln.get("link_type")
            if not s or not t or not lt or s == t:
                continue
            ident = (s, t, lt)
            if ident in seen:
                continue
            seen.add(ident)
            cat = link_category(lt, dict(link_types) if link_types else None)
            if cat is None:
                unknown_types.add(str(lt))
                cat = "relation"
            link_rows.append({**ln, "category": cat})
    for lt in sorted(unknown_types):
        _warn(f"unknown link type {lt!r}: counted as 'relation' (extend attn_team.io.LINK_CATEGORY_TABLE or pass link_types=)", notes)

    # -- people table ---------------------------------------------------------
    involved: dict[str, dict[str, int]] = {}
    for row in rows:
        for who in [row.get("assignee"), row.get("reporter")]:
            if who:
                involved.setdefault(who, {})
                if row["team"]:
                    involved[who][row["team"]] = involved[who].get(row["team"], 0) + (2 if who == row.get("assignee") else 1)
        for who in (row.get("watchers") or []) + (row.get("commenters") or []):
            if who:
                involved.setdefault(who, {})
    for pid in display:
        involved.setdefault(pid, {})
    people_rows = []
    for pid, counts in involved.items():
        team = None
        mapped = rules.people.get(pid) or rules.people.get(display.get(pid, "")) if rules.people else None
        if mapped:
            team = mapped
        elif counts:
            team = max(sorted(counts), key=counts.get)
        people_rows.append({"person": pid, "display_name": display.get(pid) or pid, "team": team})
    people = conform("people", pd.DataFrame(people_rows) if people_rows else None).sort_values("person", ignore_index=True)

    # -- teams table ----------------------------------------------------------
    if len(items):
        tcount = items.dropna(subset=["team"]).groupby(["team", "team_rule"]).size().reset_index(name="n_items")
        tcount = tcount.sort_values("n_items", ascending=False).drop_duplicates("team")
        teams_df = tcount.rename(columns={"team_rule": "rule"}).sort_values("team", ignore_index=True)
    else:
        teams_df = None

    events = [e for r in raws for e in r.events]
    backlog = Backlog(
        items=items,
        people=people,
        teams=teams_df,
        sprints=pd.DataFrame(list(sprints.values())) if sprints else None,
        links=pd.DataFrame(link_rows) if link_rows else None,
        events=pd.DataFrame(events) if events else None,
        warnings=tuple(notes),
    )
    return backlog.validate()
