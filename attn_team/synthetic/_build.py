"""From a simulation to a :class:`SyntheticOrg`: the backlog, the truth and :func:`generate`."""

from __future__ import annotations

import logging

from ..io._assemble import RawExport, assemble
from ._catalogue import _DAY, _JIRA_CATEGORY, _STANDARD, _STATUSES, LINK_TYPES
from ._simulate import WAIT_DAYS, SyntheticOrg, _Gen, _ts

log = logging.getLogger(__name__)



def _build(g: _Gen) -> SyntheticOrg:
    """Turn the simulation into a RawExport, assemble it, and collect the truth."""
    teams = g.teams
    issues, events, links, comments = [], [], [], []
    for it in g.items:
        team, project = teams[it.team][0], teams[it.team][1]
        parent = it.parent if it.parent is not None else it.epic
        last = max([it.created] + [e[0] for e in it.events] + [c[0] for c in it.comments])
        issues.append({
            "key": it.key,
            "project": project,
            "type": it.type,
            "status": _STATUSES[it.level],
            "status_category": _JIRA_CATEGORY[it.level],
            "priority": it.priority,
            "summary": it.summary,
            "description": it.description or None,
            "labels": list(it.labels),
            "components": list(it.components),
            "fix_versions": list(it.fix_versions),
            "assignee": it.assignee,
            "reporter": it.reporter,
            "watchers": list(it.watchers),
            "commenters": list(dict.fromkeys(c[1] for c in it.comments)),
            "parent_key": parent.key if parent is not None else None,
            "epic_key": (it.epic.key if it.epic is not None else None),
            "story_points": it.points,
            "created": _ts(it.created),
            "updated": _ts(last),
            "resolved": _ts(it.resolved),
            "sprints": [g.sp[it.team][k]["sprint_id"] for k in it.sprints],
            "team_field": team,
        })
        for at, field, frm, to, author in sorted(it.events, key=lambda e: e[0]):
            events.append({"key": it.key, "at": _ts(at), "field": field, "from": frm, "to": to,
                           "author": author, "origin": "changelog"})
        for at, who, body in it.comments:
            comments.append((it.key, _ts(at), who, body))
    for a, b, lt in g.links:
        links.append({"source_key": a.key, "target_key": b.key, "link_type": lt, "label": LINK_TYPES[lt][0]})
    sprints = []
    for row in g.sp:
        for sp in row:
            sprints.append({k: (_ts(v) if k in ("start", "end", "complete") else v)
                            for k, v in sp.items() if not k.startswith("_")})
    raw = RawExport(source="synthetic", issues=issues, sprints=sprints, links=links, events=events,
                    people=dict(g.display))
    backlog = assemble(raw, teams={"people": {g.display[p]: teams[g.home[p]][0] for p in g.display},
                                   "components": {c: t[0] for t in teams for c in t[2]},
                                   "rules": {"order": ["mapping_component", "team_field", "project"]}})
    truth = {
        "planted_pairs": [(a.key, b.key) for a, b in g.truth_planted],
        "linked_cross_team": [(a.key, b.key, lt) for a, b, lt in g.truth_linked],
        "coordination_gap": (teams[g.gap[0]][0], teams[g.gap[1]][0]),
        "coupled_pairs": [(teams[a][0], teams[b][0]) for a, b in g.ring],
        "sprint_truth": dict(g.truth_rows),
        "waiting_cost": {
            "days": WAIT_DAYS,
            "definition": ("an item waiting (cross-team Blocks / Depends link) on another team's item that is "
                           "unfinished when the waiting item starts takes this many days longer: its work starts "
                           "that much earlier"),
            "waiting": [(w.key, b.key) for w, b in g.truth_waiting],
        },
        "teams": {
            t[0]: {
                "project": t[1],
                "components": list(t[2]),
                "people": sorted(g.display[p] for p in g.members[i]),
            }
            for i, t in enumerate(teams)
        },
    }
    extras = {
        "comments": comments,
        "issue_ids": dict(g.issue_ids),
        "now": _ts(g.now),
        "project_names": {t[1]: t[0] for t in teams},
        "team_people": {g.display[p]: teams[g.home[p]][0] for p in g.display},
        "team_components": {c: t[0] for t in teams for c in t[2]},
        # true cycle time in days (first move to In Progress -> Done) of every finished standard item
        "cycle_times": {it.key: (it.resolved - it.in_progress_at) / _DAY for it in g.items
                        if it.type in _STANDARD and it.resolved is not None and it.in_progress_at is not None},
    }
    return SyntheticOrg(backlog=backlog, truth=truth, extras=extras)


def generate(*, n_items: int = 2000, n_teams: int = 6, n_people: int = 48, n_sprints: int = 12,
             random_state: int | None = 0, now=None) -> SyntheticOrg:
    """Generate a realistic, deterministic Jira organisation.

    Parameters
    ----------
    n_items : int, default=2000
        Number of work items (epics, stories, tasks, bugs, sub-tasks).
    n_teams : int, default=6
        Number of teams (4 to 8), each with its own project, components and vocabulary.
    n_people : int, default=48
        Number of people; each belongs to one team, a few also work for a neighbouring team.
    n_sprints : int, default=12
        Two-week sprints per team: all closed but the last two (one active, one future).
    random_state : int or None, default=0
        Seed of the ``numpy.random.Generator``; the same seed gives the same organisation.
    now : datetime-like, optional
        The moment the export is taken (default 2025-11-05 14:00 UTC); the active sprint contains it.

    Returns
    -------
    SyntheticOrg

    Examples
    --------
    >>> from attn_team.synthetic import generate
    >>> org = generate(n_items=300, n_people=24, random_state=1)
    >>> org.backlog.n_items
    300
    >>> len(org.truth["planted_pairs"]) > 0
    True
    """
    g = _Gen(n_items, n_teams, n_people, n_sprints, random_state, now).run()
    return _build(g)


# ---------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------
