"""Multi-head sparse cross-attention between work items, members and sprint history.

:class:`CrossAttention` is a scikit-learn estimator (:class:`sklearn.base.BaseEstimator`)
around a small :class:`torch.nn.Module` (:class:`~attn_team.attention._mixer.HeadMixer`).
Queries are work items; keys and values are other items, members (people, attention-pooled
over the items they worked on) or history (resolved items and items of closed sprints).

The work is split by job: features per head (:mod:`._features`), the learnable mixer
(:mod:`._mixer`), training (:mod:`._training`), scoring and the top-k pass (:mod:`._scoring`),
explanations (:mod:`._explain`). One fitted result for one backlog, which every insight and
view reads, is :class:`~attn_team.attention._fitted.BacklogAttention`.
"""

from __future__ import annotations

import logging
import math
import numbers
import weakref

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from .._heads import GROUPS, HEADS
from .._memory import release_memory
from ._features import ItemFeatures, build_item_features, with_links
from ._metrics import mean_reciprocal_rank, ranks_from_scores
from ._mixer import HeadMixer, mixer_for
from ._result import Attention
from ._scoring import TO, attend_features, score_rows
from ._training import link_pairs, pair_set, train

__all__ = ["CrossAttention", "HeadMixer", "attend", "NotFittedError", "link_pairs", "item_features", "item_embedder"]

log = logging.getLogger(__name__)

# backlog -> embedder key -> ItemFeatures. Keyed weakly by the backlog, so features live as long as
# the backlog does; the values hold no reference back to the backlog or to any model.
_FEATURES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# backlog -> embedder key -> the Embedder that made its features (its per-backlog state, e.g. the
# static model's learned map, serves later queries such as search)
_EMBEDDERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def item_features(backlog, *, embedder=None, cache=None, progress: bool = False, engine: str = "local",
                  scheduler=None) -> ItemFeatures:
    """The per-head item features of ``backlog`` (text embeddings included), computed once per backlog and embedder.

    ``embedder``: ``None``/``"minilm"``, ``"static"``, ``"auto"``, an :class:`~attn_team.Embedder` or an
    object with ``encode`` (see :func:`attn_team._static_embed.resolve_embedder`).  A name is keyed by
    the model it resolves to, an object by its identity. ``engine="dask"`` embeds the texts the cache
    misses on the Dask cluster of ``scheduler`` (for a default or plain-model embedder; an
    :class:`~attn_team.Embedder` keeps its own engine).
    """
    from .._static_embed import resolve_embedder
    from ..embed import embed_items

    key, emb = resolve_embedder(embedder, n_items=len(backlog.items), cache=cache, progress=progress, engine=engine,
                                scheduler=scheduler)
    per = _FEATURES.setdefault(backlog, {})
    if key not in per:
        E = embed_items(backlog, embedder=emb, cache=cache)
        per[key] = build_item_features(backlog.items, E)
        _EMBEDDERS.setdefault(backlog, {})[key] = emb
        del E
        release_memory("embedding")
    return per[key]


def item_embedder(backlog, *, embedder=None, cache=None):
    """The :class:`~attn_team.Embedder` whose vectors :func:`item_features` holds for ``backlog`` (computing them if needed)."""
    from .._static_embed import resolve_embedder

    item_features(backlog, embedder=embedder, cache=cache)
    key, _ = resolve_embedder(embedder, n_items=len(backlog.items), cache=cache)
    return _EMBEDDERS[backlog][key]


