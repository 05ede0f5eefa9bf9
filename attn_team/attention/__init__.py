"""Attention layer: sparse cross-attention between work items, members and history.

Names load lazily (torch is imported only when one of them is first used).
Add new public names to ``_LAZY`` (name -> defining module).
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    "TopK": "attn_team.attention._topk",
    "topk_attention": "attn_team.attention._topk",
    "CrossAttention": "attn_team.attention._model",
    "attend": "attn_team.attention._model",
    "Attention": "attn_team.attention._result",
    "BacklogAttention": "attn_team.attention._fitted",
    "resolve_attention": "attn_team.attention._fitted",
    "workspace_attention": "attn_team.attention._fitted",
    "CandidateParams": "attn_team.attention._candidates",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY)
