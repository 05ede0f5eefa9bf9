"""Attention layer: sparse cross-attention between work items, members and history.

Names load lazily (torch is imported only when one of them is first used).
Add new public names to ``_LAZY`` (name -> defining module).
"""

from __future__ import annotations

import importlib

_LAZY = {
    "TopK": "attn_team.attention._topk",
    "topk_attention": "attn_team.attention._topk",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'attn_team.attention' has no attribute {name!r}")
    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
