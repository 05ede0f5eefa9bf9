"""The Backlog data model."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from attn_team.model import SCHEMA, Backlog, conform, empty_table


class TestConform:
    def test_adds_missing_columns_with_declared_dtypes(self):
        df = conform("items", {"key": ["A-1"], "created": ["2025-01-02T10:00:00+02:00"]})
        assert list(df.columns) == list(SCHEMA["items"])
        assert str(df["created"].dtype) == "datetime64[ns, UTC]"
        assert df.loc[0, "created"] == pd.Timestamp("2025-01-02T08:00:00Z")
        assert df.loc[0, "labels"] == [] and df.loc[0, "sprints"] == []
        assert str(df["story_points"].dtype) == "Float64"

    def test_lists_and_missing_values(self):
        df = conform("items", {"key": ["A-1", "A-2"], "labels": [["x", None, ""], None], "summary": ["", "s"]})
        assert df.loc[0, "labels"] == ["x"] and df.loc[1, "labels"] == []
        assert pd.isna(df.loc[0, "summary"]) and df.loc[1, "summary"] == "s"

    def test_empty_table_every_schema(self):
        for name in SCHEMA:
            t = empty_table(name)
            assert len(t) == 0 and list(t.columns) == list(SCHEMA[name])


class TestBacklog:
    def test_frozen_and_replace(self):
        b = Backlog(items={"key": ["A-1"]})
        with pytest.raises(dataclasses.FrozenInstanceError):
            b.items = None
        b2 = b.replace(items={"key": ["A-1", "A-2"]})
        assert b.n_items == 1 and b2.n_items == 2
        with pytest.raises(TypeError, match="unknown table"):
            b.replace(nope=1)

    def test_validate_duplicate_keys(self):
        with pytest.raises(ValueError, match="duplicate key"):
            Backlog(items={"key": ["A-1", "A-1"]}).validate()

    def test_validate_unknown_categories(self):
        with pytest.raises(ValueError, match="status_category"):
            Backlog(items={"key": ["A-1"], "status_category": ["weird"]}).validate()
        with pytest.raises(ValueError, match="links.category"):
            Backlog(items={"key": ["A-1"]}, links={"source_key": ["A-1"], "target_key": ["B"], "link_type": ["x"], "category": ["nope"]}).validate()

    def test_validate_infinite_story_points(self):
        with pytest.raises(ValueError, match="items.story_points: 2 infinite value"):
            Backlog(items={"key": ["A-1", "A-2", "A-3"], "story_points": [float("inf"), 3.0, float("-inf")]}).validate()
        ok = Backlog(items={"key": ["A-1", "A-2"], "story_points": [None, 0.5]})
        assert ok.validate() is ok

    def test_validate_unknown_sprint(self):
        with pytest.raises(ValueError, match="sprint id"):
            Backlog(items={"key": ["A-1"], "sprints": [["S9"]]}).validate()
        ok = Backlog(items={"key": ["A-1"], "sprints": [["S9"]]}, sprints={"sprint_id": ["S9"], "name": ["Sprint 9"]})
        assert ok.validate() is ok

    def test_item_lookup(self):
        b = Backlog(items={"key": ["A-1"], "summary": ["hello"]})
        assert b.item("A-1")["summary"] == "hello"
        with pytest.raises(KeyError, match="B-2"):
            b.item("B-2")

    def test_empty_backlog_summary_and_repr(self):
        b = Backlog()
        assert b.summary()["items"] == 0
        assert "Backlog(items=0" in repr(b)
        assert "<table>" in b._repr_html_()

    def test_repr_html_escapes_team_names(self):
        b = Backlog(items={"key": ["A-1"], "team": ["<script>x</script>"]})
        html = b._repr_html_()
        assert "<script>x" not in html and "&lt;script&gt;" in html
