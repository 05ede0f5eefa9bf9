"""Team coupling and socio-technical congruence (Cataldo et al.) from attention, links and shared people.

Definitions (printed by reports through :attr:`TeamCoupling.definition`):

- ``matrix[a, b]``: attention mass from team ``a``'s items to team ``b``'s items, the sum of the
  softmax ``weight`` of the kept item-to-item edges. Each item spends at most 1, so a row sums to
  at most the team's number of items.
- ``share(a, b)`` for two teams: ``(matrix[a, b] + matrix[b, a]) / (mass out of a + mass out of b)``,
  the part of the two teams' attention that crosses between them.
- a **strong** edge: an item-to-item edge between two different teams whose ``score`` is in the
  top ``1 - strong_quantile`` of all cross-team edge scores (default: the top 10%).
- **required** coordination between ``a`` and ``b``: at least one dependency-type link between
  their items (Cataldo's task dependencies), or ``n_strong(a, b) >= required_ratio x`` the mean
  ``n_strong`` over all pairs of teams (default 1.0: more coupled than the average pair), and at
  least one strong edge. Softmax weights over thousands of keys are small, so the rule is relative.
- **actual** coordination: at least one link of any category except clone between their items,
  or at least ``min_shared_people`` people (default 1) involved in items of both teams
  (assignee, reporter, commenter, watcher).
- **congruence** = |required ∩ actual| / |required| (``NaN`` when nothing is required).
- **gaps**: required but not actual, strongest share first.
"""

from __future__ import annotations

import dataclasses
import html
import logging
from collections import defaultdict
from itertools import combinations
from typing import Any

import networkx as nx
import pandas as pd

from .._display import GRAPH_MIME, graph_payload, table_html
from .._svg import graph_svg, heatmap_svg
from ..model import Backlog
from ._dependencies import attention_edges
from ._rules import STRONG_QUANTILE, cross_team_edges, strong_edge_definition, strong_edges, team_mass

