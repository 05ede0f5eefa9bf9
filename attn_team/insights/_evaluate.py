"""Evaluation of dependency discovery on real links: hide links, rank, compare with baselines.

Protocol (:func:`evaluate_links`):

1. Usable links: every link between two items of the backlog except ``clone``
   links (they join an issue to its copy) and self-links; a link recorded in
   both directions counts once (links are undirected here).
2. k-fold (default ``folds=5``): the usable links are split, seeded, into
   ``folds`` parts. For each part the attention model is fitted on the
   backlog with that part excluded (``fit(exclude_links=...)``: the hidden
   links are neither positives nor masks in training), and that part is
   evaluated; so every link is evaluated exactly once, by a model that never
   saw it. ``folds=None`` (or ``quick=True``, ``attn-team evaluate --quick``)
   keeps the fast single split: a seeded share ``holdout`` is hidden once.
3. Every hidden link whose two ends have text is evaluated: for its source
   (Jira's outward end) every other item of the backlog is scored and ranked
   (ties count half), and the rank of its target is recorded.  Links are
   treated as undirected: the model is trained on both directions, and other
   links of the same source stay in the candidate list (no filtering), as for
   every baseline.
4. Metrics: MRR and Recall@1/5/10/50, overall, per link category and on the
   cross-team subset (the two ends share no component and are not in the
   same team), each with its count ``n``; bootstrap 95% intervals (the
   evaluated links resampled with replacement, seeded, ``n_bootstrap`` times,
   the same resamples for every method) for every overall metric, and the
   ratio of attention's MRR to the best plain baseline's with its paired
   interval (the ratio of the two means in each resample).
5. Baselines, same links and same candidates: TF-IDF cosine (scikit-learn,
   sublinear tf, English stop words), BM25 (``bm25s``, English stop words),
   raw embedding cosine (no attention), and the untrained attention model.
   They do not depend on the links, so they are scored once for all folds;
   the item features (text embeddings included) are computed once and shared
   by every fold's model (they are memoised per backlog and embedder).
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from ..attention._metrics import KS, rank_metrics, ranks_from_scores
from ..attention._rescore import rescorer

__all__ = ["evaluate_links", "rank_metrics", "ranks_from_scores", "KS", "bootstrap_intervals"]

log = logging.getLogger(__name__)

METHODS = ("attention", "attention_untrained", "tfidf", "bm25", "embedding")
#: the plain baselines attention is compared with (the ratio's denominator is the best of them)
BASELINES = ("tfidf", "bm25", "embedding")
_METRICS = ("mrr",) + tuple(f"recall@{k}" for k in KS)
_CHUNK = 512  # source rows scored at once (bounds the dense score block)


class _Tfidf:
    def __init__(self, texts):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.X = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)

    def __call__(self, rows):
        return np.asarray((self.X[rows] @ self.X.T).todense(), dtype=np.float64)


class _Bm25:
    def __init__(self, texts):
        import bm25s

        texts = [t or "" for t in texts]
        self.corpus = bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        self.n = len(texts)

    def __call__(self, rows):
        out = np.zeros((len(rows), self.n), dtype=np.float64)
        for i, r in enumerate(rows):
            q = self.corpus[r]
            if q:
                out[i] = self.retriever.get_scores(q)
        return out


def _ranks(score, s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Ranks of the targets ``t`` for the sources ``s`` under ``score(rows) -> (len(rows), n)``, in blocks."""
    out = np.empty(len(s), dtype=np.float64)
    rows, inv = np.unique(s, return_inverse=True)
    for start in range(0, len(rows), _CHUNK):
        block = rows[start:start + _CHUNK]
        sel = np.flatnonzero((inv >= start) & (inv < start + len(block)))
        S = score(block)
        out[sel] = ranks_from_scores(S[inv[sel] - start], s[sel], t[sel])
    return out


