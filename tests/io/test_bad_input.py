"""Bad input of issue 10: each case is a JiraFormatError naming the file, the place, the field and what was expected.

Every case goes through the public reader (``read_jira``, or ``load_team_rules`` for teams
files) from a file, as a user would meet it.
"""

from __future__ import annotations

import json
import warnings

import pytest

from attn_team.errors import AttnTeamWarning, JiraFormatError
from attn_team.io import read_jira
from attn_team.io._files import shown
from attn_team.io._teams import load_team_rules


def _json_issue(fields: str) -> str:
    return '{"issues": [{"key": "A-1", "fields": ' + fields + "}]}"


def _xml(body: str) -> str:
    return '<rss version="0.92"><channel><title>x</title>' + body + "</channel></rss>"


def _xml_item(created: str = "Mon, 1 Jan 2024 10:00:00 +0000", extra: str = "") -> str:
    return (f'<item><title>[A-1] s</title><key id="1">A-1</key><summary>s</summary><type>Story</type>'
            f"<status>Open</status><created>{created}</created>{extra}</item>")


_POINTS_XML = ('<customfields><customfield id="customfield_10016" key="com.atlassian.jira.plugin.system.customfieldtypes:float">'
               "<customfieldname>Story Points</customfieldname><customfieldvalues><customfieldvalue>{}</customfieldvalue>"
               "</customfieldvalues></customfield></customfields>")
_SPRINT = '"customfield_10020": [{{"id": {id}, "name": "S1", "state": "closed", "startDate": "{start}"}}]'

# file name, content, expected fragments of the message, expected line / row / field
CASES = [
    ("bigint.json", _json_issue('{"summary": "s", "customfield_10016": ' + "9" * 5000 + "}"),
     ["5,000 digits", "at most 4,300"], dict(line=1, field="customfield_10016")),
    ("sprint-infinity.json", _json_issue('{"summary": "s", ' + _SPRINT.format(id="Infinity", start="2024-01-01T00:00:00Z") + "}"),
     ["sprint id", "whole number"], dict(row=1, field="customfield_10020.id")),
    ("sprint-list-infinity.json", '{"names": {"customfield_10020": "Sprint"}, ' + _json_issue('{"summary": "s", "customfield_10020": [Infinity]}')[1:],
     ["sprint id", "whole number"], dict(row=1, field="customfield_10020")),
    *[(f"created-{i}.json", _json_issue('{"summary": "s", "created": "%s"}' % d), ["invalid date", "1677-09-22", "2262-04-11"],
       dict(row=1, field="created"))
      for i, d in enumerate(["1600-01-01T00:00:00.000+0000", "0001-01-01", "9999-12-31T23:59:59+14:00"])],
    ("sprint-date.json", _json_issue('{"summary": "s", ' + _SPRINT.format(id=1, start="1600-01-01T00:00:00.000+0000") + "}"),
     ["invalid date", "1677-09-22"], dict(row=1, field="customfield_10020.startDate")),
    *[(f"points-{i}.json", _json_issue('{"summary": "s", "customfield_10016": %s}' % v), ["finite number of story points"],
       dict(row=1, field="customfield_10016"))
      for i, v in enumerate(["Infinity", "1e999", "-Infinity", '"inf"', '"1e999"', '"Infinity"'])],
    *[(f"points-{i}.csv", f"Issue key,Summary,Custom field (Story Points)\nA-1,x,{v}\n", ["not a finite number"],
       dict(line=2, row=1, field="Story Points"))
      for i, v in enumerate(["inf", "1e999", "Infinity"])],
    ("header-quote.csv", 'Issue key,"Summary\nA-1,y\n', ["opens a quote", "header"], dict(line=1)),
    ("issue-end.xml", _xml('<issue start="0" end="abc" total="5"/>' + _xml_item()), ["<issue end='abc'>", "whole number"],
     dict(line=1, field="issue.end")),
    *[(f"created-{i}.xml", _xml(_xml_item(created=d)), ["invalid date", "1677-09-22"], dict(line=1, field="created"))
      for i, d in enumerate(["Sat, 1 Jan 1600 00:00:00 +0000", "Mon, 1 Jan 0001 00:00:00 +0000", "Fri, 31 Dec 9999 23:59:59 +1400",
                             "1600-01-01T00:00:00+0000", "0001-01-01T00:00:00+0000", "9999-12-31T23:59:59+14:00"])],
    *[(f"points-{i}.xml", _xml(_xml_item(extra=_POINTS_XML.format(v))), ["finite number of story points"], dict(line=1, field="Story Points"))
      for i, v in enumerate(["inf", "1e999", "Infinity"])],
]


