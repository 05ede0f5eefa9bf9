"""Jira CSV importer: tiny hand-checkable inputs, bad input, and the real exports in ../shared."""

from __future__ import annotations

import collections
import csv
import io
import warnings

import pandas as pd
import pytest

from attn_team.errors import AttnTeamWarning, JiraFormatError
from attn_team.io._assemble import assemble
from attn_team.io._csv import decode_jira_bytes, parse_jira_csv, read_jira_csv
from attn_team.io._dates import parse_jira_date, parse_jira_dates
from attn_team.io._locale import canonical_header

UTC = "UTC"


def parse(text: str):
    return parse_jira_csv(text, source="t.csv")


def issue(raw, key):
    return next(i for i in raw.issues if i["key"] == key)


# -- dates -----------------------------------------------------------------------


class TestDates:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("25/Oct/25 12:53 PM", "2025-10-25 12:53"),
            ("25/Oct/25 12:53 AM", "2025-10-25 00:53"),
            ("10/nov/25 4:51 PM", "2025-11-10 16:51"),
            ("1/ene/26 9:05 a. m.", "2026-01-01 09:05"),
            ("03/dic/2025 23:10", "2025-12-03 23:10"),
            ("15/Feb/26 4:37 PM", "2026-02-15 16:37"),
            ("2025-11-10T16:51:00.000+0100", "2025-11-10 15:51"),
            ("2025-11-10T16:51:00Z", "2025-11-10 16:51"),
            ("2025-11-10", "2025-11-10 00:00"),
        ],
    )
    def test_formats(self, text, expected):
        assert parse_jira_date(text) == pd.Timestamp(expected, tz=UTC)

    def test_empty_is_none(self):
        assert parse_jira_date("") is None
        assert parse_jira_date("  ") is None

    @pytest.mark.parametrize("text", ["31/foo/25 1:00 PM", "32/Oct/25 1:00 PM", "25/Oct/25 13:00 PM", "yesterday", "12345"])
    def test_invalid(self, text):
        with pytest.raises(ValueError):
            parse_jira_date(text)

    def test_column(self):
        s = parse_jira_dates(["10/nov/25 4:51 PM", "", "10/nov/25 4:51 PM"])
        assert str(s.dtype) == "datetime64[ns, UTC]"
        assert s.isna().tolist() == [False, True, False]
        assert s[0] == pd.Timestamp("2025-11-10 16:51", tz=UTC)

    def test_column_error_names_row_and_field(self):
        with pytest.raises(JiraFormatError, match="Created.*invalid date 'nonsense'") as info:
            parse_jira_dates(["10/nov/25 4:51 PM", "nonsense"], file="x.csv", field="Created")
        assert info.value.row == 2 and info.value.field == "Created" and info.value.file == "x.csv"


# -- locale ------------------------------------------------------------------------


class TestLocale:
    @pytest.mark.parametrize(
        ("name", "english"),
        [
            ("Clave de incidencia", "Issue key"),
            ("  clave DE  incidencia ", "Issue key"),
            ("Campo personalizado (Story Points)", "Custom field (Story Points)"),
            ("Enlace a la incidencia interna (Blocks)", "Inward issue link (Blocks)"),
            ("Enlace de incidencia saliente (Cloners)", "Outward issue link (Cloners)"),
            ("Clave principal", "Parent key"),
            ("Categoría de estado", "Status Category"),
            ("Summary", "Summary"),
            ("Something unknown", "Something unknown"),
        ],
    )
    def test_canonical(self, name, english):
        assert canonical_header(name) == english


# -- parsing, hand-checkable -------------------------------------------------------------

