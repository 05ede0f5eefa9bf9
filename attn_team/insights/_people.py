"""Who outside the team should be involved in an item: people whose past work the item attends to."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import pandas as pd

from ..model import Backlog
from ._dependencies import attention_edges, head_columns

__all__ = ["who_to_involve", "person_items"]

log = logging.getLogger(__name__)

_COLUMNS = ["rank", "person", "display_name", "team", "score", "weight", "driven_by", "reason"]


def person_items(backlog: Backlog) -> dict[str, set[str]]:
    """Person id -> keys of the items they were involved in (from ``backlog.involvement``)."""
    out: dict[str, set[str]] = defaultdict(set)
    inv = backlog.involvement
    for key, p in zip(inv["key"], inv["person"]):
        out[str(p)].add(str(key))
    return out


def who_to_involve(backlog: Backlog, item_key: str, *, outside_team: bool = True, top: int = 5,
                   attention: Any = None, k: int = 20) -> pd.DataFrame:
    """People ranked by how much item ``item_key`` attends to them, with the past items behind each score.

    Scores come from attention towards *members* (each person represented by the items they
    worked on). ``driven_by`` lists that person's items the query item attends to most (from
    attention towards *items*), strongest first.

    Parameters
    ----------
    backlog : Backlog
    item_key : str
    outside_team : bool, default=True
        Leave out people of the item's own team (and the item's own assignee and reporter).
    top : int, default=5
    attention : optional
        A :class:`~attn_team.BacklogAttention` (or a ``CrossAttention``), or a mapping
        ``{"members": ..., "items": ...}`` of attention results / edge tables (see
        :func:`~attn_team.attention._fitted.resolve_attention`). ``None``: the untrained model.
        Only this item attends (one row of scores, not the whole backlog).
    k : int, default=20
        Keys per query when attention is computed here.

    Returns
    -------
    DataFrame
        ``rank, person, display_name, team, score, weight, driven_by`` (list of item keys),
        ``reason`` and one column per head. Empty when nobody qualifies (for example a team of
        one person whose only member is the item's assignee).

    Raises
    ------
    KeyError
        ``item_key`` is not in the backlog.
    """
    item = backlog.item(item_key)
    own_team = item["team"]
    members = attention_edges(backlog, attention, to="members", k=k, queries=[item_key])
    heads = head_columns(members)
    mine = members[members["source"] == item_key].copy()
    people = backlog.people.set_index("person")
    team_of_person = people["team"].to_dict()
    names = people["display_name"].to_dict()
    mine["person"] = mine["target"].astype("string")
    mine["team"] = mine["person"].map(team_of_person).astype("string")
    mine["display_name"] = mine["person"].map(names).astype("string")
    if outside_team:
        own = {str(p) for p in (item["assignee"], item["reporter"]) if p is not None and p is not pd.NA}
        keep = ~mine["person"].isin(own)
        if own_team is not None and own_team is not pd.NA:
            keep &= (mine["team"] != own_team).fillna(True)
        mine = mine[keep]
    mine = mine.sort_values(["score", "weight"], ascending=False, kind="stable").head(int(top)).reset_index(drop=True)
    cols = _COLUMNS + heads
    if not len(mine):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    # the past items behind each person: their items this item attends to most
    items_edges = attention_edges(backlog, attention, to="items", k=k, queries=[item_key])
    attended = items_edges[items_edges["source"] == item_key].sort_values("score", ascending=False)
    involved = person_items(backlog)
    driven = []
    for p in mine["person"]:
        theirs = involved.get(str(p), set()) - {item_key}
        driven.append([t for t in attended["target"] if t in theirs][:3])
    mine["driven_by"] = driven
    mine["rank"] = range(1, len(mine) + 1)
    mine["reason"] = [
        (r if isinstance(r, str) and r else "")
        + ("; " if isinstance(r, str) and r and d else "")
        + (f"worked on {', '.join(d)}" if d else "")
        for r, d in zip(mine["reason"], driven)
    ]
    mine["reason"] = mine["reason"].astype("string")
    return mine[cols]
