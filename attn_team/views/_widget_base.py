"""The anywidget base shared by the graph and heatmap widgets, and node/edge helpers.

The widgets are traitlets only: they sync state with the one ESM bundle built from
``extension/src`` (``attn_team/static/widget.js``). The user-facing classes
(:class:`~attn_team.views._graph.AttentionGraph`, ...) are facades that prepare the data
and hold a widget.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import anywidget
import pandas as pd
import traitlets

from .._heads import HEADS
from ..attention._fitted import DEFAULT_K

log = logging.getLogger(__name__)

#: The ESM bundle (built by ``npm run build:prod`` in ``extension/``, shipped in the wheel).
BUNDLE = Path(__file__).resolve().parents[1] / "static" / "widget.js"

#: Attention head columns, in display order, when a result does not say.
DEFAULT_HEADS = HEADS


def _bundle() -> Path:
    if not BUNDLE.is_file():
        raise FileNotFoundError(
            f"the widget bundle {BUNDLE} is missing: reinstall attn-team from a wheel, or build it "
            "from a source checkout with `pip install -e .` (runs npm in extension/)")
    return BUNDLE


class AttnWidget(anywidget.AnyWidget):
    """Base widget: the bundled ESM and which view of it to render."""

    _esm = BUNDLE  # read by anywidget when the file exists; __init__ says how to build it when it does not
    _view_kind = traitlets.Unicode("graph").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        _bundle()
        super().__init__(**kwargs)

    def __repr__(self) -> str:  # cheap: never serialise traits
        return f"<{type(self).__name__} {self._view_kind}>"


def is_backlog(obj: Any) -> bool:
    from ..model import Backlog

    return isinstance(obj, Backlog)


def attention_parts(obj: Any, *, to: str = "items", k: int = DEFAULT_K,
                    ) -> tuple[pd.DataFrame, pd.DataFrame | None, tuple[str, ...]]:
    """(edges, nodes or None, heads) of what a view was given.

    A :class:`~attn_team.BacklogAttention` gives its attention towards ``to`` (computed once and
    memoised there); a Backlog gives the *untrained* model's attention (views never fit); an
    ``Attention`` result or an edges DataFrame is used as it is.
    """
    from ..attention._fitted import BacklogAttention

    if is_backlog(obj):
        obj = BacklogAttention.untrained(obj)
    if isinstance(obj, BacklogAttention):
        obj = obj.attend(to, k)
    if isinstance(obj, pd.DataFrame):
        edges = obj
        nodes = None
        heads = None
    elif hasattr(obj, "edges") and isinstance(getattr(obj, "edges"), pd.DataFrame):
        edges = obj.edges
        nodes = getattr(obj, "nodes", None)
        nodes = nodes if isinstance(nodes, pd.DataFrame) else None
        heads = getattr(obj, "heads", None)
    else:
        raise TypeError(
            "expected a BacklogAttention, an Attention result (with .edges), an edges DataFrame or a Backlog, "
            f"got {type(obj).__name__}")
    missing = [c for c in ("source", "target", "weight") if c not in edges.columns]
    if missing:
        raise ValueError(f"attention edges need columns source, target, weight; missing {missing}")
    if heads is None:
        heads = tuple(h for h in DEFAULT_HEADS if h in edges.columns)
    heads = tuple(h for h in heads if h in edges.columns)
    return edges, nodes, heads


def _clean(v: Any) -> Any:
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def node_table(edges: pd.DataFrame, nodes: pd.DataFrame | None, backlog: Any = None,
               default_kind: str = "item") -> pd.DataFrame:
    """Nodes (id, label, kind, team, status, summary): every edge endpoint and every given node,
    with item details filled from the backlog when one is known."""
    rows: dict[str, dict] = {}
    if nodes is not None and "id" in nodes.columns:
        for r in nodes.to_dict("records"):
            rows[str(r["id"])] = {k: _clean(v) for k, v in r.items()}
    for col in ("source", "target"):
        for key in edges[col].astype(str).unique():
            rows.setdefault(key, {"id": key, "kind": default_kind})
    if backlog is not None and len(backlog.items):
        info = backlog.items.set_index(backlog.items["key"].astype(str))
        for key, r in rows.items():
            if (r.get("kind") or "item") == "item" and key in info.index:
                it = info.loc[key]
                if isinstance(it, pd.DataFrame):
                    it = it.iloc[0]
                for col in ("summary", "status", "team"):
                    if r.get(col) is None and _clean(it.get(col)) is not None:
                        r[col] = str(it.get(col))
        if len(backlog.people):
            team_of = dict(zip(backlog.people["person"].astype(str), backlog.people["team"]))
            for key, r in rows.items():
                if r.get("kind") == "member" and r.get("team") is None and _clean(team_of.get(key)) is not None:
                    r["team"] = str(team_of[key])
    out = pd.DataFrame(list(rows.values()))
    for col in ("id", "label", "kind", "team", "status", "summary"):
        if col not in out.columns:
            out[col] = None
    out["kind"] = out["kind"].fillna(default_kind)
    out["label"] = [lab if _clean(lab) is not None else i for lab, i in zip(out["label"], out["id"])]
    return out[["id", "label", "kind", "team", "status", "summary"]].reset_index(drop=True)


def dominant_head(edges: pd.DataFrame, heads: tuple[str, ...]) -> pd.Series:
    """Per edge, the head with the largest contribution (as the front end computes it)."""
    if not heads:
        return pd.Series([None] * len(edges), index=edges.index, dtype=object)
    vals = edges[list(heads)].astype(float).fillna(float("-inf"))
    return vals.idxmax(axis=1)
