"""Insights: plain functions over a backlog and its attention, returning DataFrames, graphs and small results.

Names load lazily; add new public names to ``_LAZY`` (name -> defining module).
"""

from __future__ import annotations

from .._lazy import attach

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
    "flow_metrics": "attn_team.insights._flow",
    "FlowMetrics": "attn_team.insights._flow",
    "FLOW_DEFINITIONS": "attn_team.insights._flow",
    "forecast": "attn_team.insights._forecast",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY)
