"""``AttentionHeatmap``: team x team (or item x member) attention; click a cell for its edges."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Callable

import pandas as pd
import traitlets

from .._display import VIEW_MIME, first_reason, table_html
from .._svg import heatmap_svg
from ..attention._fitted import DEFAULT_K
from ..insights._rules import team_mass
from ._widget_base import AttnWidget, attention_parts, is_backlog, node_table

__all__ = ["AttentionHeatmap", "HeatmapWidget"]

log = logging.getLogger(__name__)


class HeatmapWidget(AttnWidget):
    """The synced state of a heatmap: the matrix and the selected cell."""

    _view_kind = traitlets.Unicode("heatmap").tag(sync=True)
    _uid = traitlets.Unicode("").tag(sync=True)
    matrix = traitlets.Dict().tag(sync=True)
    selected_cell = traitlets.List(traitlets.Unicode(), maxlen=2).tag(sync=True)


class AttentionHeatmap:
    """Attention summed over groups: team x team, or item x member.

    Parameters
    ----------
    data : Attention, DataFrame or Backlog
        An attention result (or its edges DataFrame); a Backlog, attended here with
        :func:`attn_team.attend`; or a ready matrix (a DataFrame whose index and columns are
        the row and column labels, e.g. ``team_coupling(...).matrix``).
    by : {"team", "member"}, default="team"
        ``"team"``: rows are the source items' teams, columns the target teams.
        ``"member"``: rows are items, columns members (attention towards members).
    backlog : Backlog, optional
        Gives items their teams when ``data`` is a result without node teams.
    diagonal : bool, optional
        ``False`` leaves a team's attention to itself out of the matrix and of the colour scale (the
        view still shows those cells apart, hatched, with their value, and can fold them back in),
        so the colours show the cross-team cells. Default: ``False`` for team x team matrices
        (``by="team"``, or a ready matrix with the same row and column labels), ``True`` otherwise.
    max_rows, max_cols : int, default=60, 40
        For ``by="member"``: keep the rows and columns with the most attention.
    title : str, optional
    k : int, default=10
        Keys per item when a Backlog is attended.

    Attributes
    ----------
    widget : HeatmapWidget
    matrix : DataFrame
        The values shown.
    edges : DataFrame
        The attention edges with ``row`` and ``col`` (the cell each one falls in); empty
        when ``data`` was a ready matrix.
    """

    #: Edges listed per cell in the view (the strongest); ``cell_edges`` gives them all.
    CELL_EDGES = 8

    def __init__(self, data: Any, *, by: str = "team", backlog: Any = None, diagonal: bool | None = None,
                 max_rows: int = 60, max_cols: int = 40, title: str | None = None, k: int = DEFAULT_K) -> None:
        if by not in ("team", "member"):
            raise ValueError(f"by must be 'team' or 'member', got {by!r}")
        self.by = by
        to = "members" if by == "member" else "items"
        if is_backlog(data) or hasattr(data, "attend_queries"):
            backlog = data if is_backlog(data) else data.backlog
            edges, nodes, _ = attention_parts(data, to=to, k=k)
            data = edges
        if isinstance(data, pd.DataFrame) and not {"source", "target", "weight"} <= set(data.columns):
            self.matrix = data.astype(float)
            self.edges = pd.DataFrame(columns=["source", "target", "weight", "row", "col"])
            row_label = str(data.index.name or "")
            col_label = str(data.columns.name or "")
        else:
            edges, nodes, _ = attention_parts(data)
            nodes = node_table(edges, nodes, backlog)
            e = edges.copy()
            if by == "team":
                team_of = dict(zip(nodes["id"], nodes["team"]))
                e["row"] = e["source"].astype(str).map(team_of).fillna("(no team)").astype(str)
                e["col"] = e["target"].astype(str).map(team_of).fillna("(no team)").astype(str)
                row_label, col_label = "team", "team"
            else:
                e["row"] = e["source"].astype(str)
                e["col"] = e["target"].astype(str)
                row_label, col_label = "item", "member"
            if by == "member":
                m = e.pivot_table(index="row", columns="col", values="weight", aggfunc="sum", fill_value=0.0)
                m = m.loc[m.sum(axis=1).nlargest(max_rows).index, m.sum(axis=0).nlargest(max_cols).index]
            else:  # the one team x team mass (insights/_rules.py), as team coupling computes it
                m = team_mass(e, team_of, unknown="(no team)")
                m.index.name = m.columns.name = None
            self.matrix = m.astype(float)
            self.edges = e
        self.matrix.index = self.matrix.index.map(str)
        self.matrix.columns = self.matrix.columns.map(str)
        square = list(self.matrix.index) == list(self.matrix.columns)
        if diagonal is None:
            diagonal = not (by == "team" and square)
        self.diagonal = bool(diagonal)
        apart = None
        if not diagonal:
            self.matrix = self.matrix.copy()
            apart = [None] * len(self.matrix)
            for i, label in enumerate(self.matrix.index):
                if label in self.matrix.columns:
                    v = float(self.matrix.loc[label, label])
                    apart[i] = round(v, 6) if v == v else None
                    self.matrix.loc[label, label] = 0.0
            if len(self.edges):
                self.edges = self.edges[self.edges["row"] != self.edges["col"]]
        default = "Team x team attention" if by == "team" else "Item x member attention"
        self.title = title or default
        state = {"rows": list(self.matrix.index), "cols": list(self.matrix.columns),
                 "values": [[round(float(v), 6) if v == v else None for v in row] for row in self.matrix.to_numpy()],
                 "title": self.title, "row_label": row_label, "col_label": col_label, **self._cell_state()}
        if apart is not None:
            state["diagonal"] = apart
        self.widget = HeatmapWidget(matrix=state, _uid=uuid.uuid4().hex)

    def _cell_state(self) -> dict:
        """The strongest edges behind each cell, and how many there are, for the view's cell list."""
        e = self.edges
        if not len(e):
            return {"cells": {}, "counts": {}}
        e = e.sort_values("weight", ascending=False, kind="stable")
        # "row\0col" built in Python: pandas string arithmetic may drop the NUL
        key = pd.Series([f"{r}\u0000{c}" for r, c in zip(e["row"], e["col"])], index=e.index, dtype=object)
        counts = key.value_counts().to_dict()
        top = e.assign(_key=key).groupby("_key", sort=False).head(self.CELL_EDGES)
        reasons = top["reason"] if "reason" in top.columns else [None] * len(top)
        cells: dict[str, list] = {}
        for k, s, t, w, r in zip(top["_key"], top["source"], top["target"], top["weight"], reasons):
            cells.setdefault(k, []).append([str(s), str(t), round(float(w), 6), first_reason(r) or None])
        return {"cells": cells, "counts": {k: int(v) for k, v in counts.items()}}

    @property
    def selected_cell(self) -> tuple[str, str] | None:
        """The clicked cell ``(row, col)``, or None; set it to select from Python."""
        c = self.widget.selected_cell
        return (c[0], c[1]) if len(c) == 2 else None

    @selected_cell.setter
    def selected_cell(self, cell: tuple[str, str] | None) -> None:
        if cell is None:
            self.widget.selected_cell = []
            return
        row, col = (str(x) for x in cell)
        if row not in self.matrix.index or col not in self.matrix.columns:
            raise KeyError(f"no cell ({row!r}, {col!r}) in the heatmap")
        self.widget.selected_cell = [row, col]

    def cell_edges(self, row: str | None = None, col: str | None = None) -> pd.DataFrame:
        """The edges behind a cell (default: the selected one), heaviest first."""
        if row is None and col is None:
            if self.selected_cell is None:
                return self.edges.iloc[0:0]
            row, col = self.selected_cell
        e = self.edges
        return e[(e["row"] == row) & (e["col"] == col)].sort_values("weight", ascending=False)

    def observe(self, handler: Callable, names: str | list[str] = traitlets.All) -> None:
        self.widget.observe(handler, names=names)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        table = self.matrix.reset_index(names=self.matrix.index.name or "")
        bundle = {"text/plain": repr(self),
                  "text/html": (f"<div class='attn-team-heatmap'>{heatmap_svg(self.matrix, title=self.title)}"
                                f"{table_html(table, title=self.title)}</div>"),
                  VIEW_MIME: {"version": 1, "kind": "heatmap", "widget": self.widget._uid,
                              "matrix": self.widget.matrix}}
        wb = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        if isinstance(wb, tuple):
            wb = wb[0]
        bundle.update({k: v for k, v in wb.items() if k != "text/plain"})
        return bundle

    def __repr__(self) -> str:
        return f"AttentionHeatmap({self.title!r}, {self.matrix.shape[0]} x {self.matrix.shape[1]})"
