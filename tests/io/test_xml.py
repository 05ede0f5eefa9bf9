"""Jira XML/RSS importer (attn_team.io._xml)."""

from __future__ import annotations

import pandas as pd
import pytest

from attn_team.errors import AttnTeamWarning, JiraFormatError
from attn_team.io._assemble import assemble
from attn_team.io._xml import parse_jira_xml, read_jira_xml

UTC = "UTC"
BANNER = "This XML file does not appear to have any style information associated with it. The document tree is shown below."


def rss(*items: str, head: str = "") -> str:
    return head + '<rss version="0.92">\n<channel>\n<title>Jira</title>\n' + "\n".join(items) + "\n</channel>\n</rss>\n"


def item(key="PAY-1", extra="", created="Tue, 5 Mar 2024 18:39:11 -0800") -> str:
    return (f"<item>\n<key id=\"1\">{key}</key>\n<summary>summary of {key}</summary>\n<type>Story</type>\n"
            f"<status>In Progress</status>\n<statusCategory id=\"4\" key=\"indeterminate\"/>\n<created>{created}</created>\n{extra}\n</item>")


@pytest.fixture(scope="module")
def xml_dir(shared_data):
    return shared_data / "jira-exports" / "xml"


class TestSharedFiles:
    def test_ru_locale_banner(self, xml_dir):
        path = xml_dir / "ru-locale-banner.xml"
        assert path.read_bytes().startswith(b"This XML file does not appear") and b"\r\n" in path.read_bytes()
        raw = read_jira_xml(path)
        by = {r["key"]: r for r in raw.issues}
        assert sorted(by) == ["NC-1", "NC-2", "NC-3", "NC-4"]
        assert {k: by[k]["parent_key"] for k in by} == {"NC-1": None, "NC-2": None, "NC-3": "NC-2", "NC-4": "NC-2"}
        assert by["NC-4"]["type"] == "Подзадача" and by["NC-2"]["type"] == "История"
        assert all(r["assignee"] is None for r in raw.issues)  # accountid="-1"
        assert {r["reporter"] for r in raw.issues} == {"712020:00000000-0000-0000-0000-000000000001"}
        assert raw.people == {"712020:00000000-0000-0000-0000-000000000001": "Пользователь 001"}
        assert by["NC-4"]["created"] == pd.Timestamp("2024-09-08T14:43:07", tz=UTC)  # +0300
        b = assemble(raw)
        assert b.sprints[["sprint_id", "name"]].values.tolist() == [["1", "Scrum Спринт 1"]]
        assert all(s == ["1"] for s in b.items["sprints"])
        assert set(b.items["status_category"]) == {"done"}  # statusCategory key="done" ("Готово")
        assert all(s == "ru-locale-banner.xml" for s in b.items["source"].str.rsplit("/", n=1).str[-1])

    def test_sprint_comment_en(self, xml_dir):
        raw = read_jira_xml(xml_dir / "sprint-comment-en.xml")
        assert len(raw.issues) == 15
        by = {r["key"]: r for r in raw.issues}
        assert sorted(by, key=lambda k: int(k.split("-")[1])) == [f"CAP-{i}" for i in range(1, 16)]
        types = pd.Series([r["type"] for r in raw.issues]).value_counts().to_dict()
        assert types == {"Subtask": 12, "Story": 3}
        parents = pd.Series([r["parent_key"] for r in raw.issues]).value_counts().to_dict()
        assert parents == {"CAP-4": 7, "CAP-12": 3, "CAP-1": 2}
        assert sum(r["resolved"] is not None for r in raw.issues) == 4
        commented = {k: r["commenters"] for k, r in by.items() if r["commenters"]}
        assert commented == {"CAP-3": ["712020:00000000-0000-0000-0000-000000000001"]}
        assert by["CAP-3"]["description"] == "You have to complete the specification document."
        assert by["CAP-3"]["assignee"] == "712020:00000000-0000-0000-0000-000000000001"
        b = assemble(raw)
        assert b.sprints["name"].tolist() == ["Capstone"]
        assert b.items.set_index("key").loc["CAP-15", "status_category"] == "todo"


