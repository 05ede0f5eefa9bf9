"""Likely cross-team dependencies that nobody linked yet, ranked and explained.

Insights turn their ``attention=`` argument into edges with :func:`attention_edges`
(:func:`attn_team.attention._fitted.resolve_attention`, the one place that does it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._heads import HEADS, head_columns
from ..attention._fitted import as_backlog_attention, attention_edges
from ..model import LINK_CATEGORIES, Backlog

__all__ = ["suggest_dependencies", "attention_edges", "head_columns", "EDGE_COLUMNS"]

log = logging.getLogger(__name__)

#: Columns every edges table has (head columns come on top, one per head).
EDGE_COLUMNS = ("source", "target", "weight", "score", "reason")


def linked_pairs(backlog: Backlog) -> dict[frozenset, str]:
    """Unordered item pair -> link type(s) already in Jira, for every link category."""
    out: dict[frozenset, str] = {}
    ln = backlog.links
    for s, t, lt in zip(ln["source_key"], ln["target_key"], ln["link_type"]):
        pair = frozenset((str(s), str(t)))
        name = "link" if lt is None or lt is pd.NA else str(lt)
        out[pair] = name if pair not in out or out[pair] == name else f"{out[pair]}, {name}"
    return out


def _reason(row: Mapping[str, Any], heads: list[str]) -> str:
    base = row.get("reason")
    if isinstance(base, str) and base:
        return base
    parts = [f"{h} {row[h]:.2f}" for h in heads if isinstance(row.get(h), (int, float)) and row[h] == row[h] and row[h] > 0]
    return "attention: " + ", ".join(parts) if parts else "attention"


#: link categories a suggestion can be typed as (clone links are never suggested)
_TYPED = tuple(c for c in LINK_CATEGORIES if c != "clone")

_SUGGEST_COLUMNS = ["rank", "source", "source_team", "source_summary", "target", "target_team", "target_summary",
                    "score", "weight"]


def suggest_dependencies(backlog: Backlog, *, team: str | None = None, cross_team: bool = True,
                         exclude_linked: bool = True, top: int | None = 20, attention: Any = None,
                         open_only: bool = False, k: int | None = None, queries=None,
                         category: str | None = None) -> pd.DataFrame:
    """Likely dependencies (or duplicates) between items that are not linked yet, ranked by attention.

    Each item attends to every other item (:meth:`CrossAttention.attend` with ``to="items"``);
    the kept edges are turned into unordered pairs (the stronger direction is kept), filtered,
    and ranked by ``score``.

    Parameters
    ----------
    backlog : Backlog
    team : str, optional
        Only pairs with at least one end in this team.
    cross_team : bool, default=True
        Only pairs whose ends are in two different, known teams.
    exclude_linked : bool, default=True
        Drop pairs already linked in Jira (any link type). With ``False`` they stay, flagged in
        ``already_linked``.
    top : int or None, default=20
        Number of rows (``None``: all).
    attention : optional
        A :class:`~attn_team.BacklogAttention` (or a ``CrossAttention``), an item ``Attention``
        result or an edges DataFrame (see :func:`attention_edges`); ``None`` uses the untrained
        model (nothing is fitted here).
    open_only : bool, default=False
        Drop pairs where both items are done.
    k : int, optional
        Keys per item when attention is computed here. By default the ``k`` of the whole
        backlog's attention already computed (e.g. reloaded from a workspace kept at ``k=5``),
        else 20: a result in hand is read, not computed again at another ``k``.
    queries : list of str, optional
        Only pairs found from these items' own attention. With ``team`` and no whole-backlog
        attention computed yet, the team's items are the queries (they attend; the rest of the
        backlog stays the key set), so a question about one team costs that team's rows only.

    category : {"dependency", "relation", "duplicate", "hierarchy"}, optional
        Only pairs predicted to be links of this category, ranked with that category's mixture
        (a fitted typed model; see :class:`~attn_team.CrossAttention`). Without a category
        classifier (the untrained model) nothing can be typed and the result is empty.

    Returns
    -------
    DataFrame
        ``rank, source, source_team, source_summary, target, target_team, target_summary, score,
        weight``, one column per head (its contribution to ``score``), ``reason`` (one line),
        ``category`` (the predicted link category; empty when the model has no classifier),
        ``already_linked`` (bool) and ``link_type``.

    Raises
    ------
    KeyError
        ``team`` is not a team of the backlog.
    """
    items = backlog.items
    if category is not None and category not in _TYPED:
        raise ValueError(f"category must be one of {_TYPED}, got {category!r}")
    if team is not None:
        known = set(items["team"].dropna())
        if team not in known:
            raise KeyError(f"no team {team!r} in this backlog (teams: {', '.join(sorted(map(str, known))) or 'none'})")
    heads_hint = list(HEADS)
    tail = ["reason", "category", "already_linked", "link_type"]
    empty_cols = _SUGGEST_COLUMNS + heads_hint + tail
    if len(items) < 2:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in empty_cols})
    if queries is None and team is not None:
        bound = as_backlog_attention(backlog, attention)
        if bound is not None and not bound.computed("items", bound.resolved_k(k)):
            queries = items.loc[items["team"] == team, "key"].astype(str).tolist()
    edges = attention_edges(backlog, attention, to="items", k=k, queries=None if queries is None else list(queries),
                            category=category)
    heads = head_columns(edges)
    if "category" not in edges.columns:
        edges["category"] = pd.Series([None] * len(edges), dtype="string", index=edges.index)
    if category is not None:
        edges = edges[(edges["category"] == category).fillna(False).astype(bool)]
    edges = edges[edges["source"] != edges["target"]]
    team_of = dict(zip(items["key"], items["team"]))
    summary = dict(zip(items["key"], items["summary"]))
    cat = dict(zip(items["key"], items["status_category"]))
    edges = edges[edges["source"].isin(team_of) & edges["target"].isin(team_of)]
    if not len(edges):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _SUGGEST_COLUMNS + heads + tail})
    # the filters on a pair's two teams and states are symmetric, so they run before the pairs are
    # made: at a million items most of the 5M kept edges stay inside a team and are dropped here
    src_team = edges["source"].map(team_of).astype("string")
    dst_team = edges["target"].map(team_of).astype("string")
    keep = pd.Series(True, index=edges.index)
    if cross_team:
        keep &= (src_team.notna() & dst_team.notna() & (src_team != dst_team)).fillna(False).astype(bool)
    if team is not None:
        keep &= ((src_team == team) | (dst_team == team)).fillna(False).astype(bool)
    if open_only:
        keep &= ~((edges["source"].map(cat) == "done") & (edges["target"].map(cat) == "done"))
    edges = edges[keep].assign(source_team=src_team[keep], target_team=dst_team[keep])
    del src_team, dst_team, keep
    # one row per unordered pair: the stronger direction
    a = edges["source"].astype(str).to_numpy(dtype=object)
    b = edges["target"].astype(str).to_numpy(dtype=object)
    first = a < b  # (vectorised: a tuple per edge costs seconds at 2 million edges)
    edges["_lo"], edges["_hi"] = np.where(first, a, b), np.where(first, b, a)
    edges = edges.sort_values(["score", "weight"], ascending=False, kind="stable").drop_duplicates(["_lo", "_hi"])
    linked = linked_pairs(backlog)
    edges["link_type"] = [linked.get(frozenset(p)) for p in zip(edges["_lo"], edges["_hi"])] if linked else None
    edges["already_linked"] = edges["link_type"].notna()
    if exclude_linked:
        edges = edges[~edges["already_linked"]]
    if top is not None:
        edges = edges.head(int(top))
    edges = edges.reset_index(drop=True)
    edges["rank"] = range(1, len(edges) + 1)
    edges["source_summary"] = edges["source"].map(summary).astype("string")
    edges["target_summary"] = edges["target"].map(summary).astype("string")
    cols = {c: edges[c].tolist() for c in ["reason", *heads] if c in edges.columns}  # what _reason reads
    recs = (dict(zip(cols, values)) for values in zip(*cols.values())) if cols else ({} for _ in range(len(edges)))
    edges["reason"] = pd.Series([_reason(r, heads) for r in recs], dtype="string")
    edges["link_type"] = edges["link_type"].astype("string")
    edges["already_linked"] = edges["already_linked"].astype(bool)
    edges["category"] = edges["category"].astype("string")
    return edges[_SUGGEST_COLUMNS + heads + tail]
