"""Multi-head sparse cross-attention between work items, members and sprint history.

:class:`CrossAttention` is a scikit-learn style estimator around a small
:class:`torch.nn.Module` (:class:`HeadMixer`).  Queries are work items; keys
and values are other items, members (people, attention-pooled over the items
they worked on) or history (resolved items and items of closed sprints).

Scores.  Each named head is a dot product in its own feature space (see
:mod:`attn_team.attention._features`); a head is a weighted sum of *groups*::

    score(i, j) = sum_h a_h * sum_{g in h} b_g * <phi_g(q_i), phi_g(k_j)>
    text/emb:  phi(q) = W_q e_i,  phi(k) = W_k e_j       (learned, identity at start)
    weight(i, j) = softmax_j(score(i, j) / tau)           (over *all* keys of query i)

with learned head weights ``a_h``, group weights ``b_g`` and temperature
``tau``.  Since every head is a dot product, the weighted sum is one dot product
of concatenated, per-group-scaled feature vectors: one blocked top-k pass finds
the ``k`` best keys over all heads at once (memory ``n x k``), the softmax
normaliser is accumulated exactly block by block (log-sum-exp), and per-head
contributions are computed only for the kept pairs.  The context vector of an
item is the weighted sum of the values (embeddings) of its kept keys.

Learning.  ``fit`` trains ``W_q``, ``W_k``, the head/group weights and ``tau``
with InfoNCE: for every existing link (both directions) the linked item must
win a softmax over itself, hard negatives (the untrained model's top
candidates for the query, known partners masked) and random items drawn from
the backlog; links held out with ``exclude_links`` never enter, neither as
positives nor as masks.  A seeded share of the links is kept
for validation and training stops early when the validation loss stops
improving.

Assignment history.  With ``assignment_weight > 0`` pairs of items worked on
by the same assignee are a second, auxiliary source of positives (at most
``assignment_pairs_per_person`` per person, seeded): the same InfoNCE, with
the loss weighted by ``assignment_weight``.  These examples train the text
projections only: the head/group weights and the temperature get no gradient
from them (same assignee also means same project, sprint and time, which say
little about dependencies; the links alone set the mixture), and the *people*
group is removed from their scores, so the shared assignee (true by
construction) cannot explain them.  The other items of the same assignee are
masked as negatives.  Pairs that coincide with an excluded link are dropped.
Early stopping watches the link validation loss only (the assignment loss when
the backlog has too few links).
"""

from __future__ import annotations

import copy
import inspect
import logging
import math
import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from torch import nn

from ._features import GROUPS, HEADS, ItemFeatures, build_item_features, pool_matrix, pooled_features, shared_terms
from ._result import Attention

__all__ = ["CrossAttention", "HeadMixer", "attend", "NotFittedError", "link_pairs"]

log = logging.getLogger(__name__)

#: untrained head weights a_h
DEFAULT_HEAD_WEIGHTS = {"text": 1.0, "structure": 0.15, "people": 0.1, "time": 0.1}
#: untrained group weights b_g
DEFAULT_GROUP_WEIGHTS = {
    "emb": 0.5, "lex": 0.5,
    "component": 1.0, "label": 1.0, "hierarchy": 1.0, "mention": 3.0, "project": 0.5, "version": 0.5,
    "people": 1.0,
    "created": 1.0, "sequence": 1.0, "sprint": 1.0,
}
DEFAULT_TEMPERATURE = 0.05
_TO = ("items", "members", "history")


from sklearn.exceptions import NotFittedError  # noqa: E402  (re-exported)


class HeadMixer(nn.Module):
    """The learnable part of the model: text projections, head and group weights, temperature.

    Parameters
    ----------
    dim : int
        Width of the text embeddings.
    heads : tuple of str
        Active heads (others contribute zero).
    """

    def __init__(self, dim: int, heads: tuple[str, ...], head_weights: dict | None = None):
        super().__init__()
        self.heads = tuple(heads)
        self.W_q = nn.Parameter(torch.eye(dim))
        self.W_k = nn.Parameter(torch.eye(dim))
        hw = {**DEFAULT_HEAD_WEIGHTS, **(head_weights or {})}
        self.log_head = nn.Parameter(torch.tensor([math.log(max(hw[h], 1e-6)) for h in HEADS]))
        self.log_group = nn.Parameter(torch.tensor([math.log(DEFAULT_GROUP_WEIGHTS[g]) for g in GROUPS]))
        self.log_temperature = nn.Parameter(torch.tensor(math.log(DEFAULT_TEMPERATURE)))
        self.register_buffer("active", torch.tensor([1.0 if GROUPS[g] in self.heads else 0.0 for g in GROUPS]))

    def group_coef(self) -> torch.Tensor:
        """Coefficient ``a_h * b_g`` of every group (zero for switched-off heads), in ``GROUPS`` order."""
        head_idx = torch.tensor([list(HEADS).index(GROUPS[g]) for g in GROUPS])
        return torch.exp(self.log_head[head_idx] + self.log_group) * self.active

    def temperature(self) -> torch.Tensor:
        return torch.exp(self.log_temperature)

    def project(self, E: torch.Tensor, side: str) -> torch.Tensor:
        return E @ (self.W_q if side == "q" else self.W_k).T

    def forward(self, eq: torch.Tensor, E: torch.Tensor, cand: torch.Tensor, sparse_sims: torch.Tensor,
                *, train_mix: bool = True) -> torch.Tensor:
        """Logits of queries over candidate keys.

        Parameters
        ----------
        eq : (B, d) query embeddings; E : (n, d) embeddings of all items; cand : (B, m)
        candidate key indices; sparse_sims : (B, m, G-1) per-group dot products of the
        sparse groups (``GROUPS[1:]``); train_mix : with False, no gradient reaches the
        head/group weights and the temperature (only the text projections learn).
        """
        c = self.group_coef()
        tau = self.temperature()
        if not train_mix:
            c, tau = c.detach(), tau.detach()
        # (W_q e_q) . (W_k e_k) = e_q^T (W_q^T W_k) e_k: one d x d product; then either one
        # matmul against all items and a gather (small backlogs) or a gather of the candidates
        qm = eq @ (self.W_q.T @ self.W_k)
        if E.shape[0] <= cand.numel():
            emb = torch.gather(qm @ E.T, 1, cand)
        else:
            emb = torch.einsum("bd,bmd->bm", qm, E[cand])
        score = c[0] * emb + (sparse_sims * c[1:]).sum(-1)
        return score / tau


