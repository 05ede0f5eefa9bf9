"""Re-scoring: a static model's top candidates scored again with MiniLM vectors of only those items.

``embedder="static"`` embeds the whole backlog with the adapted static model (fast, a few percent
below MiniLM in MRR). When a question is about some items (``attend(queries=...)``,
:meth:`BacklogAttention.attend_queries`, ``score_rows`` as the evaluation ranks), each query's top
``R`` candidates under the static vectors are scored again with the teacher's (MiniLM's) vectors
of the query and those ``R`` items only: at most ``R + 1`` texts through MiniLM per query (cached
like every embedding), whatever the backlog's size. The multi-head score is the same formula with
the text head reading the MiniLM vectors; the other heads do not change. The static vectors are
mapped into MiniLM's space when adapted, so the learned projections apply to both.

- The kept top ``k`` (``k <= R``; a larger ``k`` re-scores ``k`` candidates) are the best ``k`` of
  the ``R`` re-scored candidates; their softmax weights are normalised over those ``R`` candidates
  (the others were never scored with MiniLM vectors), and ``lse`` is that normaliser.
- Dense rows (:func:`rescore_rows`): a row's ``R`` candidates carry their re-scored values and the
  other items are moved below all of them, their order kept, so ranks beyond ``R`` are the static
  model's.
- A whole-backlog pass (every item a query, what reports and the workspace cache hold) is not
  re-scored: it would run every text through MiniLM, the cold start the static model avoids; nor,
  with ``rescore="auto"``, a question of more than :data:`RESCORE_MAX_QUERIES` queries.

Measured in ``benchmarks/RESULTS.md`` ("Re-scoring the top candidates").
"""

from __future__ import annotations

import logging
import weakref

import numpy as np

from ._features import ItemFeatures, item_texts

__all__ = ["RESCORE_K", "RESCORE_MAX_QUERIES", "rescore_depth", "TeacherRows", "rescorer", "teacher_rows",
           "rescore_topk", "rescore_rows"]

log = logging.getLogger(__name__)

# backlog -> id(embedder) -> TeacherRows: a backlog's items go through the teacher once per embedder
_TEACHERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

#: candidates re-scored per query by ``rescore="auto"`` with a static embedder
RESCORE_K = 20
#: ``rescore="auto"`` re-scores questions of at most this many queries (``attend``, ``attend_queries``; 21
#: MiniLM texts a query at most: about 90 s at 45 texts/s); ``score_rows`` (the evaluation's ranking)
#: re-scores every row
RESCORE_MAX_QUERIES = 200


def rescore_depth(rescore, embedder) -> int:
    """Candidates re-scored per query: ``rescore`` as given, or for ``"auto"`` :data:`RESCORE_K` when
    ``embedder`` is an adapted static embedder with a teacher (else 0).

    Raises ``ValueError`` for a positive ``rescore`` with an embedder that has no teacher.
    """
    from .._static_embed import AdaptedStaticEmbedder

    has_teacher = isinstance(embedder, AdaptedStaticEmbedder) and embedder.teacher_embedder() is not None
    if rescore == "auto":
        return RESCORE_K if has_teacher else 0
    if rescore and not has_teacher:
        raise ValueError(f"rescore={rescore!r} needs embedder='static' (an adapted static model with MiniLM as its "
                         f"teacher); this model embeds with {embedder!r}")
    return int(rescore)


class TeacherRows:
    """The teacher's (MiniLM's) vectors of a backlog's items by row position, embedded when first asked."""

    def __init__(self, backlog, embedder):
        self.items = backlog.items
        self.teacher = embedder.teacher_embedder()
        self.known: dict[int, np.ndarray] = {}  # row -> vector: each item embedded once

    @property
    def n_embedded(self) -> int:
        """Items embedded with the teacher so far."""
        return len(self.known)

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        missing = [r for r in dict.fromkeys(rows.tolist()) if r not in self.known]
        if missing:
            texts = item_texts(self.items.iloc[missing])  # the text the item features embedded
            E = np.asarray(self.teacher.encode(texts), dtype=np.float32)
            n = np.linalg.norm(E, axis=1, keepdims=True)
            E = np.divide(E, n, out=np.zeros_like(E), where=n > 0)
            self.known.update(zip(missing, E))
        if not len(rows):
            return np.zeros((0, self.teacher.dim()), dtype=np.float32)
        return np.stack([self.known[r] for r in rows.tolist()])


def rescorer(model, backlog, n_queries: int | None = None) -> tuple[int, TeacherRows | None]:
    """``(R, teacher rows)`` of a :class:`~attn_team.CrossAttention` for ``backlog``; ``(0, None)``: nothing re-scored.

    ``n_queries``: the size of the question (``attend``, ``attend_queries``); under ``rescore="auto"``
    more than :data:`RESCORE_MAX_QUERIES` are not re-scored. None (``score_rows``): no bound.
    """
    if model.rescore == 0 or (model.rescore == "auto" and (model.embedder is None or (
            isinstance(model.embedder, str) and model.embedder == "minilm"))):
        return 0, None  # MiniLM itself: nothing to re-score with
    emb = model.item_embedder(backlog)
    depth = rescore_depth(model.rescore, emb)
    if depth and model.rescore == "auto" and n_queries is not None and n_queries > RESCORE_MAX_QUERIES:
        log.info("%d queries: not re-scored with MiniLM (rescore='auto' does up to %d; set rescore=%d to "
                 "re-score them all)", n_queries, RESCORE_MAX_QUERIES, depth)
        depth = 0
    return (depth, teacher_rows(backlog, emb)) if depth else (0, None)


