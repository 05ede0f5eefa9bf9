"""One attention result for one backlog, which every insight and view reads.

A :class:`BacklogAttention` holds a backlog and a :class:`~attn_team.CrossAttention` (fitted or
not). It computes the item, member and history attention lazily, once per ``(to, k)``, and a
question about a few items (:meth:`BacklogAttention.attend_queries`) attends for those items
only. It never fits by itself: :meth:`BacklogAttention.fit` is the one explicit place where a
model is trained for a backlog.

:func:`resolve_attention` turns whatever a user passes as ``attention=`` (``None``, a model, a
result, an ``Attention``, an edges DataFrame or a mapping ``{"items": ..., ...}``) into edges, for
every insight and view. ``None`` means the *untrained* model, never a silent fit.

:func:`workspace_attention` keeps a fitted result in a workspace (the model's weights and the
item attention), so later commands on an unchanged workspace reload it instead of fitting.
"""

from __future__ import annotations

import hashlib
import io
import logging
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._heads import HEADS
from ._result import Attention, unread_context

__all__ = ["BacklogAttention", "as_backlog_attention", "resolve_attention", "attention_edges", "workspace_attention", "DEFAULT_K"]

log = logging.getLogger(__name__)

#: Keys kept per query when nobody says otherwise (insights, views and the command line alike).
DEFAULT_K = 20
_TO = ("items", "members", "history")

# backlog -> model -> memo of results: (to, k) -> Attention. Weak on both keys; values hold no
# reference to either, so results live as long as their backlog and model do.
_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# backlog -> the untrained model used for it when attention=None
_UNTRAINED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _memo_for(backlog, model) -> dict:
    per = _MEMO.setdefault(backlog, weakref.WeakKeyDictionary())
    return per.setdefault(model, {})


def _truncate(att: Attention, k: int) -> Attention:
    """The top ``k`` keys per query of a result computed with more (the weights stay exact)."""
    if att.k <= k:
        return att
    e = att.edges
    order = e.sort_values(["source", "score"], ascending=[True, False], kind="stable")
    keep = order.groupby("source", sort=False).head(k).sort_index()
    return Attention(edges=keep.reset_index(drop=True), to=att.to, k=k, heads=att.heads, context=unread_context(att),
                     query_keys=att.query_keys, lse=att.lse, temperature=att.temperature, nodes=att.nodes,
                     key_kind=att.key_kind)


def _as_result(att, to: str, k: int) -> Attention:
    """A model's answer as an :class:`Attention` (a user's model may return an edges table)."""
    if isinstance(att, Attention):
        return att
    edges = att.edges if hasattr(att, "edges") else att
    if not isinstance(edges, pd.DataFrame):
        raise TypeError(f"the model's attend() returned {type(att).__name__}, not an Attention or an edges DataFrame")
    return Attention(edges=edges, to=to, k=k, heads=tuple(h for h in HEADS if h in edges.columns))


def _check_to(to: str) -> None:
    if to not in _TO:
        raise ValueError(f"to must be 'items', 'members' or 'history', not {to!r}")


