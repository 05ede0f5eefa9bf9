"""Typed suggestions: a head mixture per link category, and the category each suggestion most likely is.

Fitted by :meth:`CrossAttention.fit` after the shared mixer, on the same links (never the excluded
ones), when ``typed=True``:

- **A mixture per category** (``dependency``, ``relation``, ``duplicate``, ``hierarchy``; clone
  links are left out everywhere). Starting from the shared mixer, the head/group weights and the
  temperature are fitted again on that category's links alone (every link still keeps its partners
  out of the negatives), the text projections stay fixed and the weights are pulled toward the
  shared ones. A category with fewer than :data:`MIN_CATEGORY_LINKS` links uses the shared mixer.
  Ranking for one category (``attend(category=...)``, ``score_rows(category=...)``) uses its mixer,
  so a duplicate search can lean on the text and a dependency search on structure and people.
- **A category classifier**: multinomial logistic regression (scikit-learn, classes balanced) on
  a pair's similarities: the raw embedding cosine and each sparse group's dot product, log-scaled.
  Every kept edge carries its most likely category in a ``category`` column.
"""

from __future__ import annotations

import logging
import types

import numpy as np

from .._heads import GROUPS
from ._features import ItemFeatures
from ._mixer import HeadMixer
from ._pairs import pair_dots

__all__ = ["MIN_CATEGORY_LINKS", "TYPED_CATEGORIES", "CategoryModel", "fit_category_mixers", "pair_similarities"]

log = logging.getLogger(__name__)

#: categories that get their own mixture (clones are never trained on nor evaluated)
TYPED_CATEGORIES = ("dependency", "relation", "duplicate", "hierarchy")
#: fewest training links of a category for its own mixture (and for the classifier to know it)
MIN_CATEGORY_LINKS = 20
_SPARSE = list(GROUPS)[1:]


def pair_similarities(qf: ItemFeatures, kf: ItemFeatures, qi: np.ndarray, kj: np.ndarray, *,
                      sims: dict | None = None) -> np.ndarray:
    """Per pair ``(qi[t], kj[t])``: raw embedding cosine and each sparse group's dot product, shape (n, G).

    ``sims`` (group -> similarities of these pairs, as :func:`~attn_team.attention._scoring.contributions`
    returns them) are used as they are instead of computing them again.
    """
    qi = np.asarray(qi, dtype=np.int64)
    kj = np.asarray(kj, dtype=np.int64)
    out = np.zeros((len(qi), len(GROUPS)), dtype=np.float64)
    if not len(qi):
        return out
    if sims is not None and "emb" in sims:
        out[:, 0] = sims["emb"]
    else:
        out[:, 0] = np.einsum("ij,ij->i", qf.embeddings[qi], kf.embeddings[kj])
    for g, name in enumerate(_SPARSE, start=1):
        if sims is not None and name in sims:
            out[:, g] = sims[name]
        else:
            out[:, g] = pair_dots(qf.groups[name], kf.groups[name], qi, kj)
    return out


def _design(X: np.ndarray) -> np.ndarray:
    # sparse similarities are heavy-tailed counts (mentions, shared neighbours): log1p tames them
    Z = X.copy()
    Z[:, 1:] = np.log1p(np.maximum(Z[:, 1:], 0.0))
    return Z


