"""The assembler's column-wise path: :class:`IssueColumns` and sources of both kinds together."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from attn_team.io import IssueColumns, RawExport, assemble
from attn_team.io._csv import parse_jira_csv, read_jira_csv
from attn_team.io._locale import EPIC_TYPE_NAMES
from attn_team.model import Backlog, _clean_list, _clean_lists

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"

CSV = (
    "Issue key,Summary,Status,Created,Updated,Custom field (Story Points),Sprint,Sprint,Components,Description\n"
    "A-1,First,Done,05/Jan/25 9:00 AM,02/Feb/25 10:00 AM,3,S1,S2,api,\n"
    "A-2,,To Do,06/Jan/25 9:00 AM,,,,,,h1. Plan\n"
)


def _csv_raw() -> RawExport:
    return parse_jira_csv(CSV, source="a.csv")


def _frames(b: Backlog) -> dict[str, pd.DataFrame]:
    return {t: getattr(b, t) for t in ("items", "people", "teams", "sprints", "links", "events")}


class TestIssueColumns:
    def test_reads_like_a_list_of_dicts(self):
        issues = _csv_raw().issues
        assert isinstance(issues, IssueColumns)
        assert len(issues) == 2
        first, second = issues[0], issues[-1]
        assert first["key"] == "A-1" and second["key"] == "A-2"
        assert first["sprints"] == ["S1", "S2"] and second["sprints"] == []
        assert first["created"] == dt.datetime(2025, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
        assert type(first["created"]) is dt.datetime
        assert first["story_points"] == 3.0 and type(first["story_points"]) is float
        # missing cells are None, as a parser building dicts would store them
        assert second["summary"] is None and second["updated"] is None and second["story_points"] is None
        assert second["description"] == "Plan"
        assert [r["key"] for r in issues] == ["A-1", "A-2"]
        assert issues[1:] == [second]
        assert issues == list(issues)
        with pytest.raises(IndexError):
            issues[2]

    def test_same_backlog_as_from_dicts(self):
        """The column-wise path and the list-of-dicts path give the same tables (the sample export)."""
        raw = read_jira_csv(SAMPLE / "jira-export.csv")
        as_dicts = dataclasses.replace(raw, issues=list(raw.issues))
        teams = SAMPLE / "teams.toml"
        got, want = _frames(assemble(raw, teams=teams)), _frames(assemble(as_dicts, teams=teams))
        for name in got:
            pd.testing.assert_frame_equal(got[name], want[name], obj=name)


class TestMixedSources:
    def _json_like(self, updated: str, **fields) -> RawExport:
        rec = {"key": "A-1", "summary": "old", "status": "In Progress", "updated": updated, "sprints": ["S3"]}
        rec.update(fields)
        other = {"key": "B-1", "summary": "only here", "project": "B"}
        return RawExport(source="page.json", issues=[rec, other])

    def test_latest_update_wins_in_either_order(self):
        older = self._json_like("2025-01-01T00:00:00+00:00")
        for order in ([_csv_raw(), older], [older, _csv_raw()]):
            items = assemble(order).items.set_index("key")
            assert items.loc["A-1", "summary"] == "First"
            assert items.loc["A-1", "sprints"] == ["S1", "S2"]
            assert items.loc["B-1", "summary"] == "only here"
        # keys keep the order in which they were first seen
        assert assemble([older, _csv_raw()]).items["key"].tolist() == ["A-1", "B-1", "A-2"]

    def test_equal_update_fills_gaps_of_the_later_record(self):
        same = self._json_like("2025-02-02T10:00:00+00:00", description="from the page", summary=None)
        items = assemble([same, _csv_raw()]).items.set_index("key")
        assert items.loc["A-1", "summary"] == "First"  # the later record's own value
        assert items.loc["A-1", "description"] == "from the page"  # its gap, filled
        assert items.loc["A-1", "source"] == "a.csv"

    def test_unhashable_field_values_are_tolerated(self):
        raw = RawExport(source="x.json", issues=[
            {"key": "A-1", "team_field": {"name": "Core"}, "sprints": [{"id": 7}, 8]},
            {"key": "A-2", "project": "A", "components": [{"name": "api"}]},
        ])
        items = assemble(raw).items.set_index("key")
        assert items.loc["A-1", "team_rule"] == "team_field"
        assert items.loc["A-1", "sprints"] == ["{'id': 7}", "8"]  # as str(), like every sprint reference
        assert items.loc["A-2", "team_rule"] == "component"


@pytest.mark.parametrize("epic_type", sorted(EPIC_TYPE_NAMES))
def test_every_reader_knows_the_same_epic_type_names(epic_type):
    """One table of epic type names serves the CSV reader, the JSON reader and assemble."""
    name = epic_type.title()
    csv_items = assemble(parse_jira_csv(
        f"Issue key,Issue Type,Parent key\nA-1,{name},\nA-2,Story,A-1\nA-3,Sub-task,A-2\n", source="a.csv")).items
    assert csv_items.set_index("key")["epic_key"].tolist()[1:] == ["A-1", "A-1"]  # the sub-task through its story
    raw = RawExport(source="x.json", issues=[{"key": "B-1", "type": name}, {"key": "B-2", "type": "Story", "parent_key": "B-1"}])
    assert assemble(raw).items.set_index("key").loc["B-2", "epic_key"] == "B-1"


class TestModelFastPaths:
    cell = st.one_of(st.none(), st.just(""), st.text(max_size=3), st.integers(), st.just(float("nan")))

    @given(st.lists(st.one_of(st.none(), st.lists(cell, max_size=4), st.tuples(cell), cell), max_size=6))
    def test_clean_lists_matches_cell_by_cell(self, cells):
        assert _clean_lists(list(cells)) == [_clean_list(c) for c in cells]

    def test_from_conformed_rejects_unknown_tables(self):
        with pytest.raises(TypeError, match="unknown table"):
            Backlog.from_conformed({}, itemz=None)
