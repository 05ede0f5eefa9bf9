"""Coordinate ascent on reciprocal rank: the mixture's group weights searched on the metric itself.

The InfoNCE fit of :mod:`._training` moves the head and group weights by the gradient of a
softmax loss over sampled negatives; on a few hundred links that loss and the ranking it is
judged by disagree, and the model choice kept the untrained mixture in most folds of the dev
sets. This module fits the mixture the way linear ranking models are fitted in information
retrieval: coordinate ascent on the evaluation metric (Metzler and Croft, "Linear feature-based
models for information retrieval", Information Retrieval 10, 2007; RankLib's ``CoorAscent``).
One group at a time, its coefficient is multiplied by each of :data:`FACTORS` (0 switches the
group off), and a step is kept when the mean reciprocal rank of the training links' partners
rises; sweeps repeat until none does (at most :data:`SWEEPS`). A group never grows past
``max_gain`` times its untrained coefficient (the cap of :mod:`._training`).

The graph head reads links, so a link must not be ranked with itself in the graph: the training
links are split into :data:`FOLDS` parts, and the links of each part are ranked with the graph
built from the others only (cross-fitting, as the evaluation does fold by fold).

Each query's partner is ranked among the query's :data:`N_CANDIDATES` best items under the start
mixer (a re-ranking, as in learning to rank): the per-group similarities of those pairs are
computed once, and a trial weight costs one update of the scores by the changed group. A partner outside the
candidates keeps its place below them, where its reciprocal rank is at most ``1 / N_CANDIDATES``.

The text projections are not searched (the start mixer's are kept), nor the temperature (a
ranking does not depend on it).
"""

from __future__ import annotations

import copy
import logging
import math

import numpy as np
import pandas as pd
import torch

from .._heads import GROUPS, HEADS
from ._features import ItemFeatures, with_links
from ._metrics import paired_gain_se
from ._mixer import HeadMixer
from ._pairs import pair_dots, row_dots
from ._scoring import topk

__all__ = ["ascent_mixer", "FACTORS", "SWEEPS", "FOLDS", "N_CANDIDATES", "MIN_ASCENT_LINKS"]

log = logging.getLogger(__name__)

#: multipliers tried for one group's coefficient per step (0: the group off)
FACTORS = (0.0, 0.25, 0.5, 2.0, 4.0)
#: sweeps over all groups at most
SWEEPS = 3
#: cross-fitting parts of the training links (each part ranked with the others' graph)
FOLDS = 4
#: candidates per query (the start mixer's best items), the partner added when it is not among them
N_CANDIDATES = 300
#: fewest training links to search on (fewer: the start mixer is returned)
MIN_ASCENT_LINKS = 20
#: a step must raise the training MRR by more than this
_TOL = 1e-4
#: a switched-off group keeps this share of its coefficient (the log-weights stay finite)
_OFF = 1e-6


def _coef(mixer: HeadMixer) -> np.ndarray:
    return mixer.group_coef().detach().numpy().astype(np.float64)


