"""Propose teams from the data: people grouped by who works together.

An export whose rules give one team (a one-project CSV, no Team field, no teams file) can
say nothing across teams. :func:`propose_teams` proposes a grouping to start a teams file
from: every person gets a profile of the work contexts they touch (the items themselves,
their parents and epics, components, sprints and boards, labels, projects), weighted by
role (assignee 1, reporter and commenter 0.5, watcher 0.25) and by how distinctive the
context is (TF-IDF: a sprint everybody is in says nothing). People whose profiles are
alike (cosine similarity, each person's strongest neighbours kept) form a co-work graph,
and Louvain community detection (seeded, so the proposal is reproducible) splits it into
teams. Each person's evidence (items, main components, sprints, closest colleagues) is
returned in words, for the user to check and edit.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict

import numpy as np
import pandas as pd

from ..model import Backlog

__all__ = ["component_teams", "propose_teams"]

log = logging.getLogger(__name__)

#: weight of a person's role on an item
ROLE_WEIGHT = {"assignee": 1.0, "reporter": 0.5, "commenters": 0.5, "watchers": 0.25}
#: weight of each kind of shared context
CONTEXT_WEIGHT = {"item": 1.0, "parent": 1.0, "epic": 1.0, "component": 1.0, "sprint": 0.7, "board": 0.7,
                  "label": 0.4, "project": 0.5}
_COLUMNS = ["person", "display_name", "team", "n_items", "n_assigned", "cohesion", "components", "sprints",
            "colleagues", "evidence"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in _COLUMNS})


def _person_contexts(backlog: Backlog) -> tuple[dict, Counter, Counter]:
    """``({person: {context: weight}}, items per person, assigned items per person)``."""
    items = backlog.items
    sp = backlog.sprints
    board_of = {}
    if "team" in sp.columns:
        board_of = {str(i): str(t) for i, t in zip(sp["sprint_id"], sp["team"]) if isinstance(t, str) and t}
    type_of = {k: t for k, t in zip(items["key"], items["type"].astype(object)) if isinstance(t, str)}
    parent_of = {k: p for k, p in zip(items["key"], items["parent_key"].astype(object)) if isinstance(p, str)}
    epic_of = {k: e for k, e in zip(items["key"], items["epic_key"].astype(object)) if isinstance(e, str)}

    def epic(key):
        seen = set()
        while key is not None and key not in seen:
            seen.add(key)
            if key in epic_of:
                return epic_of[key]
            if str(type_of.get(key) or "").lower() == "epic":
                return key
            key = parent_of.get(key)
        return None

    prof: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    n_items: Counter = Counter()
    n_assigned: Counter = Counter()
    cols = {c: [v if not (v is pd.NA or v is None) else None for v in items[c].astype(object).tolist()]
            for c in ("key", "project", "components", "labels", "sprints", "parent_key",
                      "assignee", "reporter", "watchers", "commenters")}
    for i, key in enumerate(cols["key"]):
        who: dict[str, float] = {}
        for role, w in ROLE_WEIGHT.items():
            v = cols[role][i]
            for p in (v if isinstance(v, list) else [v]):
                if isinstance(p, str) and p:
                    who[p] = max(who.get(p, 0.0), w)
        if not who:
            continue
        ctx = [("item", key)]
        parent = cols["parent_key"][i]
        ctx.append(("parent", parent if isinstance(parent, str) else key))
        e = epic(key)
        if e:
            ctx.append(("epic", e))
        ctx += [("component", str(c)) for c in cols["components"][i] or () if c]
        ctx += [("label", str(c)) for c in cols["labels"][i] or () if c]
        for s in cols["sprints"][i] or ():
            ctx.append(("sprint", str(s)))
            if str(s) in board_of:
                ctx.append(("board", board_of[str(s)]))
        if isinstance(cols["project"][i], str):
            ctx.append(("project", cols["project"][i]))
        for p, w in who.items():
            n_items[p] += 1
            if cols["assignee"][i] == p:
                n_assigned[p] += 1
            for kind, name in ctx:
                prof[p][f"{kind}\x1f{name}"] += w * CONTEXT_WEIGHT[kind]
    return prof, n_items, n_assigned


def _similarity(people: list[str], prof: dict) -> np.ndarray:
    """Cosine similarity of the people's TF-IDF context profiles (people x people)."""
    from scipy import sparse

    index: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for r, p in enumerate(people):
        for c, w in prof[p].items():
            rows.append(r)
            cols.append(index.setdefault(c, len(index)))
            vals.append(w)
    n = len(people)
    if not index:
        return np.zeros((n, n))
    X = sparse.csr_matrix((np.log1p(vals), (rows, cols)), shape=(n, len(index)))
    df = np.bincount(X.indices, minlength=X.shape[1])
    # a context of one person links nobody; one that everybody shares links everybody, weakly
    idf = np.where(df > 1, np.log((1 + n) / np.maximum(df, 1)), 0.0)
    X = X @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    X = sparse.diags(1.0 / norms) @ X
    S = (X @ X.T).toarray()
    np.fill_diagonal(S, 0.0)
    return S