class _Adam:
    """Plain Adam (Kingma & Ba) over a few parameter groups.

    ``torch.optim.Adam`` imports ``torch._dynamo`` on construction (seconds on a
    busy CPU, more than a whole fit of a small backlog); this is the same update.
    """

    def __init__(self, groups, betas=(0.9, 0.999), eps=1e-8):
        self.groups = [(list(ps), lr) for ps, lr in groups]
        self.b1, self.b2, self.eps = betas[0], betas[1], eps
        self.state = {id(p): (torch.zeros_like(p), torch.zeros_like(p)) for ps, _ in self.groups for p in ps}
        self.t = 0

    def zero_grad(self) -> None:
        for ps, _ in self.groups:
            for p in ps:
                p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        for ps, lr in self.groups:
            for p in ps:
                if p.grad is None:
                    continue
                m, v = self.state[id(p)]
                m.mul_(self.b1).add_(p.grad, alpha=1 - self.b1)
                v.mul_(self.b2).addcmul_(p.grad, p.grad, value=1 - self.b2)
                p.sub_(lr * (m / c1) / ((v / c2).sqrt() + self.eps))


def link_pairs(links: pd.DataFrame, keys: Iterable[str], *, exclude=None, categories_out=("clone",)) -> pd.DataFrame:
    """Undirected link pairs usable for training/evaluation.

    Drops links of the categories in ``categories_out``, self-links, links whose
    ends are not items, and (with ``exclude``) links present in ``exclude``
    (a DataFrame with ``source_key``/``target_key`` or an iterable of key
    pairs), in either direction.  Returns ``source_key, target_key, category``
    with one row per unordered pair.
    """
    keyset = set(keys)
    df = links[["source_key", "target_key", "category"]].dropna(subset=["source_key", "target_key"])
    df = df[df["source_key"].isin(keyset) & df["target_key"].isin(keyset) & (df["source_key"] != df["target_key"])]
    df = df[~df["category"].isin(list(categories_out))]
    ex = _pair_set(exclude)
    und = [tuple(sorted((s, t))) for s, t in zip(df["source_key"], df["target_key"])]
    keep = np.array([u not in ex for u in und], dtype=bool)
    df = df[keep].copy()
    df["_u"] = [u for u, k in zip(und, keep) if k]
    df = df.drop_duplicates("_u").drop(columns="_u")
    return df.reset_index(drop=True)


def _pair_set(exclude) -> set:
    if exclude is None:
        return set()
    if isinstance(exclude, pd.DataFrame):
        it = zip(exclude["source_key"], exclude["target_key"])
    else:
        it = exclude
    return {tuple(sorted((str(a), str(b)))) for a, b in it}


