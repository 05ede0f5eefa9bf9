"""Scoring: the blocked top-k pass, per-head contributions and one :class:`Attention` result.

Since every head is a dot product, the weighted sum of heads is one dot product of
concatenated, per-group-scaled feature vectors: one blocked top-k pass
(:func:`~attn_team.attention._topk.topk_attention`) finds the ``k`` best keys over all heads
at once (memory ``n x k``), the softmax normaliser is accumulated exactly block by block
(log-sum-exp), and per-head contributions are computed only for the kept pairs. The context
vector of an item is the weighted sum of the values (embeddings) of its kept keys.

Everything here is a function of a mixer and item features: nothing is stored on the model.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from .._heads import GROUPS, HEADS
from .._memory import release_memory
from ._explain import Explainer
from ._features import ItemFeatures, pool_matrix, pooled_features
from ._mixer import HeadMixer
from ._pairs import pair_dots, row_dots
from ._result import Attention, ContextVectors

__all__ = ["TO", "topk", "contributions", "score_rows", "attend_features", "owner_rows", "history_mask"]

log = logging.getLogger(__name__)

#: the key sets items can attend to
TO = ("items", "members", "history")
_SPARSE = list(GROUPS)[1:]  # every group but the dense "emb"


class ScaledRows:
    """The query side's sparse groups, each scaled by its coefficient, side by side: built a block
    of rows at a time (``Q[rows]``), so the scaled N x D copy is never held (about 1 GB at 1M items).

    ``Q[rows]`` equals ``sp.hstack([G * c for G, c in ...], format="csr")[rows]`` value for value.
    """

    def __init__(self, groups: list, coefs: list[float]):
        self.groups = [sp.csr_matrix(g, dtype=np.float32) for g in groups]
        self.coefs = [np.float32(c) for c in coefs]
        self.shape = (self.groups[0].shape[0], sum(g.shape[1] for g in self.groups))
        self.dtype = np.dtype(np.float32)
        self.nnz = sum(g.nnz for g in self.groups)

    def __getitem__(self, rows) -> sp.csr_matrix:
        return sp.hstack([g[rows] * c for g, c in zip(self.groups, self.coefs)], format="csr", dtype=np.float32)


def _prepared(mixer: HeadMixer, qf: ItemFeatures, kf: ItemFeatures, *, lazy: bool = False):
    """Query/key matrices whose product is the combined score, and the text coefficient still to apply.

    Returns ``(Qe, Ke, Qs, Ks, text_scale)``. By default every group is scaled on the query side
    (``text_scale`` 1). With ``lazy`` (the candidate pass) nothing is copied to scale it: the text
    coefficient is returned for the caller to apply per pair (an identity projection then leaves
    the embeddings as they are) and the sparse query side is a :class:`ScaledRows`.
    """
    coef = mixer.group_coef().detach().numpy()
    with torch.no_grad():
        Qe = _project(mixer, qf.embeddings, "q")
        Ke = _project(mixer, kf.embeddings, "k")
    if lazy:
        text_scale = float(coef[0])
        Qs = ScaledRows([qf.groups[g] for g in _SPARSE], [float(coef[i + 1]) for i in range(len(_SPARSE))])
    else:
        text_scale = 1.0
        Qe = Qe * float(coef[0])
        Qs = sp.hstack([qf.groups[g] * float(coef[i + 1]) for i, g in enumerate(_SPARSE)], format="csr")
    Ks = sp.hstack([kf.groups[g] for g in _SPARSE], format="csr")
    Ks.sum_duplicates()  # canonical, so what reads it (a Dask worker's task threads too) never has to sort it
    Ks = Ks.T.tocsc()
    return Qe, Ke, Qs, Ks, text_scale


def _project(mixer: HeadMixer, E: np.ndarray, side: str) -> torch.Tensor:
    """``mixer.project`` of ``E``; an identity projection (the untrained mixer) returns ``E`` itself, not a copy
    (at 1M items each copy is 1.5 GB)."""
    W = mixer.W_q if side == "q" else mixer.W_k
    E = torch.from_numpy(E)
    if W.shape[0] == W.shape[1] and torch.equal(W, torch.eye(W.shape[0], dtype=W.dtype)):
        return E
    return mixer.project(E, side)


def topk(mixer: HeadMixer, qf: ItemFeatures, kf: ItemFeatures, query_rows, k: int, *, block_size: int = 512,
         progress: bool = False, self_index=None, key_mask=None, exclude_pairs=None, candidates="exact",
         engine=None):
    """Blocked top-k over keys with exact softmax normalisers.

    The dense text part is the block matmul; the sparse groups come in as ``extra_scores`` per
    block. Returns ``(indices, scores, weights, lse)`` for the queries ``query_rows`` of ``qf``;
    scores are in score units (before the temperature), weights are ``softmax(score / tau)``
    over all keys.

    ``candidates`` ("exact", "index", "auto" or a
    :class:`~attn_team.attention._candidates.CandidateParams`) selects the candidate pass of
    :mod:`._candidates` for large N (weights then normalised over the candidates plus a sampled
    tail); ``engine`` (an :class:`~attn_team.attention._engine.Engine`) runs the pass on a Dask
    cluster.
    """
    from ._candidates import CandidateParams, candidate_topk, use_index
    from ._topk import topk_attention

    query_rows = np.asarray(query_rows, dtype=np.int64)
    params = candidates if isinstance(candidates, CandidateParams) else (
        CandidateParams() if use_index(candidates, len(query_rows), kf.n) else None)
    # the candidate pass applies the text coefficient per pair: no scaled N x d copy of the queries
    # (and builds the scaled sparse query rows a block at a time)
    Qe, Ke, Qs, Ks, text_scale = _prepared(mixer, qf, kf, lazy=params is not None)
    tau = float(mixer.temperature().detach())
    every = len(query_rows) == qf.n and bool((query_rows == np.arange(qf.n)).all())
    Qs_rows = Qs if every else Qs[query_rows]
    Qe_rows = Qe if every else Qe[torch.from_numpy(query_rows)]  # every item a query: no N x d gather
    inv_tau = 1.0 / tau
    opts = dict(self_index=None if self_index is None else np.asarray(self_index, dtype=np.int64),
                key_mask=None if key_mask is None else np.asarray(key_mask, dtype=bool),
                exclude_pairs=exclude_pairs if exclude_pairs is not None and len(exclude_pairs) else None)
    if engine is not None and engine.distributed:
        from ._engine import dask_topk

        top = dask_topk(engine.scheduler, Qe_rows.numpy(), Ke.numpy(), Qs_rows, Ks, k,
                        scale=inv_tau, block_size=block_size, params=params, text_scale=text_scale,
                        progress=progress, **opts)
    elif params is not None:
        log.info("top-k over %d keys from index candidates (%d queries)", kf.n, len(query_rows))
        top = candidate_topk(Qe_rows.numpy(), Ke.numpy(), Qs_rows, Ks, k, scale=inv_tau, params=params,
                             text_scale=text_scale, progress=progress and len(query_rows) > block_size, **opts)
    else:
        def extra(rows: slice, cols: slice):
            return np.asarray((Qs_rows[rows] @ Ks[:, cols]).todense(), dtype=np.float32) * inv_tau

        top = topk_attention(Qe_rows, Ke, k, block_size=block_size, scale=inv_tau,
                             extra_scores=extra, progress=progress and len(query_rows) > block_size, **opts)
    scores = np.where(top.indices >= 0, top.scores * tau, -np.inf).astype(np.float32)
    return top.indices, scores, top.weights, top.lse


#: pairs per step of :func:`contributions`: the gathered (pairs, d) text rows stay about 100 MB,
#: whatever the number of kept edges (2 million at 100k items, 20 million at 1M)
PAIR_CHUNK = 1 << 16


def contributions(mixer: HeadMixer, qf: ItemFeatures, kf: ItemFeatures, qi: np.ndarray,
                  kj: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per-head contributions to the score of the pairs ``(qi[t], kj[t])``, and each group's similarity.

    ``sims`` holds each sparse group's dot product and, under ``"emb"``, the raw (unprojected)
    embedding cosine of each pair. Computed :data:`PAIR_CHUNK` pairs at a time.
    """
    coef = mixer.group_coef().detach().numpy()
    qi = np.asarray(qi, dtype=np.int64)
    kj = np.asarray(kj, dtype=np.int64)
    n = len(qi)
    out = {h: np.zeros(n, dtype=np.float64) for h in HEADS}
    sims: dict[str, np.ndarray] = {}
    if n == 0:
        return out, sims
    sims = {g: np.empty(n, dtype=np.float64) for g in ("emb", *_SPARSE)}
    with torch.no_grad():  # (x_q W_q^T) . (x_k W_k^T) = x_q (W_q^T W_k) . x_k: one product per query, not per pair
        bilinear = (mixer.W_q.T @ mixer.W_k).numpy().astype(np.float32)
    Eq = np.ascontiguousarray(qf.embeddings, dtype=np.float32)  # once, not per chunk
    Ek = Eq if kf.embeddings is qf.embeddings else np.ascontiguousarray(kf.embeddings, dtype=np.float32)
    for s0 in range(0, n, PAIR_CHUNK):
        q, k = qi[s0:s0 + PAIR_CHUNK], kj[s0:s0 + PAIR_CHUNK]
        uq, inv = np.unique(q, return_inverse=True)  # kept edges come query by query: few distinct queries
        sims["emb"][s0:s0 + len(q)] = row_dots(Eq, Ek, q, k)
        out["text"][s0:s0 + len(q)] = float(coef[0]) * row_dots(Eq[uq] @ bilinear, Ek, inv, k)
        for g in _SPARSE:
            sims[g][s0:s0 + len(q)] = pair_dots(qf.groups[g], kf.groups[g], q, k)
    for gi, g in enumerate(_SPARSE, start=1):
        out[GROUPS[g]] += float(coef[gi]) * sims[g]
    return out, sims