class CategoryModel:
    """The category of a link from its pair similarities (see the module docstring).

    Attributes
    ----------
    classes_ : list of str
    counts_ : dict of str -> int
        Training links per category.
    """

    def __init__(self, classes, coef, intercept, mean, scale, counts=None):
        self.classes_ = [str(c) for c in classes]
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.mean_ = np.asarray(mean, dtype=np.float64)
        self.scale_ = np.asarray(scale, dtype=np.float64)
        self.counts_ = dict(counts or {})

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, *, random_state=0) -> CategoryModel | None:
        """A classifier of the categories in ``y`` (``None`` when fewer than two categories are known)."""
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y, dtype=object)
        counts = {str(c): int((y == c).sum()) for c in sorted(set(y))}
        keep = np.isin(y, [c for c, n in counts.items() if n >= 2])
        if len(set(y[keep])) < 2:
            return None
        Z = _design(X[keep])
        mean, scale = Z.mean(axis=0), Z.std(axis=0)
        scale[scale == 0] = 1.0
        lr = LogisticRegression(class_weight="balanced", max_iter=2000, random_state=random_state)
        lr.fit((Z - mean) / scale, y[keep])
        coef, intercept = lr.coef_, lr.intercept_
        if len(lr.classes_) == 2:  # sklearn keeps one row for two classes: make it symmetric
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        return cls(lr.classes_, coef, intercept, mean, scale, counts)

    def proba(self, X: np.ndarray) -> np.ndarray:
        """Category probabilities, shape (n, len(classes_))."""
        if not len(X):
            return np.zeros((0, len(self.classes_)))
        Z = (_design(np.asarray(X, dtype=np.float64)) - self.mean_) / self.scale_
        s = Z @ self.coef_.T + self.intercept_
        s -= s.max(axis=1, keepdims=True)
        e = np.exp(s)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The most likely category of each pair (object array of str)."""
        if not len(X):
            return np.empty(0, dtype=object)
        return np.asarray(self.classes_, dtype=object)[self.proba(X).argmax(axis=1)]

    def state(self) -> dict[str, np.ndarray]:
        """Arrays to store the classifier (see :meth:`from_state`)."""
        return {"classes": np.asarray(self.classes_, dtype=str), "coef": self.coef_, "intercept": self.intercept_,
                "mean": self.mean_, "scale": self.scale_}

    @classmethod
    def from_state(cls, state: dict) -> CategoryModel:
        return cls([str(c) for c in state["classes"]], state["coef"], state["intercept"], state["mean"],
                   state["scale"])


def fit_category_mixers(p, backlog, feats: ItemFeatures, shared: HeadMixer, *, exclude_links=None,
                        rng: np.random.RandomState) -> tuple[dict[str, HeadMixer], CategoryModel | None, dict]:
    """Per-category mixers (starting from ``shared``) and the category classifier, on the non-excluded links.

    Returns ``(mixers, classifier, counts)``: ``mixers`` has an entry for each category with at
    least :data:`MIN_CATEGORY_LINKS` links; ``counts`` the training links per category.
    """
    from ._training import _fit_once, link_pairs

    pairs = link_pairs(backlog.links, feats.keys, exclude=exclude_links)
    pos = {k: i for i, k in enumerate(feats.keys)}
    cats = pairs["category"].astype(object).to_numpy()
    counts = {str(c): int((cats == c).sum()) for c in sorted(set(cats)) if isinstance(c, str)}
    mixers: dict[str, HeadMixer] = {}
    eligible = [c for c in TYPED_CATEGORIES if counts.get(c, 0) >= MIN_CATEGORY_LINKS]
    if len(eligible) >= 2 and p.max_epochs:
        # a short fine-tune of the mixture: fewer epochs, the weights pulled toward the shared ones
        q = types.SimpleNamespace(**{**p.get_params(deep=False), "assignment_weight": 0.0,
                                     "max_epochs": max(1, min(p.max_epochs, 15)),
                                     "mixture_decay": max(float(p.mixture_decay), 0.1), "progress": False})
        for c in eligible:
            res = _fit_once(q, backlog, feats, exclude_links=exclude_links, rng=rng, init=shared, category=c)
            m = res.mixer
            m.eval()
            for t in m.parameters():
                t.requires_grad_(False)
            mixers[c] = m
            log.info("category %s: mixture fitted on %d links (best epoch %d)", c, counts[c], res.best_epoch)
    classifier = None
    if len(pairs) and len([c for c in counts if counts[c] >= 2]) >= 2:
        a = np.array([pos[x] for x in pairs["source_key"]], dtype=np.int64)
        b = np.array([pos[x] for x in pairs["target_key"]], dtype=np.int64)
        X = pair_similarities(feats, feats, np.concatenate([a, b]), np.concatenate([b, a]))
        classifier = CategoryModel.fit(X, np.concatenate([cats, cats]), random_state=0)
    return mixers, classifier, counts
