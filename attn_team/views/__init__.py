"""Views: widgets and reports that show what :mod:`attn_team.insights` returns.

Names load lazily so that importing one view does not pull in the others
(ipywidgets/anywidget load only with the widgets).
"""

from __future__ import annotations

from .._lazy import attach

# public name -> module that defines it
_LAZY = {
    "SprintReport": "attn_team.views._report",
    "AttentionGraph": "attn_team.views._graph",
    "AttentionHeatmap": "attn_team.views._heatmap",
    "BacklogExplorer": "attn_team.views._explorer",
    "FlowReport": "attn_team.views._flow_view",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY)
