"""team_coupling: matrix, congruence and gaps by hand; the planted gap with the real model (slow)."""

from __future__ import annotations

import math

import pytest
from conftest import edges

from attn_team.insights._coupling import team_coupling
from attn_team.model import Backlog


def test_by_hand(tiny, item_edges):
    c = team_coupling(tiny, attention=item_edges, strong_quantile=0.5)
    assert c.matrix.loc["Pay", "Id"] == pytest.approx(0.9) and c.matrix.loc["Pay", "Pay"] == pytest.approx(0.6)
    pairs = c.pairs.set_index(["team_a", "team_b"])
    assert pairs.loc[("Id", "Pay"), "n_dependency_links"] == 1 and pairs.loc[("Id", "Pay"), "n_shared_people"] == 1
    assert bool(pairs.loc[("Id", "Solo"), "required"]) and not bool(pairs.loc[("Id", "Solo"), "actual"])
    assert not bool(pairs.loc[("Pay", "Solo"), "required"])
    assert c.congruence == pytest.approx(0.5)
    assert list(zip(c.gaps["team_a"], c.gaps["team_b"])) == [("Id", "Solo")]
    assert c.gaps.loc[0, "example_pairs"] == ["S-1 ~ I-3"]
    assert c.graph.has_edge("Solo", "Id") and c.graph["Pay"]["Id"]["weight"] == pytest.approx(0.9)
    assert not c.graph.has_edge("Pay", "Pay")


def test_cross_matrix_keeps_the_most_coupled_teams(tiny, item_edges):
    c = team_coupling(tiny, attention=item_edges, strong_quantile=0.5)
    full = c.cross_matrix()
    assert set(full.index) == {"Id", "Pay", "Solo"} and math.isnan(full.loc["Pay", "Pay"])
    mass = {t: full.loc[t].sum() + full[t].sum() for t in full.index}  # NaN diagonal skipped by sum
    top2 = c.cross_matrix(top=2)
    assert set(top2.index) == set(top2.columns) == set(sorted(mass, key=mass.get, reverse=True)[:2])
    assert top2.loc["Pay", "Id"] == pytest.approx(0.9) and math.isnan(top2.loc["Pay", "Pay"])
    assert c.cross_matrix(top=5).equals(full)


def test_shared_people_close_a_gap(tiny, item_edges):
    items = tiny.items.copy()
    items.at[items.index[items["key"] == "S-1"][0], "watchers"] = ["i2"]
    c = team_coupling(tiny.replace(items=items), attention=item_edges, strong_quantile=0.5)
    assert c.gaps.empty and c.congruence == pytest.approx(1.0)


def test_mimebundle_and_escaping(tiny, item_edges):
    items = tiny.items.copy()
    items["team"] = items["team"].replace({"Solo": "<script>alert(1)</script>"})
    b = tiny.replace(items=items)
    bundle = team_coupling(b, attention=item_edges, strong_quantile=0.5)._repr_mimebundle_()
    assert "application/vnd.attn-team.graph+json" in bundle
    assert "<script>" not in bundle["text/html"] and "&lt;script&gt;" in bundle["text/html"]


def test_empty_inputs():
    c = team_coupling(Backlog())
    assert c.matrix.empty and c.gaps.empty and math.isnan(c.congruence)
    one = Backlog(items={"key": ["A-1", "A-2"], "team": ["A", "A"]})
    c = team_coupling(one, attention=edges([("A-1", "A-2", 0.5)]))
    assert c.pairs.empty and math.isnan(c.congruence) and c.matrix.loc["A", "A"] == pytest.approx(0.5)


def test_planted_coordination_gap_found(fitted_org):
    org, _model, att = fitted_org
    c = team_coupling(org.backlog, attention=att)
    gaps = {frozenset(p) for p in zip(c.gaps["team_a"], c.gaps["team_b"])}
    assert frozenset(org.truth["coordination_gap"]) in gaps