ALL = (
    "Summary,Issue key,Issue id,Issue Type,Status,Status Category,Project key,Priority,Assignee,Assignee Id,"
    "Reporter,Reporter Id,Created,Updated,Resolved,Labels,Labels,Watchers,Watchers,Watchers Id,Watchers Id,"
    "Sprint,Sprint,Inward issue link (Blocks),Outward issue link (Blocks),Comment,Comment,"
    "Custom field (Story Points),Custom field (Story point estimate),Custom field (Team),Parent,Parent summary,Description\n"
    'Epic one,P-1,101,Epic,To Do,To Do,P,High,Ann,acc-ann,Bob,acc-bob,25/Oct/25 12:53 PM,25/Oct/25 1:00 PM,,big,,Ann,,acc-ann,,,,,,,,,,Core,,,"*bold* text"\n'
    "Story two,P-2,102,Story,In Progress,In Progress,P,Low,Bob,acc-bob,Ann,acc-ann,26/Oct/25 9:00 AM,27/Oct/25 9:00 AM,,a,b,Ann,Cid,acc-ann,acc-cid,"
    "Sprint 1,Sprint 2,P-3,X-9,26/Oct/25 10:00 AM;acc-cid;hi [~accountid:acc-ann],27/Oct/25 10:00 AM;acc-ann;ok,,5,,101,Epic one,\n"
    'Sub three,P-3,103,Sub-task,Done,Done,P,,,,Ann,acc-ann,27/Oct/25 9:00 AM,28/Oct/25 9:00 AM,28/Oct/25 9:30 AM,,,,,,,Sprint 2,,,,,,"2,5",,,P-2,Story two,\n'
)


@pytest.fixture(scope="module")
def raw():
    return parse(ALL)


