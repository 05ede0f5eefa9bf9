"""sprint_metrics and at_risk_dependencies: hand-checked answers, the generator's truth, empty inputs."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import NOW, edges

from attn_team.insights._sprints import (
    NEEDS,
    SPRINT_COLUMNS,
    at_risk_dependencies,
    pick_sprint,
    resolve_sprint,
    sprint_metrics,
)
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

    def test_field_names_match_whatever_their_case_and_spaces(self, tiny):
        ev = tiny.events.copy()
        ev["field"] = [f" {f.upper()} " if i % 2 else f.title() for i, f in enumerate(ev["field"])]
        plain = sprint_metrics(tiny, now=NOW)
        mixed = sprint_metrics(tiny.replace(events=ev), now=NOW)
        pd.testing.assert_frame_equal(mixed, plain)
        assert row(mixed, "Sprint 1").added == 2  # the sprint changes were read, not skipped

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


def _undated(b):
    """The tiny backlog as a CSV export gives it: sprint names only, no dates, no state, no history."""
    sp = b.sprints.assign(start=pd.NaT, end=pd.NaT, complete=pd.NaT, state=pd.NA)
    return b.replace(sprints=sp, events=None)


class TestWithoutDates:
    def test_rows_with_membership_and_what_would_give_the_rest(self, tiny):
        m = sprint_metrics(_undated(tiny), now=NOW)
        assert list(m["sprint"]) == ["Sprint 1", "Sprint 2", "Sprint 3", "Sprint 4"]  # by name: no time order known
        r = row(m, "Sprint 2")  # lists P-2, I-2 (done), S-1
        assert (r.in_sprint_now, r.done_now, r.not_done_now) == (3, 1, 2)
        assert r.done_now_points == 8 and r.not_done_now_points == 7
        assert pd.isna(r.committed) and pd.isna(r.completed) and pd.isna(r.carried_over) and pd.isna(r.velocity_items)
        assert r.missing["committed"] == "dates_history" and r.missing["completed"] == "dates"
        assert r.missing["carried_over"] == "dates" and r.history == "none"
        assert "sprint dates" in NEEDS[r.missing["completed"]][1] and "changelog" in NEEDS[r.missing["committed"]][1]

    def test_dates_without_history_need_history_only(self, tiny):
        r = row(sprint_metrics(tiny.replace(events=None), now=NOW), "Sprint 1")
        assert r.missing["committed"] == "history" and r.missing["say_do"] == "history"
        assert "completed" not in r.missing and r.completed == 2

    def test_last_is_last_by_name_and_says_so(self, tiny):
        c = pick_sprint(_undated(tiny), now=NOW, last_closed=True)
        assert c.row["name"] == "Sprint 4" and "no sprint dates" in c.reason

    def test_no_story_points_anywhere(self, tiny):
        b = tiny.replace(items=tiny.items.assign(story_points=None))
        r = row(sprint_metrics(b, now=NOW), "Sprint 1")
        assert pd.isna(r.completed_points) and pd.isna(r.done_now_points) and r.missing["completed_points"] == "points"
        assert r.completed == 2  # counts are unaffected

    def test_sub_tasks_in_other_languages_left_out(self, tiny):
        items = tiny.items.copy()
        items.loc[items["key"] == "P-1", "type"] = "Subtarea"
        assert row(sprint_metrics(tiny.replace(items=items), now=NOW), "Sprint 1").committed == 2


class TestOneTeam:
    def test_counts_only_the_teams_items(self, tiny):
        pay = row(sprint_metrics(tiny, now=NOW, team="Pay"), "Sprint 1")
        assert (pay.committed, pay.added, pay.removed, pay.completed, pay.not_completed) == (3, 0, 1, 1, 1)
        ident = row(sprint_metrics(tiny, now=NOW, team="Id"), "Sprint 1")
        assert (ident.committed, ident.added, ident.completed) == (0, 2, 1)
        assert "nothing committed" in ident.notes

    def test_only_the_teams_sprints(self, tiny):
        assert list(sprint_metrics(tiny, now=NOW, team="Solo")["sprint"]) == ["Sprint 2", "Sprint 3"]

    def test_unknown_team(self, tiny):
        with pytest.raises(KeyError, match="no team 'Nope'"):
            sprint_metrics(tiny, team="Nope")

    def test_at_risk_for_one_team(self, tiny, item_edges):
        r = at_risk_dependencies(tiny, "Sprint 3", attention=item_edges, threshold=0.6, now=NOW, team="Solo")
        assert list(zip(r["key"], r["via"])) == [("S-1", "attention")]


def _two_boards(tiny):
    """Each team its own sprints, closing the same day; the export names no board."""
    sp = pd.DataFrame([("a1", "PAY 1", "closed", "2026-01-05", "2026-01-19", "2026-01-19 08:00"),
                       ("b1", "ID 1", "closed", "2026-01-05", "2026-01-19", "2026-01-19 09:00"),
                       ("a2", "PAY 2", "closed", "2026-01-19", "2026-02-02", "2026-02-02 08:00"),
                       ("b2", "ID 2", "closed", "2026-01-19", "2026-02-02", "2026-02-02 07:00")],
                      columns=["sprint_id", "name", "state", "start", "end", "complete"])
    items = tiny.items.copy()
    items["sprints"] = [["a1"], ["a1", "a2"], [], ["a2"], ["b1"], ["b1", "b2"], ["b2"], []]
    return tiny.replace(items=items, sprints=sp, events=None).validate()


class TestBoards:
    def test_board_from_the_items_keeps_velocity_and_carry_over_per_team(self, tiny):
        m = sprint_metrics(_two_boards(tiny), now=NOW, window=2)
        assert dict(zip(m["sprint"], m["team"])) == {"PAY 1": "Pay", "ID 1": "Id", "PAY 2": "Pay", "ID 2": "Id"}
        assert row(m, "PAY 1").carried_over == 1  # P-2 went on to PAY 2, not to ID 2 which started the same day
        assert row(m, "ID 2").velocity_items_avg == pytest.approx((1 + 1) / 2)  # ID 1 and ID 2 only

    def test_last_says_which_team_it_picked_and_why(self, tiny):
        b = _two_boards(tiny)
        c = pick_sprint(b, now=NOW, last_closed=True)
        assert c.row["name"] == "PAY 2" and c.board == "Pay"
        assert "2 sprints closed on 2026-02-02 (Pay, Id)" in c.reason and "--team" in c.reason
        assert pick_sprint(b, now=NOW, last_closed=True, team="Id").row["name"] == "ID 2"

    def test_shared_sprints_stay_one_board(self, tiny):
        assert sprint_metrics(tiny, now=NOW)["team"].isna().all()  # no team holds 80% of any sprint


def test_future_sprint_asked_by_name_says_not_started(tiny):
    r = sprint_metrics(tiny, "Sprint 4", now=NOW).iloc[0]
    assert pd.isna(r.committed) and r.missing["committed"] == "not_started" and "not started" in r.notes
