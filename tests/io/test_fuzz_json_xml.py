"""Fuzzing the REST JSON and XML/RSS parsers: any input gives a result or a JiraFormatError.

The normal run tries a few thousand cases in all (a few seconds); ``--runslow``
runs the same properties with many more.
"""

from __future__ import annotations

import json
import math
import tempfile
import warnings
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attn_team.errors import AttnTeamWarning, JiraFormatError
from attn_team.io._assemble import assemble
from attn_team.io._json import parse_jira_json, read_jira_json
from attn_team.io._xml import parse_jira_xml, read_jira_xml

_HC = [HealthCheck.too_slow, HealthCheck.data_too_large]


def _settings(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=_HC, database=None)
EXPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "jira-exports"


def _ok_or_format_error(fn, *args, **kwargs):
    """Run ``fn``; only success or JiraFormatError are allowed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AttnTeamWarning)
        try:
            return fn(*args, **kwargs)
        except JiraFormatError as exc:
            assert str(exc), "a JiraFormatError must say what was wrong"
            return None


# ---------------------------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------------------------

FIELD_NAMES = [
    "summary", "description", "status", "statusCategory", "key", "name", "issuetype", "priority", "labels", "components",
    "fixVersions", "assignee", "reporter", "accountId", "displayName", "created", "updated", "resolutiondate", "parent",
    "issuelinks", "type", "outwardIssue", "inwardIssue", "outward", "comment", "comments", "author", "watches", "watchers",
    "customfield_10020", "customfield_10016", "customfield_10001", "customfield_10014", "project", "id", "state",
    "startDate", "endDate", "completeDate", "content", "text", "attrs", "version", "fields", "issues", "values",
]
DATES = ["2024-03-05T10:00:00.000+0100", "2024-02-31T10:00:00Z", "2024-03-05", "yesterday", "", "9999-99-99T99:99", "2024-03-05T10:00:00.000+9900",
         # issue 10: dates pandas cannot hold
         "1600-01-01T00:00:00.000+0000", "0001-01-01", "9999-12-31T23:59:59+14:00"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=12),
    st.sampled_from([float("inf"), float("-inf")]), st.just(5000).map(lambda n: 10**n),  # issue 10: Infinity, a 5,000-digit number
    st.sampled_from(DATES + ["PAY-1", "A-1", "Done", "new", "done", "closed", "-1", "inf", "1e999", "Infinity", "\ud800x",
                             "com.atlassian.greenhopper.service.sprint.Sprint@1[id=1,state=CLOSED,name=S,startDate=2024-01-01T00:00:00Z]",
                             "com.atlassian.greenhopper.service.sprint.Sprint@1[id=,name=,startDate=bad]"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=6)), children, max_size=6)),
    max_leaves=12,
)
issue_keys = st.one_of(st.sampled_from(["PAY-1", "PAY-2", "ID-7", "A-1", "OPS-30"]), st.sampled_from(["PAY-1", "PAY-2"]), st.sampled_from(["PAY-3", "X-1"]),
                       st.text(max_size=6), st.integers(), st.none())
texts = st.text(max_size=15)
users = st.one_of(st.fixed_dictionaries({}, optional={"accountId": scalars, "key": scalars, "name": scalars, "displayName": scalars}), scalars)
named = st.one_of(st.fixed_dictionaries({"name": scalars}), scalars)
sprints = st.one_of(
    st.fixed_dictionaries({"id": st.one_of(st.integers(0, 9), scalars), "name": scalars, "state": st.sampled_from(["active", "closed", "FUTURE", ""])},
                          optional={"startDate": st.sampled_from(DATES), "endDate": st.sampled_from(DATES), "boardId": scalars}),
    st.builds(lambda parts: "com.atlassian.greenhopper.service.sprint.Sprint@ab[" + ",".join(parts) + "]",
              st.lists(st.sampled_from(["id=3", "id=", "name=S, 3", "state=CLOSED", "startDate=2024-01-01T00:00:00Z", "startDate=bad",
                                        "endDate=<null>", "rapidViewId=2", "goal=x=y"]), max_size=5)),
)
adf = st.recursive(
    st.fixed_dictionaries({"type": st.sampled_from(["text", "mention", "hardBreak", "emoji", "date"]), "text": scalars, "attrs": json_values}),
    lambda c: st.fixed_dictionaries({"type": st.sampled_from(["doc", "paragraph", "table", "tableCell", "bulletList", "unknown"]), "content": st.lists(c, max_size=3)}),
    max_leaves=8,
)
links = st.lists(st.fixed_dictionaries({}, optional={"id": scalars, "type": st.one_of(st.fixed_dictionaries({"name": scalars, "outward": scalars}), scalars),
                                                       "outwardIssue": st.one_of(st.fixed_dictionaries({"key": issue_keys}), scalars),
                                                       "inwardIssue": st.one_of(st.fixed_dictionaries({"key": issue_keys}), scalars)}), max_size=3)
FIELD_VALUES = {
    "summary": texts, "description": st.one_of(texts, adf), "status": st.fixed_dictionaries({"name": scalars}, optional={"statusCategory": st.fixed_dictionaries({"key": scalars})}),
    "issuetype": named, "priority": named, "labels": st.lists(scalars, max_size=3), "components": st.lists(named, max_size=3),
    "fixVersions": st.lists(named, max_size=2), "assignee": users, "reporter": users, "created": st.sampled_from(DATES[:1] * 6 + DATES),
    "updated": st.sampled_from(DATES[:1] * 6 + DATES), "resolutiondate": st.sampled_from(DATES[:1] * 6 + DATES), "parent": st.fixed_dictionaries({"key": issue_keys}),
    "issuelinks": links, "comment": st.fixed_dictionaries({"comments": st.lists(st.fixed_dictionaries({"author": users}), max_size=2)}),
    "customfield_10020": st.one_of(st.lists(sprints, max_size=3), sprints), "customfield_10016": scalars,
    "customfield_10001": st.one_of(named, st.fixed_dictionaries({"title": scalars, "isShared": st.booleans()})), "customfield_10014": issue_keys,
}


@st.composite
def jira_issues(draw):
    fields = {}
    for name in draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), max_size=9, unique=True)):
        fields[name] = draw(st.one_of(FIELD_VALUES[name], FIELD_VALUES[name], json_values))  # mostly the right shape
    issue = {"key": draw(issue_keys), "fields": draw(st.one_of(st.just(fields), st.just(fields), json_values))}
    if draw(st.booleans()):
        issue["changelog"] = {"histories": draw(st.lists(st.fixed_dictionaries(
            {"created": st.sampled_from(DATES), "author": users,
             "items": st.lists(st.dictionaries(st.sampled_from(["field", "fieldId", "from", "to", "fromString", "toString"]),
                                               st.one_of(scalars, st.sampled_from(["Sprint", "status", "assignee", "Story Points", "1, 2"]))), max_size=3)}), max_size=3))}
    return issue


@st.composite
def jira_docs(draw):
    kind = draw(st.sampled_from(["v2", "v2", "v2", "v3", "v3", "issue", "issue", "sprints", "sprint", "fields", "any"]))
    if kind == "v2":
        return {"startAt": draw(st.integers(-2, 5)), "maxResults": 50, "total": draw(st.integers(-1, 6)), "issues": draw(st.lists(jira_issues(), max_size=4))}
    if kind == "v3":
        return {"issues": draw(st.lists(jira_issues(), max_size=4)), "isLast": draw(st.booleans()), "nextPageToken": "t"}
    if kind == "issue":
        return draw(jira_issues())
    sprint = st.fixed_dictionaries({"id": scalars, "name": scalars, "state": scalars},
                                   optional={"startDate": st.sampled_from(DATES), "originBoardId": scalars, "goal": scalars})
    if kind == "sprints":
        return {"values": draw(st.lists(sprint, max_size=4))}
    if kind == "sprint":
        return draw(sprint)
    if kind == "fields":
        return draw(st.lists(st.fixed_dictionaries({"id": st.sampled_from(["customfield_10020", "customfield_10016", "summary"]),
                                                    "name": st.sampled_from(["Sprint", "Story Points", "Team", "Epic Link", "x"]),
                                                    "schema": json_values}), min_size=1, max_size=3))
    return draw(json_values)


XML_TAGS = ["key", "summary", "type", "status", "statusCategory", "priority", "assignee", "reporter", "created", "updated",
            "resolved", "description", "labels", "label", "component", "fixVersion", "parent", "customfields", "customfield",
            "customfieldname", "customfieldvalues", "customfieldvalue", "issuelinks", "issuelinktype", "name", "outwardlinks",
            "inwardlinks", "issuelink", "issuekey", "comments", "comment", "project", "watchers", "watcher"]
_XML_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0x2FFF) | st.sampled_from(["\n", "\t", "\r"])
XML_TEXT = st.one_of(st.text(_XML_CHARS, max_size=12), st.sampled_from(
    ["inf", "1e999", "Infinity", "abc", "Sat, 1 Jan 1600 00:00:00 +0000", "Mon, 1 Jan 0001 00:00:00 +0000",  # issue 10
     "Fri, 31 Dec 9999 23:59:59 +1400", "1600-01-01T00:00:00+0000", "&lt;a " * 20,
     "PAY-1", "A-1", "Sprint", "Story Points", "Team", "Epic Link", "3.5", "lots", "Sun, 8 Sep 2024 17:43:07 +0300",
     "Mon, 31 Feb 2024 10:00:00 +0000", "2024-03-05", "yesterday", "<p>x &amp; y</p>", "-1", "Blocks",
     "com.atlassian.greenhopper.service.sprint.Sprint@1[id=1,name=S,startDate=bad]"]))
XML_ATTRS = st.dictionaries(st.sampled_from(["id", "key", "accountid", "username", "author", "description", "total", "end", "start"]), XML_TEXT, max_size=2)


def _element(tag: str, attrs: dict, body: str) -> str:
    a = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    return f"<{tag}{a}>{body}</{tag}>"


def _el(tag, body=XML_TEXT, attrs=XML_ATTRS):
    return st.builds(lambda a, b: _element(tag, a, b if isinstance(b, str) and b.startswith("<") and b.endswith(">") and "</" in b else escape(b)), attrs, body)


_date = st.one_of(st.sampled_from(["Sun, 8 Sep 2024 17:43:07 +0300", "Tue, 5 Mar 2024 18:39:11 -0800"]), XML_TEXT)
_leaf = st.builds(lambda tag, attrs, text: _element(tag, attrs, escape(text)), st.sampled_from(XML_TAGS[1:]), XML_ATTRS, XML_TEXT)
_cf = st.builds(lambda name, key, vals: _element("customfield", {"id": "customfield_1", "key": key}, _element("customfieldname", {}, escape(name))
                                                 + _element("customfieldvalues", {}, "".join(vals))),
                st.sampled_from(["Sprint", "Story Points", "Story point estimate", "Team", "Epic Link", "Rank"]),
                st.sampled_from(["", "com.pyxis.greenhopper.jira:gh-sprint", "x"]), st.lists(_el("customfieldvalue"), max_size=3))
_links = st.builds(lambda name, keys, d: _element("issuelinks", {}, _element("issuelinktype", {}, _element("name", {}, escape(name)) + _element(
                   d, {"description": "blocks"}, "".join(_element("issuelink", {}, _element("issuekey", {}, escape(k))) for k in keys)))),
                   XML_TEXT, st.lists(XML_TEXT, max_size=3), st.sampled_from(["outwardlinks", "inwardlinks"]))
_item_child = st.one_of(
    _el("summary"), _el("type"), _el("status"), _el("statusCategory"), _el("assignee"), _el("reporter"), _el("created", _date),
    _el("updated", _date), _el("resolved", _date), _el("description"), _el("parent"), _el("component"),
    st.builds(lambda ls: _element("labels", {}, "".join(ls)), st.lists(_el("label"), max_size=3)),
    st.builds(lambda cs: _element("customfields", {}, "".join(cs)), st.lists(_cf, max_size=3)),
    _links, st.builds(lambda cs: _element("comments", {}, "".join(cs)), st.lists(_el("comment"), max_size=2)), _leaf,
)
_key = st.one_of(st.sampled_from(["PAY-1", "PAY-2", "A-1"]), st.sampled_from(["PAY-3", "ID-7"]), st.sampled_from(["OPS-1", "X-9"]), XML_TEXT)


@st.composite
def rss_docs(draw):
    items = []
    for _ in range(draw(st.integers(0, 3))):
        kids = draw(st.lists(_item_child, max_size=8))
        if draw(st.integers(0, 9)) < 9:  # an item without <key> now and then
            kids.insert(draw(st.integers(0, len(kids))), _element("key", {}, escape(draw(_key))))
        items.append("<item>" + "".join(kids) + "</item>")
    head = draw(st.sampled_from(["", "This XML file does not appear to have any style information.\n", "<?xml version='1.0' encoding='UTF-8'?>\n", "junk\r\n"]))
    declared = draw(st.one_of(st.just(""), st.builds(lambda a: _element("issue", a, ""), XML_ATTRS)))  # <issue start= end= total=>
    return head + '<rss version="0.92"><channel>' + declared + "".join(items) + "</channel></rss>"


def _real(kind: str) -> list[bytes]:
    folder = EXPORTS / kind
    return [p.read_bytes() for p in sorted(folder.glob(f"*.{kind}"))] if folder.is_dir() else []


REAL_JSON = _real("json")
REAL_XML = _real("xml")
TEMPLATE_XML = ('<rss version="0.92"><channel><item><key>PAY-1</key><summary>s</summary><created>Sun, 8 Sep 2024 17:43:07 +0300</created>'
                '<assignee accountid="a1">Ann</assignee><customfields><customfield id="customfield_10020" key="com.pyxis.greenhopper.jira:gh-sprint">'
                '<customfieldname>Sprint</customfieldname><customfieldvalues><customfieldvalue id="1">S 1</customfieldvalue></customfieldvalues>'
                "</customfield></customfields></item></channel></rss>").encode()
TEMPLATE_JSON = json.dumps({"startAt": 0, "total": 1, "issues": [{"key": "PAY-1", "fields": {"summary": "s", "created": "2024-03-05T10:00:00.000+0100",
                            "customfield_10020": [{"id": 1, "name": "S 1", "state": "active"}], "issuelinks": [{"type": {"name": "Blocks"}, "outwardIssue": {"key": "A-2"}}]}}]}).encode()


@st.composite
def mutated(draw, sources: list[bytes]):
    data = bytearray(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "flip", "insert", "delete"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "cut":
            del data[pos:]
        elif op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from([b"<", b">", b"{", b"}", b'"', b",", b"&", b"\x00", b"\xff", b"]]>", b"<item>", b"null", b"[]",
                                                  b"Infinity", b"1e999", b"9" * 5000, b"\\ud800", b"&lt;a " * 30]))  # issue 10
        else:
            del data[pos:pos + draw(st.integers(1, 50))]
    return bytes(data)


def _read_bytes(reader, data: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"fuzz{suffix}"
        p.write_bytes(data)
        return _ok_or_format_error(reader, p)


# ---------------------------------------------------------------------------------------------
# properties (each run fast, and again under --runslow with many more cases)
# ---------------------------------------------------------------------------------------------


def _json_any(obj):
    _ok_or_format_error(parse_jira_json, [("fuzz.json", obj)])


def _sane(rec):
    """What a parser accepts is what the workspace can store: finite points, times in pandas' range."""
    assert rec["story_points"] is None or math.isfinite(rec["story_points"])
    for field in ("created", "updated", "resolved"):
        assert rec.get(field) is None or (str(rec[field].tz) == "UTC" and pd.Timestamp.min < rec[field].tz_convert(None) < pd.Timestamp.max)


