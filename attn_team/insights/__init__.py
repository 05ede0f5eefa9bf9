"""Insights: plain functions over a backlog and its attention, returning DataFrames, graphs and small results.

Names load lazily; add new public names to ``_LAZY`` (name -> defining module).
"""

from __future__ import annotations

import importlib

_LAZY = {
    "evaluate_links": "attn_team.insights._evaluate",
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