def _pair_sims(mixer: HeadMixer, feats: ItemFeatures, q: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Per pair ``(q[t], c[t])``: each group's similarity, text through the mixer's projections: (len(q), G)."""
    out = np.empty((len(q), len(GROUPS)), dtype=np.float64)
    with torch.no_grad():
        bilinear = (mixer.W_q.T @ mixer.W_k).numpy().astype(np.float32)
    E = np.ascontiguousarray(feats.embeddings, dtype=np.float32)
    uq, inv = np.unique(q, return_inverse=True)
    out[:, 0] = row_dots(E[uq] @ bilinear, E, inv, c)
    for gi, g in enumerate(list(GROUPS)[1:], start=1):
        out[:, gi] = pair_dots(feats.groups[g], feats.groups[g], q, c)
    return out


def _part_sims(mixer: HeadMixer, feats: ItemFeatures, q: np.ndarray, t: np.ndarray, *, block_size: int,
               candidates) -> np.ndarray:
    """Similarities of each query's partner (column 0) and of its candidates: (len(q), 1 + m, G).

    A candidate equal to the partner, and a missing one, is an empty slot: ``nan`` in every group,
    so it never ranks (:func:`_by_group`).
    """
    uq, inv = np.unique(q, return_inverse=True)
    m = int(min(N_CANDIDATES, feats.n - 1))
    idx = topk(mixer, feats, feats, uq, m, block_size=block_size, self_index=uq, candidates=candidates)[0]
    cand = idx[inv]  # (len(q), m), -1 where fewer keys
    cand = np.where((cand == t[:, None]) | (cand < 0), -1, cand)
    cols = np.concatenate([t[:, None], cand], axis=1)
    rows = np.repeat(q, cols.shape[1])
    flat = cols.reshape(-1)
    valid = flat >= 0
    sims = np.zeros((len(flat), len(GROUPS)), dtype=np.float64)
    sims[valid] = _pair_sims(mixer, feats, rows[valid], flat[valid])
    sims = sims.reshape(len(q), cols.shape[1], len(GROUPS))
    sims[~valid.reshape(cols.shape)] = np.nan  # marks the empty slots
    return sims


def _reciprocal_ranks(X: np.ndarray, c: np.ndarray) -> np.ndarray:
    """1 / rank of column 0 among the columns of ``X @ c`` (ties count half; empty slots never rank)."""
    return _rr(_scores(_by_group(X), c))


def _by_group(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (queries, slots, groups) as one (queries, slots) array per group, empty slots zero, and their mask."""
    empty = np.isnan(X[:, :, 0])
    return np.ascontiguousarray(np.nan_to_num(X, nan=0.0).transpose(2, 0, 1)), empty


def _rows(XG: tuple[np.ndarray, np.ndarray], mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The link ends ``mask`` of a by-group array."""
    G, empty = XG
    return G[:, mask], empty[mask]


def _scores(XG: tuple[np.ndarray, np.ndarray], c: np.ndarray) -> np.ndarray:
    G, empty = XG
    S = np.tensordot(c, G, axes=1)
    S[empty] = -np.inf
    return S


def _rr(S: np.ndarray) -> np.ndarray:
    s0 = S[:, :1]
    rank = 1.0 + (S[:, 1:] > s0).sum(axis=1) + 0.5 * (S[:, 1:] == s0).sum(axis=1)
    return 1.0 / rank


def ascent_mixer(start: HeadMixer, base: HeadMixer, backlog, feats: ItemFeatures, pairs: pd.DataFrame, *,
                 exclude: set, rng: np.random.RandomState, max_gain: float, block_size: int = 512,
                 candidates="exact", max_queries: int = 4_000) -> tuple[HeadMixer, dict]:
    """The mixer whose group weights maximise the training links' MRR by coordinate ascent.

    Parameters
    ----------
    start : HeadMixer
        Where the search begins (its projections and temperature are kept).
    base : HeadMixer
        The untrained mixer: the cap ``max_gain`` and a switched-off group's way back are
        relative to its coefficients.
    backlog : Backlog
    feats : ItemFeatures
        The backlog's item features (the graph group is rebuilt here per part).
    pairs : DataFrame
        Training links (``source_key``, ``target_key``), none of ``exclude``.
    exclude : set of (key, key)
        Links that never enter the graph (held out by the caller).
    rng : RandomState
        Seeds the parts and the sample of queries above ``max_queries``.
    max_gain : float
    block_size, candidates
        Of the candidate top-k pass.
    max_queries : int, default=4000
        Link ends ranked at most (both directions of each link; a seeded sample above).

    Returns
    -------
    (HeadMixer, dict)
        The mixer (a copy of ``start`` with the weights searched on all the links) and a record:
        ``{"n_queries", "mrr_start", "mrr", "gain_se", "steps", "factors": {group: coefficient /
        untrained}}``: ``mrr`` is out of fold (each part ranked with the weights searched on the
        others), ``gain_se`` its paired gain over ``mrr_start`` in standard errors.
    """
    key_index = {k: i for i, k in enumerate(feats.keys)}
    a = np.array([key_index[x] for x in pairs["source_key"]], dtype=np.int64)
    b = np.array([key_index[x] for x in pairs["target_key"]], dtype=np.int64)
    record = {"n_queries": 0, "mrr_start": float("nan"), "mrr": float("nan"), "gain_se": 0.0, "steps": 0,
              "factors": {}}
    if len(a) < MIN_ASCENT_LINKS:
        return start, record
    if 2 * len(a) > max_queries:  # a seeded sample of links (both directions of each are kept)
        keep = np.sort(rng.permutation(len(a))[:max_queries // 2])
        a, b, pairs = a[keep], b[keep], pairs.iloc[keep]
    part_of = rng.permutation(len(a)) % FOLDS
    blocks = []
    for f in range(FOLDS):
        sel = np.flatnonzero(part_of == f)
        if not len(sel):
            continue
        out = exclude | {tuple(sorted((str(x), str(y)))) for x, y in zip(pairs["source_key"].iloc[sel],
                                                                          pairs["target_key"].iloc[sel])}
        feats_f = with_links(feats, backlog.links, exclude=out)
        q = np.concatenate([a[sel], b[sel]])
        t = np.concatenate([b[sel], a[sel]])
        blocks.append(_part_sims(start, feats_f, q, t, block_size=block_size, candidates=candidates))
    part = np.concatenate([np.full(len(x), f) for f, x in enumerate(blocks)])
    XG = _by_group(np.concatenate(blocks, axis=0))
    n_ends = len(part)
    del blocks
    c0 = _coef(base)
    active = c0 > 0
    c_start = _coef(start)
    rr_start = _rr(_scores(XG, c_start))
    # out of fold: each part ranked with the weights searched on the other parts
    rr_oof = np.empty(n_ends)
    for f in np.unique(part):
        inside = part == f
        c_f, _ = _search(_rows(XG, ~inside), c_start, c0, active, max_gain)
        rr_oof[inside] = _rr(_scores(_rows(XG, inside), c_f))
    gain_se = paired_gain_se(rr_oof - rr_start)
    c, steps = _search(XG, c_start, c0, active, max_gain)
    mixer = copy.deepcopy(start)
    head_idx = [list(HEADS).index(GROUPS[g]) for g in GROUPS]
    with torch.no_grad():
        log_head = mixer.log_head.detach().numpy()
        for gi in np.flatnonzero(active):
            mixer.log_group[gi] = float(math.log(max(c[gi], _OFF * c0[gi])) - log_head[head_idx[gi]])
    mixer.eval()
    record.update(n_queries=int(n_ends), mrr_start=float(rr_start.mean()), mrr=float(rr_oof.mean()),
                  gain_se=gain_se, steps=steps,
                  factors={g: float(c[i] / c0[i]) for i, g in enumerate(GROUPS) if active[i]})
    log.info("coordinate ascent on %d link ends: MRR out of fold %.4f against %.4f (%.1f standard errors), "
             "%d steps", n_ends, rr_oof.mean(), rr_start.mean(), gain_se, steps)
    return mixer, record


def _search(XG: tuple[np.ndarray, np.ndarray], c_start: np.ndarray, c0: np.ndarray, active: np.ndarray,
            max_gain: float) -> tuple[np.ndarray, int]:
    """Coordinate ascent from ``c_start`` on the mean reciprocal rank of ``XG`` (:func:`_by_group`):
    ``(coefficients, steps)``.

    A step changes one coefficient, so a trial's scores are the current ones plus that group's
    similarities times the change (one (queries, slots) update, not a product over all groups).
    A switched-off group's trials start again from its untrained coefficient.
    """
    G = XG[0]
    c = c_start.copy()
    S = _scores(XG, c)
    best = float(_rr(S).mean())
    steps = 0
    for _ in range(SWEEPS):
        moved = False
        for g in np.flatnonzero(active):
            for f in FACTORS:
                value = (c[g] if c[g] > _OFF * c0[g] * 10 else c0[g]) * f
                value = min(max(value, _OFF * c0[g]), max_gain * c0[g])
                if value == c[g]:
                    continue
                S_t = S + (value - c[g]) * G[g]
                v = float(_rr(S_t).mean())
                if v > best + _TOL:
                    best, S, moved = v, S_t, True
                    c = c.copy()
                    c[g] = value
                    steps += 1
        if not moved:
            break
    return c, steps
