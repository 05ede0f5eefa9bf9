"""The piece table of ``embedder="static"``: static vectors moved to MiniLM's outputs in context.

Helpers of :class:`attn_team._static_embed.AdaptedStaticEmbedder`: the teacher's per-piece outputs on
the sampled texts (:func:`_teacher_token_outputs`), the table built from them (:class:`_ContextTable`),
SIF pooling (:func:`_piece_weights`, :func:`_pool_matrix`) and the ridge map with its penalty by
generalised cross-validation (:func:`_ridge_gcv`), and the choice of the sampled texts
(:func:`_sample_rows`, :func:`_sample_rows_budget`, :func:`_sample_rows_coverage`).
"""

from __future__ import annotations

import heapq
import json

import numpy as np
import scipy.sparse as sp

from .embed import _normalise, _normalise_inplace, text_hash

_STATIC_SIF = 1e-4  # the distillation's default SIF coefficient, for a model whose config lacks it

#: the coverage sample of n texts' pieces is chosen among this many times n texts (smallest content
#: hashes): 98.6-100% of the coverage objective of choosing among all 12,470 OFBiz or 3,036 duraspace
#: texts, at a third of the time on OFBiz
COVERAGE_POOL = 10


def _ridge_gcv(X: np.ndarray, Y: np.ndarray, weights: np.ndarray | None = None, grid: int = 16
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Ridge map ``Y ~ (X - mx) W + my``, its penalty chosen by generalised cross-validation.

    Returns ``(W, mx, my, lam)``.  The grid spans 1e-4 to 10 times the largest squared singular
    value of the centred ``X``; leave-one-out errors come from the hat matrix's diagonal.
    ``weights`` (one per row, e.g. occurrence counts) weight the squared errors and the means.
    """
    w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=np.float64)
    mx, my = (w @ X) / w.sum(), (w @ Y) / w.sum()
    r = np.sqrt(w)[:, None]
    Xc, Yc = (X - mx) * r, (Y - my) * r
    U, sig, Vt = np.linalg.svd(Xc, full_matrices=False)
    UtY = U.T @ Yc
    s2 = sig**2
    best = (np.inf, None)
    lead = (w / w.sum()) if weights is not None else np.full(len(X), 1.0 / len(X))
    for lam in s2.max() * np.logspace(-4, 1, grid):
        f = s2 / (s2 + lam)
        resid = Yc - U @ (f[:, None] * UtY)
        h = (U**2) @ f + lead
        loo = float(np.sum((resid / np.clip(1.0 - h, 1e-6, None)[:, None]) ** 2))
        if loo < best[0]:
            best = (loo, lam)
    lam = float(best[1])
    W = Vt.T @ ((sig / (s2 + lam))[:, None] * UtY)
    return W.astype(np.float32), mx.astype(np.float32), my.astype(np.float32), lam


def _teacher_token_outputs(model, texts: list[str], *, batch_size: int = 32, progress: bool = False):
    """``[(piece ids, their output vectors, sentence vector)]`` of each text from the teacher, or None.

    A sentence-transformers model gives them in one pass (``output_value=None``: input ids, token
    embeddings before pooling, the pooled sentence vector); special tokens are dropped.  Another
    model object may offer ``encode_tokens(texts)`` returning the same triples; otherwise None.
    """
    if hasattr(model, "encode_tokens"):
        return [(np.asarray(i, dtype=np.int64), np.asarray(o, dtype=np.float32), np.asarray(v, dtype=np.float32))
                for i, o, v in model.encode_tokens(texts)]
    from .embed import _is_sentence_transformer

    if not _is_sentence_transformer(model):
        return None
    special = set(getattr(model.tokenizer, "all_special_ids", []) or [])
    res = model.encode(texts, output_value=None, batch_size=batch_size, show_progress_bar=progress,
                       convert_to_numpy=False)
    out = []
    for r in res:
        mask = r["attention_mask"].bool()
        ids = r["input_ids"][mask].cpu().numpy().astype(np.int64)
        tok = r["token_embeddings"][mask].detach().float().cpu().numpy()
        keep = ~np.isin(ids, list(special)) if special else np.ones(len(ids), dtype=bool)
        out.append((ids[keep], tok[keep], r["sentence_embedding"].detach().float().cpu().numpy()))
    return out


def _pool_matrix(ids, weights: np.ndarray, n_cols: int):
    """Sparse ``(n_texts, n_cols)`` matrix: row i sums ``weights[piece]`` over the pieces of text i.

    ``ids``: the texts' piece ids (a list of lists) or their texts x pieces count matrix
    (:meth:`~attn_team._static_embed.StaticEncoder.token_counts`, what large backlogs use).
    """
    from scipy import sparse

    if sparse.issparse(ids):
        return sparse.csr_matrix(ids @ sparse.diags(np.asarray(weights, dtype=np.float32)), dtype=np.float32)
    lens = np.array([len(r) for r in ids], dtype=np.int64)
    cols = np.concatenate([np.asarray(r, dtype=np.int64) for r in ids]) if lens.sum() else np.zeros(0, np.int64)
    rows = np.repeat(np.arange(len(ids)), lens)
    return sparse.csr_matrix((weights[cols].astype(np.float32), (rows, cols)), shape=(len(ids), n_cols))


class _ContextTable:
    """Piece vectors in the teacher's space: the mean of each piece's teacher outputs in context, shrunk
    towards a linear prior of its static vector.

    For a piece seen ``n`` times in the sampled texts with mean teacher output ``m``, and static
    vector ``v`` (the distilled row, SIF weighting removed), its vector is
    ``P(v) + n / (n + kappa) * (m - P(v))``, where ``P`` is a ridge map (GCV penalty, rows weighted
    by ``n``) from static vectors to in-context means over the sampled pieces.  Pieces never seen
    get ``P(v)``; pieces with no static vector (not distilled) and never seen get zeros.
    """

    def __init__(self, raw: np.ndarray, stats: list, kappa: float):
        n_vocab, d = len(raw), stats[0][1].shape[1]
        ids = np.concatenate([s[0] for s in stats])
        outs = np.concatenate([s[1] for s in stats]).astype(np.float64)
        seen, inv = np.unique(ids, return_inverse=True)
        sums = np.zeros((len(seen), d))
        np.add.at(sums, inv, outs)
        counts = np.bincount(inv, minlength=len(seen)).astype(np.float64)
        self.raw, self.kappa = raw, float(kappa)
        self.seen, self.mean, self.counts = seen, sums / counts[:, None], counts
        self.W, self.mx, self.my, _ = _ridge_gcv(raw[seen], self.mean.astype(np.float32), weights=counts, grid=8)
        self.n_vocab = n_vocab

    def rows(self, cols: np.ndarray) -> np.ndarray:
        """Vectors of the pieces ``cols`` (ids), shape ``(len(cols), d)``."""
        out = ((self.raw[cols] - self.mx) @ self.W + self.my).astype(np.float64)
        out[~np.any(self.raw[cols] != 0, axis=1)] = 0.0
        at = np.searchsorted(self.seen, cols)
        hit = (at < len(self.seen)) & (self.seen[np.minimum(at, len(self.seen) - 1)] == cols)
        j = at[hit]
        s = (self.counts[j] / (self.counts[j] + self.kappa))[:, None]
        out[hit] = out[hit] + s * (self.mean[j] - out[hit])
        return out.astype(np.float32)

    def full(self) -> np.ndarray:
        return self.rows(np.arange(self.n_vocab))

    def pool(self, ids: list, weights: np.ndarray, block: int = 8192) -> np.ndarray:
        """Weighted sums of the piece vectors of each text, L2-normalised.

        Up to ``block`` texts: from the rows of the pieces they use; more: from the whole table
        (computed once and kept), ``block`` texts at a time, so memory stays at one block's pieces.
        """
        n = ids.shape[0] if hasattr(ids, "shape") else len(ids)
        if n <= block:
            A = _pool_matrix(ids, weights, self.n_vocab).tocsc()
            cols = np.flatnonzero(np.diff(A.indptr))
            return _normalise(np.asarray(A[:, cols] @ self.rows(cols), dtype=np.float32))
        if getattr(self, "_full", None) is None or self._full[0] != self.kappa:
            self._full = (self.kappa, self.full())
        table = self._full[1]
        out = np.empty((n, table.shape[1]), dtype=np.float32)
        for start in range(0, n, block):
            A = _pool_matrix(ids[start : start + block], weights, self.n_vocab)
            out[start : start + block] = A @ table
        return _normalise_inplace(out)  # no second N x d array (1.5 GB at 1M x 384)


def _piece_weights(ids, n_vocab: int, a: float = 1e-3) -> np.ndarray:
    """SIF weights ``a / (a + p)`` of the pieces, ``p`` their frequency in these texts (ids or counts, as
    :func:`_pool_matrix` takes them)."""
    return _own_sif(ids, n_vocab, a).astype(np.float32)


def _own_sif(ids, n_vocab: int, a: float) -> np.ndarray:
    """:func:`_piece_weights` in float64."""
    from scipy import sparse

    if sparse.issparse(ids):
        M = sparse.csr_matrix(ids)
        counts = np.bincount(M.indices, weights=M.data, minlength=n_vocab).astype(np.float64)
    else:
        counts = np.bincount(np.concatenate([np.asarray(r, dtype=np.int64) for r in ids] + [np.zeros(0, np.int64)]),
                             minlength=n_vocab).astype(np.float64)
    return a / (a + counts / max(counts.sum(), 1.0))


def _zipf_weights(enc) -> np.ndarray:
    """The distillation's Zipf SIF weight of each piece: what the static model's vectors were multiplied by."""
    config = json.loads((enc.path / "config.json").read_text(encoding="utf-8"))
    sif = float(config.get("sif_coefficient", _STATIC_SIF))
    inv_rank = 1.0 / np.arange(2, len(enc.model.embedding) + 2)
    return sif / (sif + inv_rank / inv_rank.sum())


def _unweighted_table(enc) -> np.ndarray:
    """The static model's piece vectors with the distillation's Zipf SIF weighting divided out."""
    table = np.asarray(enc.model.embedding, dtype=np.float32)
    return (table / _zipf_weights(enc)[:, None]).astype(np.float32)


def _hash_order(texts: list[str]) -> list[int]:
    """Positions of the distinct non-empty texts, in order of their content hashes."""
    first: dict[str, int] = {}
    for i, t in enumerate(texts):
        if t.strip():
            first.setdefault(text_hash(t), i)
    return [first[h] for h in sorted(first)]


def _sample_rows(texts: list[str], n: int) -> np.ndarray:
    """Positions of up to ``n`` distinct non-empty texts: those of the smallest content hashes.

    Deterministic, independent of row order, and mostly unchanged when a backlog grows.
    """
    return np.array(sorted(_hash_order(texts)[:n]), dtype=np.int64)


def _sample_rows_budget(texts: list[str], lengths, budget: int, max_len: int = 256) -> np.ndarray:
    """Positions of the texts of the smallest content hashes until their word-pieces reach ``budget``.

    ``lengths``: each text's number of word-pieces, or its piece ids.
    A text counts its pieces plus ``[CLS]``/``[SEP]``, at most ``max_len`` (what MiniLM reads).
    Deterministic and independent of row order, as :func:`_sample_rows`.
    """
    out, total = [], 0
    for i in _hash_order(texts):
        if total >= budget:
            break
        out.append(i)
        size = lengths[i]
        total += min((len(size) if hasattr(size, "__len__") else int(size)) + 2, max_len)
    return np.array(sorted(out), dtype=np.int64)


def _sample_rows_coverage(texts: list[str], counts: sp.csr_matrix, n: int, importance: np.ndarray, *,
                          pool: int | None = None, max_len: int = 256, kappa: float = 1.0) -> np.ndarray:
    """Positions of texts that show MiniLM the backlog's pieces best, for the word-pieces of ``n`` texts.

    The budget is what :func:`_sample_rows` would send through MiniLM: the pieces of the ``n``
    texts of the smallest content hashes (each counted as MiniLM reads it, with ``[CLS]``/``[SEP]``,
    at most ``max_len``), so the teacher's cost is the same. Within it, texts are picked greedily
    (lazily re-evaluated: the gain only shrinks) by gain per piece, the gain of a text being how
    much it firms up the piece table where the backlog uses it: for each piece ``p`` it holds
    ``m`` times, ``importance[p] * (g(c + m) - g(c))`` with ``c`` the times ``p`` is already in the
    sample and ``g(c) = c / (c + kappa)`` the table's own shrinkage. Candidates are the ``pool``
    texts of the smallest content hashes (default :data:`COVERAGE_POOL` times ``n``), so the choice
    costs the same at 1M items as at 10k (0.3-0.5 s for ``n`` = 500 on the dev sets).
    Deterministic and independent of row order, as :func:`_sample_rows`.
    """
    order = _hash_order(texts)
    if n <= 0 or not len(order):
        return np.zeros(0, dtype=np.int64)
    counts = sp.csr_matrix(counts)
    lengths = np.minimum(np.asarray(counts.sum(axis=1)).ravel().astype(np.int64) + 2, max_len)
    budget = int(lengths[order[:n]].sum())
    pool = COVERAGE_POOL * n if pool is None else int(pool)
    cand = np.asarray(order[:max(pool, n)], dtype=np.int64)
    sub = counts[cand]
    imp = np.asarray(importance, dtype=np.float64)
    seen = np.zeros(counts.shape[1], dtype=np.float64)

    def gain(r: int) -> float:
        a, b = sub.indptr[r], sub.indptr[r + 1]
        j, m = sub.indices[a:b], sub.data[a:b]
        c = seen[j]
        return float(np.sum(imp[j] * ((c + m) / (c + m + kappa) - c / (c + kappa)))) / float(lengths[cand[r]])

    first = np.asarray(sub.multiply(imp[None, :] / (1.0 + kappa)).sum(axis=1)).ravel() / lengths[cand]
    heap = [(-float(first[r]), r) for r in range(len(cand))]  # ties: hash order
    heapq.heapify(heap)
    out, total = [], 0
    while heap and total < budget:
        _, r = heapq.heappop(heap)
        g = gain(r)
        if heap and g < -heap[0][0] - 1e-12:  # stale: back with its current gain
            heapq.heappush(heap, (-g, r))
            continue
        out.append(int(cand[r]))
        total += int(lengths[cand[r]])
        a, b = sub.indptr[r], sub.indptr[r + 1]
        seen[sub.indices[a:b]] += sub.data[a:b]
    return np.array(sorted(out), dtype=np.int64)
