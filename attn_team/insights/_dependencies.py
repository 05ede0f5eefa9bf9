"""Likely cross-team dependencies that nobody linked yet, ranked and explained.

Also home of :func:`attention_edges`, the one place where insights turn their
``attention=`` argument (a fitted model, an attention result, an edges table or
``None``) into an edges DataFrame.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..model import Backlog

__all__ = ["suggest_dependencies", "attention_edges", "default_model", "head_columns", "EDGE_COLUMNS"]

log = logging.getLogger(__name__)

#: Columns every edges table has (head columns come on top, one per head).
EDGE_COLUMNS = ("source", "target", "weight", "score", "reason")
_KNOWN_HEADS = ("text", "structure", "people", "time")
_NOT_HEADS = {"source", "target", "weight", "score", "reason", "rank", "kind", "to"}


def default_model(backlog: Backlog, *, random_state: int = 0, cache: Any = None, progress: bool = False):
    """A :class:`~attn_team.CrossAttention` fitted on ``backlog`` with default parameters.

    Pass the returned model as ``attention=`` to several insight functions to fit it only once.
    ``cache`` (a directory or a ``Workspace``) keeps the text embeddings between runs.
    """
    from ..attention._model import CrossAttention

    log.info("fitting a default CrossAttention on %d items (pass attention= to reuse a fitted model)", backlog.n_items)
    return CrossAttention(random_state=random_state, cache=cache, progress=progress).fit(backlog)


def _kind_of(result: Any) -> str | None:
    for attr in ("to", "kind", "key_set"):
        v = getattr(result, attr, None)
        if isinstance(v, str):
            return v
    return None


def attention_edges(backlog: Backlog, attention: Any = None, *, to: str = "items", k: int = 20,
                    queries: list[str] | None = None) -> pd.DataFrame:
    """Attention edges of ``backlog`` towards key set ``to`` as a DataFrame.

    Parameters
    ----------
    backlog : Backlog
    attention : None, CrossAttention, Attention, DataFrame or mapping
        ``None`` fits :func:`default_model`; an object with ``attend`` (a fitted
        ``CrossAttention``) is asked for ``attend(backlog, to=to, k=k)``; an object with ``edges``
        (an ``Attention`` result) or a DataFrame is used as is (it must be attention towards
        ``to``); a mapping ``{"items": ..., "members": ..., "history": ...}`` picks ``attention[to]``.
    to : {"items", "members", "history"}
    k : int, default=20
        Keys kept per query when attention is computed here.
    queries : list of str, optional
        Only these query items (passed to ``attend(..., queries=)`` when attention is computed
        here; precomputed tables are filtered).

    Returns
    -------
    DataFrame
        ``source, target, weight, score, reason`` and one column per head.

    Raises
    ------
    ValueError
        The attention result is towards another key set, or lacks the edge columns.
    """
    if to not in ("items", "members", "history"):
        raise ValueError(f"to must be 'items', 'members' or 'history', not {to!r}")
    if isinstance(attention, Mapping):
        if to not in attention:
            raise ValueError(f"attention mapping has no entry for {to!r} (has {sorted(attention)})")
        attention = attention[to]
    if attention is None:
        attention = default_model(backlog)
    if hasattr(attention, "attend") and not isinstance(attention, pd.DataFrame):
        attention = attention.attend(backlog, to=to, k=k) if queries is None else \
            attention.attend(backlog, to=to, k=k, queries=list(queries))
    kind = _kind_of(attention)
    if kind is not None and kind != to:
        raise ValueError(f"this attention result is towards {kind!r}, but {to!r} is needed; pass a fitted "
                         "CrossAttention or a mapping {'items': ..., 'members': ...}")
    edges = attention.edges if hasattr(attention, "edges") else attention
    if not isinstance(edges, pd.DataFrame):
        raise TypeError(f"attention must be a CrossAttention, an Attention, a DataFrame or a mapping, not {type(attention).__name__}")
    missing = [c for c in ("source", "target", "weight") if c not in edges.columns]
    if missing:
        raise ValueError(f"attention edges lack column(s) {missing}; expected {list(EDGE_COLUMNS)} plus one per head")
    edges = edges.copy()
    if "score" not in edges.columns:
        edges["score"] = edges["weight"]
    if "reason" not in edges.columns:
        edges["reason"] = pd.Series([None] * len(edges), dtype="string")
    edges["source"] = edges["source"].astype("string")
    edges["target"] = edges["target"].astype("string")
    edges["weight"] = pd.to_numeric(edges["weight"], errors="coerce").astype(float)
    edges["score"] = pd.to_numeric(edges["score"], errors="coerce").astype(float)
    if queries is not None:
        edges = edges[edges["source"].isin(set(queries))].reset_index(drop=True)
    return edges


def head_columns(edges: pd.DataFrame) -> list[str]:
    """The per-head contribution columns of an edges table (known heads first)."""
    known = [h for h in _KNOWN_HEADS if h in edges.columns]
    extra = [c for c in edges.columns if c not in _NOT_HEADS and c not in known and pd.api.types.is_numeric_dtype(edges[c])]
    return known + extra


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


_SUGGEST_COLUMNS = ["rank", "source", "source_team", "source_summary", "target", "target_team", "target_summary",
                    "score", "weight"]


def suggest_dependencies(backlog: Backlog, *, team: str | None = None, cross_team: bool = True,
                         exclude_linked: bool = True, top: int | None = 20, attention: Any = None,
                         open_only: bool = False, k: int = 20) -> pd.DataFrame:
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
        A fitted ``CrossAttention``, an item ``Attention`` result or an edges DataFrame
        (see :func:`attention_edges`); fitted here when ``None``.
    open_only : bool, default=False
        Drop pairs where both items are done.
    k : int, default=20
        Keys per item when attention is computed here.

    Returns
    -------
    DataFrame
        ``rank, source, source_team, source_summary, target, target_team, target_summary, score,
        weight``, one column per head (its contribution to ``score``), ``reason`` (one line),
        ``already_linked`` (bool) and ``link_type``.

    Raises
    ------
    KeyError
        ``team`` is not a team of the backlog.
    """
    items = backlog.items
    if team is not None:
        known = set(items["team"].dropna())
        if team not in known:
            raise KeyError(f"no team {team!r} in this backlog (teams: {', '.join(sorted(map(str, known))) or 'none'})")
    heads_hint = list(_KNOWN_HEADS)
    empty_cols = _SUGGEST_COLUMNS + heads_hint + ["reason", "already_linked", "link_type"]
    if len(items) < 2:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in empty_cols})
    edges = attention_edges(backlog, attention, to="items", k=k)
    heads = head_columns(edges)
    edges = edges[edges["source"] != edges["target"]]
    team_of = dict(zip(items["key"], items["team"]))
    summary = dict(zip(items["key"], items["summary"]))
    cat = dict(zip(items["key"], items["status_category"]))
    edges = edges[edges["source"].isin(team_of) & edges["target"].isin(team_of)].copy()
    if not len(edges):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _SUGGEST_COLUMNS + heads + ["reason", "already_linked", "link_type"]})
    # one row per unordered pair: the stronger direction
    a = edges["source"].astype(str)
    b = edges["target"].astype(str)
    edges["_pair"] = [(x, y) if x < y else (y, x) for x, y in zip(a, b)]
    edges = edges.sort_values(["score", "weight"], ascending=False, kind="stable").drop_duplicates("_pair")
    edges["source_team"] = edges["source"].map(team_of).astype("string")
    edges["target_team"] = edges["target"].map(team_of).astype("string")
    if cross_team:
        edges = edges[edges["source_team"].notna() & edges["target_team"].notna()
                      & (edges["source_team"] != edges["target_team"])]
    if team is not None:
        edges = edges[(edges["source_team"] == team) | (edges["target_team"] == team)]
    if open_only:
        edges = edges[~((edges["source"].map(cat) == "done") & (edges["target"].map(cat) == "done"))]
    linked = linked_pairs(backlog)
    edges["link_type"] = [linked.get(frozenset(p)) for p in edges["_pair"]]
    edges["already_linked"] = edges["link_type"].notna()
    if exclude_linked:
        edges = edges[~edges["already_linked"]]
    if top is not None:
        edges = edges.head(int(top))
    edges = edges.reset_index(drop=True)
    edges["rank"] = range(1, len(edges) + 1)
    edges["source_summary"] = edges["source"].map(summary).astype("string")
    edges["target_summary"] = edges["target"].map(summary).astype("string")
    recs = edges.to_dict("records")
    edges["reason"] = pd.Series([_reason(r, heads) for r in recs], dtype="string")
    edges["link_type"] = edges["link_type"].astype("string")
    edges["already_linked"] = edges["already_linked"].astype(bool)
    return edges[_SUGGEST_COLUMNS + heads + ["reason", "already_linked", "link_type"]]