def _communities(S: np.ndarray, *, k: int, resolution: float, random_state) -> tuple[list[set[int]], float]:
    import networkx as nx

    n = S.shape[0]
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for i in range(n):
        order = np.argsort(-S[i])[:k]
        for j in order:
            w = float(S[i, j])
            if w > 0:
                old = g.get_edge_data(i, int(j), {"weight": 0.0})["weight"]
                g.add_edge(i, int(j), weight=max(old, w))
    if g.number_of_edges() == 0:
        return [{i} for i in range(n)], 0.0
    comms = nx.community.louvain_communities(g, weight="weight", resolution=resolution, seed=random_state)
    comms = sorted((set(c) for c in comms), key=lambda c: (-len(c), min(c)))
    return comms, float(nx.community.modularity(g, comms, weight="weight"))


_SERIES = re.compile(r"^(.*?)[\s\-_:#]*\b(sprint|spr|iteration|спринт|sprints?)\b", re.IGNORECASE)


def _series(sprint_name: str) -> str | None:
    """The board-like prefix of a sprint name ("PAY Sprint 3" -> "PAY"), or None ("Sprint 3")."""
    m = _SERIES.match(sprint_name)
    if m is None:
        return None
    prefix = m.group(1).strip(" -_:#")
    return prefix or None


def _name_mass(profile: dict, sprint_name: dict, epic_name: dict) -> Counter:
    """A person's weight per naming candidate: ``(kind, value)`` for boards, sprint series, components,
    projects and epics (by summary)."""
    mass: Counter = Counter()
    for c, w in profile.items():
        kind, value = c.split("\x1f", 1)
        if kind == "sprint":
            value = _series(sprint_name.get(value, value))
            if value is None:
                continue
            kind = "board"
        elif kind == "epic":
            value = epic_name.get(value, value)
        if kind in ("component", "board", "project", "epic"):
            mass[(kind, value)] += w
    return mass


def _team_name(members: list[str], masses: dict, totals: Counter, used: set) -> str:
    """A name from the group's most characteristic board, sprint series, component, project or epic.

    A candidate must be mostly this group's (precision: the group's share of its weight, at least
    one half) and touch many of its people (coverage); the best precision x coverage wins.
    """
    mass: Counter = Counter()
    who: Counter = Counter()
    for p in members:
        mass.update(masses[p])
        who.update(masses[p].keys())
    best, best_score = None, 0.0
    for c, w in sorted(mass.items()):
        precision = w / max(totals[c], 1e-9)
        score = precision * (who[c] / len(members)) * (0.8 if c[0] == "epic" else 1.0)
        if precision >= 0.5 and score > best_score + 1e-9:
            best, best_score = c, score
    name = best[1] if best is not None and best_score >= 0.25 else "Team"
    out, i = (name, 2) if name != "Team" else ("Team 1", 2)
    while out in used:
        out, i = f"{name} {i}", i + 1
    used.add(out)
    return out