class TestItems:
    def test_fields(self):
        extra = """
<project id="1" key="PAY">payments</project>
<priority id="3">High</priority>
<description>&lt;p&gt;Refresh &amp;amp; rotate&lt;/p&gt;&lt;ul&gt;&lt;li&gt;one&lt;/li&gt;&lt;/ul&gt;</description>
<assignee username="ann">Ann Lee</assignee>
<reporter accountid="5b10">Bob</reporter>
<labels><label>auth</label><label>api</label></labels>
<component>Identity</component><component>Gateway</component>
<fixVersion>2.0</fixVersion>
<updated>Wed, 6 Mar 2024 10:00:00 +0000</updated>
<resolved/>
<comments>
  <comment id="1" author="c1" created="Tue, 5 Mar 2024 18:39:11 -0800">&lt;p&gt;hi&lt;/p&gt;</comment>
  <comment id="2" author="c2" created="Tue, 5 Mar 2024 18:39:11 -0800">x</comment>
  <comment id="3" author="c1" created="Tue, 5 Mar 2024 18:39:11 -0800">y</comment>
</comments>
<customfields>
  <customfield id="customfield_10016" key="com.atlassian.jira.plugin.system.customfieldtypes:float">
    <customfieldname>Story point estimate</customfieldname>
    <customfieldvalues><customfieldvalue>5.0</customfieldvalue></customfieldvalues>
  </customfield>
  <customfield id="customfield_10001" key="com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team">
    <customfieldname>Team</customfieldname>
    <customfieldvalues><customfieldvalue>Payments</customfieldvalue></customfieldvalues>
  </customfield>
  <customfield id="customfield_10014" key="com.pyxis.greenhopper.jira:gh-epic-link">
    <customfieldname>Epic Link</customfieldname>
    <customfieldvalues><customfieldvalue>PAY-100</customfieldvalue></customfieldvalues>
  </customfield>
  <customfield id="customfield_10020" key="com.pyxis.greenhopper.jira:gh-sprint">
    <customfieldname>Sprint</customfieldname>
    <customfieldvalues>
      <customfieldvalue id="11">Pay 1</customfieldvalue>
      <customfieldvalue>com.atlassian.greenhopper.service.sprint.Sprint@1f[state=ACTIVE,name=Pay 2,id=12,rapidViewId=3]</customfieldvalue>
    </customfieldvalues>
  </customfield>
</customfields>"""
        raw = parse_jira_xml(rss(item("PAY-1", extra)), source="x.xml")
        [r] = raw.issues
        assert (r["project"], r["priority"], r["type"], r["status"], r["status_category"]) == ("PAY", "High", "Story", "In Progress", "indeterminate")
        assert r["description"] == "Refresh & rotate\none"
        assert (r["assignee"], r["reporter"]) == ("ann", "5b10")
        assert raw.people["ann"] == "Ann Lee" and raw.people["5b10"] == "Bob"
        assert r["labels"] == ["auth", "api"] and r["components"] == ["Identity", "Gateway"] and r["fix_versions"] == ["2.0"]
        assert r["commenters"] == ["c1", "c2"]
        assert (r["story_points"], r["team_field"], r["epic_key"]) == (5.0, "Payments", "PAY-100")
        assert r["sprints"] == ["11", "12"]
        assert {s["sprint_id"]: s["name"] for s in raw.sprints} == {"11": "Pay 1", "12": "Pay 2"}
        assert r["created"] == pd.Timestamp("2024-03-06T02:39:11", tz=UTC) and r["resolved"] is None
        b = assemble(raw)
        assert b.items.loc[0, "team"] == "Payments"

    def test_links(self):
        links = """
<issuelinks>
  <issuelinktype id="10000">
    <name>Blocks</name>
    <outwardlinks description="blocks">
      <issuelink><issuekey id="2">ID-7</issuekey></issuelink>
    </outwardlinks>
    <inwardlinks description="is blocked by">
      <issuelink><issuekey id="3">OPS-3</issuekey></issuelink>
    </inwardlinks>
  </issuelinktype>
  <issuelinktype id="10001">
    <name>Cloners</name>
    <outwardlinks description="clones"><issuelink><issuekey id="4">PAY-9</issuekey></issuelink></outwardlinks>
  </issuelinktype>
</issuelinks>"""
        raw = parse_jira_xml(rss(item("PAY-1", links)), source="x.xml")
        assert raw.links == [
            {"source_key": "PAY-1", "target_key": "ID-7", "link_type": "Blocks", "label": "blocks"},
            {"source_key": "OPS-3", "target_key": "PAY-1", "link_type": "Blocks", "label": "blocks"},
            {"source_key": "PAY-1", "target_key": "PAY-9", "link_type": "Cloners", "label": "clones"},
        ]
        b = assemble(raw)
        assert b.links["category"].tolist() == ["dependency", "dependency", "clone"]

    def test_epic_from_parent_in_the_export(self):
        text = rss(item("PAY-1", "<type>Epic</type>").replace("<type>Story</type>\n", ""), item("PAY-2", "<parent id='1'>PAY-1</parent>"))
        raw = parse_jira_xml(text, source="x.xml")
        assert [(r["key"], r["type"], r["parent_key"], r["epic_key"]) for r in raw.issues] == [("PAY-1", "Epic", None, None), ("PAY-2", "Story", "PAY-1", "PAY-1")]

    def test_junk_before_xml_and_crlf(self):
        text = ("garbage line\r\n" + BANNER + "\r\n" + rss(item("A-1"), item("A-2"))).replace("\n", "\r\n")
        raw = parse_jira_xml(text, source="x.xml")
        assert [r["key"] for r in raw.issues] == ["A-1", "A-2"]
        assert raw.issues[0]["summary"] == "summary of A-1"

    def test_xml_declaration_and_latin1_file(self, tmp_path):
        p = tmp_path / "latin.xml"
        p.write_bytes(('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + rss(item("A-1", "<description>caf\u00e9</description>"))).encode("latin-1"))
        assert read_jira_xml(p).issues[0]["description"] == "caf\u00e9"

    def test_incomplete_export_warns(self):
        text = rss('<issue start="0" end="3" total="3"/>', item("A-1"))
        with pytest.warns(AttnTeamWarning, match="1 item"):
            raw = parse_jira_xml(text, source="x.xml")
        assert any("1 item(s) found" in w for w in raw.warnings)

    def test_empty_channel(self):
        assert parse_jira_xml(rss(), source="x.xml").issues == []


class TestBadInput:
    def test_empty(self, tmp_path):
        p = tmp_path / "e.xml"
        p.write_bytes(b"")
        with pytest.raises(JiraFormatError, match=r"e\.xml: empty file: expected Jira's XML/RSS export"):
            read_jira_xml(p)

    def test_no_xml(self):
        with pytest.raises(JiraFormatError, match=r"x\.xml, line 1: no XML found"):
            parse_jira_xml("just some words\nand more", source="x.xml")

    def test_truncated_names_line_after_banner(self):
        text = BANNER + "\n" + rss(item("A-1"), item("A-2"))
        cut = text[: text.index("<key id=\"1\">A-2")]
        with pytest.raises(JiraFormatError, match=r"x\.xml, line \d+: truncated XML") as ei:
            parse_jira_xml(cut, source="x.xml")
        assert ei.value.line == cut.count("\n") + 1  # the file's own line numbers, banner included

    def test_malformed_names_line(self):
        text = BANNER + "\n" + rss(item("A-1", "<labels><label>x</labels>"))
        with pytest.raises(JiraFormatError, match=r"invalid XML at column \d+: mismatched tag") as ei:
            parse_jira_xml(text, source="x.xml")
        assert ei.value.line == text.splitlines().index("<labels><label>x</labels>") + 1

    def test_binary_garbage(self, tmp_path):
        p = tmp_path / "g.xml"
        p.write_bytes(b"<rss>\x89PNG\x00\xff\xfe")
        with pytest.raises(JiraFormatError, match=r"g\.xml, line 1: not utf-8-sig text"):
            read_jira_xml(p)

    def test_not_rss(self):
        with pytest.raises(JiraFormatError, match=r"root element <html>: expected Jira's RSS export"):
            parse_jira_xml("<?xml version='1.0'?><html><body/></html>", source="x.xml")
        with pytest.raises(JiraFormatError, match=r"no <channel>"):
            parse_jira_xml("<rss version='0.92'><item/></rss>", source="x.xml")

    def test_item_without_key(self):
        with pytest.raises(JiraFormatError, match=r"line 4, field 'key': item 1: expected an issue key"):
            parse_jira_xml(rss("<item><summary>x</summary></item>"), source="x.xml")

    def test_invalid_date_names_line_and_field(self):
        text = rss(item("A-1"), item("A-2", created="the day before yesterday"))
        with pytest.raises(JiraFormatError, match=r"field 'created': issue A-2: invalid date 'the day before yesterday': expected an RFC 822 date") as ei:
            parse_jira_xml(text, source="x.xml")
        assert ei.value.line == text.splitlines().index("<created>the day before yesterday</created>") + 1

    def test_duplicate_key(self):
        with pytest.raises(JiraFormatError, match=r"field 'key': duplicate issue key A-1 \(also item 1\)"):
            parse_jira_xml(rss(item("A-1"), item("A-1")), source="x.xml")

    def test_story_points_not_a_number(self):
        cf = ('<customfields><customfield id="c" key="x"><customfieldname>Story Points</customfieldname>'
              "<customfieldvalues><customfieldvalue>lots</customfieldvalue></customfieldvalues></customfield></customfields>")
        with pytest.raises(JiraFormatError, match=r"field 'Story Points': issue A-1: expected a number of story points, got 'lots'"):
            parse_jira_xml(rss(item("A-1", cf)), source="x.xml")

    def test_entity_expansion_refused(self):
        bomb = '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n' + rss(item("A-1", "<description>&b;</description>"))
        with pytest.raises(JiraFormatError, match=r"entity declaration 'a' \(DTD entities are refused"):
            parse_jira_xml(bomb, source="x.xml")

    def test_external_entity_refused(self, tmp_path):
        secret = tmp_path / "secret.txt"
        secret.write_text("secret words")
        xxe = f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>\n' + rss(item("A-1", "<description>&x;</description>"))
        with pytest.raises(JiraFormatError, match="refused"):
            parse_jira_xml(xxe, source="x.xml")


class TestReadJira:
    """End to end through the public entry point (format detected by content, banner included)."""

    def test_folder_of_xml(self, xml_dir):
        import attn_team

        b = attn_team.read_jira(xml_dir)
        assert len(b.items) == 4 + 15
        assert set(b.items["project"]) == {"NC", "CAP"}

    def test_xml_under_another_extension(self, xml_dir, tmp_path):
        import attn_team

        p = tmp_path / "export.txt"
        p.write_bytes((xml_dir / "ru-locale-banner.xml").read_bytes())
        assert sorted(attn_team.read_jira(p).items["key"]) == ["NC-1", "NC-2", "NC-3", "NC-4"]