class CrossAttention(BaseEstimator):
    """Multi-head sparse cross-attention of work items over items, members or sprint history.

    Parameters
    ----------
    k : int, default=20
        Keys kept per query (sparse top-k).
    heads : tuple of str, default=("text", "structure", "people", "time", "graph")
        Active heads; a head left out contributes zero (its column stays, all zeros). The
        ``graph`` head reads the backlog's existing links (items linked to the same items) and
        never the links excluded at fit or scoring time.
    head_weights : dict, default=None
        Untrained head weights overriding ``DEFAULT_HEAD_WEIGHTS`` (also the
        starting point of ``fit``).
    embedder : {None, "minilm", "static", "auto"}, Embedder or object with ``encode``, default=None
        Text embedder.  ``None``/``"minilm"``: the packaged MiniLM.  ``"static"``: the static
        model distilled once from it, its word-piece vectors moved to MiniLM's outputs in context
        on about 500 of the backlog's texts and mapped into MiniLM space (50-96x MiniLM's cold
        start at 100,000 items; fitted MRR 4-6% below MiniLM's on the dev sets for a
        whole-backlog pass, within 2% for questions about some items with ``rescore``;
        ``benchmarks/RESULTS.md``;
        ``pip install attn-team[scale]``).  ``"auto"``: ``"static"`` from
        ``AUTO_STATIC_ITEMS`` (20,000) items on.  An ``attn_team.Embedder``, or a plain model
        object with ``encode(texts, ...)`` (wrapped in one).
    cache : None, path or object, default=None
        Embedding cache (a directory or a :class:`~attn_team.Workspace`).
    max_epochs : int, default=40
        Training epochs at most (0: keep the untrained weights).
    batch_size : int, default=128
        Link pairs per training step.
    learning_rate : float, default=0.03
        Adam learning rate of the head/group weights and temperature (the text
        projections use a tenth of it).
    projection_decay : float, default=1.0
        Penalty on ``||W - I||^2`` keeping the projections near identity.
    n_negatives : int, default=96
        Negatives per training pair besides the in-batch ones (half hard, half random).
    validation_fraction : float, default=0.15
        Share of the training links kept for early stopping.
    patience : int, default=4
        Epochs without validation improvement before stopping.
    assignment_weight : float, default=0.25
        Weight of the auxiliary InfoNCE loss on assignment pairs (two items with
        the same assignee), relative to the link loss; 0 trains on links only.
        These examples train only the text projections ``W_q``/``W_k`` (the people
        group is left out of their scores).  With fewer than 4 usable links,
        ``fit`` trains the projections on the assignment pairs alone.
    assignment_pairs_per_person : int, default=10
        At most this many assignment pairs sampled per assignee (seeded by
        ``random_state``).
    mixture_decay : float, default=0.03
        Penalty pulling the head/group log-weights toward the untrained ones; no group's
        coefficient grows past 5x its untrained value in any case.
    selection_fraction : float, default=0.2
        Share of the links set aside to choose between the fitted, projections-only and
        untrained mixers (0: no choice, keep the fitted one). See
        :mod:`attn_team.attention._training`.
    selection_margin : float, default=1.0
        A trained mixer replaces the untrained one only when its paired gain in reciprocal
        rank on the set-aside links is more than this many standard errors.
    ascent : bool, default=True
        After that choice, search the kept mixer's group weights by coordinate ascent on the
        training links' mean reciprocal rank (:mod:`attn_team.attention._ascent`); the searched
        weights are kept only when their out-of-fold gain is more than ``selection_margin``
        standard errors (``selected_`` then ends in ``"ascent"``).
    typed : bool, default=True
        Also fit a mixture per link category and a category classifier (see
        :mod:`attn_team.attention._typed`): edges then carry a predicted ``category`` and
        ``attend(category=...)`` ranks with that category's mixture.
    block_size : int, default=512
        Queries per block in the top-k pass.
    candidates : {"auto", "exact", "index"} or CandidateParams, default="auto"
        How :meth:`attend` finds the top ``k``: ``"exact"`` scores every query-key pair
        (blocked, exact softmax normalisers); ``"index"`` scores only candidates proposed by
        an HNSW index over the text vectors (usearch) and the sparse groups' inverted lists,
        weights normalised over the candidates plus a sampled estimate of the rest (see
        :mod:`attn_team.attention._candidates`; ``pip install 'attn-team[scale]'``);
        ``"auto"`` uses the index from ``AUTO_MIN_PAIRS`` (50,000 x 50,000) query-key pairs
        on. A :class:`~attn_team.attention.CandidateParams` means the index with those settings.
    rescore : "auto" or int, default="auto"
        With ``embedder="static"``: each query's top ``rescore`` candidates are scored again with
        MiniLM vectors of only the query and those candidates (at most ``rescore + 1`` texts
        through MiniLM per query, embedded on demand and cached), for questions about some items
        (:meth:`attend` with ``queries``, :meth:`score_rows`, hence the evaluation); a
        whole-backlog pass stays on the static vectors. ``"auto"``: 20 with a static embedder,
        else 0 (off), for questions of up to 200 queries (more would send thousands of texts
        through MiniLM; an explicit number re-scores any count). Fitted MRR then within 2% of
        MiniLM's on the dev sets instead of 4-6% below (``benchmarks/RESULTS.md``, "Re-scoring
        the top candidates"); see :mod:`attn_team.attention._rescore`.
    engine : {"local", "dask"}, default="local"
        Where embedding and top-k run: here, or on a Dask ``distributed`` cluster (results
        equal the local engine's; see ``docs/scale.md``).
    scheduler : None, str or distributed.Client, default=None
        With ``engine="dask"``: the scheduler address or a client (``None``: the default
        client, else a ``LocalCluster`` started on demand).
    progress : bool, default=False
        Show ``tqdm.auto`` progress bars (embedding, epochs, blocks).
    random_state : int, RandomState or None, default=None
        Seeds the validation split, negative sampling and torch.

    Attributes
    ----------
    mixer_ : HeadMixer
        The fitted torch module.
    head_weights_ : dict of str -> float
        Learned head weights ``a_h``.
    group_weights_ : dict of str -> float
        Learned group coefficients ``a_h * b_g``.
    temperature_ : float
    n_train_links_ : int
        Links used for training (validation included).
    n_assignment_pairs_ : int
        Assignment pairs used for training (0 when ``assignment_weight`` is 0).
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``val_loss``.
    best_epoch_ : int
    selected_ : str
        The mixer kept: ``"fitted"``, ``"projections"`` (fitted text projections, untrained
        mixture) or ``"untrained"``; ``"ascent"``, ``"fitted+ascent"`` or ``"projections+ascent"``
        when coordinate ascent then refined its group weights (``ascent=True``).
    selection_ : dict
        Per candidate, its MRR on the set-aside links and its paired gain over the untrained
        mixer in standard errors (empty when there were too few links to choose); under
        ``"ascent"`` the search's record (out-of-fold MRR against the chosen mixer's, its gain in
        standard errors, the factor of each group's coefficient over the untrained one).
    excluded_links_ : frozenset of (str, str)
        The links excluded at fit (never seen by the graph head when this model scores).
    category_mixers_ : dict of str -> HeadMixer
        Per link category with enough links, its fitted mixture (``typed=True``).
    category_model_ : CategoryModel or None
        The category classifier (``None`` when fewer than two categories have links).
    category_counts_ : dict of str -> int
        Training links per category.

    Notes
    -----
    :meth:`attend` also works on an unfitted model: it then uses the untrained
    weights (identity projections, ``DEFAULT_HEAD_WEIGHTS``,
    ``DEFAULT_GROUP_WEIGHTS``, temperature 0.05), which already rank well.
    :meth:`score` needs a fitted model and raises :class:`NotFittedError`.
    ``fit`` with fewer than 4 usable links and fewer than 4 assignment pairs
    keeps the untrained weights.

    Examples
    --------
    >>> import attn_team
    >>> model = attn_team.CrossAttention(k=10, random_state=0)   # doctest: +SKIP
    >>> model.fit(backlog).attend(backlog, to="items").edges.head()  # doctest: +SKIP
    """

    _parameter_constraints: dict = {
        "k": [("int", 1, None)],
        "heads": ["heads"],
        "head_weights": [None, dict],
        "embedder": [None, object],
        "cache": [None, object],
        "max_epochs": [("int", 0, None)],
        "batch_size": [("int", 2, None)],
        "learning_rate": [("real>", 0.0, None)],
        "projection_decay": [("real", 0.0, None)],
        "n_negatives": [("int", 2, None)],
        "validation_fraction": [("real", 0.0, 0.9)],
        "patience": [("int", 1, None)],
        "assignment_weight": [("real", 0.0, None)],
        "assignment_pairs_per_person": [("int", 1, None)],
        "mixture_decay": [("real", 0.0, None)],
        "selection_fraction": [("real", 0.0, 0.5)],
        "selection_margin": [("real", 0.0, None)],
        "ascent": [bool],
        "typed": [bool],
        "block_size": [("int", 1, None)],
        "candidates": ["candidates"],
        "rescore": ["rescore"],
        "engine": ["engine"],
        "scheduler": [None, str, "client"],
        "progress": [bool],
        "random_state": [None, "random_state"],
    }

    def __init__(
        self,
        *,
        k: int = 20,
        heads: tuple = HEADS,
        head_weights: dict | None = None,
        embedder=None,
        cache=None,
        max_epochs: int = 40,
        batch_size: int = 128,
        learning_rate: float = 0.03,
        projection_decay: float = 1.0,
        n_negatives: int = 96,
        validation_fraction: float = 0.15,
        patience: int = 4,
        assignment_weight: float = 0.25,
        assignment_pairs_per_person: int = 10,
        mixture_decay: float = 0.03,
        selection_fraction: float = 0.2,
        selection_margin: float = 1.0,
        ascent: bool = True,
        typed: bool = True,
        block_size: int = 512,
        candidates="auto",
        rescore="auto",
        engine: str = "local",
        scheduler=None,
        progress: bool = False,
        random_state=None,
    ):
        self.k = k
        self.heads = heads
        self.head_weights = head_weights
        self.embedder = embedder
        self.cache = cache
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.projection_decay = projection_decay
        self.n_negatives = n_negatives
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.assignment_weight = assignment_weight
        self.assignment_pairs_per_person = assignment_pairs_per_person
        self.mixture_decay = mixture_decay
        self.selection_fraction = selection_fraction
        self.selection_margin = selection_margin
        self.ascent = ascent
        self.typed = typed
        self.block_size = block_size
        self.candidates = candidates
        self.rescore = rescore
        self.engine = engine
        self.scheduler = scheduler
        self.progress = progress
        self.random_state = random_state

    # ------------------------------------------------------------------ helpers
    def set_params(self, **params) -> CrossAttention:
        """Set parameters (scikit-learn convention); an unknown name raises ``ValueError`` naming the valid ones."""
        valid = set(self.get_params(deep=False))
        for name in params:
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for CrossAttention; valid: {sorted(valid)}")
        return super().set_params(**params)

    def _validate_params(self) -> None:
        for name, constraints in self._parameter_constraints.items():
            value = getattr(self, name)
            if not any(_satisfies(value, c) for c in constraints):
                raise ValueError(f"CrossAttention parameter {name!r} is invalid: got {value!r}; "
                                 f"expected {_describe(constraints)}")

    def _rng(self) -> np.random.RandomState:
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            return rs
        return np.random.RandomState(rs)

    def item_features(self, backlog, *, exclude_links=None) -> ItemFeatures:
        """Item features of ``backlog`` with this model's embedder (computed once per backlog).

        The graph head's ``neighbour`` group is built from the backlog's links minus the links
        this model must never see: those excluded when it was fitted (``excluded_links_``) and
        ``exclude_links``.
        """
        base = item_features(backlog, embedder=self.embedder, cache=self.cache, progress=self.progress,
                             engine=self.engine, scheduler=self.scheduler)
        ex = set(getattr(self, "excluded_links_", ())) | pair_set(exclude_links)
        memo = _FEATURES.setdefault(backlog, {})
        key = ("graph", id(base), frozenset(ex))  # base lives in the same memo: its id is stable
        if key not in memo:
            if len(memo) > 64:  # many folds/models on one backlog: keep the memo small
                for old in [k for k in memo if isinstance(k, tuple) and k[0] == "graph"][:32]:
                    del memo[old]
            memo[key] = with_links(base, backlog.links, exclude=ex)
        return memo[key]

    def item_embedder(self, backlog):
        """The :class:`~attn_team.Embedder` that embedded ``backlog``'s items for this model (to embed queries alike)."""
        return item_embedder(backlog, embedder=self.embedder, cache=self.cache)

    def mixer(self, dim: int | None = None, *, category: str | None = None) -> HeadMixer:
        """The mixer this model scores with: the fitted one, or the untrained weights for ``dim``-d embeddings.

        ``dim`` defaults to the fitted width, else to the width of this model's embedder. With
        ``category``, that category's fitted mixture when there is one (else the shared mixer).
        """
        fitted = getattr(self, "mixer_", None)
        if category is not None:
            fitted = getattr(self, "category_mixers_", {}).get(category, fitted)
        if dim is None:
            if fitted is not None:
                dim = fitted.W_q.shape[0]
            else:
                from .._static_embed import resolve_embedder

                dim = resolve_embedder(self.embedder, cache=self.cache)[1].dim()
        return mixer_for(fitted, dim, self.heads, self.head_weights)

    # ------------------------------------------------------------------ fit
    def fit(self, backlog, *, exclude_links=None) -> CrossAttention:
        """Learn text projections, head/group weights and temperature from the backlog's links.

        With ``assignment_weight > 0`` same-assignee item pairs also train the text projections
        (see :mod:`attn_team.attention._training`); with fewer than 4 usable links they are the
        only training signal.

        Parameters
        ----------
        backlog : Backlog
        exclude_links : DataFrame or iterable of (key, key), optional
            Links never to train on (either direction), e.g. the ones held out for evaluation.

        Returns
        -------
        self
        """
        self._validate_params()
        self.excluded_links_ = frozenset(pair_set(exclude_links))
        feats = self.item_features(backlog)
        res = train(self, backlog, feats, exclude_links=exclude_links, rng=self._rng())
        self.n_train_links_ = res.n_train_links
        self.n_assignment_pairs_ = res.n_assignment_pairs
        self.history_ = res.history
        self.best_epoch_ = res.best_epoch
        self.selected_ = res.selected
        self.selection_ = res.selection
        self._set_fitted(res.mixer)
        self.category_mixers_, self.category_model_, self.category_counts_ = {}, None, {}
        if self.typed:
            from ._typed import fit_category_mixers

            self.category_mixers_, self.category_model_, self.category_counts_ = fit_category_mixers(
                self, backlog, feats, self.mixer_, exclude_links=exclude_links, rng=self._rng())
        return self

    def _set_fitted(self, mixer: HeadMixer) -> None:
        mixer.eval()
        for p in mixer.parameters():
            p.requires_grad_(False)
        self.mixer_ = mixer
        coef = mixer.group_coef().numpy()
        self.head_weights_ = {h: float(torch.exp(mixer.log_head[i])) if h in self.heads else 0.0
                              for i, h in enumerate(HEADS)}
        self.group_weights_ = {g: float(coef[i]) for i, g in enumerate(GROUPS)}
        self.temperature_ = float(mixer.temperature())
        self.n_features_in_ = int(mixer.W_q.shape[0])

    def __sklearn_is_fitted__(self) -> bool:
        return getattr(self, "mixer_", None) is not None

    # ------------------------------------------------------------------ scoring
    def score_rows(self, backlog, rows, *, exclude_links=None, category: str | None = None) -> np.ndarray:
        """Dense scores of the items at positions ``rows`` against every item (for ranking).

        Parameters
        ----------
        backlog : Backlog
        rows : array-like of int
            Row positions in ``backlog.items``.
        exclude_links : DataFrame or iterable of (key, key), optional
            Links the graph head must not see (besides those excluded at fit), e.g. the ones
            being evaluated.
        category : str, optional
            Rank with this link category's mixture (``typed=True``; others use the shared one).

        Returns
        -------
        ndarray of shape (len(rows), n_items)
            Scores (before the temperature); the item itself is ``-inf``.
        """
        feats = self.item_features(backlog, exclude_links=exclude_links)
        mixer = self.mixer(feats.embeddings.shape[1], category=category)
        S = score_rows(mixer, feats, rows, block_size=self.block_size)
        depth, teacher = self._rescorer(backlog)
        if depth:
            from ._rescore import rescore_rows

            S = rescore_rows(S, rows, mixer, feats, depth, teacher)
        return S

    def _rescorer(self, backlog, n_queries: int | None = None) -> tuple[int, object]:
        """``(R, teacher rows)`` of :mod:`._rescore` for ``backlog``, ``(0, None)`` when nothing is re-scored."""
        from ._rescore import rescorer

        return rescorer(self, backlog, n_queries)

    def attend(self, backlog, to: str = "items", k: int | None = None, *, queries=None,
               category: str | None = None) -> Attention:
        """Let items attend to items, members or history; keep the top ``k`` keys per item.

        Works on an unfitted model with the untrained weights (identity projections, default
        head weights).

        Parameters
        ----------
        backlog : Backlog
        to : {"items", "members", "history"}, default="items"
            ``items``: every other item; ``members``: each person, attention-pooled over the
            items they were assignee, reporter, commenter or watcher of; ``history``: resolved
            items and items of closed sprints, with outcomes.
        k : int, optional
            Keys kept per query (default: the model's ``k``).
        queries : iterable of str, optional
            Keys of the query items (default: all items). Only these items attend.
        category : str, optional
            Rank with this link category's mixture (a fitted ``typed`` model; otherwise the
            shared mixer). Item edges carry their predicted ``category`` either way when the
            model has a category classifier.

        Returns
        -------
        Attention
        """
        self._validate_params()
        if to not in TO:
            raise ValueError(f"to must be one of {TO}, got {to!r}")
        k = self.k if k is None else k
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        feats = self.item_features(backlog)
        if queries is None:
            qrows = np.arange(feats.n)
        else:
            pos = {kk: i for i, kk in enumerate(feats.keys)}
            queries = list(queries)
            missing = [q for q in queries if q not in pos]
            if missing:
                raise KeyError(f"query item(s) not in the backlog: {missing[:5]}")
            qrows = np.array([pos[q] for q in queries], dtype=np.int64)
        from ._engine import Engine

        if self.scheduler is not None and self.engine != "dask":
            raise ValueError("CrossAttention: scheduler is only used with engine='dask'")
        classifier = getattr(self, "category_model_", None)
        rescore = None
        if to == "items" and len(qrows) < feats.n:  # a whole-backlog pass is never re-scored (_rescore)
            depth, teacher = self._rescorer(backlog, len(qrows))
            rescore = (depth, teacher) if depth else None
        return attend_features(self.mixer(feats.embeddings.shape[1], category=category), backlog, feats, to, int(k),
                               qrows, block_size=self.block_size, progress=self.progress,
                               candidates=self.candidates, engine=Engine(self.engine, self.scheduler),
                               categorize=classifier, rescore=rescore)

    def _attend_given(self, backlog, queries, candidates, k: int, *, category: str | None = None) -> Attention:
        """Item attention of ``queries`` over the ``candidates`` keys given per query, re-scored (:mod:`._rescore`).

        ``candidates``: one list of keys per query (e.g. a kept whole pass's top keys); only called
        when this model re-scores (``_rescorer`` gives a depth).
        """
        feats = self.item_features(backlog)
        pos = {kk: i for i, kk in enumerate(feats.keys)}
        qrows = np.array([pos[q] for q in queries], dtype=np.int64)
        width = max([len(c) for c in candidates] + [1])
        idx = np.full((len(qrows), width), -1, dtype=np.int64)
        for r, cand in enumerate(candidates):
            rows = [pos[c] for c in cand if c in pos]
            idx[r, :len(rows)] = rows
        return attend_features(self.mixer(feats.embeddings.shape[1], category=category), backlog, feats, "items",
                               int(k), qrows, block_size=self.block_size, progress=self.progress,
                               candidates=self.candidates, categorize=getattr(self, "category_model_", None),
                               rescore=self._rescorer(backlog, len(qrows)), given=idx)

    def score(self, backlog, *, links=None) -> float:
        """Mean reciprocal rank of the backlog's links (or ``links``) under the fitted model.

        Needs a fitted model (raises :class:`NotFittedError` otherwise).
        """
        if getattr(self, "mixer_", None) is None:
            raise NotFittedError("This CrossAttention instance is not fitted yet; call fit(backlog) first.")
        feats = self.item_features(backlog)
        pairs = link_pairs(backlog.links if links is None else links, feats.keys)
        if not len(pairs):
            return float("nan")
        pos = {kk: i for i, kk in enumerate(feats.keys)}
        s = np.array([pos[x] for x in pairs["source_key"]])
        t = np.array([pos[x] for x in pairs["target_key"]])
        S = self.score_rows(backlog, s)
        return mean_reciprocal_rank(ranks_from_scores(S, s, t))