class BacklogAttention:
    """A backlog and the attention model that reads it: one result, computed lazily and once.

    Parameters
    ----------
    backlog : Backlog
    model : CrossAttention, optional
        Fitted or not (unfitted: the untrained weights). Default: ``CrossAttention(random_state=0)``,
        untrained. Nothing is fitted here; use :meth:`fit` for that.

    Attributes
    ----------
    backlog : Backlog
    model : CrossAttention

    Examples
    --------
    >>> import attn_team
    >>> attn = attn_team.BacklogAttention.fit(backlog, random_state=0)       # doctest: +SKIP
    >>> attn.attend("items").edges.head()                                     # doctest: +SKIP
    >>> attn_team.who_to_involve(backlog, "PAY-12", attention=attn)         # doctest: +SKIP
    """

    __slots__ = ("_backlog", "_model", "__weakref__")

    def __init__(self, backlog, model=None):
        if model is None:
            from ._model import CrossAttention

            model = CrossAttention(random_state=0)
        self._backlog = backlog
        self._model = model

    @classmethod
    def fit(cls, backlog, *, exclude_links=None, **params) -> BacklogAttention:
        """Fit a :class:`~attn_team.CrossAttention` with ``params`` on ``backlog`` and return its result.

        ``exclude_links`` are never trained on (e.g. links held out for evaluation).
        """
        from ._model import CrossAttention

        return cls(backlog, CrossAttention(**params).fit(backlog, exclude_links=exclude_links))

    @classmethod
    def untrained(cls, backlog) -> BacklogAttention:
        """The untrained model's result for ``backlog`` (one per backlog, so its attention is computed once)."""
        model = _UNTRAINED.get(backlog)
        if model is None:
            from ._model import CrossAttention

            model = _UNTRAINED[backlog] = CrossAttention(random_state=0)
        return cls(backlog, model)

    # -- read-only state ---------------------------------------------------------------
    @property
    def backlog(self):
        return self._backlog

    @property
    def model(self):
        return self._model

    @property
    def fitted(self) -> bool:
        """Whether the model was fitted (else it attends with the untrained weights)."""
        return getattr(self._model, "mixer_", None) is not None

    def for_backlog(self, backlog) -> BacklogAttention:
        """The same model's result for another backlog (for example a filtered one); nothing is fitted."""
        return self if backlog is self._backlog else BacklogAttention(backlog, self._model)

    def __repr__(self) -> str:
        state = "fitted" if self.fitted else "untrained"
        done = sorted(f"{to}@{k}" for to, k in _memo_for(self._backlog, self._model))
        return (f"BacklogAttention({state}, items={self._backlog.n_items}, "
                f"computed={done if done else 'nothing yet'})")

    # -- attention ---------------------------------------------------------------------
    def attend(self, to: str = "items", k: int = DEFAULT_K, *, category: str | None = None) -> Attention:
        """Every item's attention towards ``to``, top ``k`` keys per item (computed once, then memoised).

        ``category`` ranks with that link category's mixture (a fitted typed model; see
        :class:`~attn_team.CrossAttention`), memoised apart from the shared ranking.
        """
        _check_to(to)
        if category is not None:
            memo = _memo_for(self._backlog, self._model)
            key = (f"{to}|{category}", k)
            if key not in memo:
                memo[key] = _as_result(self._model.attend(self._backlog, to=to, k=k, category=category), to, k)
            return memo[key]
        memo = _memo_for(self._backlog, self._model)
        if (to, k) in memo:
            return memo[(to, k)]
        bigger = sorted(kk for (t, kk) in memo if t == to and kk > k)
        if bigger:
            att = _truncate(memo[(to, bigger[0])], k)
        else:
            att = _as_result(self._model.attend(self._backlog, to=to, k=k), to, k)
        memo[(to, k)] = att
        return att

    def attend_queries(self, keys: Iterable[str], to: str = "items", k: int = DEFAULT_K, *,
                       category: str | None = None) -> Attention:
        """Attention of the items ``keys`` only (the whole backlog stays the key set).

        Uses the memoised whole-backlog result when there is one (unless the model re-scores
        questions about some items with MiniLM, ``CrossAttention(rescore=...)``); otherwise attends
        for these queries alone, so one item's question costs one row of the score matrix, not all of it.
        """
        _check_to(to)
        keys = [str(x) for x in keys]
        memo = _memo_for(self._backlog, self._model)
        memo_to = to if category is None else f"{to}|{category}"
        if category is not None and not any(t == memo_to and kk >= k for (t, kk) in memo):
            return _as_result(self._model.attend(self._backlog, to=to, k=k, queries=keys, category=category), to, k)
        have = sorted(kk for (t, kk) in memo if t == memo_to and kk >= k)
        if have and to == "items" and len(keys) < len(self._backlog.items):
            depth = self._model._rescorer(self._backlog, len(keys))[0]
            if depth:  # the whole pass is on the static vectors: these queries are re-scored (_rescore)
                wide = [kk for kk in have if kk >= max(depth, k)]
                if wide:  # its kept keys are the candidates: no top-k pass (nor an index) for a question
                    e = _truncate(memo[(memo_to, wide[0])], max(depth, k)).edges
                    e = e[e["source"].isin(set(keys))]
                    per = e.sort_values("score", ascending=False, kind="stable").groupby("source", sort=False)["target"]
                    cand = per.apply(list).to_dict()
                    return _as_result(self._model._attend_given(self._backlog, keys, [cand.get(q, []) for q in keys],
                                                                k, category=category), to, k)
                have = []
        if have:
            att = _truncate(memo[(to, have[0])], k)
            e = att.edges[att.edges["source"].isin(set(keys))].reset_index(drop=True)
            return Attention(edges=e, to=to, k=k, heads=att.heads, temperature=att.temperature, nodes=att.nodes,
                             key_kind=att.key_kind, query_keys=np.asarray(keys, dtype=object))
        return _as_result(self._model.attend(self._backlog, to=to, k=k, queries=keys), to, k)

    def computed(self, to: str = "items", k: int = DEFAULT_K) -> bool:
        """Whether the whole backlog's attention towards ``to`` (at least ``k`` keys) is already computed."""
        return any(t == to and kk >= k for (t, kk) in _memo_for(self._backlog, self._model))

    def computed_k(self, to: str = "items") -> int | None:
        """The largest ``k`` of the whole backlog's attention towards ``to`` computed so far (``None``: none yet).

        A result reloaded from a workspace counts: a report on a workspace whose attention was kept
        at ``k=5`` reads those edges instead of computing ``k=20`` again.
        """
        ks = [kk for (t, kk) in _memo_for(self._backlog, self._model) if t == to]
        return max(ks) if ks else None

    def resolved_k(self, k: int | None = None, to: str = "items") -> int:
        """``k`` itself when given; else the ``k`` already computed (:meth:`computed_k`), else :data:`DEFAULT_K`.

        What insights and views ask for when nobody chose a ``k``: a result in hand is read, not
        computed again at another ``k``.
        """
        if k is not None:
            return int(k)
        return self.computed_k(to) or DEFAULT_K

    def edges(self, to: str = "items", k: int = DEFAULT_K, *, queries: Iterable[str] | None = None) -> pd.DataFrame:
        """The edges of :meth:`attend` (or of :meth:`attend_queries` when ``queries`` are given)."""
        att = self.attend(to, k) if queries is None else self.attend_queries(queries, to, k)
        return att.edges

    def _store(self, to: str, k: int, att: Attention) -> None:
        _memo_for(self._backlog, self._model)[(to, k)] = att

    # -- display ------------------------------------------------------------------------
    def weights(self) -> pd.DataFrame:
        """Head weights (and, when fitted, the training summary) as a small table."""
        m = self._model
        if self.fitted:
            hw = m.head_weights_
        else:
            from ._mixer import DEFAULT_HEAD_WEIGHTS

            hw = {h: (DEFAULT_HEAD_WEIGHTS[h] if h in m.heads else 0.0) for h in HEADS}
        return pd.DataFrame({"head": list(hw), "weight": [float(v) for v in hw.values()]})

    def _repr_html_(self) -> str:
        import html

        from .._display import table_html

        state = "fitted on this backlog's links" if self.fitted else "untrained (default weights)"
        return (f"<div class='attn-team-attention'><strong>BacklogAttention</strong>: "
                f"{html.escape(state)}, {self._backlog.n_items:,} items{table_html(self.weights())}</div>")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": repr(self), "text/html": self._repr_html_()}