class TestParse:
    def test_keys_and_strings(self, raw):
        assert [i["key"] for i in raw.issues] == ["P-1", "P-2", "P-3"]
        two = issue(raw, "P-2")
        assert (two["summary"], two["type"], two["status"], two["priority"], two["project"]) == ("Story two", "Story", "In Progress", "Low", "P")
        assert two["status_category"] == "In Progress"
        assert issue(raw, "P-3")["priority"] is None

    def test_repeated_columns_by_position(self, raw):
        two = issue(raw, "P-2")
        assert two["labels"] == ["a", "b"]
        assert two["sprints"] == ["Sprint 1", "Sprint 2"]
        assert issue(raw, "P-1")["labels"] == ["big"]
        assert issue(raw, "P-3")["sprints"] == ["Sprint 2"]

    def test_people_prefer_account_ids(self, raw):
        two = issue(raw, "P-2")
        assert (two["assignee"], two["reporter"]) == ("acc-bob", "acc-ann")
        assert two["watchers"] == ["acc-ann", "acc-cid"]
        assert raw.people == {"acc-ann": "Ann", "acc-bob": "Bob", "acc-cid": "Cid"}

    def test_commenters(self, raw):
        assert issue(raw, "P-2")["commenters"] == ["acc-cid", "acc-ann"]
        assert issue(raw, "P-1")["commenters"] == []

    def test_story_points_any_name_and_decimal_comma(self, raw):
        assert issue(raw, "P-1")["story_points"] is None
        assert issue(raw, "P-2")["story_points"] == 5.0
        assert issue(raw, "P-3")["story_points"] == 2.5

    def test_team_field(self, raw):
        assert issue(raw, "P-1")["team_field"] == "Core"
        assert issue(raw, "P-2")["team_field"] is None

    def test_parent_id_resolved_and_epic_inherited(self, raw):
        assert issue(raw, "P-2")["parent_key"] == "P-1"  # Parent holds the id 101
        assert issue(raw, "P-3")["parent_key"] == "P-2"  # Parent holds a key
        assert issue(raw, "P-2")["epic_key"] == "P-1"
        assert issue(raw, "P-3")["epic_key"] == "P-1"  # sub-task -> story -> epic
        assert issue(raw, "P-1")["epic_key"] is None

    def test_dates_utc(self, raw):
        three = issue(raw, "P-3")
        assert three["resolved"] == pd.Timestamp("2025-10-28 09:30", tz=UTC)
        assert issue(raw, "P-1")["resolved"] is None
        assert issue(raw, "P-1")["created"] == pd.Timestamp("2025-10-25 12:53", tz=UTC)

    def test_links_outward_direction(self, raw):
        got = {(ln["source_key"], ln["target_key"], ln["link_type"], ln["label"]) for ln in raw.links}
        # inward on P-2 from P-3: P-3 blocks P-2; outward on P-2 to X-9: P-2 blocks X-9
        assert got == {("P-3", "P-2", "Blocks", "blocks"), ("P-2", "X-9", "Blocks", "blocks")}

    def test_description_markup_to_text(self, raw):
        d = issue(raw, "P-1")["description"]
        assert "bold text" in d and "*" not in d
        assert issue(raw, "P-2")["description"] is None

    def test_assembles_into_backlog(self, raw):
        b = assemble(raw)
        assert b.n_items == 3
        assert set(b.sprints["name"]) == {"Sprint 1", "Sprint 2"}
        assert b.item("P-2")["status_category"] == "in_progress"
        assert b.item("P-1")["team"] == "Core" and b.item("P-2")["team"] == "P"
        assert set(b.people["display_name"]) >= {"Ann", "Bob", "Cid"}

    def test_spanish_headers(self):
        text = (
            "Resumen,Clave de incidencia,Tipo de Incidencia,Estado,Creada,Etiquetas,Etiquetas,"
            "Enlace de incidencia saliente (Relates),Campo personalizado (Story Points),Principal,Clave principal\n"
            "Hola,ES-2,Historia,En curso,10/nov/25 4:51 PM,x,y,ES-1,3,999,ES-1\n"
        )
        r = parse(text)
        one = r.issues[0]
        assert (one["key"], one["summary"], one["labels"], one["story_points"], one["parent_key"]) == ("ES-2", "Hola", ["x", "y"], 3.0, "ES-1")
        assert one["created"] == pd.Timestamp("2025-11-10 16:51", tz=UTC)
        assert r.links == [{"source_key": "ES-2", "target_key": "ES-1", "link_type": "Relates", "label": "relates to"}]

    def test_crlf_and_quoted_newlines(self):
        text = 'Issue key,Summary,Description\r\nA-1,"two\r\nlines","x, ""y"""\r\nA-2,b,\r\n'
        r = parse(text)
        assert [i["key"] for i in r.issues] == ["A-1", "A-2"]
        assert r.issues[0]["summary"] == "two\nlines"
        assert r.issues[0]["description"] == 'x, "y"'

    def test_blank_lines_skipped_and_bom(self):
        r = parse("\ufeffIssue key,Summary\nA-1,x\n\n\nA-2,y\n")
        assert [i["key"] for i in r.issues] == ["A-1", "A-2"]

    def test_header_only(self):
        assert parse("Issue key,Summary\n").issues == []

    def test_project_from_key_when_no_column(self):
        assert parse("Issue key\nABC_2-7\n").issues[0]["project"] == "ABC_2"

    def test_epic_link_by_key_id_or_epic_name(self):
        text = (
            "Issue key,Issue id,Issue Type,Custom field (Epic Name),Custom field (Epic Link)\n"
            "E-1,11,Epic,Payments,\nE-2,12,Story,,E-1\nE-3,13,Story,,Payments\nE-4,14,Story,,11\n"
        )
        r = parse(text)
        assert [i["epic_key"] for i in r.issues] == [None, "E-1", "E-1", "E-1"]
        with pytest.warns(AttnTeamWarning, match="Epic Link"):
            r = parse("Issue key,Custom field (Epic Link)\nE-5,Unknown epic\n")
        assert r.issues[0]["epic_key"] is None

    def test_parent_id_not_in_export_warns(self):
        with pytest.warns(AttnTeamWarning, match="parent by id"):
            r = parse("Issue key,Issue id,Parent\nA-1,1,77\n")
        assert r.issues[0]["parent_key"] is None
        assert any("parent by id" in w for w in r.warnings)


# -- bad input ------------------------------------------------------------------------

H = "Issue key,Summary,Created,Sprint,Sprint\n"