def propose_teams(backlog: Backlog, *, resolution: float = 1.0, neighbours: int = 8,
                  random_state: int | None = 0) -> pd.DataFrame:
    """Propose a team for every person, from who works with whom.

    Parameters
    ----------
    backlog : Backlog
    resolution : float, default=1.0
        Louvain resolution: above 1 proposes more, smaller teams; below 1 fewer, larger ones.
    neighbours : int, default=8
        Strongest colleagues kept per person in the co-work graph.
    random_state : int or None, default=0
        Seed of the community detection (the same seed gives the same proposal).

    Returns
    -------
    DataFrame
        One row per person who touched an item (as assignee, reporter, watcher or commenter):
        ``person`` (id), ``display_name``, ``team`` (a proposed name, from the group's most
        characteristic component, board or sprint series), ``n_items``, ``n_assigned``,
        ``cohesion`` (the share of the person's co-work similarity that falls inside the
        proposed team, 0-1: low values are the ones to check), ``components`` and
        ``sprints`` (their main ones, with counts), ``colleagues`` (closest by shared work)
        and ``evidence`` (all of it in one line). Sorted by team, then by items.

    Examples
    --------
    >>> from attn_team.synthetic import generate
    >>> from attn_team.insights._propose_teams import propose_teams
    >>> df = propose_teams(generate(n_items=300, n_people=24, random_state=1).backlog)
    >>> list(df.columns[:4]), df["team"].nunique() > 1
    (['person', 'display_name', 'team', 'n_items'], True)
    """
    if resolution <= 0 or not math.isfinite(resolution):
        raise ValueError(f"resolution must be a positive number, got {resolution!r}")
    prof, n_items, n_assigned = _person_contexts(backlog)
    if not prof:
        return _empty()
    people = sorted(prof)
    display = {p: d for p, d in zip(backlog.people["person"], backlog.people["display_name"]) if isinstance(d, str) and d}
    S = _similarity(people, prof)
    comms, modularity = _communities(S, k=max(1, int(neighbours)), resolution=resolution, random_state=random_state)
    sprint_name = {str(i): str(n) for i, n in zip(backlog.sprints["sprint_id"], backlog.sprints["name"]) if isinstance(n, str)}
    summary = dict(zip(backlog.items["key"], backlog.items["summary"].astype(object)))
    epic_name = {k: _short(v) for k, v in summary.items() if isinstance(v, str) and v.strip()}
    masses = {p: _name_mass(prof[p], sprint_name, epic_name) for p in people}
    totals: Counter = Counter()
    for m in masses.values():
        totals.update(m)
    label = np.zeros(len(people), dtype=int)
    names: list[str] = []
    used: set = set()
    for t, c in enumerate(comms):
        names.append(_team_name([people[i] for i in c], masses, totals, used))
        label[list(c)] = t
    inside = (S * (label[:, None] == label[None, :])).sum(axis=1)
    outside = S.sum(axis=1)
    rows = []
    for i, p in enumerate(people):
        cohesion = float(inside[i] / outside[i]) if outside[i] > 0 else 0.0
        comps = _top(prof[p], "component", 3)
        sprints = _top(prof[p], "sprint", 3, rename=sprint_name)
        near = [display.get(people[j], people[j]) for j in np.argsort(-S[i])[:3] if S[i, j] > 0]
        name = display.get(p, p)
        parts = [f"{n_items[p]} item{'s' if n_items[p] != 1 else ''} ({n_assigned[p]} assigned)"]
        if comps:
            parts.append("components " + ", ".join(comps))
        if sprints:
            parts.append("sprints " + ", ".join(sprints))
        if near:
            parts.append("works most with " + ", ".join(near))
        else:
            parts.append("shares no work with anyone else")
        rows.append({"person": p, "display_name": name, "team": names[label[i]], "n_items": int(n_items[p]),
                     "n_assigned": int(n_assigned[p]), "cohesion": round(cohesion, 3), "components": comps,
                     "sprints": sprints, "colleagues": near, "evidence": "; ".join(parts)})
    df = pd.DataFrame(rows, columns=_COLUMNS)
    size = df.groupby("team")["person"].transform("size")
    df = (df.assign(_size=size).sort_values(["_size", "team", "n_items", "display_name"],
                                            ascending=[False, True, False, True], kind="stable")
          .drop(columns="_size").reset_index(drop=True))
    df.attrs["modularity"] = round(modularity, 3)
    log.info("proposed %d teams for %d people (modularity %.2f)", df["team"].nunique(), len(df), modularity)
    return df


def _short(text: str, n: int = 32) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def _top(profile: dict, kind: str, n: int, rename: dict | None = None) -> list[str]:
    items = [(c.split("\x1f", 1)[1], w) for c, w in profile.items() if c.startswith(kind + "\x1f")]
    items.sort(key=lambda t: (-t[1], t[0]))
    rename = rename or {}
    return [rename.get(name, name) for name, _ in items[:n]]


def component_teams(backlog: Backlog, proposal: pd.DataFrame) -> pd.DataFrame:
    """The proposed team of each component: the team whose people do most of its items.

    Returns a DataFrame ``component, team, share`` (the share of the component's
    assigned items, 0-1, that people of that team do) and ``n_items``, by component.
    """
    team_of = dict(zip(proposal["person"], proposal["team"]))
    votes: dict[str, Counter] = defaultdict(Counter)
    for comps, a in zip(backlog.items["components"], backlog.items["assignee"].astype(object)):
        t = team_of.get(a) if isinstance(a, str) else None
        if t is None:
            continue
        for c in comps:
            if c:
                votes[str(c)][t] += 1
    rows = []
    for comp, cnt in sorted(votes.items()):
        team, n = cnt.most_common(1)[0]
        total = sum(cnt.values())
        rows.append({"component": comp, "team": team, "share": round(n / total, 3), "n_items": int(total)})
    return pd.DataFrame(rows, columns=["component", "team", "share", "n_items"])
