"""``BacklogExplorer``: ask in plain words, see the items that attend to the question, and for the
selected item its suggested dependencies, people to involve and similar history, linked to the graph."""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._display import VIEW_MIME, table_html
from ..attention._fitted import DEFAULT_K
from ._graph import AttentionGraph

__all__ = ["BacklogExplorer", "query_attention"]

log = logging.getLogger(__name__)


def query_attention(query_vector: np.ndarray, item_vectors: np.ndarray, *, temperature: float = 0.05,
                    top: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Attention of one query over the items: softmax of scaled cosine similarities.

    Returns ``(rows, weights, similarities)`` for the ``top`` items, strongest first; weights
    are the softmax over *all* items (so they say how much of the attention the item takes).
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    if len(item_vectors) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
    sims = item_vectors @ np.asarray(query_vector, dtype=item_vectors.dtype).reshape(-1)
    z = sims / temperature
    w = np.exp(z - z.max())
    w /= w.sum()
    order = np.argsort(-w, kind="stable")[:top]
    return order, w[order], sims[order]


class BacklogExplorer:
    """Search a backlog in plain words and explore the selected item, linked to an attention graph.

    Parameters
    ----------
    backlog : Backlog
    attention : BacklogAttention, CrossAttention, Attention or mapping, optional
        A :class:`~attn_team.BacklogAttention` (used for the graph and every insight; a
        ``CrossAttention`` is used the same way), an item :class:`~attn_team.Attention` result
        (graph only; insights then use the untrained model), or a mapping ``{"items": ..., "members": ..., "history": ...}`` of results or edge tables.
        ``None``: the untrained model (nothing is fitted here; pass a fitted
        :class:`~attn_team.BacklogAttention` for the learned one).
    embedder : Embedder, optional
        Encodes the question and the items (default: ``Embedder(progress=False)``).
    k : int, default=20
        Keys per item (graph and insights).
    top : int, default=10
        Items listed per question.
    temperature : float, default=0.05
        Softmax temperature of the question's attention over items.
    threshold : float, default=0.0
        Starting graph threshold.

    Attributes
    ----------
    graph : AttentionGraph
    results : DataFrame
        The last search: ``rank, key, summary, team, status, weight, similarity``.
    selected : str or None
        The selected item (from the result list or a click in the graph).
    details : dict of DataFrame
        For the selected item: ``"dependencies"``, ``"people"``, ``"history"``.
    widget : ipywidgets.VBox
    """

    def __init__(self, backlog: Any, *, attention: Any = None, embedder: Any = None, k: int = DEFAULT_K,
                 top: int = 10, temperature: float = 0.05, threshold: float = 0.0) -> None:
        import ipywidgets as W

        from ..attention._fitted import BacklogAttention

        self.backlog = backlog
        self.top = top
        self.k = k
        self.temperature = temperature
        self._embedder = embedder
        self._item_vectors: np.ndarray | None = None
        if attention is None:
            # never a silent fit: the untrained model (pass a fitted BacklogAttention for the learned one)
            from ..attention._model import CrossAttention

            attention = BacklogAttention(backlog, CrossAttention(k=k, random_state=0, embedder=embedder))
        elif not isinstance(attention, (BacklogAttention, Mapping, pd.DataFrame)) and hasattr(attention, "get_params"):
            attention = BacklogAttention(backlog, attention)
        if isinstance(attention, BacklogAttention):
            attention = attention.for_backlog(backlog)
        self.attention = attention
        if isinstance(attention, Mapping):
            item_result = attention["items"]
        elif isinstance(attention, BacklogAttention):
            item_result = attention.attend("items", k)
        else:
            item_result = attention
        self.graph = AttentionGraph(item_result, backlog=backlog, threshold=threshold,
                                    title="Item attention (click an item)")
        self.results = pd.DataFrame(columns=["rank", "key", "summary", "team", "status", "weight", "similarity"])
        self.selected: str | None = None
        self.details: dict[str, pd.DataFrame] = {}
        self._keys = set(backlog.items["key"].astype(str))

        self.query = W.Text(placeholder="Ask in plain words, e.g. 'token refresh fails on mobile'",
                            description="Question", continuous_update=False, layout=W.Layout(width="60%"))
        self.result_list = W.Select(options=[], rows=8, description="Items", layout=W.Layout(width="45%"))
        self.detail_html = W.HTML(value="<i>Select an item to see its dependencies, people and history.</i>",
                                  layout=W.Layout(width="55%", max_height="420px", overflow="auto"))
        self.status = W.HTML()
        self.query.observe(lambda ch: self.search(ch["new"]), names="value")
        self.result_list.observe(lambda ch: ch["new"] and self.select(ch["new"]), names="value")
        self.graph.observe(self._on_graph_select, names="selected")
        self.widget = W.VBox([W.HBox([self.query, self.status]), W.HBox([self.result_list, self.detail_html]),
                              self.graph.widget])

    # ---- search -------------------------------------------------------------
    def _vectors(self) -> np.ndarray:
        if self._item_vectors is None:
            from ..attention._fitted import BacklogAttention
            from ..embed import Embedder, item_text

            if isinstance(self.attention, BacklogAttention):
                # the model already embedded these items (computed once per backlog): reuse its vectors
                model = self.attention.model
                self._item_vectors = np.asarray(model.item_features(self.backlog).embeddings, dtype=np.float32)
                if self._embedder is None:  # the embedder that made those vectors (a static model's map included)
                    self._embedder = model.item_embedder(self.backlog)
                return self._item_vectors
            if self._embedder is None:
                self._embedder = Embedder(progress=False)
            texts = item_text(self.backlog.items)
            self._item_vectors = np.asarray(self._embedder.encode(texts), dtype=np.float32)
        return self._item_vectors

    def search(self, query: str) -> pd.DataFrame:
        """Items that attend to ``query`` most (softmax over all items), strongest first."""
        query = (query or "").strip()
        self._last_query = query
        if not query:
            self.results = self.results.iloc[0:0]
            self.result_list.options = []
            self.graph.highlight = []
            return self.results
        vecs = self._vectors()
        q = np.asarray(self._embedder.encode([query]), dtype=np.float32)[0]
        rows, weights, sims = query_attention(q, vecs, temperature=self.temperature, top=self.top)
        items = self.backlog.items.iloc[rows]
        self.results = pd.DataFrame({
            "rank": np.arange(1, len(rows) + 1), "key": items["key"].astype(str).to_numpy(),
            "summary": items["summary"].to_numpy(), "team": items["team"].to_numpy(),
            "status": items["status"].to_numpy(), "weight": weights, "similarity": sims})
        # option labels are plain text in the front end (never HTML)
        self.result_list.options = [
            (f"{r.key} · {r.team if isinstance(r.team, str) else '-'} · {r.summary if isinstance(r.summary, str) else ''}"[:120],
             r.key) for r in self.results.itertuples()]
        self.graph.highlight = list(self.results["key"])
        self.status.value = f"<span>{len(self.results)} items for “{html.escape(query)}”</span>"
        return self.results

    # ---- selection ----------------------------------------------------------
    def _on_graph_select(self, change: dict) -> None:
        key = change["new"]
        if key and key in self._keys and key != self.selected:
            self.select(key)

    def select(self, key: str) -> dict[str, pd.DataFrame]:
        """Select an item: compute its dependencies, people and similar history; sync the graph."""
        from ..insights._dependencies import suggest_dependencies
        from ..insights._history import similar_history
        from ..insights._people import who_to_involve

        if key not in self._keys:
            raise KeyError(f"item {key!r} is not in the backlog")
        self.selected = key
        if self.graph.selected != key:
            self.graph.selected = key
        # this item's questions only: its own row of attention, never the whole backlog again
        deps = suggest_dependencies(self.backlog, attention=self.attention, top=None, k=self.k, queries=[key])
        deps = deps[(deps["source"].astype(str) == key) | (deps["target"].astype(str) == key)].head(10)
        self.details = {
            "dependencies": deps.reset_index(drop=True),
            "people": who_to_involve(self.backlog, key, attention=self.attention, k=self.k),
            "history": similar_history(self.backlog, key, attention=self.attention, k=self.k),
        }
        self.detail_html.value = self.details_html()
        return self.details

    _DETAIL_COLUMNS = {"dependencies": ["source", "target", "score", "reason"],
                       "people": ["display_name", "team", "score", "reason"],
                       "history": ["key", "summary", "score", "cycle_time_days"]}
    _DETAIL_TITLES = {"dependencies": "Suggested dependencies", "people": "People to involve",
                      "history": "Similar history"}
    _RESULT_COLUMNS = ["rank", "key", "team", "summary", "weight"]

    def _detail_frames(self) -> list[tuple[str, pd.DataFrame]]:
        """(title, table) for the selected item's details, the columns that matter first."""
        out = []
        for name, df in self.details.items():
            df = df.loc[:, ~df.columns.duplicated()]
            wanted = [c for c in self._DETAIL_COLUMNS[name] if c in df.columns]
            if name == "people" and "display_name" not in df.columns and "person" in df.columns:
                wanted.insert(0, "person")
            out.append((self._DETAIL_TITLES[name], df[wanted] if wanted else df))
        return out

    def details_html(self) -> str:
        """The details of the selected item as self-contained, escaped HTML."""
        if self.selected is None:
            return ""
        item = self.backlog.item(self.selected)
        summary = item.get("summary") if hasattr(item, "get") else ""
        parts = [f"<h4>{html.escape(self.selected)}: {html.escape(str(summary or ''))}</h4>"]
        for title, show in self._detail_frames():
            parts.append(table_html(show, title=title, max_rows=8) if len(show) else
                         f"<p><b>{title}</b>: none</p>")
        return "".join(parts)

    def fallback(self) -> dict:
        """What a saved notebook shows when the widget model is gone: the last search, the selected
        item's details and the graph as drawn (plain data; the front end sets it as text)."""
        def table(title: str, df: pd.DataFrame, max_rows: int = 10) -> dict:
            data = json.loads(df.head(max_rows).to_json(orient="split", index=False, default_handler=str))
            return {"title": title, "columns": [str(c) for c in data["columns"]], "rows": data["data"]}

        query = getattr(self, "_last_query", "") or self.query.value.strip()
        tables = []
        if len(self.results):
            cols = [c for c in self._RESULT_COLUMNS if c in self.results.columns]
            tables.append(table(f"Items for \u201c{query}\u201d" if query else "Items", self.results[cols]))
        if self.selected is not None:
            for title, df in self._detail_frames():
                tables.append(table(f"{self.selected}: {title}", df, 8))
        payload = self.graph.to_payload()
        drawn = self.graph.visible_edges()
        keep = set(zip(drawn["source"].astype(str), drawn["target"].astype(str)))
        payload = {**payload, "edges": [e for e in payload["edges"] if (e["source"], e["target"]) in keep]}
        return {"title": "Backlog explorer (saved)", "tables": tables, "graph": payload,
                "note": "The saved state of the explorer; run the notebook to search and select again."}

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        wb = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        if isinstance(wb, tuple):
            wb = wb[0]
        fb = self.fallback()
        results = table_html(self.results, title="Items", max_rows=10) if len(self.results) else ""
        fallback_html = (f"<div class='attn-team-explorer'><strong>{html.escape(fb['title'])}</strong>"
                         f"{results}{self.details_html()}</div>")
        return {**wb, "text/html": fallback_html, "text/plain": repr(self),
                VIEW_MIME: {"version": 1, "kind": "explorer", "widget": self.graph.widget._uid,
                            "model_id": self.widget.model_id, "fallback": fb}}

    def __repr__(self) -> str:
        return f"BacklogExplorer({len(self.backlog.items)} items, selected={self.selected!r})"
