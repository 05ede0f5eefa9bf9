"""Dot products of aligned rows, ``sum_c Q[qi[t], c] * K[kj[t], c]`` for many pairs ``t``, and per-row top selection.

Scoring explains every kept edge (2 million pairs at 100,000 items, k = 20), the candidate pass
re-scores about 270 candidates per query, and training scores each query against its
negatives: all of them need the sparse groups' dot products of arbitrary (query, key) pairs.
``Q[qi].multiply(K[kj]).sum(axis=1)`` (scipy) builds two fancy-indexed copies of the rows and
their element-wise product before summing: about half of the candidate pass at 100k items.

With `numba <https://numba.pydata.org>`_ installed (the ``scale`` extra), :func:`pair_dots`
runs a compiled merge of the two sorted rows of each pair instead: no copies, one pass over
both rows, pairs spread over the cores. numba is the JIT compiler of the scientific Python
stack (pynndescent, UMAP and librosa use it); it compiles the kernel once per machine
(``cache=True``). Without numba, or for fewer than :data:`COMPILED_MIN_PAIRS` pairs, the scipy
expression is used. Both give the same sums up to float rounding (tested).

Two more kernels serve the candidate pass the same way: :func:`row_dots` (dense text rows of
arbitrary pairs, read in place instead of gathered) and :func:`row_top` (each query's best keys
among those its inverted lists reached, the unwalked long columns merged in, one row at a time
instead of one global sort of every reached pair). Their numpy paths give the same results.
"""

from __future__ import annotations

import functools
import importlib.util

import numpy as np
import scipy.sparse as sp

__all__ = ["pair_dots", "row_dots", "dense_pair_dots", "row_top", "COMPILED_MIN_PAIRS"]

#: pairs from which the compiled kernel is used (below, scipy is as fast and needs no compile)
COMPILED_MIN_PAIRS = 20_000
#: pairs gathered at a time by the einsum fallback of :func:`row_dots`
_GATHER = 16_384


def pair_dots(Q, K, qi, kj, *, compiled: bool | None = None) -> np.ndarray:
    """Per pair ``t``: the dot product of row ``qi[t]`` of ``Q`` and row ``kj[t]`` of ``K`` (float64).

    ``Q`` and ``K`` are sparse matrices with the same number of columns. ``compiled``: force
    (``True``) or forbid (``False``) the numba kernel; ``None`` uses it when numba is installed
    and there are at least :data:`COMPILED_MIN_PAIRS` pairs.
    """
    qi = np.asarray(qi, dtype=np.int64)
    kj = np.asarray(kj, dtype=np.int64)
    Q = Q if sp.issparse(Q) and Q.format == "csr" else sp.csr_matrix(Q)
    K = K if sp.issparse(K) and K.format == "csr" else sp.csr_matrix(K)
    if Q.shape[1] != K.shape[1]:
        raise ValueError(f"Q has {Q.shape[1]} columns and K {K.shape[1]}")
    n = len(qi)
    if n == 0 or Q.nnz == 0 or K.nnz == 0:
        return np.zeros(n, dtype=np.float64)
    kernel = _chosen(_kernel, n, compiled, "pair_dots")
    if kernel is None:
        return np.asarray(Q[qi].multiply(K[kj]).sum(axis=1), dtype=np.float64).ravel()
    Q, K = _canonical(Q), _canonical(K)
    out = np.empty(n, dtype=np.float64)
    kernel(Q.indptr, Q.indices, Q.data, K.indptr, K.indices, K.data, qi, kj, out)
    return out


def _chosen(factory, n: int, compiled: bool | None, name: str):
    """The compiled kernel of ``factory`` when ``compiled`` is True, or when it is None and there are
    at least :data:`COMPILED_MIN_PAIRS` items of work and numba is installed; else ``None``."""
    kernel = factory() if (compiled or (compiled is None and n >= COMPILED_MIN_PAIRS)) else None
    if compiled and kernel is None:
        raise ImportError(f"{name}(compiled=True) needs numba: pip install 'attn-team[scale]'")
    return kernel