class TestBadInput:
    @pytest.mark.parametrize(
        ("text", "match", "where"),
        [
            ("", "empty file", {"line": 1}),
            ("  \n\n", "empty file", {"line": 1}),
            ("Issue key\x00\x01\x02", "binary", {"line": 1}),
            (H + 'A-1,"never closed\nmore', "never closed.*truncated", {"row": 1, "line": 2}),
            (H + "A-1,x,,S1,S2\nA-2,x,25/Oc", "3 cells, expected 5.*truncated", {"row": 2, "line": 3}),
            (H + "A-1,x,,S1,S2\nA-2,x,,,,extra\n", "6 cells, expected 5", {"row": 2, "line": 3}),
            (H + 'A-1,"a\nb",,,\nA-2,x\n', "2 cells, expected 5", {"row": 2, "line": 4}),
            ("Issue key;Summary;Created\nA-1;x;y\n", "semicolon-separated", {"line": 1}),
            ("Issue key\tSummary\tCreated\nA-1\tx\ty\n", "tab-separated", {"line": 1}),
            ("name,age\nann,3\n", "no issue-key column.*'name', 'age'", {"line": 1, "field": "Issue key"}),
            (H + "A-1,x,32/Oct/25 1:00 PM,,\n", "invalid date '32/Oct/25 1:00 PM'", {"row": 1, "line": 2, "field": "Created"}),
            (H + "A-1,x,,,\nA-2,y,,,\nA-1,z,,,\n", "duplicate issue key 'A-1' \\(first at row 1\\)", {"row": 3, "line": 4, "field": "Issue key"}),
            (H + "not a key,x,,,\n", "invalid issue key", {"row": 1, "field": "Issue key"}),
            (H + ",x,,,\n", "empty issue key", {"row": 1, "field": "Issue key"}),
            ("Issue key,Custom field (Story Points)\nA-1,three\n", "'three' is not a number", {"row": 1, "field": "Story Points"}),
            # the first bad row is named also when good rows come first and the bad value repeats
            (H + "A-1,x,,,\nA-2,y,,,\nA_3,z,,,\nA_3,w,,,\n", "invalid issue key 'A_3'", {"row": 3, "line": 4, "field": "Issue key"}),
            (H + 'A-1,x,,,\n"A-2\nA-3",y,,,\n', "invalid issue key 'A-2\\\\nA-3'", {"row": 2, "line": 3, "field": "Issue key"}),
            ("Issue key,Story Points\nA-1,3\nA-2,\" 2,5 \"\nA-3,lots\nA-4,lots\n", "'lots' is not a number", {"row": 3, "line": 4, "field": "Story Points"}),
        ],
    )
    def test_errors_name_the_place(self, text, match, where):
        with pytest.raises(JiraFormatError, match=match) as info:
            parse(text)
        err = info.value
        assert err.file == "t.csv"
        assert "t.csv" in str(err)
        for attr, value in where.items():
            assert getattr(err, attr) == value, (attr, getattr(err, attr))

    def test_error_is_a_value_error(self):
        with pytest.raises(ValueError):
            parse("")


class TestDecode:
    def test_utf8_bom(self):
        text, notes = decode_jira_bytes("\ufeffIssue key\nA-1\n".encode())
        assert text == "Issue key\nA-1\n" and notes == []

    def test_cp1252_fallback_warns(self, tmp_path):
        p = tmp_path / "win.csv"
        p.write_bytes("Issue key,Summary\nA-1,café – ok\n".encode("cp1252"))
        with pytest.warns(AttnTeamWarning, match="cp1252"):
            raw = read_jira_csv(p)
        assert raw.issues[0]["summary"] == "café – ok"
        assert any("cp1252" in w for w in raw.warnings)

    def test_undecodable(self):
        with pytest.raises(JiraFormatError, match="neither UTF-8 nor cp1252"):
            decode_jira_bytes(b"Issue key\n\x81\x8d\x8f\x90\x9d\n", file="x.csv")

    def test_utf16(self):
        text, _ = decode_jira_bytes("Issue key,Summary\nA-1,x\n".encode("utf-16"))
        assert text.startswith("Issue key")

    def test_missing_file(self, tmp_path):
        with pytest.raises(JiraFormatError, match="file not found"):
            read_jira_csv(tmp_path / "nope.csv")

    def test_error_names_path(self, tmp_path):
        p = tmp_path / "bad.csv"
        p.write_text("Issue key\nA-1\nA-1\n")
        with pytest.raises(JiraFormatError, match="bad.csv, line 3, row 2"):
            read_jira_csv(p)

    @pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
    def test_late_error_names_the_line_after_the_bytes_were_freed(self, tmp_path, encoding):
        """Dates are parsed after the file's bytes are freed: the line comes from reading them again."""
        p = tmp_path / "late.csv"
        text = 'Issue key,Summary,Created\r\nA-1,"two\r\nlines, caf\u00e9",01/Jan/25 9:00 AM\r\nA-2,x,not a date\r\n'
        p.write_bytes(text.encode(encoding))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the cp1252 fallback warns
            with pytest.raises(JiraFormatError, match="invalid date 'not a date'") as info:
                read_jira_csv(p)
        assert (info.value.row, info.value.line, info.value.field) == (2, 4, "Created")
        assert p.read_bytes() == text.encode(encoding)  # the input is never written to


