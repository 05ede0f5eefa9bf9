"""Top-k on a Dask cluster: keys broadcast once, blocks of queries mapped, results gathered.

:func:`dask_topk` runs the same per-block code as the local engine (exact
:func:`~attn_team.attention._topk.topk_attention` or the candidate pass of
:mod:`._candidates`) on the workers of a ``distributed`` client (:func:`attn_team._dask.client_for`):

* the keys (projected text vectors ``Ke``, sparse key matrix ``Ks``, the key mask, and for the
  candidate pass the index, built once on the client and serialised) are scattered to every
  worker once (``broadcast=True``);
* the queries are cut into tasks at multiples of the local block size (and of the candidate
  pass's tail block), so each task computes exactly the blocks the local engine would;
* ``(indices, scores, weights, lse)`` come back and are concatenated in query order.

Results therefore equal the local engine's: identical keys, and weights equal up to
floating-point noise of the matrix products (tested with a two-worker ``LocalCluster``).
"""

from __future__ import annotations

import hashlib
import logging
import math

import numpy as np
import scipy.sparse as sp

from .._dask import client_for, worker_cache
from ._candidates import TAIL_BLOCK, CandidateParams, build_index, candidate_topk, index_from_bytes, index_to_bytes
from ._topk import TopK, topk_attention

__all__ = ["dask_topk", "exact_block", "Engine"]

log = logging.getLogger(__name__)


class Engine:
    """Where top-k runs: ``Engine("local")`` here, ``Engine("dask", scheduler)`` on a cluster."""

    def __init__(self, engine: str = "local", scheduler=None):
        from .._dask import validate_engine

        validate_engine(engine, scheduler)
        self.engine = engine
        self.scheduler = scheduler

    @property
    def distributed(self) -> bool:
        return self.engine == "dask"

    def __repr__(self) -> str:
        return f"Engine({self.engine!r})" if self.scheduler is None else f"Engine({self.engine!r}, {self.scheduler!r})"


def exact_block(Qe, Ke, Qs, Ks, k: int, *, scale: float, block_size: int, self_index=None, key_mask=None,
                exclude_pairs=None, progress: bool = False) -> TopK:
    """Exact blocked top-k of the queries ``Qe``/``Qs`` against all keys (dense + sparse score)."""
    Qs = sp.csr_matrix(Qs)

    def extra(rows: slice, cols: slice):
        return np.asarray((Qs[rows] @ Ks[:, cols]).todense(), dtype=np.float32) * scale

    return topk_attention(
        Qe, Ke, k, block_size=block_size, scale=scale, self_index=self_index, key_mask=key_mask,
        exclude_pairs=exclude_pairs if exclude_pairs is not None and len(exclude_pairs) else None,
        extra_scores=extra, progress=progress,
    )


def index_token(data: bytes) -> str:
    """The name under which workers keep a broadcast index: a digest of its bytes.

    A digest, not the id of the broadcast dict: ids are reused once an object is freed, and a
    worker would then search the index of an earlier pass.
    """
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _task(keys: dict, Qe, Qs, self_index, pairs, q0: int, k: int, scale: float, block_size: int, mode: str,
          params: CandidateParams | None, text_scale: float = 1.0) -> TopK:
    """On a worker: one slice of queries (starting at global position ``q0``) against the broadcast keys."""
    if mode == "exact":
        if text_scale != 1.0:
            Qe = Qe * np.float32(text_scale)
        return exact_block(Qe, keys["Ke"], Qs, keys["Ks"], k, scale=scale, block_size=block_size,
                           self_index=self_index, key_mask=keys["key_mask"], exclude_pairs=pairs)
    cache = worker_cache()
    index = cache.get(("index", keys["token"]))
    if index is None:
        for old in [c for c in cache if isinstance(c, tuple) and c[0] == "index"]:
            del cache[old]  # keep one index per worker: the current pass's
        index = cache[("index", keys["token"])] = index_from_bytes(keys["index"], params)
    return candidate_topk(Qe, keys["Ke"], Qs, keys["Ks"], k, scale=scale, self_index=self_index,
                          key_mask=keys["key_mask"], exclude_pairs=pairs, params=params, index=index,
                          query_offset=q0, text_scale=text_scale)


def dask_topk(scheduler, Qe, Ke, Qs, Ks, k: int, *, scale: float, block_size: int, self_index=None,
              key_mask=None, exclude_pairs=None, params: CandidateParams | None = None,
              text_scale: float = 1.0, progress: bool = False) -> TopK:
    """Top-k of every query on the Dask cluster of ``scheduler``.

    Parameters are those of :func:`exact_block`; ``params`` (a :class:`CandidateParams`) selects
    the candidate pass instead of the exact one. ``text_scale`` multiplies the text part
    (``Qe . Ke``), as in :func:`~attn_team.attention._candidates.candidate_topk`.
    """
    client = client_for(scheduler)
    Qe = np.ascontiguousarray(np.asarray(Qe, dtype=np.float32))
    Ke = np.ascontiguousarray(np.asarray(Ke, dtype=np.float32))
    if sp.issparse(Qs):  # else rows built on demand, a task's slice at a time (``_scoring.ScaledRows``)
        Qs = sp.csr_matrix(Qs)
    n = len(Qe)
    mode = "exact" if params is None else "index"
    keys = {"Ke": Ke, "Ks": Ks, "key_mask": None if key_mask is None else np.asarray(key_mask, dtype=bool)}
    if mode == "index":
        allowed = np.arange(len(Ke)) if key_mask is None else np.flatnonzero(keys["key_mask"])
        keys["index"] = index_to_bytes(build_index(Ke, allowed, params))
        keys["token"] = index_token(keys["index"])
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    unit = block_size * TAIL_BLOCK // math.gcd(block_size, TAIL_BLOCK)
    size = max(1, math.ceil(n / (4 * n_workers) / unit)) * unit
    [keys_f] = client.scatter([keys], broadcast=True, hash=False)
    self_index = None if self_index is None else np.asarray(self_index, dtype=np.int64)
    pairs = None
    if exclude_pairs is not None and len(exclude_pairs):
        pairs = np.asarray(exclude_pairs, dtype=np.int64).reshape(-1, 2)
    futures = []
    for q0 in range(0, n, size):
        q1 = min(n, q0 + size)
        part = None
        if pairs is not None:
            sel = (pairs[:, 0] >= q0) & (pairs[:, 0] < q1)
            part = pairs[sel] - np.array([q0, 0])
        futures.append(client.submit(_task, keys_f, Qe[q0:q1], Qs[q0:q1],
                                     None if self_index is None else self_index[q0:q1], part, q0, int(k),
                                     float(scale), int(block_size), mode, params, float(text_scale), pure=False))
    if progress:
        from distributed import wait
        from tqdm.auto import tqdm

        with tqdm(total=len(futures), desc="top-k attention (dask)", unit="task") as bar:
            for f in futures:
                wait(f)
                bar.update(1)
    parts = client.gather(futures)
    if not parts:
        e = np.empty((0, 0))
        return TopK(e.astype(np.int64), e.astype(np.float32), e.astype(np.float32), np.empty(0, np.float32))
    width = max(p.indices.shape[1] for p in parts)
    pad = [(p.indices.shape[1], p) for p in parts]
    if any(w != width for w, _ in pad):  # cannot happen (same keys, same k), but never misalign
        raise RuntimeError("dask_topk: tasks returned different widths")
    return TopK(np.concatenate([p.indices for p in parts]), np.concatenate([p.scores for p in parts]),
                np.concatenate([p.weights for p in parts]), np.concatenate([p.lse for p in parts]))
