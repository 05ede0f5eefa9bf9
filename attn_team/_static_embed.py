"""A fast static embedding model, distilled once and locally from the packaged MiniLM.

A *static* model keeps one vector per word-piece and embeds a text as the mean of its pieces'
vectors: no transformer runs at encode time, so it encodes thousands of texts a second on a
CPU where MiniLM encodes dozens (``benchmarks/bench_static.py``, ``benchmarks/RESULTS.md``).

Distillation follows model2vec's recipe with what attn_team already installs (so nothing is
downloaded and ``model2vec[distill]`` is not needed): every token of MiniLM's vocabulary is run
through MiniLM alone (``[CLS] token [SEP]``, mean-pooled), the token table is reduced by PCA to
``dim`` columns and each row is weighted by SIF (``sif / (sif + p(rank))``, Zipf's law over the
vocabulary order).  The result is saved in model2vec's folder format, so
``model2vec.StaticModel.from_pretrained(folder)`` loads it (``pip install attn-team[scale]``
installs model2vec).

The model is built once per machine into the user's cache folder (:func:`cache_root`), keyed by
the source model and the settings, in a temporary folder renamed into place when complete (two
processes never see half a model; the loser of a race discards its copy).

:class:`StaticEncoder` is the object :class:`attn_team.embed.Embedder` uses for
``Embedder(model="static")``; :class:`AdaptedStaticEmbedder` adds the per-backlog adaptation
that ``embedder="static"`` uses: the word-pieces of 500 of the backlog's texts run through MiniLM
(spent on the texts that cover the pieces the backlog leans on), and from MiniLM's
per-piece outputs on them a piece table in MiniLM's space (each piece's mean output in context,
shrunk towards a ridge prior of its static vector), pooled with SIF weights from the backlog's
own piece frequencies, then a ridge map to MiniLM's sentence vectors fitted out of fold.

Measured (``benchmarks/RESULTS.md``, "Static embeddings", "A piece table from MiniLM's outputs in
context", "A coverage sample"): fitted attention MRR 3.6-6.1% below MiniLM's on the three dev link
sets, mean of three seeds (a sample of the smallest content hashes: 5.7-6.5%; the first recipe, a
ridge map of the static vectors: 6.6-7.5%; the goal was 5%, reached on one set of three), at 50x
or more MiniLM's cold-start speed at 100,000 items.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ._static_table import (
    _ContextTable,
    _own_sif,
    _piece_weights,
    _pool_matrix,
    _ridge_gcv,
    _sample_rows,
    _sample_rows_budget,
    _sample_rows_coverage,
    _teacher_token_outputs,
    _unweighted_table,
    _zipf_weights,
)
from .embed import MAX_CHARS, Embedder, _normalise

__all__ = ["STATIC", "STATIC_DIM", "STATIC_SIF", "AUTO_STATIC_ITEMS", "ADAPT_SAMPLE", "ADAPT_TOKENS", "cache_root",
           "static_model_path", "distil_static", "StaticEncoder", "AdaptedStaticEmbedder",
           "require_model2vec", "resolve_embedder", "EMBEDDER_CHOICES"]

log = logging.getLogger(__name__)

#: The name users pass: ``Embedder(model="static")``, ``embedder="static"``, ``--embedder static``.
STATIC = "static"
#: Width of the distilled vectors (model2vec's default PCA width).
STATIC_DIM = 256
#: SIF coefficient of the token weights (model2vec's default).
STATIC_SIF = 1e-4
#: ``embedder="auto"`` uses the static model from this many items on (cold start measured in
#: ``benchmarks/RESULTS.md``, "Static embeddings": below it MiniLM's wait is a few minutes at most).
AUTO_STATIC_ITEMS = 20_000
#: Texts of the backlog that ``embedder="static"`` runs through MiniLM to adapt the static model (a
#: fixed cost).  A count of texts, not of word-pieces: at 100,000 items MiniLM's own cold start and
#: the sample's cost grow alike with the texts' length, so the ratio of the two stays put
#: (``benchmarks/RESULTS.md``: a 50,000-piece budget, 3,300 one-line OFBiz summaries, fell to 20x).
ADAPT_SAMPLE = 500
#: Word-piece budget of the sample for ``AdaptedStaticEmbedder(sample=None)`` (an experiment).
ADAPT_TOKENS = 50_000
#: How ``"static"`` picks its sample: ``"hash"`` (the texts of the smallest content hashes) or
#: ``"coverage"`` (within the same word-piece budget, the texts covering the backlog's pieces best).
ADAPT_SELECT = "coverage"
SELECT_CHOICES = ("hash", "coverage")
#: Shrinkage of a piece's in-context MiniLM mean towards its prior, ``n / (n + kappa)`` for ``n``
#: occurrences: ``kappa`` is chosen from these by 5-fold cross-validation over the sampled texts.
KAPPAS = (0.25, 1.0, 4.0)
#: Whether ``"static"`` weights tokens by the backlog's own token frequencies (see ``AdaptedStaticEmbedder``).
REWEIGHT = True
#: The model the map targets (None: the packaged MiniLM; a local folder or a model object).
TEACHER = None
#: Choices of ``embedder=`` / ``--embedder`` given by name.
EMBEDDER_CHOICES = ("minilm", "static", "auto")
#: texts tokenised at a time by the static model (their id lists are dropped once counted)
TOKEN_CHUNK = 20_000
_RECIPE = 1  # bump when the distillation changes: the cache key and the vector-cache name follow
#: Version of the per-backlog adaptation of ``embedder="static"`` (1: ridge map of the static vectors;
#: 2: the piece table; 3: the piece table on a coverage sample).  Part of a workspace's key for a
#: stored fit, so a fit on other vectors never reloads.
ADAPT_RECIPE = 3
_EXTRA = "pip install attn-team[scale]"


def require_model2vec():
    """Import model2vec's ``StaticModel``, or raise ImportError naming the extra that installs it."""
    try:
        from model2vec import StaticModel
    except ImportError as exc:
        raise ImportError(f"the static embedding model needs model2vec: {_EXTRA}  (or pip install model2vec)") from exc
    return StaticModel