class CrossAttention:
    """Multi-head sparse cross-attention of work items over items, members or sprint history.

    Parameters
    ----------
    k : int, default=20
        Keys kept per query (sparse top-k).
    heads : tuple of str, default=("text", "structure", "people", "time")
        Active heads; a head left out contributes zero (its column stays, all zeros).
    head_weights : dict, default=None
        Untrained head weights overriding ``DEFAULT_HEAD_WEIGHTS`` (also the
        starting point of ``fit``).
    embedder : Embedder or object with ``encode``, default=None
        Text embedder (``attn_team.Embedder``; a plain model object with
        ``encode(texts, ...)`` is wrapped in one).  Default: the packaged MiniLM.
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
    block_size : int, default=512
        Queries per block in the top-k pass.
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
        "block_size": [("int", 1, None)],
        "progress": [bool],
        "random_state": [None, "random_state"],
    }

    def __init__(
        self,
        *,
        k: int = 20,
        heads: tuple = ("text", "structure", "people", "time"),
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
        block_size: int = 512,
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
        self.block_size = block_size
        self.progress = progress
        self.random_state = random_state

    # ------------------------------------------------------------------ params
    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values() if p.name != "self")

    def get_params(self, deep: bool = True) -> dict:
        """Parameters of this estimator (scikit-learn convention)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params) -> CrossAttention:
        """Set parameters; unknown names raise ``ValueError``."""
        valid = set(self._get_param_names())
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for CrossAttention; valid: {sorted(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
                    if p.default is not inspect.Parameter.empty}
        changed = [f"{n}={getattr(self, n)!r}" for n in self._get_param_names()
                   if n not in ("embedder", "cache") and getattr(self, n) != defaults.get(n)]
        return f"CrossAttention({', '.join(changed)})"

    def _validate_params(self) -> None:
        for name, constraints in self._parameter_constraints.items():
            value = getattr(self, name)
            if not any(_satisfies(value, c) for c in constraints):
                raise ValueError(f"CrossAttention parameter {name!r} is invalid: got {value!r}; "
                                 f"expected {_describe(constraints)}")

    # ------------------------------------------------------------------ helpers
    def _rng(self) -> np.random.RandomState:
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            return rs
        return np.random.RandomState(rs)

    def _embedder(self):
        from ..embed import Embedder

        emb = self.embedder
        if emb is None:
            return Embedder(cache=self.cache, progress=self.progress)
        if isinstance(emb, Embedder):
            return emb
        if hasattr(emb, "encode"):
            return Embedder(model=emb, cache=self.cache, precision="fp32", progress=self.progress)
        raise ValueError(f"embedder must be an attn_team.Embedder or have an encode() method, got {type(emb).__name__}")

    def _features(self, backlog) -> ItemFeatures:
        """Item features of ``backlog``, memoised for the last backlog seen."""
        cached = getattr(self, "_feature_memo", None)
        if cached is not None and cached[0] is backlog:
            return cached[1]
        from ..embed import embed_items

        E = embed_items(backlog, embedder=self._embedder(), cache=self.cache)
        feats = build_item_features(backlog.items, E)
        self._feature_memo = (backlog, feats)
        return feats

    def _mixer(self) -> HeadMixer:
        m = getattr(self, "mixer_", None)
        if m is not None:
            return m
        return HeadMixer(384 if self._dim is None else self._dim, tuple(self.heads), self.head_weights)

    _dim: int | None = None

    def _untrained(self, dim: int) -> HeadMixer:
        return HeadMixer(dim, tuple(self.heads), self.head_weights)

    # ------------------------------------------------------------------ fit
    def fit(self, backlog, *, exclude_links=None) -> CrossAttention:
        """Learn text projections, head/group weights and temperature from the backlog's links.

        With ``assignment_weight > 0`` same-assignee item pairs also train the
        text projections (see the module notes); with fewer than 4 usable links
        they are the only training signal.

        Parameters
        ----------
        backlog : Backlog
        exclude_links : DataFrame or iterable of (key, key), optional
            Links never to train on (either direction), e.g. the ones held out
            for evaluation.

        Returns
        -------
        self
        """
        self._validate_params()
        rng = self._rng()
        torch_seed = int(rng.randint(0, 2**31 - 1))
        gen = torch.Generator().manual_seed(torch_seed)
        torch.manual_seed(torch_seed)
        feats = self._features(backlog)
        dim = feats.embeddings.shape[1]
        mixer = self._untrained(dim)
        pairs = link_pairs(backlog.links, feats.keys, exclude=exclude_links)
        key_index = {k: i for i, k in enumerate(feats.keys)}
        excluded = {(key_index[x], key_index[y]) for x, y in _pair_set(exclude_links)
                    if x in key_index and y in key_index}
        excluded |= {(y, x) for x, y in excluded}
        # assignment pairs are drawn from their own generator (derived from the torch seed, so
        # rng is not consumed): the link split and negatives stay the same whatever the
        # assignment settings
        aux_seed = (torch_seed * 7919 + 17) % (2**31 - 2)
        if self.assignment_weight > 0:
            aa, ab, coassigned = _assignment_pairs(backlog.items, excluded, self.assignment_pairs_per_person,
                                                   np.random.RandomState(aux_seed))
        else:
            aa, ab, coassigned = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), {}
        use_links = len(pairs) >= 4
        use_aux = len(aa) >= 4
        self.n_train_links_ = len(pairs)
        self.n_assignment_pairs_ = int(len(aa)) if (use_links or use_aux) and self.max_epochs else 0
        self.history_ = []
        self.best_epoch_ = 0
        if self.max_epochs == 0 or not (use_links or use_aux):
            if self.max_epochs:
                log.warning("only %d usable links and %d assignment pairs: keeping the untrained weights",
                            len(pairs), len(aa))
            self._set_fitted(mixer, dim)
            return self
        a = np.array([key_index[s] for s in pairs["source_key"]], dtype=np.int64)
        b = np.array([key_index[t] for t in pairs["target_key"]], dtype=np.int64)
        perm = rng.permutation(len(pairs))
        n_val = int(round(self.validation_fraction * len(pairs))) if len(pairs) >= 10 else 0
        val_links, tr_links = perm[:n_val], perm[n_val:]
        partners: dict[int, set] = {}
        for s, t in zip(a, b):
            partners.setdefault(int(s), set()).add(int(t))
            partners.setdefault(int(t), set()).add(int(s))

        def rows(idx, x=a, y=b):
            return np.concatenate([x[idx], y[idx]]), np.concatenate([y[idx], x[idx]])

        q_tr, p_tr = rows(tr_links)
        q_va, p_va = rows(val_links)
        n_hard = self.n_negatives // 2
        n_rand = self.n_negatives - n_hard
        aux_rng = np.random.RandomState(aux_seed + 1)
        if use_aux:
            aux_perm = aux_rng.permutation(len(aa))
            # without links, a share of the assignment pairs is the validation set
            n_aux_val = 0 if use_links or len(aa) < 10 else int(round(self.validation_fraction * len(aa)))
            qa_tr, pa_tr = rows(aux_perm[n_aux_val:], aa, ab)
            qa_va, pa_va = rows(aux_perm[:n_aux_val], aa, ab)
        else:
            qa_tr = pa_tr = qa_va = pa_va = np.empty(0, dtype=np.int64)
        hard = self._hard_negatives(mixer, feats, np.unique(np.concatenate([q_tr, q_va, qa_tr, qa_va])), n_hard,
                                    partners)
        cand_tr = self._candidates(q_tr, p_tr, hard, n_rand, feats.n, rng)
        cand_va = self._candidates(q_va, p_va, hard, n_rand, feats.n, rng)
        data_tr = self._pair_data(feats, q_tr, cand_tr, partners) if len(q_tr) else None
        data_va = self._pair_data(feats, q_va, cand_va, partners) if len(q_va) else None
        aux_tr = aux_va = None
        if use_aux:
            # Negatives of an assignment example: neither the query, its linked partners nor the
            # other items of its assignee (they are positives of other examples).
            aux_partners = {q: partners.get(q, set()) | coassigned.get(q, set()) for q in np.unique(qa_tr).tolist()
                            + np.unique(qa_va).tolist()}
            aux_tr = self._aux_data(feats, qa_tr, self._candidates(qa_tr, pa_tr, hard, n_rand, feats.n, aux_rng),
                                    aux_partners)
            if len(qa_va):
                aux_va = self._aux_data(feats, qa_va, self._candidates(qa_va, pa_va, hard, n_rand, feats.n, aux_rng),
                                        aux_partners)
        if not use_links:
            # training and early stopping on the assignment pairs alone
            data_tr, data_va, aux_tr, aux_va = aux_tr, aux_va, None, None
        aux_w = float(self.assignment_weight)
        n_main = len(data_tr["q"])
        n_aux = len(aux_tr["q"]) if aux_tr is not None else 0

        E = torch.from_numpy(feats.embeddings)
        opt = _Adam([
            ([mixer.log_head, mixer.log_group, mixer.log_temperature], self.learning_rate),
            ([mixer.W_q, mixer.W_k], self.learning_rate / 10),
        ])
        eye = torch.eye(dim)
        best = (math.inf, copy.deepcopy(mixer.state_dict()), 0)
        bad = 0
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.max_epochs, desc="fit attention", unit="epoch")
        for epoch in range(1, self.max_epochs + 1):
            mixer.train()
            order = torch.randperm(n_main, generator=gen)
            aux_order = torch.randperm(n_aux, generator=gen) if n_aux else None
            tot, cnt = 0.0, 0
            for step, start in enumerate(range(0, len(order), self.batch_size)):
                bi = order[start:start + self.batch_size]
                loss = self._loss(mixer, E, data_tr, bi, train_mix=use_links)
                total = loss
                if n_aux:
                    # one batch of assignment pairs per link batch, cycling through them
                    s0 = (step * self.batch_size) % n_aux
                    ai = aux_order[s0:s0 + self.batch_size]
                    total = total + aux_w * self._loss(mixer, E, aux_tr, ai, train_mix=False)
                reg = self.projection_decay * (((mixer.W_q - eye) ** 2).sum() + ((mixer.W_k - eye) ** 2).sum())
                opt.zero_grad()
                (total + reg).backward()
                opt.step()
                tot += float(loss.detach()) * len(bi)
                cnt += len(bi)
            mixer.eval()
            with torch.no_grad():
                val = (float(self._loss(mixer, E, data_va, torch.arange(len(data_va["q"])))) if data_va
                       else tot / max(cnt, 1))
            self.history_.append({"epoch": epoch, "train_loss": tot / max(cnt, 1), "val_loss": val})
            log.debug("epoch %d: train %.4f val %.4f", epoch, tot / max(cnt, 1), val)
            if bar is not None:
                bar.update(1)
            if val < best[0] - 1e-4:
                best = (val, copy.deepcopy(mixer.state_dict()), epoch)
                bad = 0
            else:
                bad += 1
                if bad >= self.patience:
                    break
        if bar is not None:  # stopped early: the bar ends full, at the epochs run
            bar.total = bar.n
            bar.close()
        mixer.load_state_dict(best[1])
        self.best_epoch_ = best[2]
        self._set_fitted(mixer, dim)
        log.info("fitted attention on %d links and %d assignment pairs (best epoch %d): heads %s", len(pairs),
                 self.n_assignment_pairs_, self.best_epoch_,
                 {h: round(v, 3) for h, v in self.head_weights_.items()})
        return self

    def _set_fitted(self, mixer: HeadMixer, dim: int) -> None:
        mixer.eval()
        for p in mixer.parameters():
            p.requires_grad_(False)
        self.mixer_ = mixer
        coef = mixer.group_coef().numpy()
        self.head_weights_ = {h: float(torch.exp(mixer.log_head[i])) if h in self.heads else 0.0
                              for i, h in enumerate(HEADS)}
        self.group_weights_ = {g: float(coef[i]) for i, g in enumerate(GROUPS)}
        self.temperature_ = float(mixer.temperature())
        self.n_features_in_ = dim

    def _hard_negatives(self, mixer, feats, queries, n_hard, partners) -> dict[int, np.ndarray]:
        if n_hard == 0 or len(queries) == 0:
            return {int(q): np.empty(0, dtype=np.int64) for q in queries}
        excl = [(qi, t) for qi, q in enumerate(queries) for t in partners.get(int(q), ())]
        top = self._topk(mixer, feats, feats, queries, min(n_hard, feats.n - 1), self_index=queries,
                         exclude_pairs=np.array(excl, dtype=np.int64).reshape(-1, 2))
        return {int(q): top[0][i][top[0][i] >= 0] for i, q in enumerate(queries)}

    @staticmethod
    def _candidates(q, p, hard, n_rand, n, rng) -> np.ndarray:
        m = 1 + max((len(v) for v in hard.values()), default=0) + n_rand
        out = np.empty((len(q), m), dtype=np.int64)
        for r, (qi, pi) in enumerate(zip(q, p)):
            h = hard.get(int(qi), np.empty(0, dtype=np.int64))
            rand = rng.randint(0, n, size=m - 1 - len(h))
            out[r] = np.concatenate([[pi], h, rand])
        return out

    @staticmethod
    def _pair_data(feats: ItemFeatures, q: np.ndarray, cand: np.ndarray, partners) -> dict:
        B, m = cand.shape
        qq = np.repeat(q, m)
        cc = cand.reshape(-1)
        sims = np.zeros((B * m, len(GROUPS) - 1), dtype=np.float32)
        for gi, g in enumerate(list(GROUPS)[1:]):
            M = feats.groups[g]
            sims[:, gi] = np.asarray(M[qq].multiply(M[cc]).sum(axis=1)).ravel()
        # mask: the query itself and its other true partners are not negatives
        mask = np.zeros((B, m), dtype=bool)
        for r in range(B):
            bad = partners.get(int(q[r]), set()) | {int(q[r])}
            mask[r, 1:] = np.isin(cand[r, 1:], list(bad))
        return {"q": torch.from_numpy(q), "cand": torch.from_numpy(cand),
                "sims": torch.from_numpy(sims.reshape(B, m, -1)), "mask": torch.from_numpy(mask)}

    @classmethod
    def _aux_data(cls, feats: ItemFeatures, q: np.ndarray, cand: np.ndarray, partners) -> dict:
        """Training data of assignment pairs: as :meth:`_pair_data`, without the people group.

        The positive shares the query's assignee by construction, so the people
        group would "explain" every such pair: it would make the positive win
        without the text having to, and (if trained) its weight would grow
        without telling anything about dependencies.  Zeroing its similarities
        here leaves the people head out of these examples; in addition the
        assignment loss is computed with the head/group weights and temperature
        detached (``train_mix=False``), so it trains only the text projections,
        which learn which texts one person works on together.  Training the
        mixture on these pairs too (tried) moved weight to project/sprint, which
        is shared by construction as well, and cost up to 0.02 link MRR.
        """
        data = cls._pair_data(feats, q, cand, partners)
        data["sims"][:, :, list(GROUPS).index("people") - 1] = 0.0
        return data

    @staticmethod
    def _loss(mixer, E, data, bi, *, train_mix: bool = True) -> torch.Tensor:
        q = data["q"][bi]
        cand = data["cand"][bi]
        logits = mixer(E[q], E, cand, data["sims"][bi], train_mix=train_mix)
        logits = logits.masked_fill(data["mask"][bi], float("-inf"))
        target = torch.zeros(len(bi), dtype=torch.long)
        return nn.functional.cross_entropy(logits, target)

    # ------------------------------------------------------------------ scoring
    def _prepared(self, mixer: HeadMixer, qf: ItemFeatures, kf: ItemFeatures):
        """Query/key matrices whose product is the combined score (groups scaled on the query side)."""
        coef = mixer.group_coef().detach().numpy()
        with torch.no_grad():
            Qe = mixer.project(torch.from_numpy(qf.embeddings), "q") * float(coef[0])
            Ke = mixer.project(torch.from_numpy(kf.embeddings), "k")
        names = [g for g in list(GROUPS)[1:]]
        Qs = sp.hstack([qf.groups[g] * float(coef[i + 1]) for i, g in enumerate(names)], format="csr")
        Ks = sp.hstack([kf.groups[g] for g in names], format="csr").T.tocsc()
        return Qe, Ke, Qs, Ks

    def _score_block(self, prepared, rows: np.ndarray) -> torch.Tensor:
        Qe, Ke, Qs, Ks = prepared
        S = Qe[torch.from_numpy(rows)] @ Ke.T
        S += torch.from_numpy(np.asarray((Qs[rows] @ Ks).todense(), dtype=np.float32))
        return S

    def _topk(self, mixer, qf, kf, query_rows, k, *, self_index=None, key_mask=None, exclude_pairs=None):
        """Blocked top-k over keys with exact softmax normalisers (:func:`topk_attention`).

        The dense text part is the block matmul; the sparse groups come in as
        ``extra_scores`` per block.  Returns ``(indices, scores, weights, lse)``
        for the queries ``query_rows`` of ``qf``; scores are in score units
        (before the temperature), weights are ``softmax(score / tau)`` over all keys.
        """
        from ._topk import topk_attention

        Qe, Ke, Qs, Ks = self._prepared(mixer, qf, kf)
        tau = float(mixer.temperature().detach())
        query_rows = np.asarray(query_rows, dtype=np.int64)
        Qs_rows = Qs[query_rows]
        inv_tau = 1.0 / tau

        def extra(rows: slice, cols: slice):
            return np.asarray((Qs_rows[rows] @ Ks[:, cols]).todense(), dtype=np.float32) * inv_tau

        top = topk_attention(
            Qe[torch.from_numpy(query_rows)], Ke, k, block_size=self.block_size, scale=inv_tau,
            self_index=None if self_index is None else np.asarray(self_index, dtype=np.int64),
            key_mask=None if key_mask is None else np.asarray(key_mask, dtype=bool),
            exclude_pairs=exclude_pairs if exclude_pairs is not None and len(exclude_pairs) else None,
            extra_scores=extra, progress=self.progress and len(query_rows) > self.block_size,
        )
        scores = np.where(top.indices >= 0, top.scores * tau, -np.inf).astype(np.float32)
        return top.indices, scores, top.weights, top.lse

    def _contributions(self, mixer, qf, kf, qi: np.ndarray, kj: np.ndarray) -> dict[str, np.ndarray]:
        """Per-head contribution to the score of the pairs ``(qi[t], kj[t])``."""
        coef = mixer.group_coef().detach().numpy()
        out = {h: np.zeros(len(qi), dtype=np.float64) for h in HEADS}
        if len(qi) == 0:
            return out
        with torch.no_grad():
            eq = mixer.project(torch.from_numpy(qf.embeddings[qi]), "q")
            ek = mixer.project(torch.from_numpy(kf.embeddings[kj]), "k")
            out["text"] += float(coef[0]) * (eq * ek).sum(1).double().numpy()
        self._group_sims = {}
        for gi, g in enumerate(list(GROUPS)[1:], start=1):
            s = np.asarray(qf.groups[g][qi].multiply(kf.groups[g][kj]).sum(axis=1)).ravel()
            self._group_sims[g] = s
            out[GROUPS[g]] += float(coef[gi]) * s
        return out

    def score_rows(self, backlog, rows) -> np.ndarray:
        """Dense scores of the items at positions ``rows`` against every item (for ranking).

        Parameters
        ----------
        backlog : Backlog
        rows : array-like of int
            Row positions in ``backlog.items``.

        Returns
        -------
        ndarray of shape (len(rows), n_items)
            Scores (before the temperature); the item itself is ``-inf``.
        """
        feats = self._features(backlog)
        mixer = self._current_mixer(feats)
        rows = np.asarray(rows, dtype=np.int64)
        prepared = self._prepared(mixer, feats, feats)
        out = np.empty((len(rows), feats.n), dtype=np.float32)
        for s0 in range(0, len(rows), self.block_size):
            r = rows[s0:s0 + self.block_size]
            out[s0:s0 + len(r)] = self._score_block(prepared, r).numpy()
        out[np.arange(len(rows)), rows] = -np.inf
        return out

    def _current_mixer(self, feats: ItemFeatures) -> HeadMixer:
        m = getattr(self, "mixer_", None)
        if m is None:
            log.info("CrossAttention is not fitted: attending with the untrained weights")
            m = self._untrained(feats.embeddings.shape[1])
            m.eval()
        if m.W_q.shape[0] != feats.embeddings.shape[1]:
            raise ValueError(f"model was fitted on {m.W_q.shape[0]}-d embeddings, got {feats.embeddings.shape[1]}-d")
        # respect heads switched off after fitting
        if tuple(m.heads) != tuple(self.heads):
            m = copy.deepcopy(m)
            m.heads = tuple(self.heads)
            m.active = torch.tensor([1.0 if GROUPS[g] in m.heads else 0.0 for g in GROUPS])
        return m

    # ------------------------------------------------------------------ attend
    def attend(self, backlog, to: str = "items", k: int | None = None, *, queries=None) -> Attention:
        """Let items attend to items, members or history; keep the top ``k`` keys per item.

        Works on an unfitted model with the untrained weights (identity
        projections, default head weights).

        Parameters
        ----------
        backlog : Backlog
        to : {"items", "members", "history"}, default="items"
            ``items``: every other item; ``members``: each person, attention-pooled
            over the items they were assignee, reporter, commenter or watcher of;
            ``history``: resolved items and items of closed sprints, with outcomes.
        k : int, optional
            Keys kept per query (default: the model's ``k``).
        queries : iterable of str, optional
            Keys of the query items (default: all items).

        Returns
        -------
        Attention
        """
        self._validate_params()
        if to not in _TO:
            raise ValueError(f"to must be one of {_TO}, got {to!r}")
        k = self.k if k is None else k
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        feats = self._features(backlog)
        mixer = self._current_mixer(feats)
        items = backlog.items
        if queries is None:
            qrows = np.arange(feats.n)
        else:
            pos = {kk: i for i, kk in enumerate(feats.keys)}
            missing = [q for q in queries if q not in pos]
            if missing:
                raise KeyError(f"query item(s) not in the backlog: {missing[:5]}")
            qrows = np.array([pos[q] for q in queries], dtype=np.int64)
        extra: dict[str, np.ndarray] = {}
        key_meta = None
        if to == "members":
            owners = _owner_items(items)
            if not owners:
                kf = feats.take(np.empty(0, dtype=np.int64))
                names = []
            else:
                names, P = pool_matrix(owners, feats.embeddings)
                kf = pooled_features(feats, P, names)
                # the people group of a member is the person itself (one-hot in the items' people space)
                kf.groups["people"] = _person_vectors(feats.people_vocab, names, feats.groups["people"].shape[1])
            top = self._topk(mixer, feats, kf, qrows, k)
            kind = "member"
            team = dict(zip(backlog.people["person"], backlog.people["team"])) if len(backlog.people) else {}
            key_meta = pd.DataFrame({"id": names, "label": names, "kind": "member",
                                     "team": [team.get(n) for n in names]})
        else:
            kf = feats
            key_mask = None
            if to == "history":
                key_mask = _history_mask(backlog)
            top = self._topk(mixer, feats, kf, qrows, k, self_index=qrows, key_mask=key_mask)
            kind = "item"
        idx, scores, weights, lse = top
        n_q, kk = idx.shape
        rr = np.repeat(np.arange(n_q), kk)
        cc = idx.reshape(-1)
        keep = cc >= 0
        rr, cc = rr[keep], cc[keep]
        qi = qrows[rr]
        contrib = self._contributions(mixer, feats, kf, qi, cc)
        reasons = self._reasons(backlog, feats, kf, qi, cc, contrib, to)
        edges = pd.DataFrame({
            "source": feats.keys[qi].astype(object),
            "target": np.asarray(kf.keys, dtype=object)[cc],
            "weight": weights.reshape(-1)[keep].astype(np.float64),
            "score": scores.reshape(-1)[keep].astype(np.float64),
            **{h: contrib[h] for h in HEADS},
            "reason": reasons,
        })
        if to == "history":
            extra = _outcomes(backlog, cc)
            for c, v in extra.items():
                edges[c] = v
        # context vectors: weighted sum of the kept keys' values (embeddings), weights renormalised
        V = kf.embeddings
        ctx = np.zeros((n_q, feats.embeddings.shape[1]), dtype=np.float32)
        w = weights.copy()
        tot = w.sum(axis=1, keepdims=True)
        tot[tot == 0] = 1.0
        w = w / tot
        for j in range(kk):
            ok = idx[:, j] >= 0
            ctx[ok] += w[ok, j, None] * V[idx[ok, j]]
        nodes = _item_nodes(items)
        if key_meta is not None:
            nodes = pd.concat([nodes, key_meta], ignore_index=True)
        return Attention(edges=edges, to=to, k=int(k), heads=tuple(HEADS), context=ctx,
                         query_keys=feats.keys[qrows].astype(object), lse=lse, temperature=float(mixer.temperature().detach()),
                         nodes=nodes, key_kind=kind)

    def _reasons(self, backlog, qf, kf, qi, kj, contrib, to) -> list[str]:
        items = backlog.items
        sims = getattr(self, "_group_sims", {})
        terms = shared_terms(qf.groups["lex"][qi], kf.groups["lex"][kj], qf.vocabulary) if len(qi) else []
        comps = items["components"].tolist()
        people_cols = [items[c].tolist() for c in ("assignee", "reporter")]
        lists_people = [items[c].tolist() for c in ("commenters", "watchers")]
        epics = items["epic_key"].tolist()
        parents = items["parent_key"].tolist()
        keys = qf.keys
        sprints = items["sprints"].tolist()
        labels = items["labels"].tolist()
        created = items["created"]
        out = []
        for t, (i, j) in enumerate(zip(qi, kj)):
            parts = []
            if to == "members":
                if sims.get("people", np.zeros(len(qi)))[t] > 0:
                    parts.append("already on this item")
                if sims.get("component", np.zeros(len(qi)))[t] > 0.05:
                    parts.append("works on its components")
            else:
                shared = [c for c in comps[i] if c in set(comps[j])]
                if shared and contrib["structure"][t] > 0:
                    parts.append("shared component " + ", ".join(f"'{c}'" for c in shared[:2]))
                sl = [x for x in labels[i] if x in set(labels[j])]
                if sl and contrib["structure"][t] > 0:
                    parts.append("shared label " + ", ".join(f"'{x}'" for x in sl[:2]))
                hi = {epics[i], parents[i], keys[i]} - {None, pd.NA}
                hj = {epics[j], parents[j], keys[j]} - {None, pd.NA}
                hi = {x for x in hi if isinstance(x, str)}
                hj = {x for x in hj if isinstance(x, str)}
                if sims.get("hierarchy", np.zeros(len(qi)))[t] > 0 and (hi & hj):
                    parts.append("same epic/parent")
                if sims.get("mention", np.zeros(len(qi)))[t] > 0 and contrib["structure"][t] > 0:
                    parts.append("text mentions the other item")
                if contrib["people"][t] > 0:
                    pi = {p for col in people_cols for p in [col[i]] if isinstance(p, str)} | set().union(*(c[i] for c in lists_people))
                    pj = {p for col in people_cols for p in [col[j]] if isinstance(p, str)} | set().union(*(c[j] for c in lists_people))
                    sp_ = sorted(pi & pj)
                    if sp_:
                        parts.append("shared people " + ", ".join(f"'{p}'" for p in sp_[:2]))
                ss = [s for s in sprints[i] if s in set(sprints[j])]
                if ss and contrib["time"][t] > 0:
                    parts.append("same sprint")
                elif sims.get("created", np.zeros(len(qi)))[t] > 0.25 and contrib["time"][t] > 0:
                    d = abs((created.iloc[i] - created.iloc[j]).total_seconds()) / 86400
                    parts.append("created the same day" if d < 1 else
                                 f"created {d:.0f} day{'s' if round(d) != 1 else ''} apart")
                elif sims.get("sequence", np.zeros(len(qi)))[t] > 0.25 and contrib["time"][t] > 0:
                    parts.append("filed around the same time (nearby issue numbers)")
            if terms and terms[t] and contrib["text"][t] > 0:
                parts.append("text: " + ", ".join(f"'{w}'" for w in terms[t]))
            elif contrib["text"][t] > 0 and not parts:
                parts.append("similar text")
            out.append("; ".join(parts))
        return out

    # ------------------------------------------------------------------ score
    def score(self, backlog, *, links=None) -> float:
        """Mean reciprocal rank of the backlog's links (or ``links``) under the fitted model.

        Needs a fitted model (raises :class:`NotFittedError` otherwise).
        """
        if getattr(self, "mixer_", None) is None:
            raise NotFittedError("This CrossAttention instance is not fitted yet; call fit(backlog) first.")
        feats = self._features(backlog)
        pairs = link_pairs(backlog.links if links is None else links, feats.keys)
        if not len(pairs):
            return float("nan")
        pos = {kk: i for i, kk in enumerate(feats.keys)}
        s = np.array([pos[x] for x in pairs["source_key"]])
        t = np.array([pos[x] for x in pairs["target_key"]])
        S = self.score_rows(backlog, s)
        ts = S[np.arange(len(s)), t]
        rank = 1 + (S > ts[:, None]).sum(1) + 0.5 * ((S == ts[:, None]).sum(1) - 1)
        return float(np.mean(1.0 / rank))