def as_backlog_attention(backlog, attention: Any = None) -> BacklogAttention | None:
    """``attention`` as a :class:`BacklogAttention` of ``backlog`` when it is one, a model or ``None``; else ``None``."""
    if attention is None:
        return BacklogAttention.untrained(backlog)
    if isinstance(attention, BacklogAttention):
        return attention.for_backlog(backlog)
    if not isinstance(attention, (pd.DataFrame, Mapping)) and callable(getattr(attention, "attend", None)) \
            and not hasattr(attention, "edges"):
        return BacklogAttention(backlog, attention)  # a model (fitted or not), used as it is
    return None


def _kind_of(result: Any) -> str | None:
    for attr in ("to", "kind", "key_set"):
        v = getattr(result, attr, None)
        if isinstance(v, str):
            return v
    return None


def resolve_attention(backlog, attention: Any = None, *, to: str = "items", k: int | None = DEFAULT_K,
                      queries: Iterable[str] | None = None, category: str | None = None) -> pd.DataFrame:
    """Attention edges of ``backlog`` towards ``to`` from whatever ``attention`` is.

    Parameters
    ----------
    backlog : Backlog
    attention : None, BacklogAttention, CrossAttention, Attention, DataFrame or mapping
        ``None``: the untrained model (never a silent fit); a :class:`BacklogAttention` (of this
        backlog or, with the same model, of another); a ``CrossAttention`` (fitted or not,
        used as it is); an ``Attention`` result or an edges DataFrame (used as they are; they must
        be attention towards ``to``); a mapping ``{"items": ..., "members": ..., "history": ...}``
        picks ``attention[to]``.
    to : {"items", "members", "history"}
    k : int or None, default=20
        Keys kept per query when attention is computed here; ``None``: the ``k`` already computed
        for the whole backlog, else 20 (:meth:`BacklogAttention.resolved_k`).
    queries : list of str, optional
        Only these query items (attended for alone when computed here; precomputed tables are
        filtered).
    category : str, optional
        Rank with this link category's mixture when the model has one (computed here only;
        precomputed tables are used as they are).

    Returns
    -------
    DataFrame
        ``source, target, weight, score, reason`` and one column per head.
    """
    _check_to(to)
    if isinstance(attention, Mapping):
        if to not in attention:
            raise ValueError(f"attention mapping has no entry for {to!r} (has {sorted(attention)})")
        attention = attention[to]
    bound = as_backlog_attention(backlog, attention)
    if bound is not None:
        attention = bound
        k = bound.resolved_k(k, to)
        att = (attention.attend(to, k, category=category) if queries is None
               else attention.attend_queries(queries, to, k, category=category))
        edges = att.edges
    else:
        kind = _kind_of(attention)
        if kind is not None and kind != to:
            raise ValueError(f"this attention result is towards {kind!r}, but {to!r} is needed; pass a "
                             "BacklogAttention or a mapping {'items': ..., 'members': ...}")
        edges = attention.edges if hasattr(attention, "edges") else attention
        if not isinstance(edges, pd.DataFrame):
            raise TypeError("attention must be a BacklogAttention, a CrossAttention, an Attention, a DataFrame "
                            f"or a mapping, not {type(attention).__name__}")
    missing = [c for c in ("source", "target", "weight") if c not in edges.columns]
    if missing:
        raise ValueError(f"attention edges lack column(s) {missing}; expected source, target, weight, score, "
                         "reason plus one column per head")
    # with copy-on-write (pandas 3, or switched on) a shallow copy: the caller's table (or the
    # memoised result, 5M rows at 1M items) is not copied, and still not changed by what the
    # caller does with the result; earlier pandas writes through shallow copies, so copy there
    edges = edges.copy(deep=not _copy_on_write())
    if "score" not in edges.columns:
        edges["score"] = edges["weight"]
    if "reason" not in edges.columns:
        edges["reason"] = pd.Series([None] * len(edges), dtype="string")
    edges["source"] = edges["source"].astype("string")
    edges["target"] = edges["target"].astype("string")
    edges["weight"] = pd.to_numeric(edges["weight"], errors="coerce").astype(float)
    edges["score"] = pd.to_numeric(edges["score"], errors="coerce").astype(float)
    if queries is not None:
        edges = edges[edges["source"].isin({str(q) for q in queries})].reset_index(drop=True)
    return edges