def _satisfies(value, c) -> bool:
    if c is None:
        return value is None
    if c is object:
        return value is not None
    if c is bool:
        return isinstance(value, (bool, np.bool_))
    if c is dict:
        return isinstance(value, dict) and all(h in HEADS and isinstance(v, numbers.Real) and v > 0
                                               for h, v in value.items())
    if c == "heads":
        return (isinstance(value, (tuple, list)) and len(value) > 0 and len(set(value)) == len(value)
                and all(h in HEADS for h in value))
    if c == "candidates":
        from ._candidates import CANDIDATES, CandidateParams

        return isinstance(value, CandidateParams) or (isinstance(value, str) and value in CANDIDATES)
    if c == "engine":
        return isinstance(value, str) and value in ("local", "dask")
    if c == "rescore":
        return value == "auto" or (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0)
    if c is str:
        return isinstance(value, str) and bool(value)
    if c == "client":
        return hasattr(value, "submit") and hasattr(value, "scatter")
    if c == "random_state":
        return isinstance(value, (numbers.Integral, np.random.RandomState)) and not isinstance(value, bool)
    if isinstance(c, tuple):
        kind, lo, hi = c
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if kind == "int" and not isinstance(value, numbers.Integral):
            return False
        if not math.isfinite(float(value)):
            return False
        if lo is not None and (value <= lo if kind == "real>" else value < lo):
            return False
        return hi is None or value <= hi
    return False


