"""Fuzzing the CSV importer: whatever the input, the result is a RawExport or a JiraFormatError.

The normal run tries a few thousand inputs (kept fast with ``max_examples``); the
``slow`` variants (``--runslow``) try many more.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attn_team.errors import JiraFormatError
from attn_team.io._assemble import RawExport, assemble
from attn_team.io._csv import decode_jira_bytes, parse_jira_csv

# skipped-parent / unknown-epic warnings are expected on random input
pytestmark = pytest.mark.filterwarnings("ignore::attn_team.errors.AttnTeamWarning")

FAST = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADERS = [
    "Issue key", "Issue id", "Summary", "Issue Type", "Status", "Status Category", "Project key", "Priority",
    "Assignee", "Assignee Id", "Reporter", "Reporter Id", "Created", "Updated", "Resolved", "Labels", "Sprint",
    "Watchers", "Watchers Id", "Comment", "Parent", "Parent key", "Custom field (Epic Link)", "Description",
    "Custom field (Story Points)", "Custom field (Story point estimate)", "Custom field (Team)", "Components",
    "Inward issue link (Blocks)", "Outward issue link (Cloners)", "Clave de incidencia", "Creada", "Etiquetas",
    "Campo personalizado (Story Points)", "Enlace a la incidencia interna (Relates)", "Principal", "Clave principal",
    "Log Work", "Attachment", "Custom field (Department)", "",
]
CELLS = st.one_of(
    st.sampled_from([
        "", "A-1", "A-2", "B-10", "PROJ-123", "10/nov/25 4:51 PM", "25/Oct/25 12:53 PM", "2025-11-10T16:51:00.000+0000",
        "31/foo/25 1:00 PM", "3", "2,5", "x", "Sprint 1", "Epic", "Subtarea", "Done", "Por hacer", "acc-1", "Ann",
        "05/Sep/25 7:24 AM;acc-1;hi", ";;", "101", "*bold* {code}x{code}", 'say "hi"', "a,b", "line\nbreak", "crlf\r\n", "\r",
        # issue 10: infinite story points, dates pandas cannot hold, markup that was quadratic
        "inf", "1e999", "Infinity", "-inf", "1600-01-01T00:00:00.000+0000", "0001-01-01", "9999-12-31T23:59:59+14:00",
        "{{" * 20, "[~x" * 20, "{code:" * 10, "h1." + "\n" * 30,
    ]),
    st.text(max_size=12),
)


def _render(header, rows, *, lineterminator="\n"):
    """CSV as Jira writes it: cells with a comma, quote or any line break are quoted."""

    def cell(v):
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v

    return "".join(",".join(cell(v) for v in r) + lineterminator for r in [header, *rows])


@st.composite
def jira_like(draw):
    """A CSV that looks like a Jira export, often slightly broken (row lengths, cut, noise)."""
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=12))
    if draw(st.booleans()):
        header = ["Issue key", *header]
    n = len(header)
    rows = draw(st.lists(st.lists(CELLS, min_size=max(0, n - 1), max_size=n + 1), max_size=6))
    text = _render(header, rows, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    cut = draw(st.one_of(st.none(), st.integers(0, len(text))))
    if cut is not None:
        text = text[:cut]
    if draw(st.booleans()):
        pos = draw(st.integers(0, len(text)))
        text = text[:pos] + draw(st.text(alphabet=',;"\n\r\t\x00x', max_size=3)) + text[pos:]
    if draw(st.integers(0, 9)) == 0:  # a header quote never closed (issue 10)
        text = text.replace(",", ',"', 1)
    return text


@st.composite
def valid_export(draw):
    """A well-formed export: unique keys, one cell per header column, readable dates and numbers."""
    n = draw(st.integers(0, 8))
    keys = [f"K-{i}" for i in draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))]
    text_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
    summaries = draw(st.lists(text_cell, min_size=n, max_size=n))
    labels = draw(st.lists(st.lists(st.sampled_from(["", "a", "b c", "d,e", 'q"q']), min_size=2, max_size=2), min_size=n, max_size=n))
    dates = draw(st.lists(st.sampled_from(["", "10/nov/25 4:51 PM", "25/Oct/25 12:53 AM", "2025-01-02T03:04:05.000+0000"]), min_size=n, max_size=n))
    points = draw(st.lists(st.sampled_from(["", "1", "0.5", "13"]), min_size=n, max_size=n))
    header = ["Summary", "Issue key", "Labels", "Labels", "Created", "Custom field (Story Points)"]
    rows = [[s, k, *lab, d, p] for s, k, lab, d, p in zip(summaries, keys, labels, dates, points)]
    return _render(header, rows, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))), rows


def _only_format_errors(text):
    try:
        raw = parse_jira_csv(text, source="fuzz.csv")
    except JiraFormatError as exc:
        assert exc.file == "fuzz.csv"
        return None
    assert isinstance(raw, RawExport)
    keys = [i["key"] for i in raw.issues]
    assert len(keys) == len(set(keys))
    assert all(pd.isna(r.get("story_points")) or math.isfinite(r["story_points"]) for r in raw.issues)  # never inf
    return raw


class TestFuzz:
    @FAST
    @given(st.text(max_size=200))
    def test_any_text(self, text):
        _only_format_errors(text)

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(jira_like())
    def test_jira_like(self, text):
        raw = _only_format_errors(text)
        if raw is not None:
            assemble(raw)  # what parses also assembles into a valid Backlog

    @FAST
    @given(st.binary(max_size=200))
    def test_any_bytes(self, data):
        try:
            text, _ = decode_jira_bytes(data, file="fuzz.csv")
        except JiraFormatError:
            return
        _only_format_errors(text)

    @settings(max_examples=300, deadline=None)
    @given(valid_export())
    def test_valid_exports_round_trip(self, export):
        text, rows = export
        raw = parse_jira_csv(text, source="ok.csv")
        assert [i["key"] for i in raw.issues] == [r[1] for r in rows]
        for issue, row in zip(raw.issues, rows):
            assert issue["labels"] == [x for x in row[2:4] if x]
            assert issue["summary"] == (row[0].replace("\r\n", "\n") or None)
            assert (issue["created"] is None) == (row[4] == "")
            assert issue["story_points"] == (float(row[5]) if row[5] else None)


@pytest.mark.slow
class TestFuzzSlow:
    @SLOW
    @given(st.text(max_size=2000))
    def test_any_text(self, text):
        _only_format_errors(text)

    @SLOW
    @given(jira_like())
    def test_jira_like(self, text):
        raw = _only_format_errors(text)
        if raw is not None:
            assemble(raw)