def _copy_on_write() -> bool:
    """Whether pandas copies on write (always from 3.0; an option before)."""
    return int(pd.__version__.split(".")[0]) >= 3 or pd.get_option("mode.copy_on_write") is True


#: the name insights have always used
attention_edges = resolve_attention


# -- keeping a fitted result in a workspace ------------------------------------------------------

_MODEL_FRAME = "attention_model"
_EDGES_FRAME = "attention_items"


def _state_frame(model) -> pd.DataFrame:
    from ._mixer import mixer_state

    rows = []
    for name, arr in mixer_state(model.mixer_).items():
        buf = io.BytesIO()
        np.save(buf, np.asarray(arr), allow_pickle=False)
        rows.append({"name": name, "array": buf.getvalue()})
    extra = {"best_epoch_": model.best_epoch_, "n_train_links_": model.n_train_links_,
             "n_assignment_pairs_": model.n_assignment_pairs_, "selected_": getattr(model, "selected_", "fitted")}
    for c, m in getattr(model, "category_mixers_", {}).items():
        for name, arr in mixer_state(m).items():
            extra[f"category_mixer|{c}|{name}"] = arr
    clf = getattr(model, "category_model_", None)
    if clf is not None:
        for name, arr in clf.state().items():
            extra[f"category_model|{name}"] = arr
    for name, v in extra.items():
        buf = io.BytesIO()
        np.save(buf, np.asarray(v), allow_pickle=False)
        rows.append({"name": name, "array": buf.getvalue()})
    return pd.DataFrame(rows)


