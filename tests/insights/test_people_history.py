"""who_to_involve and similar_history on fake attention tables."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import edges

from attn_team.insights._history import item_outcomes, similar_history
from attn_team.insights._people import who_to_involve


class TestWhoToInvolve:
    def test_outside_team_ranked_with_driving_items(self, tiny, fake_attention):
        w = who_to_involve(tiny, "P-1", attention=fake_attention)
        assert list(w["person"]) == ["i1", "s1"]  # p2 is in P-1's own team
        assert list(w["team"]) == ["Id", "Solo"]
        assert w.loc[0, "driven_by"] == ["I-1"] and w.loc[1, "driven_by"] == []
        assert "worked on I-1" in w.loc[0, "reason"]

    def test_inside_team_allowed(self, tiny, fake_attention):
        w = who_to_involve(tiny, "P-1", attention=fake_attention, outside_team=False)
        assert list(w["person"]) == ["i1", "p2", "s1"]

    def test_team_of_one_person(self, tiny, fake_attention):
        # S-1's team has one person, its own assignee: nobody qualifies, no error
        w = who_to_involve(tiny, "S-1", attention=fake_attention)
        assert w.empty and "person" in w.columns

    def test_unknown_item(self, tiny, fake_attention):
        with pytest.raises(KeyError, match="X-1"):
            who_to_involve(tiny, "X-1", attention=fake_attention)


class TestSimilarHistory:
    def test_outcomes(self, tiny, fake_attention):
        h = similar_history(tiny, "P-4", attention=fake_attention)
        assert list(h["key"]) == ["P-1", "I-2"]
        assert list(h["carried_over"]) == [False, True]  # I-2 moved from sprint 1 to sprint 2
        assert h.loc[0, "teams_involved"] == ["Id", "Pay"]  # i1 commented on P-1
        assert h.loc[1, "sprints"] == ["Sprint 2"]

    def test_no_history(self, tiny):
        h = similar_history(tiny, "P-3", attention={"history": edges([])})
        assert h.empty and "cycle_time_days" in h.columns

    def test_cycle_time(self, tiny):
        o = item_outcomes(tiny).set_index("key")
        # P-2 is unresolved; I-1 starts when work started: its first move into an in-progress or done
        # status (here its move to Done). The outcome definitions are one now (attn_team._derived):
        # this label was "first status change", the insight's own wording before.
        assert pd.isna(o.loc["P-2", "cycle_time_days"])
        assert o.loc["I-1", "cycle_from"] == "work started"
        assert o.loc["P-4", "carried_over"] == False  # noqa: E712
        assert o.loc["P-2", "carried_over"] == True  # noqa: E712


def test_a_fitted_model_is_asked_only_for_the_one_item(tiny, fake_attention):
    calls = []

    class Model:
        def attend(self, backlog, to="items", k=20, *, queries=None):
            calls.append((to, queries))
            return fake_attention[to]

    who_to_involve(tiny, "P-1", attention=Model())
    similar_history(tiny, "P-4", attention=Model())
    assert calls == [("members", ["P-1"]), ("items", ["P-1"]), ("history", ["P-4"])]


def test_item_outcomes_empty():
    from attn_team.model import Backlog

    o = item_outcomes(Backlog())
    assert o.empty and list(o.columns) == ["key", "cycle_time_days", "cycle_from", "carried_over", "teams_involved"]