def _describe(constraints) -> str:
    parts = []
    for c in constraints:
        if c is None:
            parts.append("None")
        elif c is object:
            parts.append("an object")
        elif isinstance(c, tuple):
            op = ">" if c[0] == "real>" else ">="
            parts.append(f"{'an int' if c[0] == 'int' else 'a real'} {op} {c[1]}" + (f" and <= {c[2]}" if c[2] is not None else ""))
        elif c == "heads":
            parts.append(f"a non-empty tuple of distinct heads from {tuple(HEADS)}")
        elif c == "random_state":
            parts.append("an int or numpy RandomState")
        elif c == "candidates":
            parts.append("'auto', 'exact', 'index' or a CandidateParams")
        elif c == "engine":
            parts.append("'local' or 'dask'")
        elif c is str:
            parts.append("a scheduler address")
        elif c == "client":
            parts.append("a distributed.Client")
        elif c is dict:
            parts.append(f"a dict head -> positive weight, heads from {tuple(HEADS)}")
        else:
            parts.append(getattr(c, "__name__", str(c)))
    return " or ".join(parts)


def attend(backlog, to: str = "items", k: int = 20, *, fit: bool = True, random_state=0, **params) -> Attention:
    """One call: build a :class:`CrossAttention`, fit it on the backlog's links, attend.

    Parameters
    ----------
    backlog : Backlog
    to : {"items", "members", "history"}, default="items"
    k : int, default=20
    fit : bool, default=True
        Fit on the backlog's own links and assignment history first (with too
        few of both the untrained weights are kept).
    random_state : int, default=0
    **params
        Other :class:`CrossAttention` parameters (``embedder``, ``cache``, ...).

    Returns
    -------
    Attention
    """
    model = CrossAttention(k=k, random_state=random_state, **params)
    if fit:
        model.fit(backlog)
    return model.attend(backlog, to=to, k=k)
