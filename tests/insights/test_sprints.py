"""sprint_metrics and at_risk_dependencies: hand-checked answers, the generator's truth, empty inputs."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import NOW, edges

from attn_team.insights._sprints import SPRINT_COLUMNS, at_risk_dependencies, resolve_sprint, sprint_metrics
from attn_team.model import Backlog


def row(df, name):
    hit = df[df["sprint"] == name]
    assert len(hit) == 1, f"no single row for {name}"
    return hit.iloc[0]


class TestSprintMetrics:
    def test_sprint_1_by_hand(self, tiny):
        r = row(sprint_metrics(tiny, now=NOW), "Sprint 1")
        assert (r.committed, r.added, r.removed, r.completed, r.not_completed, r.carried_over) == (3, 2, 1, 2, 2, 2)
        assert r.committed_points == 10 and r.completed_points == 4 and r.added_points == 9 and r.removed_points == 2
        assert r.say_do == pytest.approx(2 / 3)  # completed of committed
        assert r.say_do_strict == pytest.approx(1 / 3)  # committed-and-completed of committed
        assert r.scope_change == pytest.approx(1.0) and r.net_scope_change == pytest.approx(1 / 3)
        assert r.history == "events"

    def test_moved_at_the_close_is_carry_over_not_removal(self, tiny):
        r = row(sprint_metrics(tiny, now=NOW), "Sprint 2")
        assert (r.committed, r.added, r.removed, r.completed, r.not_completed, r.carried_over) == (2, 1, 0, 1, 2, 1)

    def test_velocity_average_over_window(self, tiny):
        m = sprint_metrics(tiny, now=NOW, window=2)
        assert row(m, "Sprint 2").velocity_points_avg == pytest.approx((4 + 8) / 2)
        assert row(m, "Sprint 2").velocity_items == 1

    def test_running_sprint_says_so_and_future_sprint_left_out(self, tiny):
        m = sprint_metrics(tiny, now=NOW)
        assert list(m["sprint"]) == ["Sprint 1", "Sprint 2", "Sprint 3"]
        r = row(m, "Sprint 3")
        assert r.committed == 2 and pd.isna(r.carried_over)
        assert "still running" in r.notes

    def test_named_sprint_only(self, tiny):
        m = sprint_metrics(tiny, "2", now=NOW)
        assert list(m["sprint"]) == ["Sprint 2"] and list(m.columns) == SPRINT_COLUMNS

    def test_unknown_sprint(self, tiny):
        with pytest.raises(KeyError, match="no sprint 'Sprint 99'"):
            sprint_metrics(tiny, "Sprint 99")

    def test_no_history_leaves_numbers_missing_and_says_why(self, tiny):
        m = sprint_metrics(tiny.replace(events=None), now=NOW)
        r = row(m, "Sprint 1")
        assert pd.isna(r.committed) and pd.isna(r.added) and pd.isna(r.removed) and pd.isna(r.say_do)
        assert r.history == "current sprint lists only" and "no sprint history" in r.notes
        # completed from resolution dates: P-1 (01-10) and I-1 (01-15) are resolved before the close
        assert r.completed == 2
        assert r.carried_over == 1  # P-2 lists sprints 1 and 2

    def test_empty_backlog(self):
        m = sprint_metrics(Backlog())
        assert m.empty and list(m.columns) == SPRINT_COLUMNS

    def test_sprint_with_no_items(self, tiny):
        b = tiny.replace(sprints=pd.concat([tiny.sprints, pd.DataFrame([{
            "sprint_id": "9", "name": "Empty", "state": "closed", "start": pd.Timestamp("2025-12-01", tz="UTC"),
            "end": pd.Timestamp("2025-12-14", tz="UTC"), "complete": pd.Timestamp("2025-12-14", tz="UTC")}])]))
        r = row(sprint_metrics(b, now=NOW), "Empty")
        assert r.committed == 0 and r.completed == 0 and pd.isna(r.say_do)
        assert "nothing committed" in r.notes

    def test_epics_and_subtasks_left_out(self, tiny):
        items = tiny.items.copy()
        items.loc[items["key"] == "P-1", "type"] = "Sub-task"
        r = row(sprint_metrics(tiny.replace(items=items), now=NOW), "Sprint 1")
        assert r.committed == 2 and r.completed == 1
        r_all = row(sprint_metrics(tiny.replace(items=items), now=NOW, exclude_types=None), "Sprint 1")
        assert r_all.committed == 3


def test_generated_organisation_matches_its_truth(generated_org):
    b, truth = generated_org.backlog, generated_org.truth["sprint_truth"]
    m = sprint_metrics(b, now=generated_org.extras["now"])
    assert len(m) >= 12
    chosen = m[m["state"] == "closed"].iloc[len(m[m["state"] == "closed"]) // 2]
    t = truth[chosen.sprint]
    for f in ("committed", "added", "removed", "completed", "carried_over", "committed_points", "completed_points"):
        assert chosen[f] == t[f], f
    # and every sprint, every count
    mismatches = [(r.sprint, f) for r in m.itertuples() for f in ("committed", "added", "removed", "completed")
                  if getattr(r, f) != truth[r.sprint][f]]
    assert not mismatches


class TestResolveSprint:
    def test_default_is_active_then_last_closed(self, tiny):
        assert resolve_sprint(tiny, now=NOW)["name"] == "Sprint 3"
        assert resolve_sprint(tiny, now=NOW, last_closed=True)["name"] == "Sprint 2"

    def test_no_sprints(self):
        assert resolve_sprint(Backlog()) is None


class TestAtRisk:
    def test_link_and_attention(self, tiny, item_edges):
        r = at_risk_dependencies(tiny, "Sprint 3", attention=item_edges, threshold=0.6, now=NOW)
        assert list(zip(r["key"], r["depends_on"], r["via"])) == [("P-4", "I-3", "link: is blocked by"),
                                                                  ("S-1", "I-3", "attention")]

    def test_threshold_filters_attention(self, tiny, item_edges):
        r = at_risk_dependencies(tiny, "Sprint 3", attention=item_edges, threshold=0.75, now=NOW)
        assert list(r["via"]) == ["link: is blocked by"]

    def test_finished_dependency_is_not_a_risk(self, tiny):
        items = tiny.items.copy()
        items.loc[items["key"] == "I-3", "status_category"] = "done"
        r = at_risk_dependencies(tiny.replace(items=items), "Sprint 3", use_attention=False, now=NOW)
        assert r.empty

    def test_empty_inputs(self, tiny):
        assert at_risk_dependencies(Backlog(), use_attention=False).empty
        assert at_risk_dependencies(tiny, "Sprint 4", use_attention=False, now=NOW).empty  # no items in it

    def test_same_team_is_not_cross_team(self, tiny):
        e = edges([("P-2", "P-3", 0.9)])
        assert at_risk_dependencies(tiny, "Sprint 2", attention=e, threshold=0.1, now=NOW).empty


def test_running_sprint_left_out_of_velocity_average(tiny):
    m = sprint_metrics(tiny, now=NOW, window=3)
    r = row(m, "Sprint 3")
    assert r.velocity_items == 0  # partial count shown for the running sprint ...
    assert r.velocity_items_avg == pytest.approx((2 + 1) / 2)  # ... but not averaged in
