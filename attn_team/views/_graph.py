"""``AttentionGraph``: the interactive attention graph (canvas, force layout, two-way selection)."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Callable, Iterable

import pandas as pd
import traitlets

from .._display import SCOPES, graph_mimebundle, graph_payload, team_pairs, visible_mask
from ..attention._fitted import DEFAULT_K
from ._widget_base import AttnWidget, attention_parts, dominant_head, is_backlog, node_table

__all__ = ["AttentionGraph", "GraphWidget"]

log = logging.getLogger(__name__)


class GraphWidget(AttnWidget):
    """The synced state of an attention graph (no data preparation here)."""

    _view_kind = traitlets.Unicode("graph").tag(sync=True)
    _uid = traitlets.Unicode("").tag(sync=True)
    payload = traitlets.Dict().tag(sync=True)
    threshold = traitlets.Float(0.0).tag(sync=True)
    head = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    team = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    scope = traitlets.Unicode("cross-team").tag(sync=True)
    highlight = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selected = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    seed = traitlets.Int(1).tag(sync=True)
    height = traitlets.Int(480).tag(sync=True)

    @traitlets.validate("threshold")
    def _check_threshold(self, proposal):
        v = float(proposal["value"])
        if not v >= 0:
            raise traitlets.TraitError(f"threshold must be >= 0, got {proposal['value']!r}")
        return v

    @traitlets.validate("head")
    def _check_head(self, proposal):
        v = proposal["value"] or None
        heads = self.payload.get("meta", {}).get("heads", [])
        if v is not None and v not in heads:
            raise traitlets.TraitError(f"head must be one of {heads} or None, got {v!r}")
        return v

    @traitlets.validate("team")
    def _check_team(self, proposal):
        v = proposal["value"] or None
        teams = sorted({n["team"] for n in self.payload.get("nodes", []) if n.get("team")})
        if v is not None and v not in teams:
            raise traitlets.TraitError(f"team must be one of {teams} or None, got {v!r}")
        return v

    @traitlets.validate("scope")
    def _check_scope(self, proposal):
        v = proposal["value"]
        if v not in SCOPES:
            raise traitlets.TraitError(f"scope must be one of {list(SCOPES)}, got {v!r}")
        return v

    @traitlets.validate("height")
    def _check_height(self, proposal):
        v = int(proposal["value"])
        if v < 100:
            raise traitlets.TraitError(f"height must be at least 100 px, got {v}")
        return v


class AttentionGraph:
    """Interactive attention graph: nodes coloured by team and shaped by kind, edge width by weight.

    Hover shows an item (key, summary, team, status) or an edge (reason, per-head
    contributions); click selects. The layout is seeded: the same data draws the same picture.

    Parameters
    ----------
    attention_or_backlog : Attention, DataFrame or Backlog
        An attention result (``.edges`` with ``source, target, weight``, one column per head
        and ``reason``), an edges DataFrame of that shape, or a Backlog, which is attended
        here with :func:`attn_team.attend` (``to``, ``k``).
    backlog : Backlog, optional
        Fills item details (summary, status, team) when ``attention_or_backlog`` is a result.
    threshold : float, default=0.0
        Edges lighter than this are not drawn.
    head : str, optional
        Draw only edges whose largest contribution comes from this head.
    scope : {"cross-team", "all"}, default="cross-team"
        ``"cross-team"`` draws only edges between two different teams (the ones worth a
        conversation); ``"all"`` draws within-team edges too. A toggle above the canvas switches.
    focus_team : str, optional
        Team focus: that team and the teams it attends to (the edges touching it and the nodes
        they connect); the view re-fits onto them. The list beside the canvas groups the drawn
        cross-team edges by team pair.
    team : str, optional
        Former name of ``focus_team`` (still accepted).
    highlight : iterable of str, optional
        Node ids drawn with a ring and their edges emphasised.
    selected : str, optional
        The selected node id.
    to : {"items", "members", "history"}, default="items"
        What a Backlog attends to.
    k : int, default=10
        Keys per item when a Backlog is attended.
    max_edges : int, default=20000
        Keep the heaviest edges only (the view stays fast up to about 20,000).
    title : str, optional
    height : int, default=480
        Canvas height in px.
    seed : int, default=1
        Layout seed.

    Attributes
    ----------
    widget : GraphWidget
        The synced widget (display ``graph`` or ``graph.widget``).
    nodes : DataFrame
        ``id, label, kind, team, status, summary``.
    edges : DataFrame
        ``source, target, weight``, the head columns, ``reason``...
    heads : tuple of str
    team_pairs : DataFrame
        The drawn cross-team edges grouped by team pair (see :meth:`team_pairs`).

    Examples
    --------
    >>> graph = AttentionGraph(attn_team.attend(backlog), threshold=0.05)  # doctest: +SKIP
    >>> graph.selected          # after a click                              # doctest: +SKIP
    'PAY-12'
    """

    def __init__(self, attention_or_backlog: Any, *, backlog: Any = None, threshold: float = 0.0,
                 head: str | None = None, scope: str = "cross-team", focus_team: str | None = None,
                 team: str | None = None, highlight: Iterable[str] = (),
                 selected: str | None = None, to: str = "items", k: int = DEFAULT_K, max_edges: int = 20_000,
                 title: str | None = None, height: int = 480, seed: int = 1) -> None:
        source = attention_or_backlog
        if is_backlog(source) or hasattr(source, "attend_queries"):
            backlog = source if is_backlog(source) else source.backlog
            log.info("AttentionGraph: attention of %d items to %s (k=%d)", len(backlog.items), to, k)
        if backlog is None:
            backlog = getattr(source, "backlog", None)
        edges, nodes, heads = attention_parts(source, to=to, k=k)
        if not is_backlog(source) and hasattr(source, "attend_queries"):
            source = source.attend(to, k)
        if max_edges is not None and len(edges) > max_edges:
            log.info("AttentionGraph: keeping the %d heaviest of %d edges", max_edges, len(edges))
            edges = edges.nlargest(max_edges, "weight")
        kind = "member" if getattr(source, "to", None) == "members" else "item"
        self.edges = edges.reset_index(drop=True)
        self.nodes = node_table(self.edges, nodes, backlog)
        if kind == "member" and nodes is None:
            targets = set(self.edges["target"].astype(str))
            self.nodes.loc[self.nodes["id"].isin(targets), "kind"] = "member"
        self.heads = heads
        default_title = {"items": "Item attention", "members": "Items attending to members",
                         "history": "Items attending to history"}.get(getattr(source, "to", None), "Attention graph")
        self.payload = graph_payload(self.nodes, self.edges, title=title or default_title, threshold=0.0,
                                     heads=heads)
        self.widget = GraphWidget(payload=self.payload, _uid=uuid.uuid4().hex, seed=seed, height=height)
        self.widget.threshold = threshold
        self.widget.head = head
        self.widget.scope = scope
        if focus_team is not None and team is not None and focus_team != team:
            raise ValueError(f"focus_team={focus_team!r} and team={team!r} disagree (team is the former name)")
        self.widget.team = focus_team if focus_team is not None else team
        self.widget.highlight = [str(h) for h in highlight]
        self.widget.selected = selected

    # ---- two-way state (delegated to the widget) ----------------------------
    def _proxy(name: str, doc: str):  # noqa: N805 - property factory
        def get(self):
            return getattr(self.widget, name)

        def set_(self, value):
            if name == "highlight":
                value = [str(v) for v in (value or [])]
            setattr(self.widget, name, value)

        return property(get, set_, doc=doc)

    threshold = _proxy("threshold", "Minimum edge weight drawn (float, redraws on set).")
    head = _proxy("head", "Draw only edges dominated by this head (str or None).")
    scope = _proxy("scope", "'cross-team' (edges between two teams) or 'all'.")
    focus_team = _proxy("team", "Team focus: the team and the teams it attends to (str or None); re-fits the view.")
    team = _proxy("team", "Former name of focus_team.")
    highlight = _proxy("highlight", "Node ids drawn emphasised (list of str).")
    selected = _proxy("selected", "The node clicked last (str or None); setting it selects.")
    height = _proxy("height", "Canvas height in px.")
    del _proxy

    def observe(self, handler: Callable, names: str | list[str] = traitlets.All) -> None:
        """Call ``handler(change)`` when ``selected``, ``threshold``... change (traitlets ``observe``)."""
        self.widget.observe(handler, names=names)

    def unobserve(self, handler: Callable, names: str | list[str] = traitlets.All) -> None:
        self.widget.unobserve(handler, names=names)

    # ---- what is drawn ------------------------------------------------------
    def visible_edges(self) -> pd.DataFrame:
        """The edges drawn with the current threshold, head, scope and focus (the view's rule)."""
        e = self.edges
        team_of = dict(zip(self.nodes["id"], self.nodes["team"]))
        keep = visible_mask(e["source"].astype(str).map(team_of), e["target"].astype(str).map(team_of), e["weight"],
                            kind=e["kind"] if "kind" in e.columns else None,
                            dominant=dominant_head(e, self.heads) if self.head else None,
                            threshold=float(self.threshold), head=self.head, scope=self.scope, team=self.team)
        return e[keep]

    def visible_nodes(self) -> pd.DataFrame:
        """The nodes drawn: all of them, or with a team focus its nodes and the ends of its edges."""
        if not self.team:
            return self.nodes
        e = self.visible_edges()
        ends = set(e["source"].astype(str)) | set(e["target"].astype(str))
        return self.nodes[self.nodes["id"].isin(ends) | (self.nodes["team"] == self.team).fillna(False)]

    def team_pairs(self) -> pd.DataFrame:
        """The drawn cross-team edges by team pair, heaviest first (the list beside the canvas):
        ``team_a, team_b, n_edges, weight, examples, reason``."""
        return team_pairs(self.visible_edges(), dict(zip(self.nodes["id"], self.nodes["team"])))

    def edges_of(self, node_id: str) -> pd.DataFrame:
        """Edges touching ``node_id``, heaviest first."""
        e = self.edges
        m = (e["source"].astype(str) == node_id) | (e["target"].astype(str) == node_id)
        return e[m].sort_values("weight", ascending=False)

    # ---- display ------------------------------------------------------------
    def to_payload(self) -> dict:
        """The graph MIME payload with the current threshold, and the live widget's id."""
        meta = {**self.payload["meta"], "threshold": float(self.threshold), "widget": self.widget._uid}
        if self.head:
            meta["head"] = self.head
        if self.team:
            meta["team"] = self.team
        meta["scope"] = self.scope
        return {**self.payload, "meta": meta}

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = graph_mimebundle(self.to_payload(), plain=repr(self), pairs=self.team_pairs())
        widget_bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        if isinstance(widget_bundle, tuple):
            widget_bundle = widget_bundle[0]
        for mime, data in widget_bundle.items():
            if mime != "text/plain":
                bundle[mime] = data
        return bundle

    def __repr__(self) -> str:
        return (f"AttentionGraph({len(self.nodes)} nodes, {len(self.edges)} edges, "
                f"scope={self.scope!r}, threshold={self.threshold:g}, selected={self.selected!r})")