__all__ = ["team_coupling", "TeamCoupling"]

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, eq=False)
class TeamCoupling:
    """Result of :func:`team_coupling`.

    Attributes
    ----------
    matrix : DataFrame of shape (n_teams, n_teams)
        Attention mass from row team to column team.
    graph : networkx.DiGraph
        Team nodes (``n_items``); edges ``a -> b`` with ``weight`` (attention mass), ``links``,
        ``shared_people``; only between different teams.
    pairs : DataFrame
        One row per unordered pair of different teams: ``team_a, team_b, mass_ab, mass_ba, share,
        n_strong, n_links, n_dependency_links, n_shared_people, required, actual, gap``.
    congruence : float
        |required ∩ actual| / |required|; NaN when no pair requires coordination.
    gaps : DataFrame
        Rows of ``pairs`` that are required but not actual, most strong edges first, with
        ``example_pairs`` (the strongest item pairs behind the coupling).
    strong_quantile, required_ratio, min_shared_people : thresholds used.
    """

    matrix: pd.DataFrame
    graph: nx.DiGraph
    pairs: pd.DataFrame
    congruence: float
    gaps: pd.DataFrame
    strong_quantile: float
    required_ratio: float
    min_shared_people: int

    @property
    def definition(self) -> str:
        return (f"{strong_edge_definition(self.strong_quantile)}; "
                f"required coordination: a dependency link, or at least {self.required_ratio:g} x the mean number of strong "
                "edges per pair of teams; "
                f"actual coordination: a link (not clone) or >= {self.min_shared_people} shared people; "
                "congruence = |required ∩ actual| / |required| (Cataldo et al.)")

    def __repr__(self) -> str:
        c = "n/a" if self.congruence != self.congruence else f"{self.congruence:.2f}"
        return f"TeamCoupling(teams={len(self.matrix)}, congruence={c}, gaps={len(self.gaps)})"

    def cross_matrix(self, top: int | None = None) -> pd.DataFrame:
        """``matrix`` with the within-team diagonal blanked (NaN), for pictures of cross-team coupling.

        ``top``: only the ``top`` teams with the most cross-team attention mass (sent plus received),
        in the matrix's order; all teams when ``None`` or when there are no more than ``top``.
        """
        m = self.matrix.copy()
        for t in m.index:
            if t in m.columns:
                m.loc[t, t] = float("nan")
        if top is not None and len(m.index) > top:
            mass = m.sum(axis=1).add(m.sum(axis=0), fill_value=0.0).reindex(m.index).fillna(0.0)  # NaN skipped
            keep = set(mass.sort_values(ascending=False, kind="stable").index[:top])
            m = m.loc[[t for t in m.index if t in keep], [t for t in m.columns if t in keep]]
        return m

    def strong_pair_cut(self) -> float:
        """Strong edges a pair of teams needs to require coordination (``required_ratio`` x the mean)."""
        return float(self.required_ratio * self.pairs["n_strong"].mean()) if len(self.pairs) else 0.0

    def to_payload(self) -> dict:
        """The coupling as a graph of teams: one edge per pair of teams with strong edges or a gap.

        ``weight`` is the pair's number of strong edges; the payload's threshold is
        :meth:`strong_pair_cut`, so the view opens on the pairs that require coordination:
        kind ``"gap"`` when they do not coordinate, ``"link"`` when they do; the other pairs
        (kind ``"suggested"``) appear when the threshold is lowered.
        """
        nodes = pd.DataFrame([{"id": t, "label": t, "kind": "team", "team": t} for t in self.graph.nodes],
                             columns=["id", "label", "kind", "team"])
        rows = []
        for r in self.pairs.itertuples(index=False):
            if not (r.n_strong or r.gap or r.required):
                continue
            kind = "gap" if r.gap else "link" if r.required else "suggested"
            why = (f"{r.n_strong} strong edges, {r.n_links} links, {r.n_shared_people} shared people; "
                   f"attention {r.mass_ab:.2f} -> / {r.mass_ba:.2f} <-")
            rows.append({"source": r.team_a, "target": r.team_b, "weight": float(r.n_strong), "kind": kind,
                         "reason": ("coordination gap: " if r.gap else "") + why})
        edges = pd.DataFrame(rows, columns=["source", "target", "weight", "kind", "reason"])
        return graph_payload(nodes, edges, title="Team coupling: pairs that require coordination (gaps in red)",
                             threshold=self.strong_pair_cut(),
                             extra_meta={"congruence": None if self.congruence != self.congruence else self.congruence,
                                         "scope": "all"})

    def _repr_html_(self) -> str:
        c = "n/a (no pair requires coordination)" if self.congruence != self.congruence else f"{self.congruence:.2f}"
        marks = list(zip(self.gaps["team_a"], self.gaps["team_b"])) + list(zip(self.gaps["team_b"], self.gaps["team_a"]))
        gaps = table_html(self.gaps.drop(columns=["example_pairs"], errors="ignore"), title="Coordination gaps") \
            if len(self.gaps) else "<p>No coordination gaps.</p>"
        return (f"<div class='attn-team-coupling'><p><strong>Socio-technical congruence:</strong> {html.escape(c)}</p>"
                f"{graph_svg(self.to_payload(), width=560, height=360)}"
                f"{heatmap_svg(self.cross_matrix(), title='Attention mass between teams', marks=marks)}"
                f"{gaps}<p style='font-size:smaller'>{html.escape(self.definition)}</p></div>")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {GRAPH_MIME: self.to_payload(), "text/html": self._repr_html_(), "text/plain": repr(self)}


_PAIR_COLUMNS = ["team_a", "team_b", "mass_ab", "mass_ba", "share", "n_strong", "n_links", "n_dependency_links",
                 "n_shared_people", "required", "actual", "gap"]


