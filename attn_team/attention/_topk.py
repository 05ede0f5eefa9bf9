"""Blocked sparse top-k attention: exact softmax weights, memory ``n x k``.

For every query row ``q_i`` the scores against all keys are
``s_ij = scale * q_i . k_j (+ key_bias_j)``.  :func:`topk_attention` keeps the
``k`` largest scores of each row and the *exact* softmax weights of those keys
over the query's full distribution, ``w_ij = exp(s_ij - lse_i)`` with
``lse_i = log sum_j exp(s_ij)`` over all allowed keys.  It never holds the
``n x m`` score matrix: queries (and, for very many keys, keys too) are
processed block by block, the log-sum-exp is accumulated across key blocks and
the running top-k merged, so memory is ``O(n k + block)``.

Masks remove keys from the distribution altogether (they take part neither in
the top-k nor in the softmax): ``exclude_self`` (query ``i`` is key ``i``, or
``self_index[i]``), ``key_mask`` (allowed keys, shared by all queries),
``exclude_pairs`` (sparse ``(query, key)`` pairs, e.g. known links) and
``block_mask`` (a callable returning the allowed part of one block, e.g. "only
keys of other teams").
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

__all__ = ["TopK", "topk_attention"]

logger = logging.getLogger(__name__)

#: Score-block budget in float32 elements (~128 MB) when ``block_size`` is "auto" ...
_BLOCK_ELEMENTS = 32 * 1024 * 1024
#: ... grown to at least this many query rows, up to twice the budget (~256 MB).
_MIN_ROWS = 512
_MAX_BLOCK_ELEMENTS = 2 * _BLOCK_ELEMENTS
_PRECISIONS = ("fp32", "bf16")
#: Rows whose largest score lies within +-40 take exp() without the max shift.
_DIRECT_EXP = 40.0


@dataclasses.dataclass(frozen=True)
class TopK:
    """Result of :func:`topk_attention`.

    Rows are queries, columns the kept keys in descending score order.  Rows
    with fewer than ``k`` allowed keys are padded with index ``-1``, score
    ``-inf`` and weight ``0``.

    Attributes
    ----------
    indices : ndarray of shape (n, k), int64
        Key indices of the kept keys.
    scores : ndarray of shape (n, k), float32
        Raw scaled scores ``scale * q . k (+ key_bias)``.
    weights : ndarray of shape (n, k), float32
        Exact softmax weights over *all* allowed keys of the query (so a row
        sums to at most 1; to 1 when all allowed keys are kept).
    lse : ndarray of shape (n,), float32
        ``log sum_j exp(score_ij)`` over all allowed keys (``-inf`` for a query
        without any allowed key).
    """

    indices: np.ndarray
    scores: np.ndarray
    weights: np.ndarray
    lse: np.ndarray

    @property
    def k(self) -> int:
        """Number of kept columns."""
        return int(self.indices.shape[1])

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def __repr__(self) -> str:
        return f"TopK(n={len(self)}, k={self.k})"

    def to_frame(self, query_ids=None, key_ids=None):
        """Long table ``source, target, score, weight, rank`` (padding dropped).

        Parameters
        ----------
        query_ids, key_ids : sequence, optional
            Labels for query rows and key indices (positions when omitted).

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd

        n, k = self.indices.shape
        rows = np.repeat(np.arange(n), k)
        cols = self.indices.reshape(-1)
        keep = cols >= 0
        rows, cols = rows[keep], cols[keep]
        src = np.asarray(query_ids, dtype=object)[rows] if query_ids is not None else rows
        dst = np.asarray(key_ids, dtype=object)[cols] if key_ids is not None else cols
        return pd.DataFrame(
            {
                "source": src,
                "target": dst,
                "score": self.scores.reshape(-1)[keep],
                "weight": self.weights.reshape(-1)[keep],
                "rank": np.tile(np.arange(1, k + 1), n)[keep],
            }
        )


