"""Issue 11 from Python: cross-team scope, team focus, the team-pair list, the heatmap's cells,
the coupling's gap edges, the saved-notebook fallbacks, and one palette for canvas and SVG."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import traitlets

from attn_team import _svg
from attn_team._display import VIEW_MIME, team_pairs, visible_mask
from attn_team.insights._coupling import team_coupling
from attn_team.model import Backlog
from attn_team.views._explorer import BacklogExplorer
from attn_team.views._graph import AttentionGraph
from attn_team.views._heatmap import AttentionHeatmap

from .test_widgets import XSS, BagOfWords, _edges

PALETTE_JSON = _svg.STYLE


@pytest.fixture
def backlog() -> Backlog:
    items = pd.DataFrame([
        ("P-1", "Pay", "Refresh payment tokens"), ("P-2", "Pay", XSS), ("P-3", "Pay", "Payout retries"),
        ("D-1", "Data", "Warehouse loader"), ("D-2", "Data", "Image resizing service"),
        ("M-1", "Mobile", "Login screen"), ("M-2", "Mobile", "Push tokens"),
    ], columns=["key", "team", "summary"])
    items["status"] = "To Do"
    return Backlog(items=items).validate()


@pytest.fixture
def edges():
    e = _edges([("P-1", "D-1", 0.6, "text"), ("D-1", "P-1", 0.5, "text"), ("P-2", "D-2", 0.3, "structure"),
                ("M-1", "P-3", 0.2, "people"), ("P-1", "P-2", 0.7, "text"), ("D-1", "D-2", 0.4, "time"),
                ("M-1", "M-2", 0.45, "text")])
    e.loc[0, "reason"] = "shared component 'warehouse'; created 3 days apart"
    e.loc[3, "reason"] = XSS
    return e


# ---- scope and focus ---------------------------------------------------------------

class TestScopeAndFocus:
    def test_cross_team_is_the_default_and_all_shows_every_edge(self, edges, backlog):
        g = AttentionGraph(edges, backlog=backlog)
        assert g.scope == "cross-team" and g.widget.scope == "cross-team"
        pairs = set(zip(g.visible_edges()["source"], g.visible_edges()["target"]))
        assert pairs == {("P-1", "D-1"), ("D-1", "P-1"), ("P-2", "D-2"), ("M-1", "P-3")}
        assert g.to_payload()["meta"]["scope"] == "cross-team"
        g.scope = "all"
        assert len(g.visible_edges()) == len(edges)
        assert AttentionGraph(edges, backlog=backlog, scope="all").widget.scope == "all"
        with pytest.raises(traitlets.TraitError, match="scope must be one of"):
            g.scope = "everything"

    def test_focus_shows_the_team_and_the_teams_it_attends_to(self, edges, backlog):
        g = AttentionGraph(edges, backlog=backlog, focus_team="Mobile")
        assert g.focus_team == g.team == g.widget.team == "Mobile"
        assert list(zip(g.visible_edges()["source"], g.visible_edges()["target"])) == [("M-1", "P-3")]
        # Mobile's own nodes (M-2 too, its within-team edge hidden by the scope) and P-3 of Payments
        assert set(g.visible_nodes()["id"]) == {"M-1", "M-2", "P-3"}
        g.scope = "all"
        assert set(zip(g.visible_edges()["source"], g.visible_edges()["target"])) == {("M-1", "P-3"), ("M-1", "M-2")}
        g.focus_team = None
        assert len(g.visible_nodes()) == len(g.nodes)
        assert AttentionGraph(edges, backlog=backlog, team="Data").focus_team == "Data"  # the former name
        with pytest.raises(ValueError, match="disagree"):
            AttentionGraph(edges, backlog=backlog, team="Data", focus_team="Pay")

    def test_threshold_applies_to_attention_edges_only(self, backlog):
        e = pd.DataFrame({"source": ["P-1", "P-2", "D-1"], "target": ["D-1", "M-1", "M-2"], "weight": [0.1, 0.1, 0.9],
                          "kind": ["link", "gap", "suggested"]})
        g = AttentionGraph(e, backlog=backlog, threshold=0.5)
        assert list(g.visible_edges()["kind"]) == ["link", "gap", "suggested"]
        g.threshold = 0.95
        assert list(g.visible_edges()["kind"]) == ["link", "gap"]

    def test_visible_mask_rule(self):
        keep = visible_mask(["A", "A", "A", None], ["A", "B", "B", "A"], [0.9, 0.1, 0.9, 0.9], threshold=0.5,
                            scope="cross-team")
        assert keep.tolist() == [False, False, True, True]
        keep = visible_mask(["A", "C"], ["B", "D"], [1, 1], team="D")
        assert keep.tolist() == [False, True]


# ---- the team-pair list ----------------------------------------------------------------

class TestTeamPairs:
    def test_groups_by_unordered_pair_heaviest_first(self, edges, backlog):
        g = AttentionGraph(edges, backlog=backlog)
        pairs = g.team_pairs()
        assert list(zip(pairs["team_a"], pairs["team_b"])) == [("Data", "Pay"), ("Mobile", "Pay")]
        top = pairs.iloc[0]
        assert top["n_edges"] == 3 and top["weight"] == pytest.approx(1.4)
        # P-1 / D-1 and D-1 / P-1 are one pair of items: listed once
        assert top["examples"] == ["P-1 / D-1", "P-2 / D-2"]
        assert top["reason"] == "shared component 'warehouse'"
        g.threshold = 0.25
        assert list(g.team_pairs()["team_a"]) == ["Data"]

    def test_html_fallback_lists_the_pairs_escaped(self, edges, backlog):
        b = AttentionGraph(edges, backlog=backlog)._repr_mimebundle_()
        html_out = b["text/html"]
        assert "Data &lt;-&gt; Pay" in html_out and "P-1 / D-1, shared component &#x27;warehouse&#x27;" in html_out
        assert "<img" not in html_out and "&lt;img src=x" in html_out
        assert "4 of 7 edges drawn" in html_out  # the fallback draws what the canvas draws (cross-team)

    def test_empty(self):
        assert team_pairs(pd.DataFrame(columns=["source", "target", "weight"]), {}).empty


# ---- the heatmap -----------------------------------------------------------------------

class TestHeatmap:
    def test_team_matrix_leaves_the_diagonal_apart_by_default(self, edges, backlog):
        h = AttentionHeatmap(edges, backlog=backlog)
        assert h.diagonal is False
        assert h.matrix.loc["Pay", "Pay"] == 0.0 and h.matrix.loc["Pay", "Data"] == pytest.approx(0.9)
        state = h.widget.matrix
        rows = state["rows"]
        assert state["diagonal"][rows.index("Pay")] == pytest.approx(0.7)   # shown apart, not lost
        assert AttentionHeatmap(edges, backlog=backlog, diagonal=True).matrix.loc["Pay", "Pay"] == pytest.approx(0.7)
        members = AttentionHeatmap(edges, by="member", backlog=backlog)
        assert members.diagonal is True and "diagonal" not in members.widget.matrix

    def test_cells_carry_the_edges_behind_them(self, edges, backlog):
        h = AttentionHeatmap(edges, backlog=backlog)
        cells, counts = h.widget.matrix["cells"], h.widget.matrix["counts"]
        assert counts["Pay\u0000Data"] == 2
        assert [c[:2] for c in cells["Pay\u0000Data"]] == [["P-1", "D-1"], ["P-2", "D-2"]]
        assert cells["Pay\u0000Data"][0][3] == "shared component 'warehouse'"
        assert "Pay\u0000Pay" not in cells   # within-team edges are left out with the diagonal
        behind = h.cell_edges("Pay", "Data")
        assert [list(x) for x in zip(behind["source"], behind["target"])] == [c[:2] for c in cells["Pay\u0000Data"]]

    def test_view_mime_carries_matrix_and_live_id(self, edges, backlog):
        h = AttentionHeatmap(edges, backlog=backlog, title=XSS)
        b = h._repr_mimebundle_()
        view = b[VIEW_MIME]
        assert view["kind"] == "heatmap" and view["widget"] == h.widget._uid != ""
        assert view["matrix"] == h.widget.matrix
        json.dumps(view, allow_nan=False)
        assert "<img" not in b["text/html"] and "<svg" in b["text/html"]

    def test_nan_cells_are_json_safe(self):
        m = pd.DataFrame([[float("nan"), 1.0], [2.0, float("nan")]], index=["A", "B"], columns=["A", "B"])
        h = AttentionHeatmap(m)
        json.dumps(h.widget.matrix, allow_nan=False)
        assert h.widget.matrix["values"][0][1] == 1.0


# ---- team coupling shows its gaps ----------------------------------------------------

def test_coupling_graph_draws_gaps_and_opens_on_required_pairs(backlog, edges):
    links = pd.DataFrame({"source_key": ["D-2"], "target_key": ["M-2"], "category": ["dependency"],
                          "link_type": ["Blocks"], "label": ["blocks"]})
    tiny = backlog.replace(links=links).validate()
    c = team_coupling(tiny, attention=edges, strong_quantile=0.5)
    p = c.to_payload()
    kinds = {frozenset((e["source"], e["target"])): e["kind"] for e in p["edges"]}
    gaps = {frozenset(x) for x in zip(c.gaps["team_a"], c.gaps["team_b"])}
    assert gaps and {k for k, v in kinds.items() if v == "gap"} == gaps
    required = c.pairs[c.pairs["required"]]
    assert {k for k, v in kinds.items() if v in ("gap", "link")} == {frozenset(x) for x in
                                                                   zip(required["team_a"], required["team_b"])}
    assert p["meta"]["threshold"] == pytest.approx(c.pairs["n_strong"].mean())
    # drawn at the payload's threshold: the required pairs only
    g = AttentionGraph(pd.DataFrame(p["edges"]), threshold=p["meta"]["threshold"], scope="all")
    assert len(g.visible_edges()) == len(required)
    svg = _svg.graph_svg(p)
    assert _svg.STYLE["edges"]["gap"]["color"] in svg and "coordination gap" in svg


# ---- the explorer's stored fallback ----------------------------------------------------

def test_explorer_fallback_keeps_the_search_and_details(backlog, edges):
    members = _edges([("P-1", "m1", 0.7, "people")])
    history = _edges([("P-2", "P-1", 0.4, "text")])
    ex = BacklogExplorer(backlog, attention={"items": edges, "members": members, "history": history},
                         embedder=BagOfWords(), top=3)
    ex.search("payment tokens")
    ex.select("P-1")
    b = ex._repr_mimebundle_()
    view = b[VIEW_MIME]
    assert view["kind"] == "explorer" and view["model_id"] == ex.widget.model_id
    assert view["widget"] == ex.graph.widget._uid
    fb = view["fallback"]
    titles = [t["title"] for t in fb["tables"]]
    assert titles[0].startswith("Items for") and "P-1: Suggested dependencies" in titles
    assert [r[1] for r in fb["tables"][0]["rows"]] == list(ex.results["key"])
    assert len(fb["graph"]["edges"]) == len(ex.graph.visible_edges())
    json.dumps(view, allow_nan=False)
    assert "<img" not in b["text/html"] and "P-1" in b["text/html"]


# ---- one palette, one shape per node kind, one meaning per edge kind ---------------------

class TestOnePalette:
    def test_python_reads_the_json(self, repo_root):
        raw = json.loads((repo_root / "attn_team" / "_palette.json").read_text(encoding="utf-8"))
        assert _svg.PALETTE == tuple(raw["teams"]) and _svg.STYLE == raw
        assert set(raw["edges"]) == {"suggested", "link", "at_risk", "gap"}
        assert _svg.edge_style("at-risk")[0] == "at_risk" and _svg.node_style("person")[0] == "member"

    def test_typescript_imports_the_same_json(self, repo_root):
        ext = repo_root / "extension"
        colors = (ext / "src" / "colors.ts").read_text(encoding="utf-8")
        assert "from './palette.json'" in colors
        # no team colour written into the TypeScript sources by hand
        sources = "".join(p.read_text(encoding="utf-8") for p in (ext / "src").glob("*.ts"))
        for c in PALETTE_JSON["teams"] + [v["color"] for v in PALETTE_JSON["edges"].values()]:
            assert c.lower() not in sources.lower(), c
        script = json.loads((ext / "package.json").read_text())["scripts"]["build:palette"]
        assert "../attn_team/_palette.json" in script and "src/palette.json" in script

    def test_bundle_was_built_from_it(self):
        from attn_team.views._widget_base import BUNDLE

        js = BUNDLE.read_text(encoding="utf-8")
        for c in PALETTE_JSON["teams"] + [v["color"] for v in PALETTE_JSON["edges"].values()]:
            assert c in js, f"{c} missing from the bundle: rebuild (npm run build:prod)"

    def test_svg_draws_node_kinds_and_edge_kinds_from_it(self):
        payload = {"version": 1, "meta": {"title": "t"},
                   "nodes": [{"id": "A", "team": "T1", "kind": "item"}, {"id": "m", "team": "T2", "kind": "member"},
                             {"id": "T", "team": "T1", "kind": "team"}],
                   "edges": [{"source": "A", "target": "m", "weight": 0.5, "kind": "link"},
                             {"source": "A", "target": "T", "weight": 0.5, "kind": "at_risk"}]}
        svg = _svg.graph_svg(payload)
        teams = _svg.team_colors(["T1", "T2"])
        assert teams == {"T1": PALETTE_JSON["teams"][0], "T2": PALETTE_JSON["teams"][1]}
        assert len(re.findall(r"<circle", svg)) == 1          # the item
        assert len(re.findall(r"<polygon", svg)) == 2          # the member's square, the team's hexagon
        for kind in ("link", "at_risk"):
            assert PALETTE_JSON["edges"][kind]["color"] in svg and PALETTE_JSON["edges"][kind]["label"] in svg
        assert 'stroke-dasharray="4 3"' in svg                  # the link's dash
