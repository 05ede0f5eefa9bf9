"""Views: widgets and reports that show what :mod:`attn_team.insights` returns.

Names load lazily so that importing one view does not pull in the others
(ipywidgets/anywidget load only with the widgets).
"""

from __future__ import annotations

import importlib

# public name -> module that defines it
_LAZY = {
    "SprintReport": "attn_team.views._report",
    "AttentionGraph": "attn_team.views._graph",
    "AttentionHeatmap": "attn_team.views._heatmap",
    "BacklogExplorer": "attn_team.views._explorer",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'attn_team.views' has no attribute {name!r}")
    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