def _assignment_pairs(items: pd.DataFrame, excluded: set, per_person: int, rng: np.random.RandomState):
    """Pairs of item rows with the same assignee, at most ``per_person`` per assignee.

    Pairs in ``excluded`` (row pairs, both orders) are never drawn.  Returns
    ``(a, b, coassigned)``: row arrays of the pairs and, per row, the other rows
    of its assignee (excluded pairs left out), used to mask negatives.
    """
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(items["assignee"]):
        if isinstance(p, str) and p:
            groups.setdefault(p, []).append(i)
    a, b = [], []
    coassigned: dict[int, set] = {}
    for person in sorted(groups):
        rows = groups[person]
        if len(rows) < 2:
            continue
        rs = set(rows)
        for r in rows:
            coassigned[r] = {x for x in rs if x != r and (r, x) not in excluded}
        n_all = len(rows) * (len(rows) - 1) // 2
        if n_all <= 4 * per_person:
            cand = [(x, y) for i, x in enumerate(rows) for y in rows[i + 1:]]
            cand = [cand[j] for j in rng.permutation(len(cand))]
        else:  # big groups: draw random pairs instead of listing them all
            cand = []
            for _ in range(8 * per_person):
                x, y = rng.choice(len(rows), size=2, replace=False)
                cand.append((rows[min(x, y)], rows[max(x, y)]))
        seen: set = set()
        for x, y in cand:
            if (x, y) in excluded or (x, y) in seen:
                continue
            seen.add((x, y))
            a.append(x)
            b.append(y)
            if len(seen) >= per_person:
                break
    return np.array(a, dtype=np.int64), np.array(b, dtype=np.int64), coassigned