def teacher_rows(backlog, embedder) -> TeacherRows:
    """The :class:`TeacherRows` of ``backlog`` and ``embedder`` (one per pair: vectors are kept)."""
    per = _TEACHERS.setdefault(backlog, {})
    got = per.get(id(embedder))
    if got is None or got[0] is not embedder:
        got = per[id(embedder)] = (embedder, TeacherRows(backlog, embedder))
    return got[1]


def _sub_features(feats: ItemFeatures, teacher: TeacherRows, rows: np.ndarray) -> tuple[np.ndarray, ItemFeatures]:
    """``(U, sub)``: the distinct ``rows`` and their features with the teacher's vectors."""
    U = np.unique(np.asarray(rows, dtype=np.int64))
    sub = feats.take(U)
    sub.embeddings = teacher(U)
    return U, sub


def _pair_scores(mixer, sub: ItemFeatures, qi: np.ndarray, kj: np.ndarray) -> np.ndarray:
    from ._scoring import contributions

    contrib, _ = contributions(mixer, sub, sub, qi, kj)
    return np.sum(np.stack(list(contrib.values())), axis=0) if contrib else np.zeros(len(qi))


def rescore_topk(mixer, feats: ItemFeatures, qrows: np.ndarray, idx: np.ndarray, k: int, teacher: TeacherRows):
    """Re-score the candidates ``idx`` (queries x R, -1 for none) of the queries ``qrows``.

    Returns ``(U, sub, idx, scores, weights, lse)``: the rows of the queries and candidates and
    their features with the teacher's vectors (what the kept edges' head contributions are
    computed from), the kept top ``k`` per query (rows of ``feats``, -1 for none), their scores
    (score units), their softmax weights over the re-scored candidates, and the log-sum-exp of
    those (temperature applied).
    """
    qrows = np.asarray(qrows, dtype=np.int64)
    n_q, R = idx.shape
    U, sub = _sub_features(feats, teacher, np.concatenate([qrows, idx[idx >= 0]]))
    q_sub = np.searchsorted(U, qrows)
    rr = np.repeat(np.arange(n_q), R)
    cc = idx.reshape(-1)
    ok = cc >= 0
    S = np.full((n_q, R), -np.inf)
    if ok.any():
        S.reshape(-1)[ok] = _pair_scores(mixer, sub, q_sub[rr[ok]], np.searchsorted(U, cc[ok]))
    tau = float(mixer.temperature().detach())
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(S, order, axis=1)
    kept = np.where(np.isfinite(top), np.take_along_axis(idx, order, axis=1), -1)
    with np.errstate(invalid="ignore", divide="ignore"):  # (a query with no candidate: lse -inf, no weights)
        m = np.max(S, axis=1, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        z = np.exp((S - m) / tau)
        lse = (np.log(z.sum(axis=1)) + m[:, 0] / tau).astype(np.float32)
        weights = np.where(np.isfinite(top), np.exp(top / tau - lse[:, None]), 0.0)
    if k > R:
        pad = ((0, 0), (0, k - R))
        kept = np.pad(kept, pad, constant_values=-1)
        top = np.pad(top, pad, constant_values=-np.inf)
        weights = np.pad(weights, pad)
    log.info("re-scored the top %d candidates of %d queries with the teacher's vectors of %d items", R, n_q, len(U))
    return U, sub, kept, top.astype(np.float32), weights.astype(np.float32), lse


def rescore_rows(S: np.ndarray, rows: np.ndarray, mixer, feats: ItemFeatures, R: int,
                 teacher: TeacherRows) -> np.ndarray:
    """Dense scores ``S`` (rows x items) with each row's top ``R`` re-scored (module docstring)."""
    rows = np.asarray(rows, dtype=np.int64)
    S = np.array(S, dtype=np.float32, copy=True)
    R = min(int(R), S.shape[1] - 1)
    if R <= 0 or not len(rows):
        return S
    top = np.argpartition(-S, R - 1, axis=1)[:, :R]
    fin = np.isfinite(np.take_along_axis(S, top, axis=1))
    cand = np.where(fin, top, -1)
    U, sub = _sub_features(feats, teacher, np.concatenate([rows, cand[cand >= 0]]))
    rr = np.repeat(np.arange(len(rows)), R)
    cc = cand.reshape(-1)
    ok = cc >= 0
    new = _pair_scores(mixer, sub, np.searchsorted(U, rows)[rr[ok]], np.searchsorted(U, cc[ok]))
    is_cand = np.zeros(S.shape, dtype=bool)
    is_cand[rr[ok], cc[ok]] = True
    vals = np.full((len(rows), R), np.inf)
    vals.reshape(-1)[ok] = new
    low = vals.min(axis=1)  # the lowest re-scored value of each row
    rest = np.where(is_cand | ~np.isfinite(S), -np.inf, S)
    high = rest.max(axis=1)  # the best of the others
    shift = np.where(np.isfinite(high) & np.isfinite(low) & (high >= low), high - low + 1.0, 0.0)
    S = np.where(is_cand | ~np.isfinite(S), S, S - shift[:, None].astype(np.float32))
    S[rr[ok], cc[ok]] = new.astype(np.float32)
    return S
