"""Team rules, link categories, status categories and the assembler."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from attn_team.errors import AttnTeamWarning, JiraFormatError
from attn_team.io import RawExport, TeamRules, assemble, link_category, load_team_rules, status_category


def _issue(key, **kw):
    return {"key": key, "project": key.split("-")[0], **kw}


class TestTeamRules:
    def test_default_order_team_field_then_component_then_project(self):
        r = TeamRules()
        assert r.decide(_issue("A-1", team_field="Core", components=["auth"])) == ("Core", "team_field")
        assert r.decide(_issue("A-1", components=["auth"])) == ("auth", "component")
        assert r.decide(_issue("A-1")) == ("A", "project")
        assert r.decide({"key": "X"}) == (None, "none")

    def test_mappings_and_custom_order(self):
        r = TeamRules(order=("mapping_component", "mapping_person", "project"), people={"Ann": "Payments"}, components={"Auth": "Identity"})
        assert r.decide(_issue("A-1", assignee="ann-id", components=["auth"]), {"ann-id": "Ann"}) == ("Identity", "mapping_component")
        assert r.decide(_issue("A-1", assignee="ann-id"), {"ann-id": "Ann"}) == ("Payments", "mapping_person")
        assert "mapping_component > mapping_person > project" in r.describe()

    def test_unknown_rule(self):
        with pytest.raises(ValueError, match="unknown team rule"):
            TeamRules(order=("magic",))

    def test_toml_and_yaml_files(self, tmp_path):
        t = tmp_path / "teams.toml"
        t.write_text('[rules]\norder = ["mapping_person", "project"]\n[people]\n"Ann" = "Payments"\n')
        r = load_team_rules(t)
        assert r.order == ("mapping_person", "project") and r.people == {"Ann": "Payments"} and r.source == str(t)
        y = tmp_path / "teams.yaml"
        y.write_text("components:\n  auth: Identity\n")
        assert load_team_rules(y).components == {"auth": "Identity"}

    def test_bad_teams_file_names_the_file(self, tmp_path):
        t = tmp_path / "teams.toml"
        t.write_text("[people\n")
        with pytest.raises(JiraFormatError, match="teams.toml"):
            load_team_rules(t)
        with pytest.raises(JiraFormatError, match="cannot read"):
            load_team_rules(tmp_path / "missing.toml")


class TestCategories:
    @pytest.mark.parametrize("name,cat", [("Blocks", "dependency"), ("Depends", "dependency"), ("dependent", "dependency"),
                                          ("Relates", "relation"), ("Reference", "relation"), ("Duplicate", "duplicate"),
                                          ("Cloners", "clone"), ("Incorporates", "hierarchy"), ("Supersedes", "relation"),
                                          ("Addresses", "relation"), ("Regression", "dependency"), ("Blocker", "dependency")])
    def test_link_types(self, name, cat):
        assert link_category(name) == cat

    def test_unknown_link_type(self):
        assert link_category("Frobnicates") is None

    @pytest.mark.parametrize("status,cat,expected", [("Open", None, "todo"), ("Closed", None, "done"), ("In Review", None, "in_progress"),
                                                     ("Whatever", "Done", "done"), ("Listo", "Listo", "done"), ("x", "En curso", "in_progress")])
    def test_status_category(self, status, cat, expected):
        assert status_category(status, cat) == expected


class TestAssemble:
    def test_sprint_names_resolve_to_ids_and_unknown_link_type_warns(self):
        raw = RawExport(source="t", issues=[_issue("A-1", sprints=["Sprint 1"], status="Done"), _issue("B-1", sprints=["7"])],
                        sprints=[{"sprint_id": "7", "name": "Sprint 7", "state": "closed"}, {"sprint_id": "1", "name": "Sprint 1"}],
                        links=[{"source_key": "A-1", "target_key": "B-1", "link_type": "Frobnicates"},
                               {"source_key": "A-1", "target_key": "B-1", "link_type": "Blocks", "label": "blocks"}])
        with pytest.warns(AttnTeamWarning, match="Frobnicates"):
            b = assemble(raw)
        assert b.items.set_index("key").loc["A-1", "sprints"] == ["1"]
        assert b.items.set_index("key").loc["B-1", "sprints"] == ["7"]
        assert sorted(b.links["category"]) == ["dependency", "relation"]
        assert b.items.set_index("key").loc["A-1", "status_category"] == "done"
        assert set(b.teams["team"]) == {"A", "B"} and set(b.teams["rule"]) == {"project"}

    def test_latest_update_wins_across_sources(self):
        old = RawExport(source="old", issues=[_issue("A-1", summary="old", updated="2025-01-01T00:00:00Z")])
        new = RawExport(source="new", issues=[_issue("A-1", summary="new", updated="2025-02-01T00:00:00Z")])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for order in ([old, new], [new, old]):
                b = assemble(order)
                assert b.items.loc[0, "summary"] == "new" and b.n_items == 1

    def test_people_team_is_where_they_work_most(self):
        raw = RawExport(source="t", people={"p1": "Ann"}, issues=[
            _issue("A-1", assignee="p1"), _issue("A-2", assignee="p1"), _issue("B-1", reporter="p1")])
        b = assemble(raw)
        row = b.people.set_index("person").loc["p1"]
        assert row["display_name"] == "Ann" and row["team"] == "A"

    def test_people_weights_ties_and_mapping(self):
        raw = RawExport(source="t", people={"p1": "Ann"}, issues=[
            # p2: assigned once in B (2), reported twice in A (1 + 1): a tie, broken by team name
            _issue("B-1", assignee="p2"), _issue("A-1", reporter="p2"), _issue("A-2", reporter="p2"),
            # p3: assignee and reporter of one C item (2 + 2) beats assignee of one D item and reporter of another (2 + 1)
            _issue("C-1", assignee="p3", reporter="p3"), _issue("D-1", assignee="p3"), _issue("D-2", reporter="p3"),
            _issue("E-1", assignee="p1", watchers=["w1"], commenters=["c1"]),
        ])
        people = assemble(raw).people.set_index("person")
        assert people.loc["p2", "team"] == "A"
        assert people.loc["p3", "team"] == "C"
        assert people.loc["p1", "team"] == "E"
        assert pd.isna(people.loc["w1", "team"]) and pd.isna(people.loc["c1", "team"])  # named, but no work counted
        assert people.index.tolist() == sorted(people.index)
        mapped = assemble(raw, teams={"people": {"Ann": "Core", "p3": "Ops"}}).people.set_index("person")
        assert (mapped.loc["p1", "team"], mapped.loc["p3", "team"]) == ("Core", "Ops")  # by display name or by id


class TestAssembleMerging:
    def test_equal_updated_fills_gaps_instead_of_dropping_data(self):
        page = RawExport(source="page", issues=[_issue("A-1", summary="s", description="long text", updated="2025-01-01T00:00:00Z")])
        single = RawExport(source="one", issues=[_issue("A-1", summary="s", description=None, labels=["x"], updated="2025-01-01T00:00:00Z")])
        b = assemble([page, single])
        row = b.items.iloc[0]
        assert row["description"] == "long text" and row["labels"] == ["x"]

    def test_sprint_id_named_twice_warns(self):
        a = RawExport(source="a", sprints=[{"sprint_id": "1", "name": "Capstone"}], issues=[_issue("A-1", sprints=["1"])])
        b = RawExport(source="b", sprints=[{"sprint_id": "1", "name": "Scrum 1"}], issues=[_issue("B-1", sprints=["1"])])
        with pytest.warns(AttnTeamWarning, match="sprint id '1' is named both"):
            out = assemble([a, b])
        assert any("named both" in w for w in out.warnings)

    def test_epic_from_parent_when_parent_is_an_epic(self):
        raw = RawExport(source="t", issues=[_issue("A-1", type="Epic"), _issue("A-2", type="Story", parent_key="A-1"),
                                            _issue("A-3", type="Sub-task", parent_key="A-2")])
        items = assemble(raw).items.set_index("key")
        assert items.loc["A-2", "epic_key"] == "A-1"
        assert items.loc["A-3", "epic_key"] is pd.NA or pd.isna(items.loc["A-3", "epic_key"])
