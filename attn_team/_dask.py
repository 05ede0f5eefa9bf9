"""The Dask engine: one ``distributed`` client, and text embedding on its workers.

``engine="dask"`` (:class:`~attn_team.Embedder`, :class:`~attn_team.CrossAttention`, the CLI's
``--engine dask``) runs the two costly passes on a `distributed
<https://distributed.dask.org>`_ cluster; the default ``engine="local"`` runs them in this
process. The workspace, the vector cache and every decision stay on the client: only the texts
the cache misses go to the workers (in partitions), and only their vectors come back. The
top-k half lives in :mod:`attn_team.attention._engine`.

Which cluster (``scheduler``):

* ``None``: the current default :class:`distributed.Client` if one exists (as Dask itself
  does), else a :class:`distributed.LocalCluster` started on demand (one single-threaded
  worker process per core) and kept for the life of the process;
* an address (``"tcp://10.0.0.5:8786"``): a client connected to that scheduler, one per
  address;
* a :class:`distributed.Client`: used as is.

The model is loaded once per worker: a worker keeps its loaded models in a dictionary attached
to the worker (keyed by the model and its precision), so every later partition reuses it. A
model given as an object (not a path) is sent once per worker with ``scatter(broadcast=True)``.
Nothing else is sent: no token, no workspace path.

Dask is an optional dependency (``pip install 'attn-team[scale]'``); nothing imports it unless
``engine="dask"`` is asked for.
"""

from __future__ import annotations

import logging
import math
import os

import numpy as np

__all__ = ["ENGINES", "MISSING", "available", "client_for", "dask_forward", "worker_cache", "validate_engine"]

log = logging.getLogger(__name__)

#: compute engines
ENGINES = ("local", "dask")
#: the message when dask/distributed are missing
MISSING = "engine='dask' needs dask and distributed (optional dependencies): pip install 'attn-team[scale]'"

_CLIENTS: dict[str, object] = {}
_ATTR = "_attn_team_cache"


def available() -> bool:
    """Whether ``distributed`` can be imported (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("distributed") is not None


def validate_engine(engine, scheduler) -> None:
    """Raise ``ValueError`` for an unknown engine or a scheduler without the Dask engine."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if scheduler is not None and engine != "dask":
        raise ValueError("scheduler is only used with engine='dask'; pass engine='dask' or leave scheduler=None")
    if scheduler is not None and not isinstance(scheduler, str) and not (
            hasattr(scheduler, "submit") and hasattr(scheduler, "scatter")):
        raise ValueError(f"scheduler must be None, an address string or a distributed.Client, got "
                         f"{type(scheduler).__name__}")


def _distributed():
    try:
        import distributed
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(MISSING) from e
    return distributed


def client_for(scheduler=None):
    """The :class:`distributed.Client` for ``scheduler`` (see the module notes)."""
    distributed = _distributed()
    if scheduler is not None and not isinstance(scheduler, str):
        return scheduler
    if scheduler is None:
        try:
            return distributed.default_client()
        except ValueError:
            pass
        if "local" not in _CLIENTS:
            n = os.cpu_count() or 1
            log.info("engine='dask' without a scheduler: starting a LocalCluster of %d workers", n)
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                               dashboard_address=":0")
            _CLIENTS["local"] = distributed.Client(cluster, set_as_default=False)
        return _CLIENTS["local"]
    if scheduler not in _CLIENTS:
        try:
            _CLIENTS[scheduler] = distributed.Client(scheduler, set_as_default=False, timeout="30s")
        except OSError as e:
            raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler!r}: {e}") from None
    return _CLIENTS[scheduler]


def worker_cache() -> dict:
    """A dictionary kept on the current Dask worker (models, broadcast indexes), created on first use."""
    worker = _distributed().get_worker()
    cache = getattr(worker, _ATTR, None)
    if cache is None:
        cache = {"loads": 0}
        setattr(worker, _ATTR, cache)
    return cache


def _embed_partition(spec: tuple, model_obj, texts: list[str]) -> np.ndarray:
    """On a worker: the vectors of ``texts`` with the model of ``spec``, loaded once per worker."""
    from .embed import Embedder

    cache = worker_cache()
    emb = cache.get(spec)
    if emb is None:
        kind, model, precision, batch_size, max_chars = spec
        emb = Embedder(model=model_obj if kind == "object" else model, precision=precision,
                       batch_size=batch_size, max_chars=max_chars, progress=False).load()
        cache[spec] = emb
        cache["loads"] += 1
    return emb._forward(list(texts))


def dask_forward(embedder, texts: list[str]) -> np.ndarray:
    """``embedder._forward(texts)`` computed on the Dask workers of ``embedder.scheduler``.

    Texts go out in partitions (about four per worker, at least one batch each); the vectors
    come back in input order.
    """
    if not texts:
        return np.empty((0, 0), dtype=np.float32)
    client = client_for(embedder.scheduler)
    model = embedder.model
    if model is not None and not isinstance(model, (str, os.PathLike)):
        model_obj = client.scatter(model, broadcast=True, hash=False)
        spec = ("object", f"{type(model).__name__}-{id(model)}", embedder.precision, int(embedder.batch_size),
                int(embedder.max_chars))
    else:
        from .embed import _default_model_path

        model_obj = None
        spec = ("path", str(model) if model is not None else _default_model_path(), embedder.precision,
                int(embedder.batch_size), int(embedder.max_chars))
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    size = max(int(embedder.batch_size), math.ceil(len(texts) / (4 * n_workers)))
    parts = [texts[i:i + size] for i in range(0, len(texts), size)]
    futures = [client.submit(_embed_partition, spec, model_obj, p, pure=False) for p in parts]
    if embedder.progress:
        from distributed import as_completed
        from tqdm.auto import tqdm

        bar = tqdm(total=len(texts), desc="embedding (dask)", unit="text")
        sizes = {f.key: len(p) for f, p in zip(futures, parts)}
        for f in as_completed(futures):
            bar.update(sizes[f.key])
        bar.close()
    out = client.gather(futures)
    return np.concatenate(out, axis=0).astype(np.float32)
