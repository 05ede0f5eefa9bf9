"""Jira REST JSON importer (attn_team.io._json)."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from attn_team.errors import AttnTeamWarning, JiraFormatError
from attn_team.io._assemble import assemble
from attn_team.io._json import normalise_event_field, parse_jira_json, parse_legacy_sprint, read_jira_json

UTC = "UTC"


def issue(key="PAY-1", **fields):
    base = {"summary": f"summary of {key}", "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
            "created": "2024-03-05T10:00:00.000+0100", "updated": "2024-03-06T10:00:00.000+0100"}
    base.update(fields)
    return {"key": key, "fields": base}


def page(*issues, start=0, total=None, **extra):
    return {"startAt": start, "maxResults": 50, "total": len(issues) if total is None else total, "issues": list(issues), **extra}


def one(doc, name="p.json"):
    [raw] = parse_jira_json([(name, doc)])
    return raw


@pytest.fixture(scope="module")
def json_dir(shared_data):
    return shared_data / "jira-exports" / "json"


# ---------------------------------------------------------------------------------------------
# the real files
# ---------------------------------------------------------------------------------------------


class TestSharedFiles:
    def test_every_file_imports(self, json_dir):
        files = sorted(json_dir.glob("*.json"))
        assert len(files) == 11
        raws = read_jira_json(files)
        assert [r.source for r in raws] == [str(f) for f in files]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AttnTeamWarning)
            backlog = assemble(raws)
        # TEST-1..3 (search + single issue), EPIC-1..2, HELP-6041..6043
        assert sorted(backlog.items["key"]) == ["EPIC-1", "EPIC-2", "HELP-6041", "HELP-6042", "HELP-6043", "TEST-1", "TEST-2", "TEST-3"]

    def test_jiracli_search_v3_page(self, json_dir):
        raw = read_jira_json([json_dir / "jiracli-search.json"])[0]
        assert [r["key"] for r in raw.issues] == ["TEST-1", "TEST-2", "TEST-3"]
        by = {r["key"]: r for r in raw.issues}
        assert by["TEST-2"]["labels"] == ["critical", "feature"]
        assert by["TEST-3"]["assignee"] == "Person A"  # displayName is the only id given
        assert [by[k]["reporter"] for k in ("TEST-1", "TEST-2", "TEST-3")] == ["Person A", "Person B", "Person C"]
        assert by["TEST-1"]["created"] == pd.Timestamp("2020-12-03T13:05:20.974", tz=UTC)
        assert raw.warnings == []  # isLast: true
        b = assemble(raw)
        assert b.items.set_index("key")["status_category"].to_dict() == {"TEST-1": "todo", "TEST-2": "in_progress", "TEST-3": "done"}
        assert set(b.people["person"]) == {"Person A", "Person B", "Person C"}

    def test_jiracli_issue_adf_and_links(self, json_dir):
        raw = read_jira_json(json_dir / "jiracli-issue.json")[0]
        [rec] = raw.issues
        assert rec["key"] == "TEST-1" and rec["type"] == "Bug"
        assert rec["description"] == "Test description"  # from ADF
        # one link to TEST-2 without a type; the other has an empty outwardIssue
        assert raw.links == [{"source_key": "TEST-1", "target_key": "TEST-2", "link_type": "untyped", "label": None}]
        assert any("no link type" in w for w in raw.warnings)
        assert any("names no linked issue" in w for w in raw.warnings)
        with pytest.warns(AttnTeamWarning, match="untyped"):
            b = assemble(raw)
        assert b.links[["source_key", "target_key", "category"]].values.tolist() == [["TEST-1", "TEST-2", "relation"]]

    def test_jiracli_sprints(self, json_dir):
        raw = read_jira_json(json_dir / "jiracli-sprints.json")[0]
        assert raw.issues == []
        assert [s["sprint_id"] for s in raw.sprints] == ["1", "2", "3", "4", "5"]
        assert [s["state"] for s in raw.sprints] == ["closed"] * 4 + ["active"]
        assert raw.sprints[4]["complete"] is None
        assert raw.sprints[0]["start"] == pd.Timestamp("2020-11-15T05:39:24.463", tz=UTC)

    def test_sprints_with_boards_get_board_name(self, json_dir):
        raws = read_jira_json([json_dir / "jiracli-boards.json", json_dir / "jiracli-sprints.json"])
        assert raws[0].issues == [] and raws[0].sprints == []
        assert {s["team"] for s in raws[1].sprints[:4]} == {"Board 2"}

    def test_single_sprint(self, json_dir):
        [raw] = read_jira_json(json_dir / "jiracli-sprint-get.json")
        [s] = raw.sprints
        assert (s["sprint_id"], s["name"], s["state"], s["goal"]) == ("5", "sprint 1", "active", "sprint 1 goal")
        assert s["start"] == pd.Timestamp("2025-04-11T05:22:00", tz=UTC)  # +10:00 -> UTC

    def test_epics(self, json_dir):
        [raw] = read_jira_json(json_dir / "jiracli-epic.json")
        assert [(r["key"], r["type"], r["priority"]) for r in raw.issues] == [("EPIC-1", "Epic", "Medium"), ("EPIC-2", "Epic", "High")]

    @pytest.mark.parametrize("name", ["jiracli-fields.json", "jiracli-issue-link-types.json", "perceval-jira-fields.json"])
    def test_metadata_only(self, json_dir, name):
        [raw] = read_jira_json(json_dir / name)
        assert raw.issues == [] and raw.sprints == [] and raw.links == []

    def test_perceval_pages_fit_together(self, json_dir):
        files = [json_dir / "perceval-jira-fields.json", json_dir / "perceval-jira-issues-page-1.json", json_dir / "perceval-jira-issues-page-2.json"]
        with warnings.catch_warnings():
            warnings.simplefilter("error", AttnTeamWarning)  # no gap warning
            raws = read_jira_json(files)
        assert [len(r.issues) for r in raws] == [0, 2, 1]
        b = assemble(raws)
        assert sorted(b.items["key"]) == ["HELP-6041", "HELP-6042", "HELP-6043"]
        items = b.items.set_index("key")
        assert items.loc["HELP-6043", "assignee"] == "user1" and items.loc["HELP-6043", "reporter"] == "user2"
        assert items.loc["HELP-6043", "components"] == ["FIWARE-LAB-HELP"]
        assert items.loc["HELP-6043", "status_category"] == "todo"  # statusCategory key "new"
        assert items.loc["HELP-6042", "status_category"] == "done"
        assert b.people.set_index("person")["display_name"].to_dict() == {"user1": "User1", "user2": "User2", "user3": "User3"}

    def test_perceval_first_page_alone_warns(self, json_dir):
        with pytest.warns(AttnTeamWarning, match="2 of 3 issues"):
            [raw] = read_jira_json([json_dir / "perceval-jira-issues-page-1.json"])
        assert any("later pages are missing" in w for w in raw.warnings)


# ---------------------------------------------------------------------------------------------
# hand-made documents
# ---------------------------------------------------------------------------------------------


class TestIssueFields:
    def test_wiki_description(self):
        raw = one(page(issue(description="h1. Plan\n* *Refresh* the [token|https://x.io]")))
        assert raw.issues[0]["description"] == "Plan\nRefresh the token"

    def test_users_prefer_account_id_then_key(self):
        raw = one(page(issue(assignee={"accountId": "5b10", "displayName": "Ann"}, reporter={"key": "bob", "name": "bobby", "displayName": "Bob"})))
        assert (raw.issues[0]["assignee"], raw.issues[0]["reporter"]) == ("5b10", "bob")
        assert raw.people == {"5b10": "Ann", "bob": "Bob"}

    def test_commenters_watchers_versions(self):
        raw = one(page(issue(comment={"comments": [{"author": {"accountId": "a1", "displayName": "A"}}, {"author": {"accountId": "a1"}}, {"author": {"accountId": "b2"}}]},
                             watches={"watchCount": 1, "watchers": [{"accountId": "w1", "displayName": "W"}]},
                             fixVersions=[{"name": "1.0"}], components=[{"name": "auth"}, {"name": "api"}])))
        rec = raw.issues[0]
        assert rec["commenters"] == ["a1", "b2"] and rec["watchers"] == ["w1"]
        assert rec["fix_versions"] == ["1.0"] and rec["components"] == ["auth", "api"]

    def test_parent_epic_and_epic_link(self):
        raw = one(page(
            issue("PAY-2", parent={"key": "PAY-1", "fields": {"issuetype": {"name": "Epic"}}}),
            issue("PAY-3", parent={"key": "PAY-2", "fields": {"issuetype": {"name": "Story"}}}),
            issue("PAY-4", customfield_10014="PAY-1"),
        ))
        got = [(r["parent_key"], r["epic_key"]) for r in raw.issues]
        assert got == [("PAY-1", "PAY-1"), ("PAY-2", None), (None, "PAY-1")]

    def test_epic_from_parent_in_another_document(self):
        epics = page(issue("PAY-1", issuetype={"name": "Epic"}))
        stories = page(issue("PAY-2", parent={"key": "PAY-1"}), issue("PAY-3", parent={"key": "PAY-2"}))
        raws = parse_jira_json([("epics.json", epics), ("stories.json", stories)])
        assert [(r["key"], r["epic_key"]) for r in raws[1].issues] == [("PAY-2", "PAY-1"), ("PAY-3", None)]

    def test_names_and_schema_of_a_single_issue(self):
        doc = issue(customfield_10777=[{"id": 4, "name": "S4", "state": "future"}], customfield_10778=2)
        doc["names"] = {"customfield_10778": "Story Points"}
        doc["schema"] = {"customfield_10777": {"type": "array", "custom": "com.pyxis.greenhopper.jira:gh-sprint"}}
        rec = one(doc).issues[0]
        assert (rec["sprints"], rec["story_points"]) == (["4"], 2.0)

    def test_story_points_from_field_list(self):
        fields = [{"id": "customfield_10500", "name": "Story Points", "schema": {"type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float"}}]
        doc = page(issue(customfield_10500=5, customfield_10016=8))
        raws = parse_jira_json([("fields.json", fields), ("p.json", doc)])
        assert raws[1].issues[0]["story_points"] == 5.0
        # without the field list: the common Cloud id, numeric values only
        assert one(doc).issues[0]["story_points"] == 8.0
        assert one(page(issue(customfield_10500=5))).issues[0]["story_points"] is None

    def test_story_points_from_page_names(self):
        doc = page(issue(customfield_10777=3), names={"customfield_10777": "Story point estimate"})
        assert one(doc).issues[0]["story_points"] == 3.0

    def test_team_field(self):
        raw = one(page(issue(customfield_10001={"id": "t-1", "name": "Payments", "isShared": True})))
        assert raw.issues[0]["team_field"] == "Payments"
        b = assemble(raw)
        assert b.items.loc[0, "team"] == "Payments" and b.items.loc[0, "team_rule"] == "team_field"

    def test_status_category_from_name_when_no_key(self):
        raw = one(page(issue(status={"name": "Closed"})))
        assert raw.issues[0]["status_category"] is None
        assert assemble(raw).items.loc[0, "status_category"] == "done"

    def test_rendered_fields_ignored(self):
        doc = page(issue(description="plain"))
        doc["issues"][0]["renderedFields"] = {"description": "<p>rendered</p>"}
        assert one(doc).issues[0]["description"] == "plain"


class TestSprintField:
    SPRINTS = [{"id": 11, "name": "Pay 1", "state": "closed", "boardId": 3, "startDate": "2024-01-01T09:00:00.000Z", "endDate": "2024-01-14T09:00:00.000Z"},
               {"id": 12, "name": "Pay 2", "state": "active", "boardId": 3}]

    def test_by_schema(self):
        fields = [{"id": "customfield_10020", "name": "Sprint", "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"}}]
        raws = parse_jira_json([("f.json", fields), ("p.json", page(issue(customfield_10020=self.SPRINTS)))])
        assert raws[1].issues[0]["sprints"] == ["11", "12"]
        assert {s["sprint_id"]: s["state"] for s in raws[1].sprints} == {"11": "closed", "12": "active"}

    def test_schema_wins_over_shape(self):
        fields = [{"id": "customfield_10020", "name": "Sprint", "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"}}]
        doc = page(issue(customfield_10020=None, customfield_19999=self.SPRINTS))
        assert parse_jira_json([("f.json", fields), ("p.json", doc)])[1].issues[0]["sprints"] == []
        assert one(doc).issues[0]["sprints"] == ["11", "12"]  # shape alone

    def test_by_shape_legacy_strings(self):
        legacy = [
            "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=7,rapidViewId=2,state=CLOSED,name=Sprint, the first,goal=,startDate=2016-01-04T14:56:16.836+01:00,endDate=2016-01-18T14:56:00.000+01:00,completeDate=<null>,sequence=7]",
            "com.atlassian.greenhopper.service.sprint.Sprint@ff[name=Sprint 8,state=ACTIVE,startDate=<null>,id=8,rapidViewId=2]",
        ]
        raw = one(page(issue(customfield_10010=legacy)))
        assert raw.issues[0]["sprints"] == ["7", "8"]
        s7 = next(s for s in raw.sprints if s["sprint_id"] == "7")
        assert s7["name"] == "Sprint, the first" and s7["state"] == "closed"
        assert s7["start"] == pd.Timestamp("2016-01-04T13:56:16.836", tz=UTC)
        assert "complete" not in s7  # <null>

    def test_parse_legacy_keys_in_any_order(self):
        a = parse_legacy_sprint("com.atlassian.greenhopper.service.sprint.Sprint@1[id=3,state=FUTURE,name=N]")
        b = parse_legacy_sprint("com.atlassian.greenhopper.service.sprint.Sprint@1[name=N,state=FUTURE,id=3]")
        assert a == b and a["sprint_id"] == "3" and a["state"] == "future"
        assert parse_legacy_sprint("Sprint 3") is None

    def test_sprint_names_resolved_by_assemble(self):
        raws = parse_jira_json([("s.json", {"values": self.SPRINTS}), ("p.json", page(issue(customfield_10020=self.SPRINTS[:1])))])
        b = assemble(raws)
        assert b.items.loc[0, "sprints"] == ["11"]
        assert set(b.sprints["sprint_id"]) == {"11", "12"}


class TestChangelog:
    def test_events(self):
        hist = [
            {"created": "2024-03-05T11:00:00.000+0100", "author": {"accountId": "a1", "displayName": "Ann"},
             "items": [{"field": "status", "fieldtype": "jira", "from": "1", "fromString": "To Do", "to": "3", "toString": "In Progress"},
                       {"field": "Sprint", "fieldtype": "custom", "fieldId": "customfield_10020", "from": "", "fromString": "", "to": "11, 12", "toString": "Pay 1, Pay 2"}]},
            {"created": "2024-03-06T12:00:00.000Z", "author": {"accountId": "b2"},
             "items": [{"field": "Story point estimate", "fieldtype": "custom", "fromString": "3", "toString": "5"},
                       {"field": "assignee", "fieldtype": "jira", "from": None, "fromString": None, "to": "c3", "toString": "Cy"}]},
        ]
        doc = issue()
        doc["changelog"] = {"startAt": 0, "maxResults": 100, "total": 2, "histories": hist}
        raw = one(page(doc))
        ev = [(e["field"], e["from"], e["to"], e["author"]) for e in raw.events]
        assert ev == [("status", "To Do", "In Progress", "a1"), ("sprint", None, "11, 12", "a1"),
                      ("story_points", "3", "5", "b2"), ("assignee", None, "c3", "b2")]
        assert raw.events[0]["at"] == pd.Timestamp("2024-03-05T10:00:00", tz=UTC)
        assert {e["origin"] for e in raw.events} == {"changelog"}
        assert {s["sprint_id"]: s["name"] for s in raw.sprints} == {"11": "Pay 1", "12": "Pay 2"}
        assert raw.people["c3"] == "Cy"
        b = assemble(raw)
        assert len(b.events) == 4 and str(b.events["at"].dtype) == "datetime64[ns, UTC]"

    @pytest.mark.parametrize("name, expected", [("Sprint", "sprint"), ("Story Points", "story_points"), ("Story point estimate", "story_points"),
                                                ("status", "status"), ("Epic Link", "epic"), ("Fix Version", "fix_versions"), ("My Field", "my_field")])
    def test_field_names(self, name, expected):
        assert normalise_event_field(name) == expected


class TestPages:
    def test_gap_between_v2_pages_warns(self):
        p1 = page(issue("A-1"), issue("A-2"), start=0, total=6)
        p2 = page(issue("A-5"), issue("A-6"), start=4, total=6)
        with pytest.warns(AttnTeamWarning, match=r"issues 2\.\.3 of 6 are missing"):
            raws = parse_jira_json([("p2.json", p2), ("p1.json", p1)])
        assert [len(r.issues) for r in raws] == [2, 2]

    def test_complete_v2_pages_do_not_warn(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error", AttnTeamWarning)
            parse_jira_json([("p1.json", page(issue("A-1"), total=2)), ("p2.json", page(issue("A-2"), start=1, total=2))])

    def test_v3_without_last_page_warns(self):
        with pytest.warns(AttnTeamWarning, match="isLast"):
            parse_jira_json([("p1.json", {"issues": [issue("A-1")], "nextPageToken": "abc", "isLast": False})])

    def test_same_key_in_two_pages_is_resolved_by_updated(self):
        old = issue("A-1", summary="old", updated="2024-01-01T00:00:00.000Z")
        new = issue("A-1", summary="new", updated="2024-02-01T00:00:00.000Z")
        b = assemble(parse_jira_json([("b.json", page(new)), ("a.json", page(old))]))
        assert b.items["summary"].tolist() == ["new"]

    def test_plain_list_of_issues(self):
        [raw] = parse_jira_json([("l.json", [issue("A-1"), issue("A-2")])])
        assert [r["key"] for r in raw.issues] == ["A-1", "A-2"]


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


class TestBadInput:
    def write(self, tmp_path, data: bytes, name="bad.json"):
        p = tmp_path / name
        p.write_bytes(data)
        return p

    def test_empty_file(self, tmp_path):
        with pytest.raises(JiraFormatError, match=r"bad\.json: empty file: expected a Jira REST JSON document"):
            read_jira_json(self.write(tmp_path, b"  \n"))

    def test_truncated(self, tmp_path):
        data = json.dumps(page(issue("A-1")), indent=2).encode()
        with pytest.raises(JiraFormatError, match=r"bad\.json, line \d+: truncated JSON") as ei:
            read_jira_json(self.write(tmp_path, data[: len(data) // 2]))
        assert ei.value.line > 1 and ei.value.file.endswith("bad.json")

    def test_invalid_json_names_line(self, tmp_path):
        with pytest.raises(JiraFormatError, match=r"line 3: invalid JSON at column 13"):
            read_jira_json(self.write(tmp_path, b'{\n  "issues": [\n    {"key": x}\n  ]\n}'))

    def test_binary_garbage(self, tmp_path):
        with pytest.raises(JiraFormatError, match="not UTF-8 text"):
            read_jira_json(self.write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfa"))

    @pytest.mark.parametrize("doc, found", [({"foo": 1}, "keys \\['foo'\\]"), ([], "an empty list"), (42, "int"), ("text", "str"),
                                            ({"values": [{"a": 1}]}, "keys \\['values'\\]")])
    def test_not_a_jira_document(self, doc, found):
        with pytest.raises(JiraFormatError, match=f"x.json: not a Jira REST document: expected .*found .*{found}"):
            parse_jira_json([("x.json", doc)])

    def test_invalid_date_names_row_and_field(self):
        with pytest.raises(JiraFormatError, match=r"p\.json, row 2, field 'created': issue A-2: invalid date 'yesterday'") as ei:
            parse_jira_json([("p.json", page(issue("A-1"), issue("A-2", created="yesterday")))])
        assert (ei.value.row, ei.value.field) == (2, "created")

    def test_impossible_date(self):
        with pytest.raises(JiraFormatError, match="invalid date '2024-02-31"):
            parse_jira_json([("p.json", page(issue(updated="2024-02-31T10:00:00.000+0000")))])

    def test_duplicate_key_within_a_page(self):
        with pytest.raises(JiraFormatError, match=r"row 3, field 'key': issue A-1: duplicate issue key \(also issue 1"):
            parse_jira_json([("p.json", page(issue("A-1"), issue("A-2"), issue("A-1")))])

    @pytest.mark.parametrize("bad", [None, "", "not a key", 12])
    def test_bad_key(self, bad):
        doc = page(issue())
        doc["issues"][0]["key"] = bad
        with pytest.raises(JiraFormatError, match=r"row 1, field 'key': expected an issue key like 'ABC-12'"):
            parse_jira_json([("p.json", doc)])

    def test_fields_of_wrong_shape(self):
        with pytest.raises(JiraFormatError, match=r"field 'labels': issue A-1: expected a list of names, got int"):
            parse_jira_json([("p.json", page(issue("A-1", labels=3)))])
        with pytest.raises(JiraFormatError, match=r"field 'issuelinks'"):
            parse_jira_json([("p.json", page(issue("A-1", issuelinks={"a": 1})))])
        with pytest.raises(JiraFormatError, match=r"row 1: expected an issue object"):
            parse_jira_json([("p.json", {"issues": ["A-1"], "startAt": 0, "total": 1})])

    def test_story_points_not_a_number(self):
        fields = [{"id": "customfield_1", "name": "Story Points", "schema": {"custom": "x:float"}}]
        with pytest.raises(JiraFormatError, match=r"field 'customfield_1': issue A-1: expected a number of story points, got 'lots'"):
            parse_jira_json([("f.json", fields), ("p.json", page(issue("A-1", customfield_1="lots")))])

    def test_missing_file(self, tmp_path):
        with pytest.raises(JiraFormatError, match="cannot read file"):
            read_jira_json(tmp_path / "nope.json")


class TestReadJira:
    """End to end through the public entry point (format detected by content)."""

    def test_folder_of_json(self, json_dir):
        import attn_team

        with pytest.warns(AttnTeamWarning):  # the untyped link of jiracli-issue.json
            b = attn_team.read_jira(json_dir)
        assert len(b.items) == 8 and len(b.sprints) == 5
        assert b.items.set_index("key").loc["HELP-6041", "source"].endswith("perceval-jira-issues-page-2.json")

    def test_perceval_pages(self, json_dir):
        import attn_team

        b = attn_team.read_jira([json_dir / "perceval-jira-issues-page-2.json", json_dir / "perceval-jira-issues-page-1.json"])
        assert sorted(b.items["key"]) == ["HELP-6041", "HELP-6042", "HELP-6043"] and b.warnings == ()