def score_rows(mixer: HeadMixer, feats: ItemFeatures, rows, *, block_size: int = 512) -> np.ndarray:
    """Dense scores of the items at ``rows`` against every item (before the temperature); self is ``-inf``."""
    rows = np.asarray(rows, dtype=np.int64)
    Qe, Ke, Qs, Ks, _ = _prepared(mixer, feats, feats)
    out = np.empty((len(rows), feats.n), dtype=np.float32)
    for s0 in range(0, len(rows), block_size):
        r = rows[s0:s0 + block_size]
        S = Qe[torch.from_numpy(r)] @ Ke.T
        S += torch.from_numpy(np.asarray((Qs[r] @ Ks).todense(), dtype=np.float32))
        out[s0:s0 + len(r)] = S.numpy()
    out[np.arange(len(rows)), rows] = -np.inf
    return out


def owner_rows(backlog) -> dict[str, list[int]]:
    """Person -> row positions of the items they were involved in (from ``backlog.involvement``)."""
    pos = {k: i for i, k in enumerate(backlog.items["key"].astype(str))}
    owners: dict[str, list[int]] = {}
    inv = backlog.involvement
    for k, p in zip(inv["key"], inv["person"]):
        if str(k) in pos:
            owners.setdefault(str(p), []).append(pos[str(k)])
    return dict(sorted(owners.items()))