def _as_tensor(x: Any, name: str) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        t = torch.from_numpy(np.ascontiguousarray(np.asarray(x)))
    if t.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows, dim), got shape {tuple(t.shape)}")
    if not torch.is_floating_point(t):
        raise ValueError(f"{name} must hold floats, got dtype {t.dtype}")
    t = t.to(torch.float32)
    # one cheap reduction first: a NaN or inf anywhere makes the column sums non-finite
    if t.numel() and not math.isfinite(float(t.sum())):
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"{name} contains NaN or infinite values")
    return t.contiguous()


def _auto_blocks(n: int, m: int, k: int) -> tuple[int, int]:
    """Query and key block sizes: a score block near 128 MB, at most 256 MB.

    Blocks of fewer than 512 query rows make the per-block passes (top-k, exp,
    sum) relatively costly, so for many keys the block grows up to the cap.
    """
    key_block = m if m * _MIN_ROWS <= _MAX_BLOCK_ELEMENTS else _MAX_BLOCK_ELEMENTS // _MIN_ROWS
    key_block = max(1, min(m, max(key_block, 4 * k)))
    q_block = min(max(_BLOCK_ELEMENTS // key_block, _MIN_ROWS), _MAX_BLOCK_ELEMENTS // key_block, 8192)
    return max(1, min(n, q_block)), key_block


def topk_attention(
    Q,
    K,
    k: int,
    *,
    block_size: int | str = "auto",
    key_block_size: int | str = "auto",
    exclude_self: bool = False,
    self_index=None,
    scale: float = 1.0,
    key_bias=None,
    key_mask=None,
    exclude_pairs=None,
    block_mask: Callable[[slice, slice], Any] | None = None,
    extra_scores: Callable[[slice, slice], Any] | None = None,
    precision: str = "fp32",
    progress: bool = False,
) -> TopK:
    """Top-``k`` keys of every query with exact softmax weights, block by block.

    Parameters
    ----------
    Q : ndarray or torch.Tensor of shape (n, d)
        Queries (float; computed in float32).
    K : ndarray or torch.Tensor of shape (m, d)
        Keys.
    k : int
        Keys kept per query.  ``k > m`` is allowed: the result then has
        ``min(k, m)`` columns (``m - 1`` with ``exclude_self`` and no other
        mask).
    block_size : int or "auto", default="auto"
        Queries per block; "auto" keeps one score block near 128 MB (at most
        256 MB).
    key_block_size : int or "auto", default="auto"
        Keys per block; "auto" uses all keys at once unless there are more
        than 131,072 of them.
    exclude_self : bool, default=False
        Query ``i`` is key ``i`` (``Q`` and ``K`` describe the same items in the
        same order, ``n <= m``): drop that key from top-k and softmax.
    self_index : array-like of shape (n,), optional
        Key index of each query's own item (``-1``: none), for queries that are
        a subset or a reordering of the keys.  Implies ``exclude_self``.
    scale : float, default=1.0
        Multiplies the dot products (e.g. ``1 / sqrt(d)`` or a temperature).
    key_bias : array-like of shape (m,), optional
        Added to every query's score for that key (after scaling).
    key_mask : array-like of bool, shape (m,), optional
        ``True`` for keys that may be attended to (all queries).
    exclude_pairs : array-like of int, shape (p, 2), optional
        ``(query, key)`` pairs to drop, e.g. already known links.
    block_mask : callable, optional
        ``block_mask(rows, cols) -> bool array (len(rows), len(cols))`` with
        ``rows``/``cols`` slices of query/key indices; ``True`` = allowed.
    extra_scores : callable, optional
        ``extra_scores(rows, cols) -> float array (len(rows), len(cols))`` added
        to the block's scores after ``scale`` (already in score units), e.g. a
        sparse structure head ``(Qs[rows] @ Ks[cols].T).toarray() * scale``.
    precision : {"fp32", "bf16"}, default="fp32"
        "bf16" runs the block matmul in bfloat16 (faster on CPUs with
        AVX512_BF16), picks ``k + margin`` candidates from it and re-scores
        them exactly in float32; the log-sum-exp comes from the bf16 scores
        (weights then carry a relative error of about 1e-3 times the score).
    progress : bool, default=False
        Show a ``tqdm.auto`` bar over query blocks.

    Returns
    -------
    TopK
        ``indices``, ``scores``, ``weights`` and ``lse`` as numpy arrays.

    Examples
    --------
    >>> import numpy as np
    >>> Q = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    >>> K = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]], dtype=np.float32)
    >>> out = topk_attention(Q, K, k=2)
    >>> out.indices.tolist()
    [[0, 2], [1, 2]]
    >>> bool(np.isclose(out.weights[0].sum() + np.exp(0.0 - out.lse[0]), 1.0))
    True
    """
    if precision not in _PRECISIONS:
        raise ValueError(f"precision must be one of {_PRECISIONS}, got {precision!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    Qt = _as_tensor(Q, "Q")
    Kt = _as_tensor(K, "K")
    n, d = Qt.shape
    m, dk = Kt.shape
    if d != dk:
        raise ValueError(f"Q and K must have the same width, got {d} and {dk}")
    if not math.isfinite(scale):
        raise ValueError(f"scale must be finite, got {scale!r}")

    # --- masks -------------------------------------------------------------
    self_idx = None
    if self_index is not None:
        self_idx = torch.as_tensor(np.asarray(self_index), dtype=torch.int64).reshape(-1)
        if self_idx.shape[0] != n:
            raise ValueError(f"self_index must have {n} entries, got {self_idx.shape[0]}")
        if bool(((self_idx < -1) | (self_idx >= m)).any()):
            raise ValueError("self_index entries must be -1 or valid key indices")
    elif exclude_self:
        if n > m:
            raise ValueError(f"exclude_self needs n <= m (query i is key i), got n={n}, m={m}")
        self_idx = torch.arange(n, dtype=torch.int64)
    bias = None
    if key_bias is not None:
        bias = torch.as_tensor(np.asarray(key_bias, dtype=np.float32)).reshape(-1)
        if bias.shape[0] != m:
            raise ValueError(f"key_bias must have {m} entries, got {bias.shape[0]}")
    kmask = None
    if key_mask is not None:
        km = np.asarray(key_mask)
        if km.dtype != bool or km.shape != (m,):
            raise ValueError(f"key_mask must be a bool array of shape ({m},), got {km.dtype} {km.shape}")
        kmask = km.copy()
    pairs = None
    if exclude_pairs is not None:
        p = np.asarray(exclude_pairs, dtype=np.int64).reshape(-1, 2)
        if len(p) and ((p[:, 0] < 0).any() or (p[:, 0] >= n).any() or (p[:, 1] < 0).any() or (p[:, 1] >= m).any()):
            raise ValueError("exclude_pairs must hold (query, key) index pairs within range")
        order = np.argsort(p[:, 0], kind="stable")
        pairs = {"q": p[order, 0], "k": p[order, 1]}

    k_out = min(int(k), m - 1 if (self_idx is not None and m > 1) else m)

    # --- blocks ------------------------------------------------------------
    auto_q, auto_k = _auto_blocks(max(n, 1), max(m, 1), max(k_out, 1))
    qb = auto_q if block_size == "auto" else int(block_size)
    kb = auto_k if key_block_size == "auto" else int(key_block_size)
    if qb < 1 or kb < 1:
        raise ValueError("block sizes must be positive")
    margin = 0 if precision == "fp32" else max(8, k_out // 2)
    neg_inf = float("-inf")

    idx_out = np.full((n, k_out), -1, dtype=np.int64)
    sc_out = np.full((n, k_out), neg_inf, dtype=np.float32)
    lse_out = np.full((n,), neg_inf, dtype=np.float32)
    if n == 0 or m == 0 or k_out == 0:
        return TopK(idx_out, sc_out, np.zeros_like(sc_out), lse_out)

    # Per block, torch runs only the big operations (matmul, masks, top-k, exp, sum);
    # the small (rows x k) book-keeping runs in numpy: every torch op opens a parallel
    # region, and on a busy machine each costs tens of milliseconds of thread wake-up.
    K_mm = Kt.to(torch.bfloat16) if precision == "bf16" else Kt
    self_np = None if self_idx is None else self_idx.numpy()
    starts = range(0, n, qb)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, total=math.ceil(n / qb), desc="top-k attention", unit="block")

    with torch.inference_mode(), np.errstate(divide="ignore", invalid="ignore"):
        for q0 in starts:
            q1 = min(n, q0 + qb)
            Qb = Qt[q0:q1] * scale if scale != 1.0 else Qt[q0:q1]  # per block: no copy of all of Q
            Qb_mm = Qb.to(torch.bfloat16) if precision == "bf16" else Qb
            vals, inds, lses = [], [], []
            for k0 in range(0, m, kb):
                k1 = min(m, k0 + kb)
                S = Qb_mm @ K_mm[k0:k1].T
                if precision == "bf16":
                    S = S.float()
                if bias is not None:
                    S.add_(bias[k0:k1])
                if extra_scores is not None:
                    S.add_(_block_array(extra_scores(slice(q0, q1), slice(k0, k1)), q1 - q0, k1 - k0, "extra_scores"))
                _apply_masks(S, q0, q1, k0, k1, self_np, kmask, pairs, block_mask)
                c = min(k_out + margin, k1 - k0)
                val, ind = torch.topk(S, c, dim=1, sorted=False)
                val, ind = val.numpy(), ind.numpy()
                if k0:
                    ind += k0
                # log-sum-exp of the block, in place, reusing the row max from top-k
                mx = val.max(axis=1)
                finite = np.isfinite(mx)
                if (np.abs(mx[finite]) < _DIRECT_EXP).all():
                    # no shift needed: exp cannot overflow, and terms that underflow
                    # are below e^-47 of the row's largest term
                    blk = np.log(S.exp_().sum(dim=1).numpy())
                else:
                    shift = np.where(finite, mx, 0.0).astype(np.float32)
                    S.sub_(torch.from_numpy(shift)[:, None])
                    blk = np.log(S.exp_().sum(dim=1).numpy()) + shift
                    blk[~finite] = neg_inf
                del S
                vals.append(val)
                inds.append(ind)
                lses.append(blk)
            val = vals[0] if len(vals) == 1 else np.concatenate(vals, axis=1)
            ind = inds[0] if len(inds) == 1 else np.concatenate(inds, axis=1)
            lse = lses[0] if len(lses) == 1 else np.logaddexp.reduce(np.stack(lses), axis=0)
            if precision == "bf16":
                val = _rescore(Qb, Kt, q0, q1, ind, val, bias, extra_scores, m, kb)
            c_fin = min(k_out, val.shape[1])
            order = np.argsort(-val, axis=1, kind="stable")[:, :c_fin]
            val = np.take_along_axis(val, order, axis=1)
            ind = np.take_along_axis(ind, order, axis=1)
            ind[~np.isfinite(val)] = -1
            idx_out[q0:q1, :c_fin] = ind
            sc_out[q0:q1, :c_fin] = val
            lse_out[q0:q1] = lse

    with np.errstate(invalid="ignore", over="ignore"):
        weights = np.exp(sc_out - lse_out[:, None]).astype(np.float32)
    weights[idx_out < 0] = 0.0
    weights = np.nan_to_num(weights, nan=0.0)
    return TopK(idx_out, sc_out, weights, lse_out)


def _rescore(Qb, Kt, q0, q1, ind, val, bias, extra_scores, m, kb) -> np.ndarray:
    """Exact float32 scores of the bf16 candidates ``ind`` of the (scaled) query block ``Qb``."""
    idx = torch.from_numpy(np.maximum(ind, 0))
    exact = torch.empty(idx.shape, dtype=torch.float32)
    for r0 in range(0, q1 - q0, 256):  # small row chunks: (rows, c, d) gathers stay small
        r1 = min(q1 - q0, r0 + 256)
        exact[r0:r1] = torch.einsum("rd,rcd->rc", Qb[r0:r1], Kt[idx[r0:r1]])
    if bias is not None:
        exact.add_(bias[idx])
    if extra_scores is not None:
        exact.add_(_extra_at(extra_scores, q0, q1, idx, m, kb))
    return np.where(np.isfinite(val), exact.numpy(), np.float32("-inf")).astype(np.float32)


def _apply_masks(S, q0, q1, k0, k1, self_idx, kmask, pairs, block_mask) -> None:
    """Set disallowed entries of the score block ``S`` (queries q0:q1, keys k0:k1) to -inf."""
    neg_inf = float("-inf")
    if kmask is not None:  # numpy bool (m,), True = allowed
        km = kmask[k0:k1]
        if not km.all():
            S.masked_fill_(torch.from_numpy(~km)[None, :], neg_inf)
    if self_idx is not None:  # numpy array
        si = self_idx[q0:q1]
        r = np.flatnonzero((si >= k0) & (si < k1))
        if r.size:
            S[torch.from_numpy(r), torch.from_numpy(si[r] - k0)] = neg_inf
    if pairs is not None:
        lo, hi = np.searchsorted(pairs["q"], [q0, q1])
        if hi > lo:
            pq, pk = pairs["q"][lo:hi], pairs["k"][lo:hi]
            sel = (pk >= k0) & (pk < k1)
            if sel.any():
                S[torch.from_numpy(pq[sel] - q0), torch.from_numpy(pk[sel] - k0)] = neg_inf
    if block_mask is not None:
        allowed = block_mask(slice(q0, q1), slice(k0, k1))
        allowed = allowed if isinstance(allowed, torch.Tensor) else torch.from_numpy(np.asarray(allowed, dtype=bool))
        allowed = allowed.to(torch.bool)
        if tuple(allowed.shape) != (q1 - q0, k1 - k0):
            raise ValueError(
                f"block_mask returned shape {tuple(allowed.shape)}, expected {(q1 - q0, k1 - k0)}"
            )
        S.masked_fill_(~allowed, neg_inf)


def _block_array(x, rows: int, cols: int, name: str) -> torch.Tensor:
    t = x if isinstance(x, torch.Tensor) else torch.from_numpy(np.asarray(x, dtype=np.float32))
    t = t.to(torch.float32)
    if tuple(t.shape) != (rows, cols):
        raise ValueError(f"{name} returned shape {tuple(t.shape)}, expected {(rows, cols)}")
    return t


def _extra_at(extra_scores, q0: int, q1: int, idx: torch.Tensor, m: int, kb: int) -> torch.Tensor:
    """``extra_scores`` at the candidate keys ``idx`` (rows q0:q1), block by block of keys."""
    out = torch.zeros(idx.shape, dtype=torch.float32)
    safe = idx.clamp_min(0)
    for k0 in range(0, m, kb):
        k1 = min(m, k0 + kb)
        inside = (safe >= k0) & (safe < k1)
        if not bool(inside.any()):
            continue
        block = _block_array(extra_scores(slice(q0, q1), slice(k0, k1)), q1 - q0, k1 - k0, "extra_scores")
        local = torch.where(inside, safe - k0, torch.zeros_like(safe))
        out += torch.where(inside, torch.gather(block, 1, local), torch.zeros_like(out))
    return out