@pytest.mark.parametrize("name, content, says, where", CASES, ids=[c[0] for c in CASES])
def test_bad_export_is_a_format_error(tmp_path, name, content, says, where):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(JiraFormatError) as ei:
        read_jira([path])
    err = ei.value
    assert err.file is not None and err.file.endswith(name)
    for fragment in says:
        assert fragment in str(err)
    for attr, value in where.items():
        assert getattr(err, attr) == value, (attr, str(err))
    assert len(str(err)) < 600  # no dump of the input


def test_lone_surrogate_is_repaired_at_read_time(tmp_path):
    """``"\\ud800x"`` in a summary: read as U+FFFD with a warning naming the file and line; the text is valid UTF-8."""
    path = tmp_path / "surrogate.json"
    path.write_text('{"issues": [\n{"key": "A-1", "fields": {"summary": "\\ud800x", "description": "ok \\ud83d\\ude00"}}]}', encoding="utf-8")
    with pytest.warns(AttnTeamWarning, match=r"surrogate.json: .*lone surrogate \\ud800, first at line 2.*issues\[0\]\.fields\.summary"):
        backlog = read_jira([path])
    [summary] = backlog.items["summary"].tolist()
    assert summary == "\ufffdx"
    assert backlog.items["description"].tolist() == ["ok \U0001F600"]  # a real pair is left alone
    assert any("lone surrogate" in w for w in backlog.warnings)
    backlog.items["summary"].str.encode("utf-8")  # what the workspace does with it


def test_escaped_backslash_before_ud800_is_not_a_surrogate(tmp_path):
    path = tmp_path / "backslash.json"
    path.write_text(json.dumps({"issues": [{"key": "A-1", "fields": {"summary": "C:\\ud800"}}]}), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", AttnTeamWarning)
        backlog = read_jira([path])
    assert backlog.items["summary"].tolist() == ["C:\\ud800"]


def test_long_values_are_cut_in_messages(tmp_path):
    secret = "token-" + "x" * 5000
    path = tmp_path / "long.json"
    path.write_text(_json_issue(json.dumps({"summary": "s", "created": secret})), encoding="utf-8")
    with pytest.raises(JiraFormatError) as ei:
        read_jira([path])
    assert "5,006 characters" in str(ei.value) and "x" * 100 not in str(ei.value)
    assert shown("abc") == "'abc'" and shown(10**5000).startswith("a number of about 5,00")


class TestTeamsFiles:
    def test_latin1_toml(self, tmp_path):
        path = tmp_path / "teams.toml"
        path.write_bytes('[people]\n"José" = "Payments"\n'.encode("latin-1"))
        with pytest.raises(JiraFormatError, match=r"teams.toml, line 2: not UTF-8 text \(byte 0xe9"):
            load_team_rules(path)

    @pytest.mark.parametrize("text, field, says", [
        ("[rules]\norder = 5\n", "rules.order", "order = 5: expected a list of rule names"),
        ('rules = "abc"\n', "rules", "rules = 'abc': expected a table [rules]"),
        ('[rules]\norder = ["project", "nope"]\n', "rules.order", "unknown team rule(s) ['nope']"),
        ('[people]\nann = ["a", "b"]\n', "people", "expected a team name"),
    ])
    def test_wrong_types(self, tmp_path, text, field, says):
        path = tmp_path / "teams.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(JiraFormatError) as ei:
            load_team_rules(path)
        assert ei.value.field == field and says in str(ei.value) and "teams.toml" in str(ei.value)

    def test_billion_laughs_yaml_is_refused_before_expanding(self, tmp_path):
        lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for prev, name in zip("abcdefgh", "bcdefghi"):
            lines.append(f"{name}: &{name} [" + ",".join(["*" + prev] * 9) + "]")
        lines.append("people:\n  x: *i")
        path = tmp_path / "teams.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        assert path.stat().st_size < 1500
        with pytest.raises(JiraFormatError, match=r"teams.yaml, line 2: YAML alias \*a: expected a teams file without anchors"):
            load_team_rules(path)

    def test_plain_yaml_still_loads(self, tmp_path):
        path = tmp_path / "teams.yaml"
        path.write_text("rules:\n  order: [mapping_person, project]\npeople:\n  Ann: Payments\n", encoding="utf-8")
        rules = load_team_rules(path)
        assert rules.order == ("mapping_person", "project") and rules.people == {"Ann": "Payments"}
