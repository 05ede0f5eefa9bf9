"""The attention heads and their feature groups: one table, torch-free, read by every layer.

Each head of the attention model is a scaled dot product in its own feature space, made of
*groups* (one signal each). The model (``attention/``), the insights (per-head columns of
their tables), the views (head filters, dominant head) and the command line all read the
names from here.
"""

from __future__ import annotations

__all__ = ["HEAD_GROUPS", "HEADS", "GROUPS", "HEAD_DESCRIPTIONS", "head_columns"]

#: head -> its groups, in order.
HEAD_GROUPS: dict[str, tuple[str, ...]] = {
    "text": ("emb", "lex"),
    "structure": ("component", "label", "hierarchy", "mention", "project", "version"),
    "people": ("people",),
    "time": ("created", "sequence", "sprint"),
    "graph": ("neighbour",),
}
#: the heads, in display order.
HEADS: tuple[str, ...] = tuple(HEAD_GROUPS)
#: group -> its head.
GROUPS: dict[str, str] = {g: h for h, gs in HEAD_GROUPS.items() for g in gs}
#: one line per head, for legends and reports.
HEAD_DESCRIPTIONS: dict[str, str] = {
    "text": "similar words and meaning (MiniLM sentence embeddings and TF-IDF words)",
    "structure": "shared components, labels, epic or parent, project, fix versions, mentions of keys",
    "people": "shared assignees, reporters, commenters, watchers",
    "time": "closeness in time, nearby issue numbers, the same sprint",
    "graph": "linked to the same items (the backlog's existing links, two steps away)",
}

_NOT_HEADS = frozenset({"source", "target", "weight", "score", "reason", "rank", "kind", "to", "category"})


def head_columns(columns) -> list[str]:
    """The head columns among ``columns`` (a list of names or a DataFrame), known heads first.

    Extra numeric columns of a DataFrame that are not edge bookkeeping (``source``, ``score``, ...)
    count as heads too, so a user's own head shows in the tables and views.
    """
    names = [str(c) for c in columns]
    known = [h for h in HEADS if h in names]
    extra: list[str] = []
    dtypes = getattr(columns, "dtypes", None)
    if dtypes is not None:
        import pandas as pd

        extra = [c for c in names if c not in _NOT_HEADS and c not in known
                 and pd.api.types.is_numeric_dtype(dtypes[c])]
    return known + extra