def _owner_items(items: pd.DataFrame) -> dict[str, list[int]]:
    owners: dict[str, list[int]] = {}
    for c in ("assignee", "reporter"):
        for i, p in enumerate(items[c]):
            if isinstance(p, str) and p:
                owners.setdefault(p, []).append(i)
    for c in ("commenters", "watchers"):
        for i, lst in enumerate(items[c]):
            for p in lst:
                owners.setdefault(str(p), []).append(i)
    return dict(sorted(owners.items()))


def _person_vectors(people_vocab: dict, names: list[str], width: int) -> sp.csr_matrix:
    """One-hot rows of each person in the column space of the items' ``people`` group."""
    rows, cols = [], []
    for r, nme in enumerate(names):
        if nme in people_vocab:
            rows.append(r)
            cols.append(people_vocab[nme])
    return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(names), width))


def _history_mask(backlog) -> np.ndarray:
    items = backlog.items
    closed = set(backlog.sprints.loc[backlog.sprints["state"].fillna("") == "closed", "sprint_id"].dropna())
    in_closed = np.array([any(s in closed for s in lst) for lst in items["sprints"]], dtype=bool)
    resolved = items["resolved"].notna().to_numpy()
    done = (items["status_category"].fillna("") == "done").to_numpy()
    return in_closed | resolved | done


