"""Insights: plain functions over a backlog and its attention, returning DataFrames, graphs and small results.

Names load lazily; add new public names to ``_LAZY`` (name -> defining module).
"""

from __future__ import annotations

import importlib

_LAZY = {
    "evaluate_links": "attn_team.insights._evaluate",
    "suggest_dependencies": "attn_team.insights._dependencies",
    "attention_edges": "attn_team.insights._dependencies",
    "who_to_involve": "attn_team.insights._people",
    "similar_history": "attn_team.insights._history",
    "item_outcomes": "attn_team.insights._history",
    "team_coupling": "attn_team.insights._coupling",
    "TeamCoupling": "attn_team.insights._coupling",
    "sprint_metrics": "attn_team.insights._sprints",
    "at_risk_dependencies": "attn_team.insights._sprints",
    "METRIC_DEFINITIONS": "attn_team.insights._sprints",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'attn_team.insights' has no attribute {name!r}")
    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
