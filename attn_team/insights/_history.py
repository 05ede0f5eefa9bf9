"""Past items an item attends to, with what happened to them (cycle time, carry-over, teams involved)."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import pandas as pd

from ..model import Backlog
from ._dependencies import attention_edges, head_columns

__all__ = ["similar_history", "item_outcomes"]

log = logging.getLogger(__name__)


def item_outcomes(backlog: Backlog, keys: list[str] | None = None) -> pd.DataFrame:
    """What happened to items: cycle time, carried over or not, teams involved.

    - ``cycle_time_days``: from the first status change (work started; ``created`` when the item
      has no status history) to ``resolved``; ``<NA>`` while unresolved. ``cycle_from`` says
      which start was used.
    - ``carried_over``: the item was in more than one sprint (Jira keeps the earlier sprints in the
      field when unfinished work moves on), or a sprint event moved it from one sprint to a later
      one.
    - ``teams_involved``: the item's team, the teams of linked items and of the people involved
      (assignee, reporter, commenters, watchers), sorted.
    """
    it = backlog.items
    if keys is not None:
        it = it[it["key"].isin(set(keys))]
    ev = backlog.events
    fld = ev["field"].astype("string").str.lower()
    first_status = ev[fld == "status"].groupby("key")["at"].min().to_dict()
    sprint_moves = ev[fld == "sprint"]
    moved = set()
    for key, frm, to in zip(sprint_moves["key"], sprint_moves["from"], sprint_moves["to"]):
        if frm is not None and frm is not pd.NA and to is not None and to is not pd.NA and str(frm) and str(to) and frm != to:
            moved.add(str(key))
    team_of_item = dict(zip(backlog.items["key"], backlog.items["team"]))
    team_of_person = dict(zip(backlog.people["person"], backlog.people["team"]))
    linked: dict[str, set] = defaultdict(set)
    for s, t in zip(backlog.links["source_key"], backlog.links["target_key"]):
        linked[str(s)].add(str(t))
        linked[str(t)].add(str(s))
    rows = []
    for r in it.itertuples(index=False):
        start = first_status.get(r.key)
        cycle_from = "first status change"
        if start is None or start is pd.NaT:
            start, cycle_from = r.created, "created"
        days = None
        if r.resolved is not None and r.resolved is not pd.NaT and start is not None and start is not pd.NaT:
            days = max(0.0, (r.resolved - start).total_seconds() / 86400)
        teams = set()
        for t in [r.team, *(team_of_item.get(k) for k in linked.get(r.key, ()))]:
            if t is not None and t is not pd.NA:
                teams.add(str(t))
        for p in [r.assignee, r.reporter, *r.commenters, *r.watchers]:
            t = team_of_person.get(p)
            if t is not None and t is not pd.NA:
                teams.add(str(t))
        rows.append({"key": r.key, "cycle_time_days": days, "cycle_from": cycle_from if days is not None else None,
                     "carried_over": len(r.sprints) > 1 or r.key in moved, "teams_involved": sorted(teams)})
    out = pd.DataFrame(rows, columns=["key", "cycle_time_days", "cycle_from", "carried_over", "teams_involved"])
    out["cycle_time_days"] = pd.array(out["cycle_time_days"].tolist(), dtype="Float64")
    out["cycle_from"] = out["cycle_from"].astype("string")
    out["carried_over"] = out["carried_over"].astype(bool)
    return out


_COLUMNS = ["rank", "key", "summary", "team", "status", "sprints", "score", "weight",
            "cycle_time_days", "carried_over", "teams_involved", "reason"]


def similar_history(backlog: Backlog, item_key: str, top: int = 5, attention: Any = None, *, k: int = 20) -> pd.DataFrame:
    """Past items that item ``item_key`` attends to (attention towards *history*), with their outcomes.

    Parameters
    ----------
    backlog : Backlog
    item_key : str
    top : int, default=5
    attention : optional
        A fitted ``CrossAttention``, a history ``Attention`` result, an edges DataFrame or a mapping
        with a ``"history"`` entry (see :func:`~attn_team.insights._dependencies.attention_edges`).

    Returns
    -------
    DataFrame
        ``rank, key, summary, team, status, sprints`` (sprint names), ``score, weight,
        cycle_time_days, carried_over, teams_involved, reason`` and one column per head; see
        :func:`item_outcomes` for the outcome definitions. Empty when there is no history.

    Raises
    ------
    KeyError
        ``item_key`` is not in the backlog.
    """
    backlog.item(item_key)
    edges = attention_edges(backlog, attention, to="history", k=k, queries=[item_key])
    heads = head_columns(edges)
    mine = edges[(edges["source"] == item_key) & (edges["target"] != item_key)]
    mine = mine.sort_values(["score", "weight"], ascending=False, kind="stable").head(int(top))
    cols = _COLUMNS + heads
    if not len(mine):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    it = backlog.items.set_index("key")
    sprint_name = dict(zip(backlog.sprints["sprint_id"], backlog.sprints["name"]))
    out = mine.rename(columns={"target": "key"}).reset_index(drop=True)
    known = out["key"].isin(it.index)
    out = out[known].reset_index(drop=True)
    out["summary"] = out["key"].map(it["summary"]).astype("string")
    out["team"] = out["key"].map(it["team"]).astype("string")
    out["status"] = out["key"].map(it["status"]).astype("string")
    out["sprints"] = [[str(sprint_name.get(s, s)) for s in it.at[k, "sprints"]] for k in out["key"]]
    outcomes = item_outcomes(backlog, out["key"].tolist()).set_index("key")
    out["cycle_time_days"] = out["key"].map(outcomes["cycle_time_days"]).astype("Float64")
    out["carried_over"] = out["key"].map(outcomes["carried_over"]).astype(bool)
    out["teams_involved"] = [outcomes.at[k, "teams_involved"] for k in out["key"]]
    out["rank"] = range(1, len(out) + 1)
    return out[cols]
