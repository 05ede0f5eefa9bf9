"""Rules that several insights and views share, each defined once.

- **Strong edge**: an item-to-item attention edge between two different, known teams whose
  ``score`` is in the top ``1 - STRONG_QUANTILE`` of all cross-team edge scores (the top 10% by
  default). Softmax weights over thousands of keys are small, so the rule is relative. Team
  coupling (required coordination), at-risk dependencies and the report text all use it.
- **Team x team mass**: the attention weight summed from each team's items to each team's
  (:func:`team_mass`), read by team coupling and the team heatmap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import is_missing as _isna

__all__ = ["team_mass", "STRONG_QUANTILE", "strong_edge_definition", "cross_team_edges", "strong_cut", "strong_edges"]

#: Cross-team edges with a score at or above this quantile of all cross-team scores are strong.
STRONG_QUANTILE = 0.9


def strong_edge_definition(quantile: float = STRONG_QUANTILE) -> str:
    """The strong-edge rule in words (used by the report's definitions and by result reprs)."""
    return (f"strong edge: a cross-team attention edge whose score is in the top {1 - quantile:.0%} "
            "of all cross-team edge scores")


def cross_team_edges(edges: pd.DataFrame, team_of: dict) -> pd.DataFrame:
    """Rows of ``edges`` whose two ends are in two different, known teams (columns ``_a``, ``_b`` added)."""
    src = edges["source"].map(team_of)
    dst = edges["target"].map(team_of)
    ok = src.notna() & dst.notna() & (src != dst) & (edges["source"] != edges["target"])
    return edges[ok].assign(_a=src[ok], _b=dst[ok])


def strong_cut(edges: pd.DataFrame, team_of: dict, quantile: float = STRONG_QUANTILE) -> float:
    """The score at or above which a cross-team edge is strong (``inf`` with no cross-team edge)."""
    cross = cross_team_edges(edges, team_of)
    if not len(cross):
        return float("inf")
    return float(pd.to_numeric(cross["score"], errors="coerce").quantile(quantile))


def strong_edges(edges: pd.DataFrame, team_of: dict, quantile: float = STRONG_QUANTILE,
                 cut: float | None = None) -> pd.DataFrame:
    """The strong cross-team edges of ``edges`` (``cut`` overrides the quantile rule), strongest first."""
    cross = cross_team_edges(edges, team_of)
    if not len(cross):
        return cross
    if cut is None:
        cut = float(pd.to_numeric(cross["score"], errors="coerce").quantile(quantile))
    out = cross[pd.to_numeric(cross["score"], errors="coerce") >= cut]
    return out.sort_values("score", ascending=False, kind="stable")


def team_mass(edges: pd.DataFrame, team_of: dict, *, unknown: str | None = None) -> pd.DataFrame:
    """Team x team attention mass: the sum of the edges' ``weight`` from each team's items to each team's.

    Rows are the source items' teams, columns the target items' (or members') teams, both in sorted
    order. Edges with an end of unknown team are left out, or counted under ``unknown`` when given.
    Self-edges are left out. Coupling and the team heatmap both read this one table.
    """
    src = edges["source"].astype(str).map(team_of)
    dst = edges["target"].astype(str).map(team_of)
    if unknown is not None:
        src, dst = src.fillna(unknown), dst.fillna(unknown)
    ok = (src.notna() & dst.notna() & (edges["source"] != edges["target"])).to_numpy(dtype=bool)
    a, b = src[ok].astype(str), dst[ok].astype(str)
    labels = sorted(set(a.unique()) | set(b.unique()) | {str(t) for t in team_of.values() if not _isna(t)})
    # team x team sums as one bincount over pair codes (a pivot of 5M edges held several copies)
    ia = pd.Categorical(a, categories=labels).codes.astype(np.int64)
    ib = pd.Categorical(b, categories=labels).codes.astype(np.int64)
    w = pd.to_numeric(edges["weight"][ok], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    n = len(labels)
    sums = np.bincount(ia * n + ib, weights=w, minlength=n * n).reshape(n, n) if n else np.zeros((0, 0))
    m = pd.DataFrame(sums, index=pd.Index(labels), columns=pd.Index(labels)).astype(float)
    m.index.name, m.columns.name = "from", "to"
    return m