def _person_vectors(people_vocab: dict, names: list[str], width: int) -> sp.csr_matrix:
    """One-hot rows of each person in the column space of the items' ``people`` group."""
    rows, cols = [], []
    for r, nme in enumerate(names):
        if nme in people_vocab:
            rows.append(r)
            cols.append(people_vocab[nme])
    return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(names), width))


def history_mask(backlog) -> np.ndarray:
    """Items that are history: resolved, done, or in a closed sprint."""
    items = backlog.items
    closed = set(backlog.sprints.loc[backlog.sprints["state"].fillna("") == "closed", "sprint_id"].dropna())
    in_closed = np.array([any(s in closed for s in lst) for lst in items["sprints"]], dtype=bool)
    resolved = items["resolved"].notna().to_numpy()
    done = (items["status_category"].fillna("") == "done").to_numpy()
    return in_closed | resolved | done


def _item_nodes(items: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"id": items["key"].astype(object), "label": items["summary"].astype(object).fillna(""),
                         "kind": "item", "team": items["team"].astype(object),
                         "status": items["status"].astype(object)})


def member_features(backlog, feats: ItemFeatures) -> tuple[ItemFeatures, list[str]]:
    """Key features of the members: each person attention-pooled over the items they were involved in."""
    owners = owner_rows(backlog)
    if not owners:
        return feats.take(np.empty(0, dtype=np.int64)), []
    names, P = pool_matrix(owners, feats.embeddings)
    kf = pooled_features(feats, P, names)
    # the people group of a member is the person itself (one-hot in the items' people space)
    kf.groups["people"] = _person_vectors(feats.people_vocab, names, feats.groups["people"].shape[1])
    return kf, names


