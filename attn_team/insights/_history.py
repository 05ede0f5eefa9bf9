"""Past items an item attends to, with what happened to them (cycle time, carry-over, teams involved)."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from ..model import Backlog
from ._dependencies import attention_edges, head_columns

__all__ = ["similar_history", "item_outcomes"]

log = logging.getLogger(__name__)


def item_outcomes(backlog: Backlog, keys: list[str] | None = None) -> pd.DataFrame:
    """What happened to items: cycle time, carried over or not, teams involved.

    The columns ``key, cycle_time_days, cycle_from, carried_over, teams_involved`` of
    ``backlog.outcomes(keys)``: one definition for the whole library, in :mod:`attn_team._derived`
    (``backlog.outcomes`` adds ``lead_time_days`` and ``n_sprints``).
    """
    cols = ["key", "cycle_time_days", "cycle_from", "carried_over", "teams_involved"]
    return backlog.outcomes(keys)[cols]


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