def _model_from_frame(frame: pd.DataFrame, params: dict):
    from ._mixer import mixer_from_state
    from ._model import CrossAttention

    arrays = {str(n): np.load(io.BytesIO(bytes(b)), allow_pickle=False) for n, b in zip(frame["name"], frame["array"])}
    extra = {n: arrays.pop(n) for n in ("best_epoch_", "n_train_links_", "n_assignment_pairs_", "selected_")
             if n in arrays}
    cat_mixers: dict = {}
    cat_model: dict = {}
    for n in [n for n in arrays if n.startswith("category_")]:
        arr = arrays.pop(n)
        if n.startswith("category_mixer|"):
            _, c, name = n.split("|", 2)
            cat_mixers.setdefault(c, {})[name] = arr
        else:
            cat_model[n.split("|", 1)[1]] = arr
    model = CrossAttention(**params)
    model._set_fitted(mixer_from_state(arrays, model.heads))
    for n, v in extra.items():
        setattr(model, n, str(v) if n == "selected_" else int(v))
    model.category_mixers_ = {c: mixer_from_state(st, model.heads) for c, st in cat_mixers.items()}
    if cat_model:
        from ._typed import CategoryModel

        model.category_model_ = CategoryModel.from_state(cat_model)
    else:
        model.category_model_ = None
    model.history_ = []
    return model


def _workspace_key(ws, backlog, params: dict, k: int) -> str:
    from .. import __version__

    snaps = ws.snapshots()
    # the heads are part of the key: weights stored for another set of heads never load; where the
    # work runs (engine, scheduler) does not change the result, so it is not part of it; nor does a
    # fit on the vectors of an earlier static recipe
    recipe = None
    if params.get("embedder") in ("static", "auto"):
        from .._static_embed import ADAPT_RECIPE

        recipe = ADAPT_RECIPE
    ident = repr((__version__, tuple(HEADS), recipe, sorted((n, repr(v)) for n, v in params.items()
                                                    if n not in ("cache", "progress", "engine", "scheduler")), k,
                  backlog.n_items, [(int(r.snapshot_id), list(r.file_hashes)) for r in snaps.itertuples()]))
    return hashlib.sha1(ident.encode("utf-8")).hexdigest()


def workspace_attention(ws, backlog=None, *, refit: bool = False, progress: bool = True, k: int = DEFAULT_K,
                        fit: bool = True, **params) -> BacklogAttention:
    """The fitted attention result of a workspace's backlog, kept in the workspace.

    The first call fits a :class:`~attn_team.CrossAttention` (``random_state=0`` unless given)
    on the backlog (the workspace doubles as the embedding cache) and stores the model's weights
    and the item attention (top ``k``); later calls on an unchanged workspace (same snapshots,
    library version and parameters) reload both instead of fitting. ``refit=True`` fits again;
    ``fit=False`` uses the untrained weights (nothing stored).
    """
    if backlog is None:
        backlog = ws.backlog()
    params = {"random_state": 0, **params}
    from ._model import CrossAttention

    if not fit:
        return BacklogAttention(backlog, CrossAttention(cache=ws, progress=progress, **params))
    if ws is None:  # no workspace to keep it in: simply fit (and attend, as every command needs it)
        result = BacklogAttention.fit(backlog, progress=progress, **params)
        result.attend("items", k)
        return result
    key = _workspace_key(ws, backlog, params, k)
    if not refit:
        edges = ws.load_frame(_EDGES_FRAME, key)
        if edges is not None:
            frame = ws.load_frame(_MODEL_FRAME, key)
            restore = {**params, "cache": ws, "progress": progress}
            model = _model_from_frame(frame, restore) if frame is not None else CrossAttention(**restore)
            result = BacklogAttention(backlog, model)
            result._store("items", k, Attention(edges=edges, to="items", k=k, heads=HEADS,
                                                temperature=getattr(model, "temperature_", 1.0)))
            log.info("attention reloaded from the workspace (no fit)")
            return result
    log.info("fitting attention on %d items (kept in the workspace for later commands)", backlog.n_items)
    result = BacklogAttention.fit(backlog, cache=ws, progress=progress, **params)
    edges = result.attend("items", k).edges
    if getattr(ws, "read_only", False):
        return result
    if result.fitted:
        ws.store_frame(_MODEL_FRAME, key, _state_frame(result.model))
    ws.store_frame(_EDGES_FRAME, key, edges)
    return result