def _outcomes(backlog, rows: np.ndarray) -> dict[str, np.ndarray]:
    items = backlog.items
    ct = ((items["resolved"] - items["created"]).dt.total_seconds() / 86400).to_numpy(dtype=float, na_value=np.nan)
    closed = set(backlog.sprints.loc[backlog.sprints["state"].fillna("") == "closed", "sprint_id"].dropna())
    n_sprints = np.array([len(lst) for lst in items["sprints"]])
    carried = np.array([sum(s in closed for s in lst) > 1 for lst in items["sprints"]])
    team = items["team"].astype(object).where(items["team"].notna(), None).tolist()
    key_team = dict(zip(items["key"], team))
    linked: dict[str, set] = {}
    for s, t in zip(backlog.links["source_key"], backlog.links["target_key"]):
        linked.setdefault(s, set()).add(key_team.get(t))
        linked.setdefault(t, set()).add(key_team.get(s))
    keys = items["key"].tolist()
    teams = [", ".join(sorted({x for x in ({team[r]} | linked.get(keys[r], set())) if x})) for r in rows]
    return {"cycle_time_days": ct[rows], "n_sprints": n_sprints[rows], "carried_over": carried[rows],
            "teams": np.array(teams, dtype=object)}


def _item_nodes(items: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"id": items["key"].astype(object), "label": items["summary"].astype(object).fillna(""),
                         "kind": "item", "team": items["team"].astype(object),
                         "status": items["status"].astype(object)})


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