def cache_root() -> Path:
    """The user cache folder of attn_team.

    ``$ATTN_TEAM_CACHE`` when set, else ``$XDG_CACHE_HOME/attn_team``, else
    ``~/.cache/attn_team`` (``%LOCALAPPDATA%\\attn_team`` on Windows).
    """
    env = os.environ.get("ATTN_TEAM_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "attn_team"
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "attn_team"
    return Path.home() / ".cache" / "attn_team"


def _settings_key(source_name: str, dim: int, sif: float, vocabulary) -> str:
    spec = {"recipe": _RECIPE, "source": source_name, "dim": int(dim), "sif": float(sif),
            "vocabulary": None if vocabulary is None else hashlib.sha256("\n".join(vocabulary).encode()).hexdigest()}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def static_model_path(source=None, *, dim: int = STATIC_DIM, sif: float = STATIC_SIF, vocabulary=None,
                      cache_dir=None, progress: bool = True) -> Path:
    """The folder of the static model distilled from ``source``, distilling it on first use.

    Parameters
    ----------
    source : str or os.PathLike, optional
        A local sentence-transformers model folder (default: the packaged MiniLM).
    dim : int, default=256
        Width of the static vectors (PCA of the token table).
    sif : float, default=1e-4
        SIF coefficient of the token weights.
    vocabulary : sequence of str, optional
        Only these word-pieces are distilled (the others embed as zero and are ignored); the
        full vocabulary by default.  For tests and experiments.
    cache_dir : str or os.PathLike, optional
        Where models are kept (default: ``cache_root() / "static"``).
    progress : bool, default=True
        A ``tqdm.auto`` bar while distilling.

    Returns
    -------
    pathlib.Path
        A model2vec folder (``model.safetensors``, ``tokenizer.json``, ``config.json``).
    """
    from .embed import _default_model_path, _model_name

    src = str(_default_model_path() if source is None else source)
    if not Path(src).is_dir():
        raise FileNotFoundError(f"source model folder not found: {src!r} (a local sentence-transformers folder)")
    if not (isinstance(dim, (int, np.integer)) and not isinstance(dim, bool) and dim >= 2):
        raise ValueError(f"dim must be an integer >= 2, got {dim!r}")
    if not (isinstance(sif, (int, float)) and 0 < sif < 1):
        raise ValueError(f"sif must be in (0, 1), got {sif!r}")
    vocabulary = None if vocabulary is None else sorted(set(vocabulary))
    src_name = "all-MiniLM-L6-v2" if source is None else _model_name(src)
    key = _settings_key(src_name, dim, sif, vocabulary)
    root = Path(cache_dir) if cache_dir is not None else cache_root() / "static"
    final = root / f"static-{key}"
    if (final / "config.json").is_file():
        return final
    root.mkdir(parents=True, exist_ok=True)
    log.info("distilling a static embedding model from %s (dim %d) into %s, once", src, dim, final)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-static-"))
    try:
        distil_static(src, tmp, dim=dim, sif=sif, vocabulary=vocabulary, progress=progress,
                      meta={"attn_team_key": key, "attn_team_source": src_name})
        try:
            os.replace(tmp, final)
        except OSError:  # another process finished first: keep its model
            if not (final / "config.json").is_file():
                raise
            log.info("another process distilled %s first; using it", final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def distil_static(source, out_dir, *, dim: int = STATIC_DIM, sif: float = STATIC_SIF, vocabulary=None,
                  progress: bool = True, batch_size: int = 512, meta: dict | None = None) -> Path:
    """Distil a static model from a local sentence-transformers model into ``out_dir`` (model2vec format).

    See the module docstring for the recipe; :func:`static_model_path` caches the result.

    Returns
    -------
    pathlib.Path
        ``out_dir``.
    """
    import torch
    from safetensors.numpy import save_file

    from .embed import _offline, _quiet_loading

    with _offline(), _quiet_loading(not progress):
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    st.eval()
    body = st[0].auto_model
    tok_file = Path(source) / "tokenizer.json"
    if not tok_file.is_file():
        raise FileNotFoundError(f"{source} has no tokenizer.json (a fast tokenizer is needed)")
    vocab = json.loads(tok_file.read_text(encoding="utf-8"))["model"]["vocab"]
    n = max(vocab.values()) + 1
    cls_id, sep_id = vocab.get("[CLS]"), vocab.get("[SEP]")
    prefix = [] if cls_id is None else [cls_id]
    suffix = [] if sep_id is None else [sep_id]
    ids = np.arange(n) if vocabulary is None else np.array(sorted({vocab[t] for t in vocabulary if t in vocab}))
    if not len(ids):
        raise ValueError("none of the given vocabulary is in the source model's vocabulary")
    out = np.zeros((len(ids), body.config.hidden_size), dtype=np.float32)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(ids), desc="distilling static model", unit="token")
    try:
        with torch.inference_mode():
            for start in range(0, len(ids), batch_size):
                chunk = ids[start : start + batch_size]
                x = torch.tensor([prefix + [int(i)] + suffix for i in chunk], dtype=torch.long)
                h = body(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state
                out[start : start + len(chunk)] = h.float().mean(dim=1).numpy()
                if bar is not None:
                    bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    # PCA (centred, eigen-decomposition of the covariance, deterministic signs) to dim columns
    k = min(int(dim), out.shape[1], max(len(ids) - 1, 1))
    xc = out - out.mean(axis=0)
    vals, vecs = np.linalg.eigh((xc.T @ xc) / max(len(ids) - 1, 1))
    comp = vecs[:, ::-1][:, :k]
    scores = xc @ comp
    signs = np.sign(scores[np.argmax(np.abs(scores), axis=0), np.arange(k)])
    scores *= np.where(signs == 0, 1.0, signs)
    # SIF over the Zipf estimate of the vocabulary order (rank = token id, as model2vec)
    inv_rank = 1.0 / np.arange(2, n + 2)
    proba = inv_rank / inv_rank.sum()
    weights = sif / (sif + proba[ids])
    table = np.zeros((n, k), dtype=np.float32)
    table[ids] = (scores * weights[:, None]).astype(np.float32)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({"embeddings": table}, str(out_dir / "model.safetensors"))
    shutil.copyfile(tok_file, out_dir / "tokenizer.json")
    config = {"model_type": "model2vec", "architectures": ["StaticModel"], "tokenizer_name": Path(source).name,
              "apply_pca": int(dim), "sif_coefficient": float(sif), "hidden_dim": k, "seq_length": 1000000,
              "normalize": True, "pooling": "mean", "n_distilled_tokens": int(len(ids)), **(meta or {})}
    (out_dir / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    log.info("static model: %d tokens distilled, %d dimensions", len(ids), k)
    return out_dir


class StaticEncoder:
    """A loaded static (model2vec) model with the ``encode`` and ``name`` an :class:`~attn_team.Embedder` uses.

    Parameters
    ----------
    path : str or os.PathLike
        A model2vec folder (e.g. :func:`static_model_path`).

    Attributes
    ----------
    name : str
        Cache name of the vectors: ``static-<key>`` (source model and settings), never MiniLM's.
    dim : int
    """

    def __init__(self, path):
        StaticModel = require_model2vec()
        path = Path(path)
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        self.path = path
        # model2vec reads a local folder with no hub access when the path exists
        self.model = StaticModel.from_pretrained(str(path), force_download=False)
        self.dim = int(self.model.dim)
        self.name = f"static-{config.get('attn_team_key') or _folder_digest(path)}"

    def __repr__(self) -> str:
        return f"StaticEncoder({str(self.path)!r}, dim={self.dim})"

    def encode(self, texts, batch_size: int = 1024, **kwargs) -> np.ndarray:
        """Mean of the token vectors of each text, L2-normalised (zeros for a text with no known token)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.model.encode(texts, batch_size=max(int(batch_size), 1), max_length=None,
                                            use_multiprocessing=False), dtype=np.float32)


    def token_ids(self, texts) -> list[list[int]]:
        """Word-piece ids of each text (unknown pieces dropped), as the model reads them."""
        return self.model.tokenize(list(texts))

    def token_counts(self, texts, *, chunk: int = TOKEN_CHUNK) -> sp.csr_matrix:
        """Texts x word-pieces counts, tokenised ``chunk`` texts at a time.

        The ids of a million texts as Python lists took about 6 GB; as this matrix they take
        8 bytes per distinct piece of a text.
        """
        texts = list(texts)
        vocab = len(self.model.embedding)
        parts = []
        for c0 in range(0, len(texts), chunk):
            ids = self.token_ids(texts[c0:c0 + chunk])
            lens = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
            flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int32, count=int(lens.sum()))
            rows = np.repeat(np.arange(len(ids), dtype=np.int32), lens)
            parts.append(sp.csr_matrix((np.ones(len(flat), dtype=np.float32), (rows, flat)),
                                       shape=(len(ids), vocab)))  # duplicates summed: counts
        if not parts:
            return sp.csr_matrix((0, vocab), dtype=np.float32)
        return sp.vstack(parts, format="csr")

    def encode_weighted(self, texts, weights: np.ndarray, *, counts: sp.csr_matrix | None = None) -> np.ndarray:
        """Like :meth:`encode`, each token vector first multiplied by ``weights[token id]``.

        ``counts`` (:meth:`token_counts` of ``texts``) saves tokenising again. The weighted sum of a
        text's token vectors, normalised: the same vector as their mean.
        """
        M = self.token_counts(texts) if counts is None else counts
        return _normalise(np.asarray(_pool_matrix(M, weights, M.shape[1]) @ self.model.embedding, dtype=np.float32))

    def backlog_weights(self, texts, *, sif: float = 1e-3, counts: sp.csr_matrix | None = None) -> np.ndarray:
        """Per-token multipliers replacing the Zipf estimate by the texts' own token frequencies (SIF)."""
        M = self.token_counts(texts) if counts is None else counts
        return (_own_sif(M, len(self.model.embedding), sif) / _zipf_weights(self)).astype(np.float32)


def _folder_digest(path: Path) -> str:
    h = hashlib.sha256()
    for f in ("config.json", "model.safetensors"):
        p = path / f
        h.update(p.read_bytes() if f.endswith(".json") else str(p.stat().st_size).encode())
    return h.hexdigest()[:12]


def static_name(*, dim: int = STATIC_DIM, sif: float = STATIC_SIF) -> str:
    """Cache name of the vectors of the static model distilled from the packaged MiniLM (no distilling)."""
    return f"static-{_settings_key('all-MiniLM-L6-v2', dim, sif, None)}"


# --------------------------------------------------------------------------- per-backlog adaptation


def _map_rows(P: np.ndarray, W: np.ndarray, mx: np.ndarray, my: np.ndarray, chunk: int = 65_536) -> np.ndarray:
    """``normalise((P - mx) @ W + my)`` written into ``P`` a chunk of rows at a time (``W`` square).

    At 1M texts the whole-array expression held four 1.5 GB arrays at once.
    """
    P = np.ascontiguousarray(P, dtype=np.float32)
    if W.shape[0] != W.shape[1]:
        return _normalise((P - mx) @ W + my)
    for s in range(0, len(P), chunk):
        P[s:s + chunk] = _normalise((P[s:s + chunk] - mx) @ W + my)
    return P


class AdaptedStaticEmbedder(Embedder):
    """Static vectors adapted to the backlog and mapped into MiniLM's space, from a sample of its own texts.

    The first :meth:`encode` (for a backlog: all its item texts) reads every text with the static
    model's tokenizer and runs a sample of them through MiniLM: the texts of the smallest content
    hashes, until ``tokens`` word-pieces (``sample=None``, what ``embedder="static"`` uses) or
    ``sample`` texts.  From MiniLM's per-piece outputs it builds a piece table in MiniLM's space
    (:class:`_ContextTable`: each piece's mean output in context, shrunk towards a ridge prior of
    its static vector; the shrinkage chosen by 5-fold cross-validation over the sampled texts),
    pools each text's pieces with SIF weights from the backlog's own piece frequencies, and fits a
    ridge map (penalty by generalised cross-validation) from the pooled vectors to MiniLM's
    sentence vectors, on out-of-fold pooled vectors of the sample (so the map sees the table's
    error on texts it did not learn from).  Every text, sampled or not, gets the mapped pooled
    vector: one space for all.  Later calls reuse the table, weights and map (e.g. search queries).

    ``table=False``, or a teacher that gives no per-piece outputs (not a sentence-transformers
    model and no ``encode_tokens``), falls back to the first recipe: static vectors (SIF-weighted
    by the backlog with ``reweight``) and a ridge map learned on the sample's sentence vectors, the
    sampled texts keeping their teacher vectors.

    Parameters
    ----------
    model : str or os.PathLike, default="static"
        The static model (``"static"``: distilled from the packaged MiniLM, or a model2vec folder).
    sample : int or None, default=500
        Texts embedded with MiniLM (0: no adaptation, plain static vectors); None: by ``tokens``.
    tokens : int, default=50_000
        Word-piece budget of the sample when ``sample`` is None.
    select : {"hash", "coverage"}, default="coverage"
        Which ``sample`` texts: those of the smallest content hashes, or (``"coverage"``) within
        the word-pieces those would hold, the texts that firm up the pieces the backlog uses most
        (:func:`_sample_rows_coverage`; the same MiniLM cost).
    teacher : None or str, default=None
        The model the map targets (default: the packaged MiniLM).
    reweight : bool, default=False
        Backlog SIF weights for the first recipe (the piece table always uses them).
    table : bool, default=True
        Learn the piece table when the teacher gives per-piece outputs (False: the first recipe).
    batch_size, cache, max_chars, progress
        As for :class:`~attn_team.Embedder`.

    Attributes
    ----------
    map_ : tuple or None
        ``(W, mean_in, mean_teacher, penalty)`` of the fitted map.
    kappa_ : float or None
        Shrinkage chosen for the piece table (None: the fallback recipe).
    n_sampled_ : int
        Texts embedded with the teacher.
    """

    def __init__(self, model=STATIC, *, sample: int | None = ADAPT_SAMPLE, tokens: int = ADAPT_TOKENS, teacher=None,
                 reweight: bool = False, table: bool = True, select: str = ADAPT_SELECT, batch_size: int = 32,
                 cache=None, max_chars: int = MAX_CHARS, progress: bool = True, precision: str = "auto"):
        super().__init__(model, batch_size=batch_size, precision=precision, cache=cache, max_chars=max_chars,
                         progress=progress)
        self.sample = sample
        self.select = select
        self.tokens = tokens
        self.teacher = teacher
        self.reweight = reweight
        self.table = table

    def __repr__(self) -> str:
        size = f"tokens={self.tokens}" if self.sample is None else f"sample={self.sample}"
        return f"AdaptedStaticEmbedder(model={self.model!r}, {size})"

    def get_params(self, deep: bool = True) -> dict:
        return {**super().get_params(deep), "sample": self.sample, "tokens": self.tokens, "select": self.select,
                "teacher": self.teacher,
                "reweight": self.reweight, "table": self.table}

    def set_params(self, **params):
        for k in ("map_", "table_", "weights_", "kappa_"):
            self.__dict__.pop(k, None)
        return super().set_params(**params)

    def _adapts(self) -> bool:
        return bool(self.tokens) if self.sample is None else bool(self.sample)

    def teacher_embedder(self) -> Embedder | None:
        """The :class:`~attn_team.Embedder` of the teacher (MiniLM) whose space these vectors are mapped
        to, or None when nothing is adapted (``sample=0``): what re-scoring embeds questions with."""
        return self._teacher() if self._adapts() else None

    def dim(self) -> int:
        if not self._adapts():
            return self._static().dim()
        return self._teacher().dim()

    def _static(self) -> Embedder:
        if "static_" not in self.__dict__:
            self.static_ = Embedder(self.model, batch_size=256, cache=self.cache, max_chars=self.max_chars,
                                    progress=self.progress)
        return self.static_

    def _teacher(self) -> Embedder:
        if "teacher_" not in self.__dict__:
            self.teacher_ = Embedder(self.teacher, batch_size=self.batch_size, precision=self.precision,
                                     cache=self.cache, max_chars=self.max_chars, progress=self.progress)
        return self.teacher_

    def _validate_sizes(self) -> None:
        if self.sample is not None and (isinstance(self.sample, bool) or not isinstance(self.sample, (int, np.integer))
                                        or self.sample < 0):
            raise ValueError(f"sample must be a non-negative integer or None, got {self.sample!r}")
        if isinstance(self.tokens, bool) or not isinstance(self.tokens, (int, np.integer)) or self.tokens < 0:
            raise ValueError(f"tokens must be a non-negative integer, got {self.tokens!r}")
        if self.select not in SELECT_CHOICES:
            raise ValueError(f"select must be one of {SELECT_CHOICES}, got {self.select!r}")

    def _encode(self, texts, cache) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode expects a sequence of texts, not a single string")
        texts = list(texts)
        self._validate_sizes()
        size = f"ctx{int(self.tokens)}" if self.sample is None else f"map{int(self.sample)}"
        if self.select == "coverage" and self.sample is not None and self.table:
            size += "cov"
        self._static()._ensure_loaded()
        self.model_name_ = f"{self._static().model_name_}+{size}"
        if "table_" in self.__dict__:  # adapted on an earlier call: the piece table path
            return self._pooled(texts)
        if "map_" not in self.__dict__ and self._adapts() and self.table:
            ids = self._fit_table(texts)
            if ids is not None:
                return self._pooled(texts, ids)
        return self._encode_fallback(texts, cache)

    # -- the piece-table recipe ------------------------------------------------------------------------
    def _pooled(self, texts: list[str], ids: list | None = None) -> np.ndarray:
        if ids is None:
            ids = self._static().load().model_.token_counts(texts)
        P = self.table_.pool(ids, self.weights_)
        if self.map_ is None:
            return P
        W, mx, my, _ = self.map_
        return _map_rows(P, W, mx, my)

    def _fit_table(self, texts: list[str]) -> list | None:
        """Learn the piece table, weights and map from a sample of ``texts``.

        Returns the texts' piece ids (for pooling them), or None: use the first recipe.
        """
        static = self._static().load()
        enc = static.model_
        if not hasattr(enc, "token_ids"):
            return None
        ids = enc.token_counts(texts)  # texts x pieces counts: a million texts' id lists took 6 GB
        n_vocab = len(enc.model.embedding)
        weights = _piece_weights(ids, n_vocab)
        if self.sample is None:
            rows = _sample_rows_budget(texts, np.asarray(ids.sum(axis=1)).ravel(), int(self.tokens))
        elif self.select == "coverage":  # the same MiniLM cost, the pieces the backlog leans on
            importance = np.asarray(ids.sum(axis=0)).ravel() * weights
            rows = _sample_rows_coverage(texts, ids, int(self.sample), importance)
        else:
            rows = _sample_rows(texts, int(self.sample))
        if len(rows) < 10:
            return None
        teacher = self._teacher().load().model_
        stats = _teacher_token_outputs(teacher, [texts[i] for i in rows], batch_size=int(self.batch_size),
                                       progress=self.progress)
        if stats is None:
            return None
        stats = [(i[i < n_vocab], o[i < n_vocab], v) for i, o, v in stats]
        good = [k for k, s in enumerate(stats) if len(s[0])]
        if len(good) < 10:
            return None
        stats = [stats[k] for k in good]
        rows = rows[good]
        self.n_sampled_ = len(rows)
        raw = _unweighted_table(enc)
        target = _normalise(np.stack([s[2] for s in stats]).astype(np.float32))
        sample_ids = ids[rows]
        fold = np.arange(len(rows)) % 5
        best = None
        tables = [_ContextTable(raw, [stats[k] for k in np.flatnonzero(fold != f)], KAPPAS[0]) for f in range(5)]
        for kappa in KAPPAS:
            oof = np.zeros_like(target)
            for f, table in enumerate(tables):
                te = np.flatnonzero(fold == f)
                table.kappa = float(kappa)
                oof[te] = table.pool(sample_ids[te], weights)
            score = float(np.mean(np.sum(oof * target, axis=1)))
            if best is None or score > best[0]:
                best = (score, kappa, oof)
        _, kappa, oof = best
        self.table_ = _ContextTable(raw, stats, kappa)
        self.weights_ = weights
        self.kappa_ = float(kappa)
        W, mx, my, lam = _ridge_gcv(oof, target)
        self.map_ = (W, mx, my, lam)
        log.info("static model adapted on %d texts (%d pieces through MiniLM): shrinkage %g, held-out cosine %.3f, "
                 "map penalty %.3g", len(rows), sum(len(s[0]) for s in stats), kappa, best[0], lam)
        return ids

    # -- the first recipe (a teacher with no per-piece outputs) ------------------------------------------
    def _encode_fallback(self, texts: list[str], cache) -> np.ndarray:
        if self.reweight:  # token weights from these texts' own frequencies (first call), not cached
            enc = self._static().load().model_
            counts = enc.token_counts(texts)  # tokenised once for both
            if "weights_" not in self.__dict__:
                self.weights_ = enc.backlog_weights(texts, counts=counts)
            S = enc.encode_weighted(texts, self.weights_, counts=counts)
            del counts
        else:
            S = self._static()._encode(texts, cache)
        if not self._adapts():
            return S
        if "map_" not in self.__dict__:
            rows = (_sample_rows_budget(texts, self._static().load().model_.token_ids(texts), int(self.tokens))
                    if self.sample is None else _sample_rows(texts, int(self.sample)))
            self.n_sampled_ = int(len(rows))
            self.kappa_ = None
            if len(rows) < 8:
                log.warning("only %d texts to learn the static-to-MiniLM map from: no map, MiniLM vectors "
                            "for them", len(rows))
                self.map_ = None
            teach = (rows, self._teacher()._encode([texts[i] for i in rows], cache)) if len(rows) else None
            if len(rows) >= 8:
                W, mx, my, lam = _ridge_gcv(S[rows], teach[1])
                self.map_ = (W, mx, my, lam)
                log.info("static-to-MiniLM map learned on %d texts (ridge penalty %.3g)", len(rows), lam)
        else:
            teach = None
        if self.map_ is None:
            return self._teacher()._encode(texts, cache)
        W, mx, my, _ = self.map_
        out = _normalise((S - mx) @ W + my)
        if teach is not None:
            out[teach[0]] = teach[1]
        return out


def resolve_embedder(embedder, *, n_items: int = 0, cache=None, progress: bool = False, engine: str = "local",
                     scheduler=None) -> tuple[object, Embedder]:
    """``(memo key, Embedder)`` for an ``embedder=`` value of :class:`~attn_team.CrossAttention` and the CLI.

    ``None`` or ``"minilm"``: the packaged MiniLM (key ``"default"``); ``"static"``: the static model
    adapted to the backlog (:class:`AdaptedStaticEmbedder`, key ``"static"``); ``"auto"``: ``"static"``
    for ``n_items >= AUTO_STATIC_ITEMS``, else MiniLM; an :class:`~attn_team.Embedder` as is, an object
    with ``encode`` wrapped in one (both keyed by identity). ``engine``/``scheduler`` go to the MiniLM
    and wrapped embedders (the static model encodes locally: it is fast).
    """
    if isinstance(embedder, str):
        if embedder not in EMBEDDER_CHOICES:
            raise ValueError(f"embedder must be one of {EMBEDDER_CHOICES}, an attn_team.Embedder or an object with "
                             f"encode(), got {embedder!r}")
        if embedder == "auto":
            embedder = STATIC if n_items >= AUTO_STATIC_ITEMS else "minilm"
            log.info("embedder='auto': %s for %d items (static from %d on)", embedder, n_items, AUTO_STATIC_ITEMS)
        if embedder == STATIC:
            return STATIC, AdaptedStaticEmbedder(sample=ADAPT_SAMPLE, teacher=TEACHER, reweight=REWEIGHT,
                                                 cache=cache, progress=progress)
        embedder = None
    if embedder is None:
        return "default", Embedder(cache=cache, progress=progress, engine=engine, scheduler=scheduler)
    if isinstance(embedder, Embedder):
        return id(embedder), embedder
    if hasattr(embedder, "encode"):
        return id(embedder), Embedder(model=embedder, cache=cache, precision="fp32", progress=progress, engine=engine,
                                      scheduler=scheduler)
    raise ValueError("embedder must be an attn_team.Embedder or have an encode() method, "
                     f"got {type(embedder).__name__}")
