"""Ranking metrics, defined once: ranks with ties counted half, MRR and Recall@k."""

from __future__ import annotations

import numpy as np

__all__ = ["KS", "ranks_from_scores", "rank_metrics", "mean_reciprocal_rank", "paired_gain_se"]

#: Recall cut-offs reported.
KS = (1, 5, 10, 50)


def ranks_from_scores(S: np.ndarray, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Rank of ``targets[r]`` in row ``r`` of ``S`` (scores of source ``sources[r]`` against all items).

    The source itself is left out; ties count half (a target tied with ``m``
    other items gets rank ``1 + #better + m / 2``).
    """
    S = np.array(S, dtype=np.float64, copy=True)
    r = np.arange(len(sources))
    S[r, sources] = -np.inf
    ts = S[r, targets][:, None]
    return 1.0 + (S > ts).sum(axis=1) + 0.5 * ((S == ts).sum(axis=1) - 1)


def paired_gain_se(d: np.ndarray) -> float:
    """Mean of the paired differences ``d`` in standard errors of that mean (inf for a certain gain, 0 for none)."""
    d = np.asarray(d, dtype=np.float64)
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else np.inf
    return float(d.mean() / se) if se > 0 else (np.inf if d.mean() > 0 else 0.0)


def mean_reciprocal_rank(ranks: np.ndarray) -> float:
    """Mean of ``1 / rank`` (``nan`` for no ranks)."""
    ranks = np.asarray(ranks, dtype=float)
    return float(np.mean(1.0 / ranks)) if len(ranks) else float("nan")


def rank_metrics(ranks: np.ndarray) -> dict:
    """MRR and Recall@k of an array of ranks (``nan`` for an empty array)."""
    ranks = np.asarray(ranks, dtype=float)
    if len(ranks) == 0:
        return {"mrr": float("nan"), **{f"recall@{k}": float("nan") for k in KS}, "n": 0}
    return {"mrr": mean_reciprocal_rank(ranks), **{f"recall@{k}": float(np.mean(ranks <= k)) for k in KS},
            "n": int(len(ranks))}