def _categories(categorize, qf: ItemFeatures, kf: ItemFeatures, qi: np.ndarray, kj: np.ndarray, to: str,
                sims: dict) -> list:
    if categorize is None or to == "members" or not len(qi):
        return [None] * len(qi)
    from ._typed import pair_similarities

    return list(categorize.predict(pair_similarities(qf, kf, qi, kj, sims=sims)))


#: kept edges explained (head contributions, reasons, categories) at a time: the group similarities
#: and the per-pair lists of a batch are all that is held beside the result (at 1M items and k = 5,
#: 5 million edges at once took about 3 GB more than the edges themselves)
EXPLAIN_CHUNK = 1 << 18


def _explained(mixer: HeadMixer, backlog, qf: ItemFeatures, kf: ItemFeatures, qi: np.ndarray, kj: np.ndarray,
               to: str, categorize, teacher=None) -> tuple[dict[str, np.ndarray], list, list]:
    """Head contributions, reasons and categories of the pairs ``(qi[t], kj[t])``, :data:`EXPLAIN_CHUNK` at a time.

    ``teacher`` (``(rows, features)`` of :func:`~._rescore.rescore_topk`): the contributions are
    computed from those features (the teacher's vectors), the reasons from ``qf``/``kf`` as always.

    Equal reasons share one string (at 1M items many edges of a division read alike).
    """
    n = len(qi)
    contrib = {h: np.zeros(n, dtype=np.float64) for h in HEADS}
    reasons: list = []
    cats: list = []
    explainer = Explainer(backlog, qf, kf, to)
    pool: dict[str, str] = {}
    for s0 in range(0, n, EXPLAIN_CHUNK):
        q, k = qi[s0:s0 + EXPLAIN_CHUNK], kj[s0:s0 + EXPLAIN_CHUNK]
        if teacher is None:
            part, sims = contributions(mixer, qf, kf, q, k)
        else:
            U, sub = teacher
            part, sims = contributions(mixer, sub, sub, np.searchsorted(U, q), np.searchsorted(U, k))
        for h in HEADS:
            contrib[h][s0:s0 + len(q)] = part[h]
        reasons.extend(pool.setdefault(r, r) for r in explainer(q, k, part, sims))
        cats.extend(_categories(categorize, qf, kf, q, k, to, sims))
    return contrib, reasons, cats