def _csr32(M) -> sp.csr_matrix:
    """``M`` itself when it is a float32 CSR matrix (so its canonical-format flag, once known, is kept), else a copy."""
    if sp.issparse(M) and M.format == "csr" and M.dtype == np.float32:
        return M
    return sp.csr_matrix(M, dtype=np.float32)


def _canonical(M: sp.csr_matrix) -> sp.csr_matrix:
    """``M`` with sorted indices and no duplicates (what the merge needs): ``M`` itself when it is so
    already, else a sorted copy.

    Never sorted in place: the caller's matrix may be shared (the keys broadcast to a Dask worker
    are read by several task threads at once), and sorting it under a running kernel gives wrong
    dot products. Callers that own a matrix make it canonical once, where they build it.
    """
    if M.has_canonical_format:
        return M
    M = M.copy()
    M.sum_duplicates()
    return M


@functools.cache
def _numba():
    """The numba module, or ``None`` when it is not installed."""
    if importlib.util.find_spec("numba") is None:
        return None
    import numba

    return numba


@functools.cache
def _merge_dot():
    """The compiled dot product of two sorted sparse rows (shared by :func:`_kernel` and :func:`_top_kernel`)."""
    numba = _numba()

    @numba.njit(cache=True, nogil=True)
    def merge_dot(qx, qd, a, ae, kx, kd, b, be):  # pragma: no cover - compiled
        s = 0.0
        while a < ae and b < be:
            ca, cb = qx[a], kx[b]
            if ca == cb:
                s += qd[a] * kd[b]
                a += 1
                b += 1
            elif ca < cb:
                a += 1
            else:
                b += 1
        return s

    return merge_dot


@functools.cache
def _kernel():
    """The compiled merge kernel, or ``None`` without numba."""
    numba = _numba()
    if numba is None:
        return None
    merge_dot = _merge_dot()

    @numba.njit(parallel=True, cache=True, nogil=True)
    def merge(qp, qx, qd, kp, kx, kd, rows, cols, out):  # pragma: no cover - compiled
        for t in numba.prange(len(rows)):
            out[t] = merge_dot(qx, qd, qp[rows[t]], qp[rows[t] + 1], kx, kd, kp[cols[t]], kp[cols[t] + 1])

    return merge


@functools.cache
def _dense_kernel():
    """The compiled dense row-pair kernel, or ``None`` without numba."""
    numba = _numba()
    if numba is None:
        return None

    @numba.njit(parallel=True, cache=True, nogil=True, fastmath=True)
    def rows_dot(A, B, ia, ib, out):  # pragma: no cover - compiled
        d = A.shape[1]
        for t in numba.prange(len(ia)):
            i, j = ia[t], ib[t]
            if i < 0 or j < 0:
                out[t] = 0.0
                continue
            s = numba.float32(0.0)
            for x in range(d):
                s += A[i, x] * B[j, x]
            out[t] = s

    return rows_dot


def row_dots(A: np.ndarray, B: np.ndarray, ia, ib, *, compiled: bool | None = None) -> np.ndarray:
    """``out[t] = A[ia[t]] . B[ib[t]]`` for dense row-major matrices (float32; ``0`` where an index is ``-1``).

    The compiled kernel reads both rows in place; without numba (or with ``compiled=False``) the
    rows are gathered :data:`_GATHER` pairs at a time and summed with einsum.
    """
    A = np.ascontiguousarray(A, dtype=np.float32)
    B = np.ascontiguousarray(B, dtype=np.float32)
    ia = np.ascontiguousarray(ia, dtype=np.int64).reshape(-1)
    ib = np.ascontiguousarray(ib, dtype=np.int64).reshape(-1)
    if len(ia) != len(ib):
        raise ValueError(f"ia has {len(ia)} pairs and ib {len(ib)}")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A has {A.shape[1]} columns and B {B.shape[1]}")
    out = np.empty(len(ia), dtype=np.float32)
    if len(ia) == 0:
        return out
    kernel = _chosen(_dense_kernel, len(ia), compiled, "row_dots")
    if kernel is not None:
        kernel(A, B, ia, ib, out)
        return out
    for s0 in range(0, len(ia), _GATHER):  # the gathered rows stay a few MB
        a, b = ia[s0:s0 + _GATHER], ib[s0:s0 + _GATHER]
        out[s0:s0 + len(a)] = np.einsum("ij,ij->i", A[np.maximum(a, 0)], B[np.maximum(b, 0)])
    out[(ia < 0) | (ib < 0)] = 0.0
    return out