def team_coupling(backlog: Backlog, *, attention: Any = None, strong_quantile: float = STRONG_QUANTILE,
                  required_ratio: float = 1.0, min_shared_people: int = 1, k: int = 20) -> TeamCoupling:
    """Which teams' work is coupled, whether they coordinate, and where they do not.

    Parameters
    ----------
    backlog : Backlog
    attention : optional
        A fitted ``CrossAttention``, an item ``Attention`` result or an edges DataFrame (see
        :func:`~attn_team.insights._dependencies.attention_edges`); the untrained model when ``None`` (nothing is fitted here).
    strong_quantile : float, default=0.9
        Cross-team edges with a score at or above this quantile of all cross-team edge scores are strong.
    required_ratio : float, default=1.0
        A pair of teams requires coordination when its number of strong edges is at least this
        multiple of the mean over all pairs of teams (or when a dependency link joins them).
    min_shared_people : int, default=1
        People involved in both teams' items that count as actual coordination.

    Returns
    -------
    TeamCoupling
        See the module docstring for every definition.
    """
    items = backlog.items
    teams = sorted(str(t) for t in items["team"].dropna().unique())
    team_of = {str(k): str(t) for k, t in zip(items["key"], items["team"]) if t is not None and t is not pd.NA}
    n_items = items["team"].value_counts().to_dict()
    matrix = pd.DataFrame(0.0, index=pd.Index(teams, name="from"), columns=pd.Index(teams, name="to"))
    examples: dict[frozenset, list] = defaultdict(list)
    n_strong: dict[frozenset, int] = defaultdict(int)
    if len(teams) >= 1 and len(items) >= 2:
        edges = attention_edges(backlog, attention, to="items", k=k)
        if len(edges):
            matrix.loc[:, :] = team_mass(edges, team_of).reindex(index=teams, columns=teams, fill_value=0.0).to_numpy()
            cross = cross_team_edges(edges, team_of).sort_values(  # ties in a fixed order: the same examples every run
                ["score", "source", "target"], ascending=[False, True, True], kind="stable")
            strong = strong_edges(cross, team_of, strong_quantile)
            for a, b in zip(strong["_a"], strong["_b"]):
                n_strong[frozenset((a, b))] += 1
            for s, t, a, b in zip(cross["source"], cross["target"], cross["_a"], cross["_b"]):
                lst = examples[frozenset((a, b))]
                if len(lst) < 3 and f"{t} ~ {s}" not in lst:
                    lst.append(f"{s} ~ {t}")
    out_mass = matrix.sum(axis=1)

    # links between teams
    n_links: dict[frozenset, int] = defaultdict(int)
    n_dep: dict[frozenset, int] = defaultdict(int)
    for s, t, cat in zip(backlog.links["source_key"], backlog.links["target_key"], backlog.links["category"]):
        a, b = team_of.get(str(s)), team_of.get(str(t))
        if a is None or b is None or a == b:
            continue
        pair = frozenset((a, b))
        if cat != "clone":
            n_links[pair] += 1
        if cat == "dependency":
            n_dep[pair] += 1

    # shared people: involved in items of both teams
    person_teams: dict[str, set] = defaultdict(set)
    inv = backlog.involvement
    for key, p in zip(inv["key"], inv["person"]):
        t = team_of.get(str(key))
        if t is not None:
            person_teams[str(p)].add(t)
    shared: dict[frozenset, int] = defaultdict(int)
    for ts in person_teams.values():
        for a, b in combinations(sorted(ts), 2):
            shared[frozenset((a, b))] += 1

    all_pairs = list(combinations(teams, 2))
    mean_strong = sum(n_strong.values()) / len(all_pairs) if all_pairs else 0.0
    rows = []
    for a, b in all_pairs:
        pair = frozenset((a, b))
        mab, mba = float(matrix.loc[a, b]), float(matrix.loc[b, a])
        denom = float(out_mass[a] + out_mass[b])
        share = (mab + mba) / denom if denom > 0 else 0.0
        required = n_dep[pair] > 0 or (n_strong[pair] > 0 and n_strong[pair] >= required_ratio * mean_strong)
        actual = n_links[pair] > 0 or shared[pair] >= min_shared_people
        rows.append({"team_a": a, "team_b": b, "mass_ab": mab, "mass_ba": mba, "share": share, "n_strong": n_strong[pair],
                     "n_links": n_links[pair], "n_dependency_links": n_dep[pair], "n_shared_people": shared[pair],
                     "required": required, "actual": actual, "gap": required and not actual})
    pairs = pd.DataFrame(rows, columns=_PAIR_COLUMNS)
    for c in ("n_strong", "n_links", "n_dependency_links", "n_shared_people"):
        pairs[c] = pairs[c].astype(int)
    for c in ("required", "actual", "gap"):
        pairs[c] = pairs[c].astype(bool)
    n_req = int(pairs["required"].sum())
    congruence = float((pairs["required"] & pairs["actual"]).sum() / n_req) if n_req else float("nan")
    gaps = pairs[pairs["gap"]].sort_values(["n_strong", "share"], ascending=False).reset_index(drop=True)
    gaps["example_pairs"] = [examples.get(frozenset((a, b)), []) for a, b in zip(gaps["team_a"], gaps["team_b"])]

    g = nx.DiGraph()
    for t in teams:
        g.add_node(t, n_items=int(n_items.get(t, 0)))
    for a in teams:
        for b in teams:
            if a != b and matrix.loc[a, b] > 0:
                pair = frozenset((a, b))
                g.add_edge(a, b, weight=float(matrix.loc[a, b]), links=n_links[pair], shared_people=shared[pair])
    log.info("team_coupling: %d teams, %d required pairs, congruence %s", len(teams), n_req, congruence)
    return TeamCoupling(matrix=matrix, graph=g, pairs=pairs, congruence=congruence, gaps=gaps,
                        strong_quantile=strong_quantile, required_ratio=required_ratio, min_shared_people=min_shared_people)
