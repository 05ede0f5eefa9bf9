"""suggest_dependencies and attention_edges on fake attention tables; planted pairs with the real model (slow)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import edges

from attn_team.insights._dependencies import attention_edges, suggest_dependencies
from attn_team.model import Backlog


class TestSuggest:
    def test_cross_team_unlinked_ranked_and_deduplicated(self, tiny, item_edges):
        s = suggest_dependencies(tiny, attention=item_edges)
        pairs = list(zip(s["source"], s["target"]))
        # P-4 -> I-3 is linked, P-2 -> P-3 same team; P-1/I-1 appear once (the stronger direction)
        assert pairs == [("P-1", "I-1"), ("S-1", "I-3"), ("P-4", "S-1")]
        assert list(s["rank"]) == [1, 2, 3]
        assert list(s["source_team"]) == ["Pay", "Solo", "Pay"] and list(s["target_team"]) == ["Id", "Id", "Solo"]
        assert {"text", "structure", "people", "time", "reason", "already_linked"} <= set(s.columns)
        assert s.loc[0, "text"] == pytest.approx(0.32) and not s["already_linked"].any()

    def test_keep_linked_flags_them(self, tiny, item_edges):
        s = suggest_dependencies(tiny, attention=item_edges, exclude_linked=False)
        top = s.iloc[0]
        assert (top.source, top.target, bool(top.already_linked), top.link_type) == ("P-4", "I-3", True, "Blocks")

    def test_team_filter_and_same_team(self, tiny, item_edges):
        s = suggest_dependencies(tiny, attention=item_edges, team="Solo")
        assert set(s["source_team"]) | set(s["target_team"]) >= {"Solo"} and len(s) == 2
        s = suggest_dependencies(tiny, attention=item_edges, cross_team=False)
        assert ("P-2", "P-3") in set(zip(s["source"], s["target"]))

    def test_top(self, tiny, item_edges):
        assert len(suggest_dependencies(tiny, attention=item_edges, top=1)) == 1

    def test_unknown_team(self, tiny, item_edges):
        with pytest.raises(KeyError, match="no team 'Nope'"):
            suggest_dependencies(tiny, attention=item_edges, team="Nope")

    def test_empty_backlog(self):
        s = suggest_dependencies(Backlog())
        assert s.empty and {"source", "target", "score", "reason"} <= set(s.columns)

    def test_no_edges(self, tiny):
        assert suggest_dependencies(tiny, attention=edges([])).empty


class TestAttentionEdges:
    def test_mapping_and_kind_check(self, tiny, fake_attention):
        assert len(attention_edges(tiny, fake_attention, to="members")) == 4

        class Result:
            to = "members"
            edges = fake_attention["members"]

        with pytest.raises(ValueError, match="towards 'members'"):
            attention_edges(tiny, Result(), to="items")

    def test_the_callers_table_is_neither_changed_nor_copied_deeply(self, tiny):
        given = pd.DataFrame({"source": ["P-1", "P-2"], "target": ["I-1", "P-3"], "weight": [1, 2],
                              "text": [0.5, 0.25]})
        given["source"] = given["source"].astype(object)
        before = given.copy(deep=True)
        out = attention_edges(tiny, given)
        pd.testing.assert_frame_equal(given, before)  # values and dtypes as given
        assert out["weight"].dtype == float and list(out["score"]) == [1.0, 2.0] and out["reason"].isna().all()
        out.loc[0, "text"] = 9.0  # the result is the caller's to change, without touching the table given
        assert given.loc[0, "text"] == 0.5

    def test_missing_columns(self, tiny):
        with pytest.raises(ValueError, match="lack column"):
            attention_edges(tiny, pd.DataFrame({"source": ["P-1"]}))

    def test_model_is_asked(self, tiny, item_edges):
        calls = []

        class Model:
            def attend(self, backlog, to="items", k=20):
                calls.append((to, k))
                return item_edges

        attention_edges(tiny, Model(), to="items", k=7)
        assert calls == [("items", 7)]


def test_planted_pairs_among_top_suggestions(fitted_org):
    org, _model, att = fitted_org
    planted = {frozenset(p) for p in org.truth["planted_pairs"]}
    s = suggest_dependencies(org.backlog, attention=att, top=20)
    hits = sum(frozenset((a, b)) in planted for a, b in zip(s["source"], s["target"]))
    assert hits >= 5, s[["source", "target", "reason"]]


def test_default_choice_finds_as_many_planted_pairs_as_untrained(generated_org, embed_cache):
    """The default fit (which may keep the untrained mixture) never surfaces fewer planted pairs than untrained."""
    pytest.importorskip("torch")
    from attn_team.attention._model import CrossAttention

    org = generated_org
    planted = {frozenset(p) for p in org.truth["planted_pairs"]}

    def hits(model):
        s = suggest_dependencies(org.backlog, attention=model.attend(org.backlog, to="items", k=20), top=20)
        return sum(frozenset((a, b)) in planted for a, b in zip(s["source"], s["target"]))

    default = CrossAttention(random_state=0, cache=embed_cache).fit(org.backlog)
    assert default.selected_.removesuffix("+ascent") in {"fitted", "projections", "untrained", "ascent"}
    assert default.selection_
    assert hits(default) >= hits(CrossAttention(random_state=0, cache=embed_cache)) >= 3


def test_suggestions_read_the_item_attention_already_computed_at_another_k(monkeypatch):
    """Like the report and flow: with no ``k`` given, a result computed at k=4 (as one reloaded from a
    workspace kept at k=4) is read, not computed again at k=20; an explicit ``k`` is still honoured."""
    from fakes import attention_kept_at

    b, res, calls = attention_kept_at(4, monkeypatch)
    df = suggest_dependencies(b, attention=res, top=None)
    assert calls == [] and len(df)
    suggest_dependencies(b, attention=res, top=5, k=6)
    assert calls == [6]