def attend_features(mixer: HeadMixer, backlog, feats: ItemFeatures, to: str, k: int, qrows: np.ndarray, *,
                    block_size: int = 512, progress: bool = False, members=None, candidates="exact",
                    engine=None, categorize=None, rescore=None, given=None) -> Attention:
    """Items at ``qrows`` attend to ``to``; the kept top ``k`` keys per query as an :class:`Attention`.

    ``members`` (the result of :func:`member_features`) can be passed to reuse pooled member features;
    ``candidates`` and ``engine`` are those of :func:`topk`. ``categorize`` (a
    :class:`~attn_team.attention._typed.CategoryModel`) fills the ``category`` column of item and
    history edges with each pair's most likely link category (else it is empty). ``rescore``
    (``(R, teacher rows)``, item edges only) re-scores each query's top ``R`` candidates with the
    teacher's vectors (:mod:`._rescore`); with ``given`` (candidate rows, queries x m, -1 for none:
    a kept whole pass's keys) those are re-scored and no top-k pass runs.
    """
    how = dict(block_size=block_size, progress=progress, candidates=candidates, engine=engine)
    items = backlog.items
    key_meta = None
    if to == "members":
        kf, names = members if members is not None else member_features(backlog, feats)
        idx, scores, weights, lse = topk(mixer, feats, kf, qrows, k, **how)
        kind = "member"
        team = dict(zip(backlog.people["person"], backlog.people["team"])) if len(backlog.people) else {}
        label = dict(zip(backlog.people["person"], backlog.people["display_name"])) if len(backlog.people) else {}
        key_meta = pd.DataFrame({"id": names, "label": [label.get(n) if isinstance(label.get(n), str) else n
                                                         for n in names],
                                 "kind": "member", "team": [team.get(n) for n in names]})
    else:
        kf = feats
        key_mask = history_mask(backlog) if to == "history" else None
        rescoring = rescore is not None and to == "items"
        if rescoring and given is not None:
            idx = np.asarray(given, dtype=np.int64)
        else:
            depth = max(int(rescore[0]), k) if rescoring else k
            idx, scores, weights, lse = topk(mixer, feats, kf, qrows, depth, self_index=qrows, key_mask=key_mask,
                                             **how)
        kind = "item"
    teacher = None
    if rescore is not None and to == "items":
        from ._rescore import rescore_topk

        *teacher, idx, scores, weights, lse = rescore_topk(mixer, feats, qrows, idx, k, rescore[1])
    n_q, kk = idx.shape
    rr = np.repeat(np.arange(n_q), kk)
    cc = idx.reshape(-1)
    keep = cc >= 0
    rr, cc = rr[keep], cc[keep]
    qi = qrows[rr]
    contrib, reasons, cats = _explained(mixer, backlog, feats, kf, qi, cc, to, categorize, teacher=teacher)
    edges = pd.DataFrame({
        "source": feats.keys[qi].astype(object),
        "target": np.asarray(kf.keys, dtype=object)[cc],
        "weight": weights.reshape(-1)[keep].astype(np.float64),
        "score": scores.reshape(-1)[keep].astype(np.float64),
        **{h: contrib[h] for h in HEADS},
        "reason": reasons,
        "category": pd.Series(cats, dtype="string"),
    })
    del reasons, cats
    if to == "history":
        out = backlog.outcomes().set_index("key").reindex(edges["target"].astype(str))
        edges["cycle_time_days"] = out["cycle_time_days"].to_numpy(dtype=float, na_value=np.nan)
        edges["n_sprints"] = out["n_sprints"].to_numpy()
        edges["carried_over"] = out["carried_over"].to_numpy(dtype=bool)
        edges["teams_involved"] = out["teams_involved"].tolist()
        edges["teams"] = [", ".join(t) for t in out["teams_involved"]]
    ctx = ContextVectors(kf.embeddings, idx, weights)  # made if and when it is read
    nodes = _item_nodes(items)
    if key_meta is not None:
        nodes = pd.concat([nodes, key_meta], ignore_index=True)
    if len(qrows) == feats.n:  # a whole-backlog pass, memoised by its owner (BacklogAttention):
        from ._candidates import release_indexes

        release_indexes()  # its index (0.85 GB at 1M) is not kept beside the result,
        release_memory("attention")  # nor the heap of its millions of transient pair rows and reasons
    return Attention(edges=edges, to=to, k=int(k), heads=tuple(HEADS), context=ctx,
                     query_keys=feats.keys[qrows].astype(object), lse=lse,
                     temperature=float(mixer.temperature().detach()), nodes=nodes, key_kind=kind)
