"""Rules that several insights and views share, each defined once.

- **Strong edge**: an item-to-item attention edge between two different, known teams whose
  ``score`` is in the top ``1 - STRONG_QUANTILE`` of all cross-team edge scores (the top 10% by
  default). Softmax weights over thousands of keys are small, so the rule is relative. Team
  coupling (required coordination), at-risk dependencies and the report text all use it.
- **Waiting pairs**: for a dependency link, which item waits for which (see :func:`waiting_pairs`).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["STRONG_QUANTILE", "strong_edge_definition", "cross_team_edges", "strong_cut", "strong_edges", "waiting_pairs"]

#: Cross-team edges with a score at or above this quantile of all cross-team scores are strong.
STRONG_QUANTILE = 0.9


def strong_edge_definition(quantile: float = STRONG_QUANTILE) -> str:
    """The strong-edge rule in words (used by the report's definitions and by result reprs)."""
    return (f"strong edge: a cross-team attention edge whose score is in the top {1 - quantile:.0%} "
            "of all cross-team edge scores")


def _isna(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


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


def waiting_pairs(links: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(waiting item, item it waits for, link label) for each dependency link.

    Direction comes from the link's phrase: "is blocked by", "depends on", "requires" and
    "waits for" mean the source waits for the target; "blocks", "is depended on by",
    "is required by" and "is a prerequisite of" mean the target waits for the source. A
    dependency link whose phrase says neither gives both directions.
    """
    out = []
    dep = links[links["category"] == "dependency"]
    labels = dep["label"] if "label" in dep.columns else pd.Series([None] * len(dep), index=dep.index)
    for s, t, label, lt in zip(dep["source_key"], dep["target_key"], labels, dep["link_type"]):
        lab = str(label if not _isna(label) else lt if not _isna(lt) else "").strip().lower()
        name = lab or "dependency"
        if lab.startswith("is blocked") or lab.startswith("depends on") or lab == "requires" or "waits for" in lab:
            out.append((s, t, name))
        elif lab.startswith("blocks") or "depended on" in lab or lab.startswith("is required") or "prerequisite" in lab:
            out.append((t, s, name))
        else:
            out.append((s, t, name))
            out.append((t, s, name))
    return out
