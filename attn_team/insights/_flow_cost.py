"""The cost of waiting on another team: cycle times of items that waited against those that did not.

:func:`cost_rows` compares the finished items of each team (difference of medians, and of means)
with a bootstrap 95% interval from :func:`bootstrap_difference`, whose resampled medians are drawn
exactly and in O(runs) by :func:`bootstrap_medians`. Which items waited is decided in
:mod:`attn_team.insights._flow`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["bootstrap_medians", "bootstrap_difference", "cost_rows", "COST_COLUMNS"]


COST_COLUMNS = ["team", "via", "n_waited", "n_not_waited", "median_waited", "median_not_waited", "difference_days",
                 "ci_low", "ci_high", "mean_difference_days"]


def cost_rows(ct: pd.DataFrame, flag: str, via: str, teams: list[str], random_state: Any, *, all_label: str) -> list[dict]:
    """One row per team of ``teams`` (``all_label``: every item): finished items with ``ct[flag]`` against the others."""
    rows = []
    done = ct[ct["cycle_time_days"].notna()]
    for t in teams:
        g = done if t == all_label else done[done["team"] == t]
        a = g.loc[g[flag], "cycle_time_days"].to_numpy(float)
        b = g.loc[~g[flag], "cycle_time_days"].to_numpy(float)
        diff, lo, hi = bootstrap_difference(a, b, random_state=random_state)
        rows.append({"team": t, "via": via, "n_waited": len(a), "n_not_waited": len(b),
                     "median_waited": float(np.median(a)) if len(a) else np.nan,
                     "median_not_waited": float(np.median(b)) if len(b) else np.nan,
                     "difference_days": diff, "ci_low": lo, "ci_high": hi,
                     "mean_difference_days": float(a.mean() - b.mean()) if len(a) and len(b) else np.nan})
    return rows


def bootstrap_medians(values: np.ndarray, runs: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``runs`` bootstrap resamples of ``values``, drawn exactly in O(runs), not O(runs x n).

    A resample's ``m``-th smallest value is ``sorted(values)[ceil(n U) - 1]`` with ``U`` the
    ``m``-th order statistic of ``n`` uniforms, which is Beta(m, n - m + 1); for an even ``n`` the
    next order statistic is ``U + (1 - U) V`` with ``V`` ~ Beta(1, n - m). So the medians are drawn
    without building any resample (the same distribution as resampling, checked by a test).
    """
    x = np.sort(np.asarray(values, float))
    n = len(x)

    def pick(u):
        return x[np.clip(np.ceil(n * u).astype(np.int64), 1, n) - 1]

    if n % 2:
        m = (n + 1) // 2
        return pick(rng.beta(m, n - m + 1, runs))
    m = n // 2
    u1 = rng.beta(m, n - m + 1, runs)
    u2 = u1 + (1.0 - u1) * rng.beta(1, n - m, runs)
    return (pick(u1) + pick(u2)) / 2.0


def bootstrap_difference(a: np.ndarray, b: np.ndarray, *, runs: int = 2000, random_state: Any = 0,
                         level: float = 0.95) -> tuple[float, float, float]:
    """Median of ``a`` minus median of ``b``, and its percentile bootstrap interval (NaN when a group has < 2 values).

    Both groups are resampled ``runs`` times (see :func:`bootstrap_medians`), seeded.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if not len(a) or not len(b):
        return np.nan, np.nan, np.nan
    diff = float(np.median(a) - np.median(b))
    if len(a) < 2 or len(b) < 2:
        return diff, np.nan, np.nan
    rng = np.random.default_rng(random_state)
    d = bootstrap_medians(a, runs, rng) - bootstrap_medians(b, runs, rng)
    lo, hi = np.percentile(d, [(1 - level) / 2 * 100, (1 + level) / 2 * 100])
    return diff, float(lo), float(hi)
