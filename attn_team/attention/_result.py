"""The result of one attention pass: kept edges with weights, per-head contributions and reasons."""

from __future__ import annotations

import dataclasses
import html

import numpy as np
import pandas as pd

from .._heads import HEADS
from .._display import graph_mimebundle, graph_payload, table_html

__all__ = ["Attention"]

#: queries whose context vectors are summed at a time (the gathered key rows stay small)
_CONTEXT_CHUNK = 1 << 16


class ContextVectors:
    """Context vectors not made yet: each query's kept keys' values, weighted by their renormalised weights.

    At a million items the vectors are a 1M x 384 array (1.5 GB) that most users never read, so a
    result keeps what makes them (the key values it already shares with the features, and the kept
    keys' rows and weights, N x k) and makes the array when ``Attention.context`` is first read.
    """

    __slots__ = ("values", "rows", "weights")

    def __init__(self, values: np.ndarray, rows: np.ndarray, weights: np.ndarray):
        self.values, self.rows, self.weights = values, rows, weights

    def compute(self) -> np.ndarray:
        V, idx = self.values, self.rows
        n_q, kk = idx.shape
        ctx = np.zeros((n_q, V.shape[1]), dtype=np.float32)
        w = np.asarray(self.weights)
        tot = w.sum(axis=1, keepdims=True)
        tot[tot == 0] = 1.0
        w = w / tot
        for r0 in range(0, n_q, _CONTEXT_CHUNK):
            c_ctx, c_idx, c_w = ctx[r0:r0 + _CONTEXT_CHUNK], idx[r0:r0 + _CONTEXT_CHUNK], w[r0:r0 + _CONTEXT_CHUNK]
            for j in range(kk):
                ok = c_idx[:, j] >= 0
                c_ctx[ok] += c_w[ok, j, None] * V[c_idx[ok, j]]
        return ctx


class _MadeOnRead:
    """A dataclass field that may hold a :class:`ContextVectors`, made into its array when first read."""

    def __set_name__(self, owner, name):
        self._slot = "_" + name

    def __get__(self, obj, owner=None):
        if obj is None:  # the dataclass asks for the field's default
            return None
        v = obj.__dict__.get(self._slot)
        if isinstance(v, ContextVectors):
            v = obj.__dict__[self._slot] = v.compute()
        return v

    def __set__(self, obj, value):
        obj.__dict__[self._slot] = value


def unread_context(att) -> np.ndarray | ContextVectors | None:
    """``att.context`` as it is held (not made if it was not), to hand on to a derived result."""
    return att.__dict__.get("_context")


@dataclasses.dataclass(frozen=True, eq=False)
class Attention:
    """Sparse attention of work items over items, members or history.

    Attributes
    ----------
    edges : DataFrame
        One row per kept (query, key) pair: ``source`` (query item key),
        ``target`` (item key or person), ``weight`` (softmax over *all* keys of
        the query, kept for the top k), ``score`` (sum of the head columns),
        ``text``, ``structure``, ``people``, ``time`` (each head's contribution
        to ``score``), ``reason`` (short human explanation).  With
        ``to="history"`` also ``cycle_time_days``, ``n_sprints``,
        ``carried_over`` and ``teams`` of the past item.
    to : str
        ``"items"``, ``"members"`` or ``"history"``.
    k : int
        Keys kept per query.
    heads : tuple of str
    context : ndarray of shape (n_queries, d)
        Weighted sum of the kept keys' values (embeddings), weights renormalised over the kept keys.
        Made when first read (and then kept), not with the result.
    query_keys : ndarray of shape (n_queries,)
        Item key of each row of ``context``.
    lse : ndarray of shape (n_queries,)
        Log of the softmax normaliser of each query (over all keys).
    temperature : float
    nodes : DataFrame
        ``id, label, kind, team, status`` of every item (and member).
    key_kind : str
        ``"item"`` or ``"member"``.
    """

    edges: pd.DataFrame
    to: str = "items"
    k: int = 20
    heads: tuple = HEADS
    context: np.ndarray | None = _MadeOnRead()  # type: ignore[assignment]
    query_keys: np.ndarray | None = None
    lse: np.ndarray | None = None
    temperature: float = 1.0
    nodes: pd.DataFrame | None = None
    key_kind: str = "item"

    def __len__(self) -> int:
        return len(self.edges)

    def __repr__(self) -> str:
        nq = 0 if self.query_keys is None else len(self.query_keys)
        return f"Attention(to={self.to!r}, queries={nq}, k={self.k}, edges={len(self.edges)})"

    def context_frame(self) -> pd.DataFrame:
        """Context vectors as a DataFrame indexed by query key."""
        return pd.DataFrame(self.context, index=pd.Index(self.query_keys, name="key"))

    def top(self, key: str, n: int | None = None) -> pd.DataFrame:
        """Kept edges of one query item, best first."""
        e = self.edges[self.edges["source"] == key].sort_values("weight", ascending=False)
        return e if n is None else e.head(n)

    def to_networkx(self):
        """A weighted :class:`networkx.DiGraph`: nodes carry ``kind``/``label``/``team``, edges all edge columns."""
        import networkx as nx

        g = nx.DiGraph(to=self.to, k=self.k)
        used = set(self.edges["source"]) | set(self.edges["target"])
        if self.nodes is not None:
            for r in self.nodes.to_dict("records"):
                if r["id"] in used:
                    g.add_node(r["id"], **{c: (None if _isna(v) else v) for c, v in r.items() if c != "id"})
        for r in self.edges.to_dict("records"):
            s, t = r.pop("source"), r.pop("target")
            if s not in g:
                g.add_node(s, kind="item")
            if t not in g:
                g.add_node(t, kind=self.key_kind)
            g.add_edge(s, t, **r)
        return g

    def to_payload(self, *, threshold: float = 0.0, max_edges: int | None = 5000, title: str | None = None) -> dict:
        """The versioned graph MIME payload (``application/vnd.attn-team.graph+json``).

        Parameters
        ----------
        threshold : float, default=0.0
            Keep edges with ``weight >= threshold``.
        max_edges : int or None, default=5000
            Keep at most this many edges (highest weight first).
        title : str, optional
        """
        e = self.edges[self.edges["weight"] >= threshold].sort_values("weight", ascending=False)
        if max_edges is not None:
            e = e.head(max_edges)
        e = e.assign(kind="suggested" if self.to == "items" else self.to)
        used = set(e["source"]) | set(e["target"])
        nodes = self.nodes if self.nodes is not None else pd.DataFrame({"id": sorted(used)})
        nodes = nodes[nodes["id"].isin(used)]
        return graph_payload(nodes, e, title=title or f"attention to {self.to}", threshold=threshold,
                             heads=tuple(self.heads), extra_meta={"k": self.k, "to": self.to})

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return graph_mimebundle(self.to_payload(max_edges=2000), plain=repr(self))

    def _repr_html_(self) -> str:
        cols = ["source", "target", "weight", *self.heads, "reason"]
        return (f"<div class='attn-team-attention'><strong>{html.escape(repr(self))}</strong>"
                + table_html(self.edges.sort_values("weight", ascending=False)[cols], max_rows=25) + "</div>")


def _isna(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
