"""Evaluation of dependency discovery on real links: hide links, rank, compare with baselines.

Protocol (:func:`evaluate_links`):

1. Usable links: every link between two items of the backlog except ``clone``
   links (they join an issue to its copy) and self-links; a link recorded in
   both directions counts once (links are undirected here).
2. A seeded share ``holdout`` of them is hidden.  The attention model is fitted
   on the backlog with the hidden links excluded (``fit(exclude_links=...)``):
   they are neither positives nor masks in training.
3. Every hidden link whose two ends have text is evaluated: for its source
   (Jira's outward end) every other item of the backlog is scored and ranked
   (ties count half), and the rank of its target is recorded.  Links are
   treated as undirected: the model is trained on both directions, and other
   links of the same source stay in the candidate list (no filtering), as for
   every baseline.
4. Metrics: MRR and Recall@1/5/10/50, overall, per link category and on the
   cross-team subset (the two ends share no component and are not in the
   same team).
5. Baselines, same links and same candidates: TF-IDF cosine (scikit-learn,
   sublinear tf, English stop words), BM25 (``bm25s``, English stop words),
   raw embedding cosine (no attention), and the untrained attention model.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from ..attention._metrics import KS, rank_metrics, ranks_from_scores

__all__ = ["evaluate_links", "rank_metrics", "ranks_from_scores", "KS"]

log = logging.getLogger(__name__)

METHODS = ("attention", "attention_untrained", "tfidf", "bm25", "embedding")


def _tfidf_scores(texts, rows):
    from sklearn.feature_extraction.text import TfidfVectorizer

    X = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    return np.asarray((X[rows] @ X.T).todense(), dtype=np.float64)


def _bm25_scores(texts, rows):
    import bm25s

    corpus = bm25s.tokenize([t or "" for t in texts], stopwords="en", return_ids=False, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([t or "" for t in texts], stopwords="en", show_progress=False), show_progress=False)
    out = np.zeros((len(rows), len(texts)), dtype=np.float64)
    for i, r in enumerate(rows):
        q = corpus[r]
        if q:
            out[i] = retriever.get_scores(q)
    return out


def _cross_team(items: pd.DataFrame, s: np.ndarray, t: np.ndarray) -> np.ndarray:
    comps = items["components"].tolist()
    team = items["team"].astype(object).where(items["team"].notna(), None).tolist()
    out = []
    for a, b in zip(s, t):
        shared = bool(set(comps[a]) & set(comps[b]))
        same_team = team[a] is not None and team[a] == team[b]
        out.append(not shared and not same_team)
    return np.array(out, dtype=bool)


def evaluate_links(backlog, *, holdout: float = 0.2, random_state: int = 0, model=None, embedder=None,
                   cache=None, methods=METHODS, dataset: str | None = None, progress: bool = False) -> dict:
    """Hide a share of the backlog's links, fit on the rest, and rank every item to find them again.

    Parameters
    ----------
    backlog : Backlog
    holdout : float, default=0.2
        Share of usable (non-clone) links hidden, in (0, 1).
    random_state : int, default=0
        Seeds the split and the model.
    model : CrossAttention, optional
        Model to evaluate (cloned with its parameters; default ``CrossAttention()``).
    embedder, cache : optional
        Passed to the model (and used for the embedding baseline).
    methods : tuple of str
        Subset of ``("attention", "attention_untrained", "tfidf", "bm25", "embedding")``.
    dataset : str, optional
        Name stored under ``"dataset"``.
    progress : bool, default=False

    Returns
    -------
    dict
        ``{"dataset", "n_items", "n_links", "n_hidden", "n_eval_links", "n_cross_team",
        "protocol", "methods": {method: {"mrr", "recall@1", "recall@5", "recall@10",
        "recall@50", "n"}}, "cross_team": {...same shape}, "by_category": {category:
        {method: {...}}}, "fit": {...}, "seconds": {method: s}}``.
    """
    from ..attention._features import item_texts
    from ..attention._model import CrossAttention, link_pairs

    if not (isinstance(holdout, (int, float)) and 0 < holdout < 1):
        raise ValueError(f"holdout must be a share in (0, 1), got {holdout!r}")
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown method(s) {sorted(unknown)}; expected some of {METHODS}")
    items = backlog.items
    keys = items["key"].astype(str).to_numpy()
    pos = {k: i for i, k in enumerate(keys)}
    pairs = link_pairs(backlog.links, keys)
    rng = np.random.RandomState(random_state)
    perm = rng.permutation(len(pairs))
    n_hidden = int(round(holdout * len(pairs)))
    hidden = pairs.iloc[np.sort(perm[:n_hidden])].reset_index(drop=True)
    texts = item_texts(items)
    has_text = np.array([bool(t.strip()) for t in texts])
    s = np.array([pos[x] for x in hidden["source_key"]], dtype=np.int64)
    t = np.array([pos[x] for x in hidden["target_key"]], dtype=np.int64)
    ok = has_text[s] & has_text[t] if len(s) else np.zeros(0, dtype=bool)
    s, t, cats = s[ok], t[ok], hidden["category"].to_numpy()[ok]
    cross = _cross_team(items, s, t)
    result = {
        "dataset": dataset or (str(items["source"].dropna().iloc[0]) if items["source"].notna().any() else "backlog"),
        "n_items": int(len(items)), "n_links": int(len(pairs)), "n_hidden": int(n_hidden),
        "n_eval_links": int(len(s)), "n_cross_team": int(cross.sum()),
        "protocol": {"holdout": holdout, "random_state": random_state, "undirected": True,
                     "clone_links": "excluded", "ties": "count half", "candidates": "all other items"},
        "methods": {}, "cross_team": {}, "by_category": {}, "seconds": {}, "fit": {},
    }
    if len(s) == 0:
        log.warning("no hidden link with text at both ends: nothing to evaluate")
        for m in methods:
            result["methods"][m] = rank_metrics([])
            result["cross_team"][m] = rank_metrics([])
        return result
    rows, inv = np.unique(s, return_inverse=True)
    params = {} if model is None else model.get_params()
    params.update(random_state=random_state, progress=progress)
    if embedder is not None:
        params["embedder"] = embedder
    if cache is not None:
        params["cache"] = cache
    fitted = CrossAttention(**params)
    ranks: dict[str, np.ndarray] = {}
    feats = None
    for m in methods:
        t0 = time.perf_counter()
        if m == "attention":
            fitted.fit(backlog, exclude_links=hidden)
            S = fitted.score_rows(backlog, rows)
            result["fit"] = {"n_train_links": fitted.n_train_links_, "best_epoch": fitted.best_epoch_,
                             "epochs": len(fitted.history_), "temperature": fitted.temperature_,
                             "head_weights": fitted.head_weights_, "group_weights": fitted.group_weights_}
        elif m == "attention_untrained":
            # the untrained weights (features are shared through the backlog's feature cache)
            S = CrossAttention(**params).score_rows(backlog, rows)
        elif m == "tfidf":
            S = _tfidf_scores(texts, rows)
        elif m == "bm25":
            S = _bm25_scores(texts, rows)
        else:  # embedding
            if feats is None:
                feats = fitted.item_features(backlog)
            E = feats.embeddings
            S = E[rows] @ E.T
        ranks[m] = ranks_from_scores(S[inv], s, t)
        result["seconds"][m] = round(time.perf_counter() - t0, 2)
        log.info("%s: MRR %.3f", m, float(np.mean(1 / ranks[m])))
    for m in methods:
        result["methods"][m] = rank_metrics(ranks[m])
        result["cross_team"][m] = rank_metrics(ranks[m][cross])
    for c in sorted(set(cats)):
        sel = cats == c
        result["by_category"][str(c)] = {m: rank_metrics(ranks[m][sel]) for m in methods}
    return result
