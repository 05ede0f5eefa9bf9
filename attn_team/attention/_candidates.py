"""Candidate top-k for large N: an ANN index and inverted lists propose keys, the exact score ranks them.

Exact blocked top-k (:mod:`._topk`) scores every query against every key: ``n x m`` dot
products, about 2.4 minutes at 100,000 items on two cores and hours at 1,000,000. Above
:data:`AUTO_MIN_PAIRS` query-key pairs, ``candidates="auto"`` switches to this module:

1. **Text candidates**: an HNSW index (`usearch <https://github.com/unum-cloud/usearch>`_,
   inner-product metric) over the projected key text vectors ``Ke`` returns the
   ``n_dense`` keys nearest each projected query vector ``Qe``. usearch is chosen over
   faiss and hnswlib because it is maintained (monthly releases), ships wheels for every
   platform without a BLAS or OpenMP dependency, has an inner-product metric and
   f32/f16/i8 storage, builds deterministically with one thread, and serialises to bytes
   (so one index built on the client can be broadcast to Dask workers).
2. **Sparse candidates**: the sparse groups' own inverted lists. The lists of the values a
   query has (a component, person, mention, term, sprint, time window) shared by at most
   ``max_df`` keys are always read; longer lists are read rarest first while the query's
   ``budget`` of keys lasts, so a catch-all label or a common word never makes a query walk
   a list that grows with N. The keys reached are ranked by their full sparse score (the
   values whose lists were not walked are added from each key's own row) and the best
   ``n_sparse`` are kept.
3. **Exact score on the union**: the full multi-head score (dense + all sparse groups) of
   every candidate, the top ``k`` among them, and the explanation as before.

Memory: the index (``m x d`` int8 vectors and ``m x connectivity`` links), each key's values
in long lists, the candidates of one block of :data:`TAIL_BLOCK` queries at a time (at most
``n_dense + n_sparse`` each, plus the keys their lists reach) and the ``n x k`` result:
linear in N, never ``n x m``.

Softmax normalisation. The exact log-sum-exp over all keys is not computed any more. The
normaliser of query ``i`` is ``lse_i = log(sum_{j in C_i} e^{s_ij} + T_i)``: the exact
sum over the query's candidates ``C_i`` plus ``T_i``, an unbiased estimate of the sum over
the other allowed keys from ``n_tail`` keys sampled uniformly (with replacement) from all
allowed keys, shared by a block of queries, where sampled candidates count zero:
``T_i = M_i / n_tail * sum_{sampled j not in C_i} e^{s_ij}`` with ``M_i`` the query's
number of allowed keys. So ``lse_i`` is never below the log-sum-exp over the candidates,
``E[e^{lse_i}]`` is the exact partition function, and weights stay comparable with the exact
engine's (they are the exact ones up to the estimate's relative error, small because the
candidates hold the large terms). ``n_tail=0`` gives the log-sum-exp over candidates only
(weights then over-estimate, and a row of all ``k`` candidates sums to about 1). Pairs in
``exclude_pairs`` are removed from the candidates but not from the tail estimate.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import logging
import math

import numpy as np
import scipy.sparse as sp

from ._pairs import _canonical, dense_pair_dots, pair_dots, row_top
from ._topk import TopK

__all__ = ["AUTO_MIN_PAIRS", "CANDIDATES", "CandidateParams", "use_index", "build_index", "candidate_topk",
           "release_indexes", "index_to_bytes", "index_from_bytes"]

log = logging.getLogger(__name__)

#: candidate modes of :class:`~attn_team.CrossAttention`
CANDIDATES = ("auto", "exact", "index")
#: ``auto`` uses the index from this many query-key pairs on (50,000 items attending to each
#: other: exact top-k takes about 40 s there and grows as N^2, see benchmarks/RESULTS.md)
AUTO_MIN_PAIRS = 50_000 * 50_000
#: queries per block of the sparse lists, the rescoring and the tail sample
TAIL_BLOCK = 512

_MISSING = ("the candidate index needs usearch (an optional dependency): pip install 'attn-team[scale]'")


@dataclasses.dataclass(frozen=True)
class CandidateParams:
    """How many candidates each query gets, and how the index is built.

    Parameters
    ----------
    n_dense : int or None, default=None
        Keys proposed by the text index per query (default ``max(64, 3 * k)``).
    n_sparse : int or None, default=None
        Keys proposed by the sparse inverted lists per query (default ``max(200, 10 * k)``:
        they are ranked by their sparse score alone, so more of them are needed).
    max_df : int, default=256
        Sparse values shared by at most this many keys are short lists, always walked.
    budget : int, default=1024
        Keys a query may reach through longer lists in all, rarest value first; longer lists
        beyond it are not walked (their values still count in the ranking and the score).
    n_tail : int, default=1024
        Keys sampled per block of queries to estimate the softmax tail (0: candidates only).
    connectivity, expansion_add, expansion_search : int
        HNSW graph degree and search widths (``expansion_search`` at least ``n_dense``).
    dtype : {"i8", "f16", "f32"}, default="i8"
        Storage of the vectors in the index. ``i8`` builds about 10x faster than ``f32`` here
        (usearch's int8 kernels) and loses nothing that matters: candidates are re-scored
        exactly, and keys are scaled by one common factor (queries each by their own) so every
        component fits the int8 range without changing the inner-product order.
    build_threads : int, default=1
        Threads adding vectors to the index; 1 builds the same graph on every run (several
        threads insert in an order that varies, so candidates can differ between runs).
    seed : int, default=0
        Seeds the tail samples.
    """

    n_dense: int | None = None
    n_sparse: int | None = None
    max_df: int = 256
    budget: int = 1024
    n_tail: int = 1024
    connectivity: int = 8
    expansion_add: int = 64
    expansion_search: int = 96
    dtype: str = "i8"
    build_threads: int = 1
    seed: int = 0

    def counts(self, k: int, m: int) -> tuple[int, int]:
        """``(n_dense, n_sparse)`` for ``k`` kept keys among ``m``."""
        nd = self.n_dense if self.n_dense is not None else max(64, 3 * k)
        ns = self.n_sparse if self.n_sparse is not None else max(200, 10 * k)
        return min(int(nd), m), min(int(ns), m)


def use_index(candidates: str, n_queries: int, n_keys: int) -> bool:
    """Whether ``candidates`` ("auto", "exact" or "index") means the index for this many queries and keys.

    ``"auto"`` means the index from :data:`AUTO_MIN_PAIRS` pairs on, when usearch is installed
    (without it: exact, with a warning naming the extra).
    """
    if candidates not in CANDIDATES:
        raise ValueError(f"candidates must be one of {CANDIDATES}, got {candidates!r}")
    if candidates == "auto":
        if n_queries * n_keys < AUTO_MIN_PAIRS:
            return False
        import importlib.util

        if importlib.util.find_spec("usearch") is None:  # the extra is optional: exact, but say what would help
            log.warning("%d x %d query-key pairs: exact top-k will be slow; pip install 'attn-team[scale]' "
                        "for the candidate index", n_queries, n_keys)
            return False
        return True
    return candidates == "index"


def _usearch():
    try:
        from usearch.index import Index
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(_MISSING) from e
    return Index


def build_index(Ke: np.ndarray, key_rows: np.ndarray, params: CandidateParams):
    """An inner-product HNSW index over the key vectors ``Ke[key_rows]``, labelled by key position."""
    Index = _usearch()
    Ke = np.ascontiguousarray(Ke, dtype=np.float32)
    index = Index(ndim=Ke.shape[1], metric="ip", dtype=params.dtype, connectivity=params.connectivity,
                  expansion_add=params.expansion_add, expansion_search=params.expansion_search)
    key_rows = np.asarray(key_rows, dtype=np.int64)
    if len(key_rows):
        # one common scale (the inner-product order is kept), then the vectors added a chunk at a time
        # in key order: the same graph as adding all at once, without two copies of the N x d keys
        top = max(float(np.abs(Ke[key_rows[c:c + _ADD_CHUNK]]).max()) for c in range(0, len(key_rows), _ADD_CHUNK))
        top = top if top > 0 else 1.0
        for c in range(0, len(key_rows), _ADD_CHUNK):
            rows = key_rows[c:c + _ADD_CHUNK]
            index.add(rows.astype(np.uint64), np.ascontiguousarray(Ke[rows] / top, dtype=np.float32),
                      threads=params.build_threads)
    return index


#: key vectors added to the index at a time
_ADD_CHUNK = 65_536


#: indexes kept for reuse (the fit searches hard negatives several times over the same key vectors);
#: a pass with every item as a query forgets them (:func:`release_indexes`): its result is memoised
_INDEX_CACHE: collections.OrderedDict = collections.OrderedDict()
INDEX_CACHE_SIZE = 2


def cached_index(Ke: np.ndarray, key_rows: np.ndarray, params: CandidateParams):
    """:func:`build_index`, reused while the key vectors, the keys and the build settings are the same.

    The key is a digest of the vectors' bytes (about a second at 1M x 384), far below a build
    (minutes at 1M items); the last :data:`INDEX_CACHE_SIZE` indexes are kept.
    """
    Ke = np.ascontiguousarray(Ke, dtype=np.float32)
    key_rows = np.ascontiguousarray(key_rows, dtype=np.int64)
    h = hashlib.blake2b(digest_size=16)
    h.update(Ke.view(np.uint8).reshape(-1))
    h.update(key_rows.view(np.uint8).reshape(-1))
    h.update(repr((Ke.shape, params.dtype, params.connectivity, params.expansion_add, params.build_threads)).encode())
    key = h.hexdigest()
    if key in _INDEX_CACHE:
        _INDEX_CACHE.move_to_end(key)
        return _INDEX_CACHE[key]
    index = build_index(Ke, key_rows, params)
    _INDEX_CACHE[key] = index
    while len(_INDEX_CACHE) > INDEX_CACHE_SIZE:
        _INDEX_CACHE.popitem(last=False)
    return index


def release_indexes() -> None:
    """Forget the kept indexes (after a whole-backlog pass, whose result is kept instead)."""
    _INDEX_CACHE.clear()


def _fit_range(X: np.ndarray, *, common: bool) -> np.ndarray:
    """``X`` scaled into [-1, 1] (one factor for all rows, or one per row): the inner-product order is kept."""
    top = np.abs(X).max(axis=None if common else 1, keepdims=not common)
    top = np.where(top > 0, top, 1.0)
    return np.ascontiguousarray(X / top, dtype=np.float32)


def index_to_bytes(index) -> bytes:
    """The index serialised (to broadcast it to workers)."""
    return bytes(index.save())


def index_from_bytes(data: bytes, params: CandidateParams):
    """The index of :func:`index_to_bytes`, with the search width of ``params``."""
    Index = _usearch()
    index = Index.restore(bytearray(data))
    index.expansion_search = params.expansion_search
    return index


def _dense_candidates(index, Qe: np.ndarray, count: int) -> np.ndarray:
    """``count`` keys per query from the index (``-1`` padding), shape (n, count)."""
    n = len(Qe)
    if n == 0 or count == 0 or len(index) == 0:
        return np.full((n, count), -1, dtype=np.int64)
    res = index.search(_fit_range(Qe, common=False), count=count, threads=0)
    keys = np.asarray(res.keys).reshape(n, -1).astype(np.int64)
    # one query gives usearch's Matches (its length is the count found), more give BatchMatches
    counts = np.asarray(res.counts).reshape(n) if hasattr(res, "counts") else np.array([len(res)])
    keys[np.arange(keys.shape[1])[None, :] >= counts[:, None]] = -1
    if keys.shape[1] < count:
        keys = np.hstack([keys, np.full((n, count - keys.shape[1]), -1, dtype=np.int64)])
    return keys


class _Lists:
    """The sparse groups' inverted lists over the allowed keys, split by document frequency.

    A column (one value: a component, a person, a term, a window) shared by at most ``max_df``
    keys is a *short* list; longer lists are read for a query only while its budget lasts
    (rarest first, ``budget`` keys in all), so no query walks a list that grows with N. What a
    query does not walk still counts: the keys found are ranked by their full sparse score,
    the unwalked columns added from the keys' own rows.
    """

    def __init__(self, Ks: sp.csc_matrix, Ks_rows: sp.csr_matrix, allowed_mask: np.ndarray, max_df: int,
                 budget: int):
        self.df = np.bincount(Ks_rows.indices, minlength=Ks.shape[0])
        self.max_df, self.budget = int(max_df), int(budget)
        self.K = Ks.tocsr()  # (D, m): lists of allowed keys (one copy; the disallowed keys' entries dropped in place)
        if not allowed_mask.all():
            self.K.data[~allowed_mask[self.K.indices]] = 0
        self.K.eliminate_zeros()
        long = np.flatnonzero(self.df > self.max_df)
        self.long_pos = np.full(Ks.shape[0], -1, dtype=np.int64)
        self.long_pos[long] = np.arange(len(long))
        self.K_long = sp.csr_matrix(Ks_rows[:, long])  # (m, n_long): each key's long-list values
        self.K_long.sum_duplicates()  # canonical once here (the merge kernels need it), not per block
        self.n_long = len(long)

    def walked(self, qs: sp.csr_matrix) -> np.ndarray:
        """Per stored entry of ``qs``: is its list walked (short, or long within the budget)."""
        d = self.df[qs.indices]
        rows = np.repeat(np.arange(qs.shape[0]), np.diff(qs.indptr))
        walk = d <= self.max_df
        order = np.lexsort((d, rows))  # per row, rarest first
        dl = np.where(walk, 0, d)[order]
        csum = np.cumsum(dl)
        first = np.r_[0, np.cumsum(np.bincount(rows, minlength=qs.shape[0]))[:-1]]
        start_sum = np.r_[0, csum][first[rows[order]]]
        walk[order] |= (csum - start_sum) <= self.budget
        return walk

    def candidates(self, qs: sp.csr_matrix, count: int, *, max_pairs: int = 1 << 21) -> np.ndarray:
        """The ``count`` best keys per query by full sparse score among the keys its walked lists reach.

        Queries are taken in runs whose reached (query, key) pairs stay under ``max_pairs`` (bounded
        from the walked lists' lengths), so memory stays a few tens of MB and a block of queries with
        short lists is one sparse product, not many.
        """
        n = qs.shape[0]
        out = np.full((n, count), -1, dtype=np.int64)
        if n == 0 or count == 0 or qs.nnz == 0:
            return out
        walk = self.walked(qs)
        rows_all = np.repeat(np.arange(n), np.diff(qs.indptr))
        reach = np.cumsum(np.bincount(rows_all, weights=np.where(walk, self.df[qs.indices], 0), minlength=n))
        bounds = [0]
        while bounds[-1] < n:
            base = reach[bounds[-1] - 1] if bounds[-1] else 0.0
            bounds.append(max(int(np.searchsorted(reach, base + max_pairs, side="right")), bounds[-1] + 1))
        for r0, r1 in zip(bounds[:-1], bounds[1:]):
            out[r0:r1] = self._run(qs[r0:r1], walk[qs.indptr[r0]:qs.indptr[r1]], count)
        return out

    def _run(self, qs: sp.csr_matrix, walk: np.ndarray, count: int) -> np.ndarray:
        """:meth:`candidates` of one run of queries, ``walk`` their entries' walked flags."""
        n = qs.shape[0]
        out = np.full((n, count), -1, dtype=np.int64)
        if qs.nnz == 0:
            return out
        q_walk = sp.csr_matrix((np.where(walk, qs.data, 0), qs.indices.copy(), qs.indptr.copy()), shape=qs.shape)
        q_walk.eliminate_zeros()
        S = (q_walk @ self.K).tocsr()
        S.eliminate_zeros()
        if S.nnz == 0:
            return out
        Qr = None
        rest = ~walk & (self.long_pos[qs.indices] >= 0)
        if rest.any():  # the unwalked long columns count, from each reached key's own long values
            r_q = np.repeat(np.arange(n), np.diff(qs.indptr))
            Qr = sp.csr_matrix((qs.data[rest], (r_q[rest], self.long_pos[qs.indices[rest]])),
                               shape=(n, self.n_long))
        return row_top(S, Qr, self.K_long, count)


def _pair_scores(Qe, Ke, Qs_rows, Ks_rows, cand: np.ndarray, text_scale: float = 1.0) -> np.ndarray:
    """Exact scores (score units) of queries against their candidates ``cand`` (``-1`` -> ``-inf``)."""
    n, c = cand.shape
    dense = dense_pair_dots(Qe, Ke, cand)
    if text_scale != 1.0:
        dense *= np.float32(text_scale)
    valid = cand >= 0
    qi = np.repeat(np.arange(n), c)[valid.reshape(-1)]
    kj = cand[valid]
    out = np.full((n, c), -np.inf, dtype=np.float32)
    out[valid] = dense[valid] + pair_dots(Qs_rows, Ks_rows, qi, kj).astype(np.float32)
    return out


def _dedupe(cand: np.ndarray) -> np.ndarray:
    """Rows of ``cand`` with each key once, in descending key order, ``-1`` padding at the end, trimmed."""
    s = -np.sort(-cand, axis=1)
    dup = np.zeros_like(s, dtype=bool)
    dup[:, 1:] = s[:, 1:] == s[:, :-1]
    s[dup] = -1
    s = -np.sort(-s, axis=1)
    width = int((s >= 0).sum(axis=1).max(initial=0))
    return s[:, :max(width, 1)]


def _tail_sample(block: int, allowed: np.ndarray, n_tail: int, seed: int) -> np.ndarray:
    """The keys sampled for query block ``block`` (global block number, so any split of queries agrees)."""
    rng = np.random.default_rng([int(seed), int(block)])
    return allowed[rng.integers(0, len(allowed), n_tail)]


def candidate_topk(Qe: np.ndarray, Ke: np.ndarray, Qs: sp.csr_matrix, Ks: sp.csc_matrix, k: int, *,
                   scale: float = 1.0, self_index=None, key_mask=None, exclude_pairs=None,
                   params: CandidateParams | None = None, index=None, query_offset: int = 0,
                   text_scale: float = 1.0, progress: bool = False) -> TopK:
    """Top-``k`` keys per query among index and inverted-list candidates, scored exactly.

    Parameters
    ----------
    Qe : ndarray of shape (n, d)
        Projected (and group-scaled) query text vectors.
    Ke : ndarray of shape (m, d)
        Projected key text vectors.
    Qs : scipy.sparse matrix of shape (n, D)
        Sparse query features (group-scaled), or an object whose ``Qs[q0:q1]`` gives those rows as
        CSR (:class:`~attn_team.attention._scoring.ScaledRows`).
    Ks : scipy.sparse matrix of shape (D, m)
        Sparse key features, transposed (as :func:`~attn_team.attention._scoring.topk` builds them).
    k : int
    scale : float, default=1.0
        ``1 / temperature``: weights are ``softmax(scale * score)``.
    self_index : array-like of shape (n,), optional
        Key position of each query's own item (``-1``: none), never a candidate.
    key_mask : array-like of bool, shape (m,), optional
        Allowed keys (the others are neither candidates nor in the tail).
    exclude_pairs : array-like of shape (p, 2), optional
        ``(query, key)`` pairs removed from the candidates.
    params : CandidateParams, optional
    index : usearch Index, optional
        A prebuilt index over the allowed keys (built here when omitted).
    query_offset : int, default=0
        Position of the first query among all queries of the pass: the tail sample of a
        block depends on its global block number only, so splitting the queries over
        workers at multiples of :data:`TAIL_BLOCK` gives the same result.
    text_scale : float, default=1.0
        Factor of the text part of the score (``text_scale * Qe . Ke``): the text head's
        coefficient applied per pair, so the caller need not scale a copy of ``Qe`` (1.5 GB at
        1M items). Positive; the index's candidates do not depend on it.
    progress : bool, default=False

    Returns
    -------
    TopK
        As :func:`~attn_team.attention._topk.topk_attention` (scores scaled), with ``lse``
        the candidate log-sum-exp plus the sampled tail (see the module notes).
    """
    params = params or CandidateParams()
    Qe = np.ascontiguousarray(np.asarray(Qe, dtype=np.float32))
    Ke = np.ascontiguousarray(np.asarray(Ke, dtype=np.float32))
    n, m = len(Qe), len(Ke)
    if query_offset % TAIL_BLOCK:
        raise ValueError(f"query_offset must be a multiple of {TAIL_BLOCK}, got {query_offset}")
    allowed = np.arange(m) if key_mask is None else np.flatnonzero(np.asarray(key_mask, dtype=bool))
    self_idx = np.full(n, -1, dtype=np.int64) if self_index is None else np.asarray(self_index, dtype=np.int64)
    allowed_mask = np.zeros(m, dtype=bool)
    allowed_mask[allowed] = True
    k_out = min(int(k), max(len(allowed) - (1 if self_index is not None else 0), 0))
    idx_out = np.full((n, k_out), -1, dtype=np.int64)
    sc_out = np.full((n, k_out), -np.inf, dtype=np.float32)
    lse_out = np.full(n, -np.inf, dtype=np.float32)
    if n == 0 or k_out == 0:
        return TopK(idx_out, sc_out, np.zeros_like(sc_out), lse_out)
    n_dense, n_sparse = params.counts(k_out, m)
    if index is None:
        index = cached_index(Ke, allowed, params)
    index.expansion_search = max(params.expansion_search, n_dense + 1)
    if sp.issparse(Qs) or isinstance(Qs, np.ndarray):  # else rows built on demand (``_scoring.ScaledRows``)
        Qs = sp.csr_matrix(Qs, dtype=np.float32)
    Ks = sp.csc_matrix(Ks, dtype=np.float32)
    Ks_rows = _canonical(Ks.T.tocsr())  # (m, D); sorted into a copy when it is not, never in place
    lists = _Lists(Ks, Ks_rows, allowed_mask, params.max_df, params.budget)
    pairs = None
    if exclude_pairs is not None and len(exclude_pairs):
        p = np.asarray(exclude_pairs, dtype=np.int64).reshape(-1, 2)
        pairs = np.unique(p[:, 0] * m + p[:, 1])
    n_allowed = len(allowed) - ((self_idx >= 0) & allowed_mask[np.maximum(self_idx, 0)]).astype(np.int64)
    starts = range(0, n, TAIL_BLOCK)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, total=math.ceil(n / TAIL_BLOCK), desc="candidate top-k", unit="block")
    for q0 in starts:
        q1 = min(n, q0 + TAIL_BLOCK)
        qe, qs = Qe[q0:q1], Qs[q0:q1]
        cand = np.hstack([_dense_candidates(index, qe, n_dense + 1),
                          lists.candidates(qs, n_sparse)])
        si = self_idx[q0:q1]
        cand[cand == si[:, None]] = -1
        cand[(cand >= 0) & ~allowed_mask[np.maximum(cand, 0)]] = -1
        if pairs is not None:
            code = np.arange(q0, q1)[:, None] * m + np.maximum(cand, 0)
            cand[(cand >= 0) & np.isin(code, pairs)] = -1
        cand = _dedupe(cand)
        S = _pair_scores(qe, Ke, qs, Ks_rows, cand, text_scale) * np.float32(scale)
        c_fin = min(k_out, S.shape[1])
        top = np.argpartition(-S, c_fin - 1, axis=1)[:, :c_fin] if c_fin < S.shape[1] else \
            np.tile(np.arange(S.shape[1]), (len(S), 1))
        val = np.take_along_axis(S, top, axis=1)
        ind = np.take_along_axis(cand, top, axis=1)
        order = _row_order(val, ind)
        val, ind = np.take_along_axis(val, order, axis=1), np.take_along_axis(ind, order, axis=1)
        ind[~np.isfinite(val)] = -1
        idx_out[q0:q1, :c_fin], sc_out[q0:q1, :c_fin] = ind, val
        lse_out[q0:q1] = _block_lse(S, qe, Ke, qs, Ks, cand, si, allowed, n_allowed[q0:q1], scale,
                                    params, (query_offset + q0) // TAIL_BLOCK, text_scale)
    with np.errstate(invalid="ignore", over="ignore"):
        weights = np.exp(sc_out - lse_out[:, None]).astype(np.float32)
    weights[idx_out < 0] = 0.0
    return TopK(idx_out, sc_out, np.nan_to_num(weights, nan=0.0), lse_out)


def _row_order(val: np.ndarray, ind: np.ndarray) -> np.ndarray:
    """Per row: descending score, ties by ascending key (a stable, split-independent order)."""
    by_key = np.argsort(ind, axis=1, kind="stable")
    by_val = np.argsort(-np.take_along_axis(val, by_key, axis=1), axis=1, kind="stable")
    return np.take_along_axis(by_key, by_val, axis=1)


def _in_rows(cand: np.ndarray, smp: np.ndarray) -> np.ndarray:
    """``out[r, t]``: is ``smp[t]`` among the keys of ``cand[r]``.

    The candidates are looked up in the sorted sample (few of them are sampled), not the
    sample in every row's candidates.
    """
    out = np.zeros((len(cand), len(smp)), dtype=bool)
    order = np.argsort(smp, kind="stable")
    s_sorted = smp[order]
    lo = np.searchsorted(s_sorted, cand, side="left")
    cnt = np.searchsorted(s_sorted, cand, side="right") - lo
    r, cc = np.nonzero(cnt)
    if len(r):  # a key sampled several times (with replacement) marks each of its positions
        reps = cnt[r, cc]
        rows = np.repeat(r, reps)
        start = np.repeat(lo[r, cc], reps)
        step = np.arange(len(rows)) - np.repeat(np.cumsum(reps) - reps, reps)
        out[rows, order[start + step]] = True
    return out


def _block_lse(S, qe, Ke, qs, Ks, cand, si, allowed, n_allowed, scale, params, block,
               text_scale: float = 1.0) -> np.ndarray:
    """Candidate log-sum-exp plus the sampled tail estimate, for one query block."""
    with np.errstate(divide="ignore"):
        mx = np.max(S, axis=1)
        shift = np.where(np.isfinite(mx), mx, 0.0)
        cand_sum = np.exp(S - shift[:, None]).sum(axis=1)
        if params.n_tail and len(allowed):
            smp = _tail_sample(block, allowed, params.n_tail, params.seed)
            T = ((qe @ Ke[smp].T) * np.float32(text_scale) + np.asarray((qs @ Ks[:, smp]).todense())) * scale
            hit = (smp[None, :] == si[:, None])
            # sampled candidates count zero: their terms are already in the candidate sum
            hit |= _in_rows(cand, smp)
            T = np.where(hit, -np.inf, T)
            tail = np.exp(T - shift[:, None]).sum(axis=1) * (n_allowed / params.n_tail)
        else:
            tail = 0.0
        return (np.log(cand_sum + tail) + shift).astype(np.float32)