def _cross_team(items: pd.DataFrame, s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Which links cross teams: two known, different teams and no shared component.

    Without a known team at both ends, components stand in (both ends have some, none shared);
    with neither, whether a link crosses teams is unknown and it is not counted as cross-team (a
    summary-only backlog has no cross-team links to report, rather than all of them).
    """
    comps = items["components"].tolist()
    team = items["team"].astype(object).where(items["team"].notna(), None).tolist()
    out = []
    for a, b in zip(s, t):
        shared = bool(set(comps[a]) & set(comps[b]))
        if team[a] is not None and team[b] is not None:
            out.append(not shared and team[a] != team[b])
        else:
            out.append(bool(comps[a]) and bool(comps[b]) and not shared)
    return np.array(out, dtype=bool)


def bootstrap_intervals(ranks: dict, *, n_bootstrap: int = 1000, random_state: int = 0, level: float = 0.95,
                        baselines=BASELINES) -> dict:
    """Paired bootstrap intervals of every method's metrics and of attention's ratio to the best baseline.

    Parameters
    ----------
    ranks : dict of str -> ndarray
        Ranks per method, all over the same evaluated links (same order).
    n_bootstrap : int, default=1000
        Resamples (the links drawn with replacement; the same draws for every method).
    random_state : int, default=0
    level : float, default=0.95

    Returns
    -------
    dict
        ``{"ci": {method: {metric: [low, high]}}, "ratio": {"value", "ci", "best_baseline"} or None,
        "vs_untrained": {"value", "ci"} or None}`` (fitted over untrained attention MRR, paired).
        The ratio is attention's MRR over the best baseline's (by MRR on all links); its interval is the
        percentile interval of the ratio of the two means over the same resamples.
    """
    n = len(next(iter(ranks.values()))) if ranks else 0
    ci: dict = {}
    if n == 0 or n_bootstrap < 1:
        nan = [float("nan"), float("nan")]
        return {"ci": {m: {x: nan for x in _METRICS} for m in ranks}, "ratio": None, "vs_untrained": None}
    idx = np.random.RandomState(random_state).randint(0, n, size=(n_bootstrap, n))
    lo, hi = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    mrr_draws = {}
    for m, r in ranks.items():
        r = np.asarray(r, dtype=np.float64)
        mrr_draws[m] = (1.0 / r)[idx].mean(axis=1)
        ci[m] = {"mrr": _pct(mrr_draws[m], lo, hi)}
        for k in KS:
            ci[m][f"recall@{k}"] = _pct((r <= k)[idx].mean(axis=1), lo, hi)
    base = [b for b in baselines if b in ranks]
    ratio = None
    if "attention" in ranks and base:
        best = max(base, key=lambda b: float(np.mean(1.0 / ranks[b])))
        denom = float(np.mean(1.0 / ranks[best]))
        value = float(np.mean(1.0 / ranks["attention"])) / denom
        with np.errstate(divide="ignore", invalid="ignore"):
            draws = mrr_draws["attention"] / mrr_draws[best]
        ratio = {"value": value, "ci": _pct(draws, lo, hi), "best_baseline": best}
    vs_untrained = None
    if "attention" in ranks and "attention_untrained" in ranks:
        with np.errstate(divide="ignore", invalid="ignore"):
            draws = mrr_draws["attention"] / mrr_draws["attention_untrained"]
        vs_untrained = {"value": float(np.mean(1.0 / ranks["attention"]) / np.mean(1.0 / ranks["attention_untrained"])),
                        "ci": _pct(draws, lo, hi)}
    return {"ci": ci, "ratio": ratio, "vs_untrained": vs_untrained}


def _pct(draws: np.ndarray, lo: float, hi: float) -> list:
    a, b = np.percentile(draws, [lo, hi])
    return [float(a), float(b)]


def _split(n: int, folds: int | None, holdout: float, rng: np.random.RandomState) -> list[np.ndarray]:
    """Positions of the hidden links of each fold (one part for the single split)."""
    perm = rng.permutation(n)
    if folds is None:
        return [np.sort(perm[:int(round(holdout * n))])]
    return [np.sort(part) for part in np.array_split(perm, folds)]


def _fit_record(fitted) -> dict:
    return {"n_train_links": int(fitted.n_train_links_), "best_epoch": int(fitted.best_epoch_),
            "epochs": len(fitted.history_), "temperature": float(fitted.temperature_),
            "head_weights": dict(fitted.head_weights_), "group_weights": dict(fitted.group_weights_),
            **({"selected": fitted.selected_} if hasattr(fitted, "selected_") else {}),
            **({"selection": fitted.selection_} if hasattr(fitted, "selection_") else {})}


def _mean_weights(per_fold: list[dict]) -> dict:
    out = {}
    for key in ("head_weights", "group_weights"):
        names = per_fold[0][key]
        out[key] = {h: float(np.mean([f[key][h] for f in per_fold])) for h in names}
    out["temperature"] = float(np.mean([f["temperature"] for f in per_fold]))
    if all("selected" in f for f in per_fold):
        sel = [f["selected"] for f in per_fold]
        out["selected"] = {v: sel.count(v) for v in sorted(set(sel))}
    return out


#: the published figure for typed links, for context only (a different task: pairs given in advance)
PUBLISHED_TYPED_F1 = {"macro_f1": 0.64, "model": "BERT",
                      "note": "classifies the type of link pairs given in advance; here the category is predicted "
                              "for pairs the ranking found, from similarities only: a different, harder task"}


def _typed_fold(fitted, backlog, s, t, cats, sel, r, r_typed, pred, majority) -> None:
    """Typed parts of one fold: predicted category of each hidden link and its rank under its category's mixture."""
    from ..attention._typed import pair_similarities

    feats = fitted.item_features(backlog)
    clf = getattr(fitted, "category_model_", None)
    if clf is not None:
        pred[sel] = clf.predict(pair_similarities(feats, feats, s, t))
    counts = getattr(fitted, "category_counts_", {}) or {}
    if counts:
        majority[sel] = max(sorted(counts), key=lambda c: counts[c])
    for c in sorted(set(cats)):
        if c not in getattr(fitted, "category_mixers_", {}):
            continue
        idx = np.flatnonzero(cats == c)
        r_typed[sel[idx]] = _ranks(lambda rows: fitted.score_rows(backlog, rows, category=c), s[idx], t[idx])


def _macro_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    """Macro-averaged F1 over the categories seen in truth or prediction (scikit-learn's definition)."""
    from sklearn.metrics import f1_score

    return float(f1_score(truth.astype(str), pred.astype(str), average="macro", zero_division=0))


def _typed_summary(cats, pred, majority, r, r_typed) -> dict:
    """Accuracy and macro-F1 of the predicted categories against the majority class; ranking per category."""
    cats = np.asarray(cats, dtype=object)
    ok = np.array([p is not None for p in pred], dtype=bool)
    out: dict = {"n": int(ok.sum()), "published": PUBLISHED_TYPED_F1}
    if ok.any():
        truth, p, maj = cats[ok], pred[ok], majority[ok]
        out["accuracy"] = float(np.mean(p == truth))
        out["macro_f1"] = _macro_f1(truth, p)
        out["majority"] = {"accuracy": float(np.mean(maj == truth)), "macro_f1": _macro_f1(truth, maj)}
        out["confusion"] = {str(c): {str(d): int(np.sum((truth == c) & (p == d))) for d in sorted(set(p) | set(truth))}
                            for c in sorted(set(truth))}
    ranking = {}
    for c in sorted(set(cats)):
        sel = (cats == c) & ~np.isnan(r_typed)
        if sel.any():
            ranking[str(c)] = {"n": int(sel.sum()), "typed_mrr": float(np.mean(1 / r_typed[sel])),
                               "shared_mrr": float(np.mean(1 / r[sel]))}
    out["ranking"] = ranking
    return out


def evaluate_links(backlog, *, folds: int | None = 5, holdout: float = 0.2, quick: bool = False,
                   random_state: int = 0, model=None, embedder=None, cache=None, methods=METHODS,
                   n_bootstrap: int = 1000, dataset: str | None = None, progress: bool = False) -> dict:
    """Hide the backlog's links fold by fold, fit on the rest, and rank every item to find them again.

    Parameters
    ----------
    backlog : Backlog
    folds : int or None, default=5
        k-fold over the usable links: each link is hidden (and evaluated) exactly once, by a model
        fitted on the other folds. ``None``: the single split of ``holdout`` (the quick protocol).
    holdout : float, default=0.2
        Share of usable (non-clone) links hidden, in (0, 1); used only by the single split.
    quick : bool, default=False
        Same as ``folds=None``: one seeded split, one fit (fast checks, ``attn-team evaluate --quick``).
    random_state : int, default=0
        Seeds the split, the model and the bootstrap.
    model : CrossAttention, optional
        Model to evaluate (cloned with its parameters for every fold; default ``CrossAttention()``).
    embedder, cache : optional
        Passed to the model (and used for the embedding baseline). The same objects serve every
        fold, so the item features are computed once.
    methods : tuple of str
        Subset of ``("attention", "attention_untrained", "tfidf", "bm25", "embedding")``.
    n_bootstrap : int, default=1000
        Bootstrap resamples of the evaluated links for the intervals (0: none, the intervals are nan).
    dataset : str, optional
        Name stored under ``"dataset"``.
    progress : bool, default=False

    Returns
    -------
    dict
        ``{"dataset", "n_items", "n_links", "n_hidden", "n_eval_links", "n_cross_team", "folds",
        "protocol", "methods": {method: {"mrr", "recall@1", "recall@5", "recall@10", "recall@50",
        "n"}}, "mrr_ci": {method: [low, high]}, "ci": {method: {metric: [low, high]}},
        "ratio": {"value", "ci", "best_baseline"} or None, "vs_untrained": {"value", "ci"} or None, "cross_team": {...same shape as
        methods}, "by_category": {category: {method: {...}}}, "typed": {"n", "accuracy", "macro_f1",
        "majority": {"accuracy", "macro_f1"}, "confusion", "ranking": {category: {"n", "typed_mrr",
        "shared_mrr"}}, "published"} or None, "weights": {"per_fold": [...],
        "mean": {...}}, "fit": {...}, "seconds": {method: s}}``. ``folds`` is ``None`` for the single
        split; ``n_hidden`` counts the links hidden over all folds.
    """
    from ..attention._features import item_texts
    from ..attention._model import CrossAttention, link_pairs

    if quick:
        folds = None
    if not (isinstance(holdout, (int, float)) and 0 < holdout < 1):
        raise ValueError(f"holdout must be a share in (0, 1), got {holdout!r}")
    if folds is not None and (isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2):
        raise ValueError(f"folds must be an integer >= 2 or None (single split), got {folds!r}")
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown method(s) {sorted(unknown)}; expected some of {METHODS}")
    items = backlog.items
    keys = items["key"].astype(str).to_numpy()
    pos = {k: i for i, k in enumerate(keys)}
    pairs = link_pairs(backlog.links, keys)
    if folds is not None and len(pairs) and folds > len(pairs):
        raise ValueError(f"folds={folds} is more than the {len(pairs)} usable links")
    parts = _split(len(pairs), folds, holdout, np.random.RandomState(random_state))
    texts = item_texts(items)
    has_text = np.array([bool(t.strip()) for t in texts])
    src = np.array([pos[x] for x in pairs["source_key"]], dtype=np.int64)
    dst = np.array([pos[x] for x in pairs["target_key"]], dtype=np.int64)
    fold_of = np.full(len(pairs), -1, dtype=np.int64)
    for f, part in enumerate(parts):
        fold_of[part] = f
    hidden_all = np.flatnonzero(fold_of >= 0)  # positions in pairs, in link order
    ok = has_text[src[hidden_all]] & has_text[dst[hidden_all]] if len(hidden_all) else np.zeros(0, dtype=bool)
    ev = hidden_all[ok]
    s, t, fold_ev = src[ev], dst[ev], fold_of[ev]
    cats = pairs["category"].to_numpy()[ev]
    cross = _cross_team(items, s, t)
    result = {
        "dataset": dataset or (str(items["source"].dropna().iloc[0]) if items["source"].notna().any() else "backlog"),
        "n_items": int(len(items)), "n_links": int(len(pairs)), "n_hidden": int(len(hidden_all)),
        "n_eval_links": int(len(s)), "n_cross_team": int(cross.sum()), "folds": folds,
        "protocol": {"folds": folds, "holdout": None if folds is not None else holdout,
                     "random_state": random_state, "undirected": True, "clone_links": "excluded",
                     "ties": "count half", "candidates": "all other items", "bootstrap": n_bootstrap},
        "methods": {}, "mrr_ci": {}, "ci": {}, "ratio": None, "vs_untrained": None, "cross_team": {}, "by_category": {},
        "seconds": {}, "fit": {}, "weights": {"per_fold": [], "mean": {}}, "typed": None, "rescore": None,
    }
    if len(s) == 0:
        log.warning("no hidden link with text at both ends: nothing to evaluate")
        for m in methods:
            result["methods"][m] = rank_metrics([])
            result["cross_team"][m] = rank_metrics([])
            result["mrr_ci"][m] = [float("nan"), float("nan")]
        return result
    params = {} if model is None else model.get_params()
    params.update(random_state=random_state, progress=progress)
    if embedder is not None:
        params["embedder"] = embedder
    if cache is not None:
        params["cache"] = cache
    untrained = CrossAttention(**params)
    t0 = time.perf_counter()
    feats = untrained.item_features(backlog) if {"attention", "attention_untrained", "embedding"} & set(methods) \
        else None  # once: every fold's model reads the same memoised features
    result["seconds"]["features"] = round(time.perf_counter() - t0, 2)
    ranks: dict[str, np.ndarray] = {}
    for m in methods:
        t0 = time.perf_counter()
        if m == "attention":
            r = np.empty(len(s), dtype=np.float64)
            r_typed = np.full(len(s), np.nan)
            pred = np.full(len(s), None, dtype=object)
            majority = np.full(len(s), None, dtype=object)
            for f, part in enumerate(parts):
                sel = np.flatnonzero(fold_ev == f)
                fitted = CrossAttention(**params).fit(backlog, exclude_links=pairs.iloc[part])
                result["weights"]["per_fold"].append(_fit_record(fitted))
                if len(sel):
                    r[sel] = _ranks(lambda rows: fitted.score_rows(backlog, rows), s[sel], t[sel])
                    _typed_fold(fitted, backlog, s[sel], t[sel], cats[sel], sel, r, r_typed, pred, majority)
                log.info("fold %d/%d: %d links evaluated", f + 1, len(parts), len(sel))
            ranks[m] = r
            if params.get("typed", True):
                result["typed"] = _typed_summary(cats, pred, majority, r, r_typed)
            result["weights"]["mean"] = _mean_weights(result["weights"]["per_fold"])
        elif m == "attention_untrained":
            # the untrained weights do not depend on the links, but the graph head does: per fold,
            # the fold's hidden links are left out of the graph
            r = np.empty(len(s), dtype=np.float64)
            for f, part in enumerate(parts):
                sel = np.flatnonzero(fold_ev == f)
                if len(sel):
                    hidden = pairs.iloc[part]
                    r[sel] = _ranks(lambda rows: untrained.score_rows(backlog, rows, exclude_links=hidden),
                                    s[sel], t[sel])
            ranks[m] = r
        elif m == "tfidf":
            ranks[m] = _ranks(_Tfidf(texts), s, t)
        elif m == "bm25":
            ranks[m] = _ranks(_Bm25(texts), s, t)
        else:  # embedding
            E = feats.embeddings
            ranks[m] = _ranks(lambda rows: np.asarray(E[rows] @ E.T, dtype=np.float64), s, t)
        result["seconds"][m] = round(time.perf_counter() - t0, 2)
        log.info("%s: MRR %.3f", m, float(np.mean(1 / ranks[m])))
    if feats is not None:  # questions about the hidden links' items re-scored with MiniLM (CrossAttention rescore)
        depth, teacher = rescorer(untrained, backlog)
        result["rescore"] = {"depth": depth, "teacher_items": teacher.n_embedded if teacher is not None else 0,
                             "queries": int(len(np.unique(s)))}
    boot = bootstrap_intervals(ranks, n_bootstrap=n_bootstrap, random_state=random_state)
    result["ci"], result["ratio"], result["vs_untrained"] = boot["ci"], boot["ratio"], boot["vs_untrained"]
    for m in methods:
        result["methods"][m] = rank_metrics(ranks[m])
        result["mrr_ci"][m] = boot["ci"][m]["mrr"]
        result["cross_team"][m] = rank_metrics(ranks[m][cross])
    for c in sorted(set(cats)):
        sel = cats == c
        result["by_category"][str(c)] = {m: rank_metrics(ranks[m][sel]) for m in methods}
    if result["weights"]["per_fold"]:
        per = result["weights"]["per_fold"]
        result["fit"] = {**result["weights"]["mean"], "n_train_links": [f["n_train_links"] for f in per],
                         "best_epoch": [f["best_epoch"] for f in per], "epochs": [f["epochs"] for f in per]}
        if folds is None:
            result["fit"] = per[0]
    return result