# -- the real exports in ../shared ---------------------------------------------------------


def _cells(path, name):
    """Non-empty cells of every column named ``name`` (by position), read with the csv module."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    pos = [i for i, h in enumerate(rows[0]) if h == name]
    return [r[i] for r in rows[1:] for i in pos if r[i]]


@pytest.fixture(scope="module")
def csv_dir(shared_data):
    return shared_data / "jira-exports" / "csv"


@pytest.mark.shared
class TestRealExports:
    def read(self, csv_dir, name):
        with warnings.catch_warnings():
            warnings.simplefilter("error", AttnTeamWarning)  # these files read cleanly
            raw = read_jira_csv(csv_dir / name)
        return raw, assemble(raw)

    def test_every_file_imports(self, csv_dir):
        files = sorted(csv_dir.glob("*.csv"))
        assert len(files) == 5
        for f in files:
            b = assemble(read_jira_csv(f))
            assert b.n_items > 0
            assert b.items["created"].notna().all()
            assert (b.items["source"] == f.name).all()

    def test_es_locale(self, csv_dir):
        raw, b = self.read(csv_dir, "es-locale-cloud.csv")
        assert b.n_items == 106
        assert sorted(b.sprints["name"]) == ["Sprint 1", "Sprint 2", "Sprint 3"]
        assert collections.Counter(len(s) for s in b.items["sprints"]) == {1: 106}
        assert set(b.links["link_type"]) == {"Blocks", "Cloners", "Relates"}
        # 10 filled link cells; links between two exported issues appear on both ends
        assert len(raw.links) == 10
        assert len(b.links) == len({(ln["source_key"], ln["target_key"], ln["link_type"]) for ln in raw.links})
        assert b.item("LIPU-144")["created"] == pd.Timestamp("2025-11-10 16:51", tz=UTC)
        assert b.items["parent_key"].notna().sum() == 105  # 'Clave principal'
        assert collections.Counter(b.items["type"]) == {"Subtarea": 70, "Historia": 35, "Epic": 1}
        assert set(b.items["status_category"]) == {"todo", "in_progress"}  # 'Por hacer' / 'En curso'
        assert b.items["story_points"].isna().all()  # the columns are there but empty
        assert sum(len(x) for x in b.items["labels"]) == len(_cells(csv_dir / "es-locale-cloud.csv", "Etiquetas"))

    def test_cloners_parent_sprints(self, csv_dir):
        raw, b = self.read(csv_dir, "cloners-parent-sprints.csv")
        assert b.n_items == 68
        assert len(b.sprints) == 5
        assert len(raw.links) == 46
        assert set(b.links["link_type"]) == {"Cloners"} and set(b.links["category"]) == {"clone"}
        assert set(b.links["label"]) == {"clones"}
        assert b.items["parent_key"].notna().sum() == 54
        epics = set(b.items.loc[b.items["type"] == "Epic", "key"])
        assert len(epics) == 7
        assert set(b.items["epic_key"].dropna()) <= epics
        assert sum(len(x) for x in b.items["labels"]) == len(_cells(csv_dir / "cloners-parent-sprints.csv", "Labels"))

    def test_bom_repeated_customfields_hierarchy(self, csv_dir):
        raw, b = self.read(csv_dir, "bom-repeated-customfields.csv")
        items = b.items
        assert b.n_items == 130
        assert collections.Counter(items["type"]) == {"Subtask": 94, "Epic": 17, "Story": 17, "Task": 2}
        typ = dict(zip(items["key"], items["type"]))
        pairs = collections.Counter((t, typ.get(p)) for t, p in zip(items["type"], items["parent_key"]) if p is not pd.NA)
        # 17 epics > 17 stories + 2 tasks > 94 sub-tasks (84 under stories, 10 under tasks)
        assert pairs == {("Story", "Epic"): 17, ("Task", "Epic"): 2, ("Subtask", "Story"): 84, ("Subtask", "Task"): 10}
        # every sub-task inherits its story's epic
        assert items.loc[items["type"] == "Subtask", "epic_key"].map(typ).eq("Epic").all()
        assert b.links.empty
        assert len(b.sprints) == 1
        assert any(name.startswith("משתמש") for name in b.people["display_name"])

    def test_watchers_comments(self, csv_dir):
        path = csv_dir / "watchers-comments-small.csv"
        raw, b = self.read(csv_dir, "watchers-comments-small.csv")
        assert b.n_items == 22
        assert sum(len(w) for w in b.items["watchers"]) == len(_cells(path, "Watchers Id"))
        comment_authors = {c.split(";")[1] for c in _cells(path, "Comment")}
        assert set().union(*b.items["commenters"]) == comment_authors
        assert set(b.people["person"]) >= comment_authors
        assert len(b.sprints) == 1

    def test_minimal_new_cloud(self, csv_dir):
        raw, b = self.read(csv_dir, "minimal-new-cloud.csv")
        assert b.n_items == 5
        assert list(b.sprints["name"]) == ["SCRUM Sprint 1"]
        assert (b.items["status_category"] == "done").all()
        assert b.items["resolved"].notna().all()
        assert b.item("SCRUM-5")["created"] == pd.Timestamp("2025-10-25 12:53", tz=UTC)

    def test_same_result_from_text(self, csv_dir):
        path = csv_dir / "es-locale-cloud.csv"
        a = read_jira_csv(path)
        b = parse_jira_csv(path.read_bytes().decode("utf-8"), source=path.name)
        assert a.issues == b.issues and a.links == b.links and a.people == b.people

    def test_truncated_real_file(self, csv_dir, tmp_path):
        data = (csv_dir / "cloners-parent-sprints.csv").read_bytes()
        p = tmp_path / "cut.csv"
        p.write_bytes(data[: len(data) * 2 // 3])
        with pytest.raises(JiraFormatError, match="cut.csv") as info:
            read_jira_csv(p)
        assert info.value.row is not None and info.value.line is not None


def test_str_io_roundtrip_matches_csv_module():
    """Cells read by position equal what the csv module reads, also for awkward quoting."""
    rows = [["Issue key", "Labels", "Labels", "Summary"], ["A-1", "x", "", 'he said "hi", twice'], ["A-2", "", "y", "line\r\nbreak"]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    r = parse(buf.getvalue())
    assert [i["labels"] for i in r.issues] == [["x"], ["y"]]
    assert r.issues[0]["summary"] == 'he said "hi", twice'


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(generated backlog, the backlog read back from its all-fields CSV)."""
    synthetic = pytest.importorskip("attn_team.synthetic")
    org = synthetic.generate(n_items=300, n_people=24, random_state=1)
    path = synthetic.write_jira_csv(org, tmp_path_factory.mktemp("syn") / "all-fields.csv")
    return org.backlog, assemble(read_jira_csv(path))