def _json_shaped(docs):
    raws = _ok_or_format_error(parse_jira_json, [(f"d{i}.json", d) for i, d in enumerate(docs)])
    if raws is not None:
        for r in raws:
            for rec in r.issues:
                assert isinstance(rec["key"], str) and isinstance(rec["labels"], list)
                _sane(rec)


def _json_bytes(data):
    raws = _read_bytes(read_jira_json, data, ".json")
    for rec in (rec for r in raws or [] for rec in r.issues):
        _sane(rec)
        assert rec["summary"] is None or rec["summary"].encode("utf-8")  # no lone surrogate gets through


def _xml_text(text):
    _ok_or_format_error(parse_jira_xml, text, source="fuzz.xml")


def _xml_bytes(data):
    _read_bytes(read_jira_xml, data, ".xml")


def _xml_shaped(text):
    raw = _ok_or_format_error(parse_jira_xml, text, source="fuzz.xml")
    if raw is not None:
        for rec in raw.issues:
            assert isinstance(rec["key"], str) and all(isinstance(s, str) for s in rec["sprints"])
            _sane(rec)


# name, property, strategy, examples in the normal run (generating the structured
# documents costs more than parsing them, so those get fewer); --runslow: 20x as many.
_CASES = [
    ("json_any_value", _json_any, json_values, 300),
    ("json_jira_shaped", _json_shaped, st.lists(jira_docs(), min_size=1, max_size=3), 100),
    ("json_bytes", _json_bytes, st.binary(max_size=200), 300),
    ("json_mutated", _json_bytes, mutated(REAL_JSON + [TEMPLATE_JSON]), 300),
    ("xml_text", _xml_text, st.text(alphabet=st.sampled_from(list("<>/?!-=\"' rsitemkychanl&;#x[]\n")), max_size=120), 300),
    ("xml_shaped", _xml_shaped, rss_docs(), 100),
    ("xml_bytes", _xml_bytes, st.binary(max_size=200), 300),
    ("xml_mutated", _xml_bytes, mutated(REAL_XML + [TEMPLATE_XML]), 300),
]


