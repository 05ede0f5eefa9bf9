"""The embedding vector cache: a directory of vectors keyed by ``(model, text hash)`` (see :class:`VectorStore`).

Split from :mod:`attn_team.embed`, which re-exports :class:`VectorStore`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["VectorStore"]

logger = logging.getLogger("attn_team.embed")


def _safe_name(model: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("._") or "model"
    return f"{name[:80]}-{hashlib.sha256(model.encode()).hexdigest()[:8]}"


class VectorStore:
    """A directory of embedding vectors keyed by ``(model, text hash)``.

    Layout: one sub-directory per model; inside, shards written together as
    ``<shard>.vec.npy`` (float16, shape (rows, dim)) and ``<shard>.ids.npy``
    (the sha256 digests, uint8 of shape (rows, 32)).  Files are written to a temporary name
    and renamed into place (atomic on POSIX and Windows); the ids file is
    renamed last, so a reader never sees a shard without its vectors.  Many
    small shards are merged into one when there are more than
    ``max_shards``.  float16 keeps cosine >= 0.99999 to the float32 vector;
    vectors are re-normalised on load.

    Parameters
    ----------
    path : str or os.PathLike
        The directory (created when missing).
    max_shards : int, default=16
        Merge shards beyond this count.
    """

    def __init__(self, path, *, max_shards: int = 16):
        self.path = path
        self.max_shards = max_shards

    def __repr__(self) -> str:
        return f"VectorStore({str(self.path)!r})"

    def _dir(self, model: str) -> Path:
        return Path(self.path) / _safe_name(model)

    def _shards(self, model: str) -> list[Path]:
        d = self._dir(model)
        if not d.is_dir():
            return []
        return sorted(d.glob("*.ids.npy"))

    @staticmethod
    def _vec_path(ids_path: Path) -> Path:
        return ids_path.with_name(ids_path.name[: -len(".ids.npy")] + ".vec.npy")

    def _index(self, model: str) -> dict[bytes, tuple[Path, int]]:
        index: dict[bytes, tuple[Path, int]] = {}
        for ids_path in self._shards(model):
            try:
                ids = np.load(ids_path, allow_pickle=False)
            except (OSError, ValueError) as exc:  # a shard removed by a concurrent merge
                logger.warning("skipping unreadable cache shard %s: %s", ids_path, exc)
                continue
            if ids.ndim != 2 or ids.shape[1] != 32:
                logger.warning("skipping cache shard %s with unexpected ids of shape %s", ids_path, ids.shape)
                continue
            for row, h in enumerate(ids):
                index[h.tobytes()] = (ids_path, row)
        return index

    def load_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors stored for ``hashes`` (hex sha256); missing hashes are absent.

        Returns
        -------
        dict of str to ndarray of shape (dim,), float32
        """
        index = self._index(model)
        if not index:
            return {}
        wanted: dict[Path, list[tuple[str, int]]] = {}
        for h in dict.fromkeys(hashes):
            hit = index.get(bytes.fromhex(h))
            if hit is not None:
                wanted.setdefault(hit[0], []).append((h, hit[1]))
        out: dict[str, np.ndarray] = {}
        for ids_path, pairs in wanted.items():
            try:
                vec = np.load(self._vec_path(ids_path), mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as exc:
                logger.warning("skipping unreadable cache shard %s: %s", ids_path, exc)
                continue
            rows = np.array([r for _, r in pairs])
            block = _normalise(np.asarray(vec[rows], dtype=np.float32))
            for (h, _), v in zip(pairs, block):
                out[h] = v
        return out

    def store_vectors(self, model: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Add vectors (rows aligned with ``hashes``) for ``model``."""
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or len(vectors) != len(hashes):
            raise ValueError(f"vectors must have shape ({len(hashes)}, dim), got {vectors.shape}")
        if not len(hashes):
            return
        d = self._dir(model)
        d.mkdir(parents=True, exist_ok=True)
        # uint8 rows, not numpy "S32": that dtype drops trailing zero bytes of a digest
        ids = np.frombuffer(b"".join(bytes.fromhex(h) for h in hashes), dtype=np.uint8).reshape(-1, 32)
        self._write_shard(d, ids, vectors.astype(np.float16))
        shards = self._shards(model)
        if len(shards) > self.max_shards:
            self._merge(model, shards)

    @staticmethod
    def _atomic_save(path: Path, array: np.ndarray) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, array, allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _write_shard(self, d: Path, ids: np.ndarray, vec16: np.ndarray) -> Path:
        stem = f"{pd.Timestamp.now('UTC').strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:8]}"
        self._atomic_save(d / f"{stem}.vec.npy", vec16)
        ids_path = d / f"{stem}.ids.npy"
        self._atomic_save(ids_path, ids)  # the commit marker: written last
        return ids_path

    def _merge(self, model: str, shards: list[Path]) -> None:
        ids_all, vec_all = [], []
        for ids_path in shards:
            ids_all.append(np.load(ids_path, allow_pickle=False))
            vec_all.append(np.load(self._vec_path(ids_path), allow_pickle=False))
        ids = np.concatenate(ids_all)
        vec = np.concatenate(vec_all)
        # keep the newest vector of a hash stored twice
        last = {row.tobytes(): i for i, row in enumerate(ids)}
        keep = np.array(sorted(last.values()), dtype=np.int64)
        self._write_shard(self._dir(model), ids[keep], vec[keep])
        for ids_path in shards:
            ids_path.unlink(missing_ok=True)
            self._vec_path(ids_path).unlink(missing_ok=True)
        logger.debug("merged %d cache shards for %s", len(shards), model)


def _as_cache(cache):
    if cache is None:
        return None
    if hasattr(cache, "load_vectors") and hasattr(cache, "store_vectors"):
        return cache
    if isinstance(cache, (str, os.PathLike)):
        return VectorStore(cache)
    raise TypeError(
        "cache must be a directory path or an object with load_vectors/store_vectors "
        f"(e.g. attn_team.Workspace), got {type(cache).__name__}"
    )


def _normalise(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    norm[norm == 0] = 1.0
    return (x / norm).astype(np.float32, copy=False)


#: rows normalised at a time by :func:`_normalise_inplace` (its temporaries stay a few tens of MB)
_ROW_CHUNK = 65_536


def _normalise_inplace(x: np.ndarray) -> np.ndarray:
    """``x`` (float32, C order) with its rows scaled to unit length in place, a chunk at a time; returns ``x``.

    The same vectors as :func:`_normalise` without its full-size copies (each 1.5 GB at 1M x 384).
    """
    for s in range(0, len(x), _ROW_CHUNK):
        blk = x[s:s + _ROW_CHUNK]
        norm = np.linalg.norm(blk, axis=1, keepdims=True)
        norm[norm == 0] = 1.0
        blk /= norm
    return x