def dense_pair_dots(Q: np.ndarray, K: np.ndarray, cand: np.ndarray, *, compiled: bool | None = None) -> np.ndarray:
    """``out[r, t] = Q[r] . K[cand[r, t]]`` (float32; ``0`` where ``cand`` is ``-1``): :func:`row_dots` of a candidate table."""
    cand = np.asarray(cand, dtype=np.int64)
    n, c = cand.shape
    rows = np.repeat(np.arange(n, dtype=np.int64), c)
    return row_dots(Q, K, rows, cand.reshape(-1), compiled=compiled).reshape(n, c)


@functools.cache
def _top_kernel():
    """The compiled per-row top selection (with the unwalked columns added), or ``None`` without numba."""
    numba = _numba()
    if numba is None:
        return None
    merge_dot = _merge_dot()

    @numba.njit(parallel=True, cache=True, nogil=True)
    def top(sp_, si, sd, qp, qx, qd, kp, kx, kd, count, out):  # pragma: no cover - compiled
        n = len(sp_) - 1
        for r in numba.prange(n):
            a, b = sp_[r], sp_[r + 1]
            m = b - a
            if m == 0:
                continue
            neg = np.empty(m, dtype=np.float64)
            qa, qb = qp[r], qp[r + 1]
            for t in range(m):
                s = np.float64(sd[a + t])
                if qb > qa:  # pair_dots' merge: the same products, summed in the same order
                    key = si[a + t]
                    s += merge_dot(qx, qd, qa, qb, kx, kd, kp[key], kp[key + 1])
                neg[t] = -s
            order = np.argsort(neg, kind="mergesort")  # stable: ties keep the stored order
            for t in range(min(count, m)):
                out[r, t] = si[a + order[t]]

    return top


def row_top(S: sp.csr_matrix, Qr: sp.csr_matrix | None, K: sp.csr_matrix | None, count: int, *,
            compiled: bool | None = None) -> np.ndarray:
    """Per row of ``S``: the columns of its ``count`` largest values (``-1`` padding), ties by stored order.

    With ``Qr`` and ``K`` given, the value of entry ``(r, j)`` is ``S[r, j] + Qr[r] . K[j]`` (the
    sparse dot product of :func:`pair_dots`). The compiled kernel selects row by row; the numpy path
    sorts all entries at once (``lexsort``) and gives the same columns.
    """
    S = sp.csr_matrix(S)
    n = S.shape[0]
    out = np.full((n, count), -1, dtype=np.int64)
    if S.nnz == 0 or count == 0:
        return out
    kernel = _chosen(_top_kernel, S.nnz, compiled, "row_top")
    if kernel is not None:
        if Qr is None or K is None or Qr.nnz == 0:
            Qr = sp.csr_matrix((n, 1), dtype=np.float32)
            K = sp.csr_matrix((S.shape[1], 1), dtype=np.float32)
        Qr, K = _canonical(_csr32(Qr)), _canonical(_csr32(K))  # K is made canonical by its owner: checked only
        kernel(S.indptr.astype(np.int64), S.indices.astype(np.int64), S.data, Qr.indptr.astype(np.int64),
               Qr.indices, Qr.data, K.indptr.astype(np.int64), K.indices, K.data, int(count), out)
        return out
    rows = np.repeat(np.arange(n), np.diff(S.indptr))
    score = S.data.astype(np.float64)
    if Qr is not None and K is not None and Qr.nnz:
        score += pair_dots(Qr, K, rows, S.indices, compiled=False)
    order = np.lexsort((-score, rows))
    rows_o, cols_o = rows[order], S.indices[order]
    rank = np.arange(len(order)) - S.indptr[rows_o]
    keep = rank < count
    out[rows_o[keep], rank[keep]] = cols_o[keep]
    return out