@pytest.mark.parametrize("name, check, strategy, n", _CASES, ids=[c[0] for c in _CASES])
def test_fuzz(name, check, strategy, n):
    _settings(n)(given(strategy)(check))()


@pytest.mark.slow
@pytest.mark.parametrize("name, check, strategy, n", _CASES, ids=[c[0] for c in _CASES])
def test_fuzz_many(name, check, strategy, n):
    _settings(20 * n)(given(strategy)(check))()


@_settings(40)
@given(st.lists(jira_docs(), min_size=1, max_size=3))
def test_parsed_json_assembles(docs):
    """What the parser accepts, the assembler turns into a valid Backlog."""
    raws = _ok_or_format_error(parse_jira_json, [(f"d{i}.json", d) for i, d in enumerate(docs)])
    if raws is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AttnTeamWarning)
            assemble(raws)


@_settings(40)
@given(rss_docs())
def test_parsed_xml_assembles(text):
    raw = _ok_or_format_error(parse_jira_xml, text, source="fuzz.xml")
    if raw is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AttnTeamWarning)
            assemble(raw)


@pytest.mark.parametrize("kind", ["json", "xml"])
def test_every_truncation_of_real_files_is_a_format_error(kind, shared_data):
    """Cutting a real export anywhere before its end gives a JiraFormatError naming the file and line."""
    reader = read_jira_json if kind == "json" else read_jira_xml
    files = sorted((shared_data / "jira-exports" / kind).glob(f"*.{kind}"))
    assert files
    for path in files:
        data = path.read_bytes()
        end = len(data.rstrip())
        for cut in range(0, end - 1, max(1, end // 40)):
            with tempfile.TemporaryDirectory() as d:
                p = Path(d) / path.name
                p.write_bytes(data[:cut])
                with pytest.raises(JiraFormatError) as ei:
                    reader(p)
                assert path.name in str(ei.value)
                if data[:cut].strip():
                    assert ei.value.line is not None, str(ei.value)
