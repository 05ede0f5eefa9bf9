"""Facts derived from a backlog's tables, each defined once for every later layer.

These are read through :class:`~attn_team.model.Backlog` (``backlog.involvement``,
``backlog.dependencies``, ``backlog.outcomes()``) and computed once per backlog:

- **involvement**: who was involved in which item, and how (``assignee``, ``reporter``,
  ``commenter``, ``watcher``). Members' attention, who-to-involve, shared people between teams
  and the explanations all read this one table.
- **dependencies**: for each dependency link, which item waits for which. Direction comes from
  the link's phrase: "is blocked by", "depends on", "requires" and "waits for" mean the source
  waits for the target; "blocks", "is depended on by", "is required by" and "is a prerequisite
  of" mean the target waits for the source. A dependency link whose phrase says neither gives
  both directions (``directed`` is false).
- **outcomes**: what happened to each item.

  - ``cycle_time_days``: from the start of work to resolution. The start is the first status
    change into a status of category *in progress* or *done* (Kanban's and
    jira-agile-metrics' "committed to done" reading); with no status history it is
    ``created``, and ``cycle_from`` says so. ``<NA>`` while unresolved.
  - ``lead_time_days``: from ``created`` to ``resolved``.
  - ``n_sprints``: sprints the item has been in.
  - ``carried_over``: the item was in more than one sprint (Jira keeps the earlier sprints in the
    field when unfinished work moves on), or a sprint event moved it from one sprint to another.
  - ``teams_involved``: the item's team, the teams of linked items and of the people involved.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from .model import is_missing as _isna

__all__ = ["ROLES", "involvement_table", "dependency_table", "outcome_table"]

#: involvement roles, in the order they are listed
ROLES = ("assignee", "reporter", "commenter", "watcher")

_WAITS_FOR_TARGET = ("is blocked", "depends on", "waits for")
_TARGET_WAITS = ("blocks", "is depended on", "is required by", "is a prerequisite")


def involvement_table(items: pd.DataFrame) -> pd.DataFrame:
    """``key, person, role`` for every person involved in every item (one row per role)."""
    keys, persons, roles = [], [], []
    for col, role in (("assignee", "assignee"), ("reporter", "reporter")):
        ok = items[col].notna() & (items[col].astype("string").str.len() > 0)
        sel = items.loc[ok.fillna(False).to_numpy(dtype=bool)]
        keys += sel["key"].astype(str).tolist()
        persons += sel[col].astype(str).tolist()
        roles += [role] * len(sel)
    for col, role in (("commenters", "commenter"), ("watchers", "watcher")):
        for key, lst in zip(items["key"], items[col]):
            for p in lst:
                if not _isna(p) and str(p):
                    keys.append(str(key))
                    persons.append(str(p))
                    roles.append(role)
    out = pd.DataFrame({"key": keys, "person": persons, "role": roles}, dtype="string")
    return out.drop_duplicates().reset_index(drop=True)


def _direction(label: str) -> int:
    """+1: the source waits for the target; -1: the target waits for the source; 0: not said."""
    lab = label.strip().lower()
    if lab.startswith(_WAITS_FOR_TARGET) or lab == "requires" or "waits for" in lab:
        return 1
    if lab.startswith(_TARGET_WAITS) or "depended on" in lab or "prerequisite" in lab:
        return -1
    return 0


def dependency_table(links: pd.DataFrame) -> pd.DataFrame:
    """``waiting, waits_for, label, directed`` for each dependency link (both ways when undirected)."""
    dep = links[links["category"] == "dependency"]
    rows = []
    for s, t, label, lt in zip(dep["source_key"], dep["target_key"], dep["label"], dep["link_type"]):
        lab = str(label if not _isna(label) else lt if not _isna(lt) else "").strip().lower()
        name = lab or "dependency"
        d = _direction(lab)
        if d > 0:
            rows.append((s, t, name, True))
        elif d < 0:
            rows.append((t, s, name, True))
        else:
            rows.append((s, t, name, False))
            rows.append((t, s, name, False))
    out = pd.DataFrame(rows, columns=["waiting", "waits_for", "label", "directed"])
    return out.astype({"waiting": "string", "waits_for": "string", "label": "string", "directed": bool})


def _work_started(backlog) -> dict[str, pd.Timestamp]:
    """Key -> time of the first status change into an *in progress* or *done* status."""
    ev = backlog.events
    if not len(ev):
        return {}
    st = ev[ev["field"].astype("string").str.lower() == "status"]
    if not len(st):
        return {}
    items = backlog.items
    cat = {str(s).lower(): c for s, c in zip(items["status"], items["status_category"]) if not _isna(s) and not _isna(c)}
    to = st["to"].astype("string").str.lower()
    # a status no current item has is taken as work (Jira's default category for a custom status)
    started = to.map(lambda s: not _isna(s) and cat.get(s, "in_progress") != "todo").astype(bool)
    st = st[started.to_numpy()]
    return st.groupby("key")["at"].min().to_dict()


def outcome_table(backlog, keys=None) -> pd.DataFrame:
    """``key, cycle_time_days, cycle_from, lead_time_days, n_sprints, carried_over, teams_involved``."""
    it = backlog.items
    if keys is not None:
        it = it[it["key"].isin(set(map(str, keys)))]
    start_of = _work_started(backlog)
    ev = backlog.events
    moves = ev[ev["field"].astype("string").str.lower() == "sprint"] if len(ev) else ev
    moved = {str(k) for k, f, t in zip(moves["key"], moves["from"], moves["to"])
             if not _isna(f) and not _isna(t) and str(f) and str(t) and f != t}
    team_of_item = dict(zip(backlog.items["key"], backlog.items["team"]))
    team_of_person = dict(zip(backlog.people["person"], backlog.people["team"]))
    linked: dict[str, set] = defaultdict(set)
    for s, t in zip(backlog.links["source_key"], backlog.links["target_key"]):
        linked[str(s)].add(str(t))
        linked[str(t)].add(str(s))
    inv = backlog.involvement
    people_of: dict[str, list] = defaultdict(list)
    for k, p in zip(inv["key"], inv["person"]):
        people_of[str(k)].append(str(p))
    keys_l = it["key"].astype(str).tolist()
    created = it["created"]
    start = pd.Series([start_of.get(k, pd.NaT) for k in keys_l], index=it.index, dtype="datetime64[ns, UTC]")
    from_history = start.notna()
    start = start.where(from_history, created)
    resolved = it["resolved"]
    cycle = ((resolved - start).dt.total_seconds() / 86400).clip(lower=0.0)
    lead = ((resolved - created).dt.total_seconds() / 86400).clip(lower=0.0)
    cycle_from = np.where(from_history.to_numpy(), "work started", "created")
    teams_involved = []
    for k, tm in zip(keys_l, it["team"]):
        ts = {str(x) for x in [tm, *(team_of_item.get(o) for o in linked.get(k, ()))] if not _isna(x)}
        ts |= {str(team_of_person[p]) for p in people_of.get(k, ()) if not _isna(team_of_person.get(p))}
        teams_involved.append(sorted(ts))
    n_sprints = it["sprints"].map(len).astype(int)
    out = pd.DataFrame({
        "key": pd.array(keys_l, dtype="string"),
        "cycle_time_days": pd.array(cycle.tolist(), dtype="Float64"),
        "cycle_from": pd.array(cycle_from, dtype="string"),
        "lead_time_days": pd.array(lead.tolist(), dtype="Float64"),
        "n_sprints": n_sprints.to_numpy(),
        "carried_over": ((n_sprints > 1) | it["key"].isin(moved)).to_numpy(dtype=bool),
        "teams_involved": teams_involved,
    })
    out.loc[out["cycle_time_days"].isna(), "cycle_from"] = pd.NA
    return out.reset_index(drop=True)