class TestSyntheticRoundTrip:
    """The generator's "all fields" CSV reads back into the tables it was written from."""

    @pytest.mark.parametrize(
        "column",
        ["project", "type", "status", "status_category", "priority", "summary", "assignee", "reporter",
         "parent_key", "epic_key", "story_points", "created", "updated", "resolved", "team",
         "labels", "components", "fix_versions", "watchers", "commenters"],
    )
    def test_column(self, pair, column):
        want, got = pair
        a = want.items.set_index("key")[column]
        b = got.items.set_index("key")[column].reindex(a.index)
        assert a.isna().equals(b.isna()), column
        both = a.notna()
        assert a[both].astype(object).tolist() == b[both].astype(object).tolist(), column

    def test_sprints_links_people(self, pair):
        want, got = pair
        names_a = dict(zip(want.sprints["sprint_id"], want.sprints["name"]))
        names_b = dict(zip(got.sprints["sprint_id"], got.sprints["name"]))
        a = want.items.set_index("key")["sprints"].map(lambda ids: [names_a[i] for i in ids])
        b = got.items.set_index("key")["sprints"].map(lambda ids: [names_b[i] for i in ids]).reindex(a.index)
        assert a.tolist() == b.tolist()
        link = lambda df: set(zip(df["source_key"], df["target_key"], df["link_type"]))  # noqa: E731
        assert link(want.links) == link(got.links)
        assert set(want.people["person"]) == set(got.people["person"])
        assert dict(zip(want.people["person"], want.people["display_name"])) == dict(zip(got.people["person"], got.people["display_name"]))
