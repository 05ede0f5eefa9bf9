"""SprintReport: content, escaping (HTML, Markdown, SVG), empty inputs, and a real-browser check."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from attn_team import _svg
from attn_team.model import Backlog
from attn_team.views._report import SprintReport, md_escape

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
NOW = pd.Timestamp("2026-02-05 12:00", tz="UTC")
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


def _backlog() -> Backlog:
    items = pd.DataFrame([
        ("PAY-1", "Pay", "p1", XSS_SCRIPT, "In Progress", "in_progress", 3, ["1"], "2026-01-01"),
        ("PAY-2", "Pay", "p2", "Refund report", "Done", "done", 5, ["1"], "2026-01-01"),
        ("ID-1", "Id", "i1", XSS_IMG, "To Do", "todo", 2, [], "2026-01-01"),
        ("ID-2", "Id", "i2", "=HYPERLINK(\"http://evil\")", "Done", "done", 1, ["1"], "2026-01-01"),
        ("SOLO-1", "Solo <b>", "s1", "Audit | export `code` *bold* [link](http://x)", "To Do", "todo", 1, ["1"], "2026-01-01"),
    ], columns=["key", "team", "assignee", "summary", "status", "status_category", "story_points", "sprints", "created"])
    items["resolved"] = [None, "2026-01-10", None, "2026-01-12", None]
    items["type"] = "Story"
    items["team_rule"] = "team_field"
    sprints = pd.DataFrame([("1", "Sprint <i>1</i>", "closed", "2026-01-05", "2026-01-19", "2026-01-19", "Ship <svg onload=alert(1)>")],
                           columns=["sprint_id", "name", "state", "start", "end", "complete", "goal"])
    events = pd.DataFrame([(k, "2026-01-04", "sprint", None, "1") for k in ("PAY-1", "PAY-2", "ID-2")]
                          + [("SOLO-1", "2026-01-08", "sprint", None, "1")], columns=["key", "at", "field", "from", "to"])
    links = pd.DataFrame([("PAY-1", "ID-1", "Blocks", "dependency", "is blocked by")],
                         columns=["source_key", "target_key", "link_type", "category", "label"])
    teams = pd.DataFrame([("Pay", "team_field", 2), ("Id", "team_field", 2), ("Solo <b>", "team_field", 1)],
                         columns=["team", "rule", "n_items"])
    people = pd.DataFrame([("p1", "Pat", "Pay"), ("p2", "Pia", "Pay"), ("i1", "Ida", "Id"), ("i2", "Ivo", "Id"),
                           ("s1", "Sol", "Solo <b>")], columns=["person", "display_name", "team"])
    return Backlog(items=items, sprints=sprints, events=events, links=links, teams=teams, people=people,
                   warnings=(f"skipped row 3: {XSS_IMG}",)).validate()


def _edges():
    rows = [("PAY-1", "ID-2", 0.4, 0.9), ("ID-2", "PAY-1", 0.3, 0.7), ("SOLO-1", "ID-1", 0.2, 0.8),
            ("PAY-2", "PAY-1", 0.5, 0.95)]
    df = pd.DataFrame(rows, columns=["source", "target", "weight", "score"])
    for h in ("text", "structure", "people", "time"):
        df[h] = df["score"] / 4
    df["reason"] = f"text: {XSS_SCRIPT}"
    return df


@pytest.fixture
def report():
    return SprintReport(_backlog(), attention=_edges(), now=NOW)


TEXTS = [XSS_SCRIPT, XSS_IMG, "<svg onload=alert(1)>", "Solo <b>", "<i>1</i>"]


class TestContent:
    def test_sections_and_numbers(self, report):
        d = report.data
        r = d["this"].iloc[0]
        assert (r.committed, r.added, r.completed, r.not_completed) == (3, 1, 2, 2)
        h = report.html()
        for title in ("Velocity and commitment", "Scope change", "At-risk cross-team dependencies",
                      "Likely cross-team dependencies", "Dependency graph", "Team coupling", "How teams were decided",
                      "Definitions"):
            assert title in h
        assert "committed-and-completed of committed" in h and "completed of committed" in h
        assert "team_field: 5 items" in h  # the rule that decided teams
        assert h.count("<svg") >= 4  # velocity (2), scope change, heatmap, graph

    def test_coupling_heatmap_capped_to_the_most_coupled_teams(self, report, monkeypatch):
        import attn_team.views._report as rep

        h = report.html()
        assert "most coupled of" not in h  # 3 teams: all drawn
        monkeypatch.setattr(rep, "HEATMAP_TEAMS", 2)
        capped = SprintReport(_backlog(), attention=_edges(), now=NOW).html()
        assert "(2 most coupled of 3 teams)" in capped
        heat = capped[capped.index("Attention mass from team"):]
        heat = heat[:heat.index("</svg>")]
        cells = re.findall(r"<title>([^<→]*) → ([^<]*): [^<]*</title>", heat)
        assert len(cells) == 4 and {a for a, _ in cells} == {"Pay", "Id"}  # Solo's mass (0.2) is the least

    def test_self_contained(self, report):
        h = report.html()
        assert "<script" not in h.lower()
        assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:|//)", h)
        assert "@import" not in h and "url(" not in h
        assert "Content-Security-Policy" in h and "script-src 'none'" in h

    def test_html_escapes_every_issue_text(self, report):
        h = report.html()
        for t in TEXTS:
            assert t not in h, t
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in h
        assert "&lt;img src=x onerror=alert(1)&gt;" in h
        assert "onerror=alert" not in h.replace("&lt;img src=x onerror=alert(1)&gt;", "")

    def test_markdown_escapes(self, report):
        md = report.markdown()
        for t in TEXTS:
            assert t not in md, t
        assert "&lt;script&gt;" in md
        assert "\\|" in md and "\\[link\\]" in md  # table cells cannot break out, no live links
        assert "Sprint &lt;i&gt;1&lt;/i&gt;" in md

    def test_md_escape(self):
        assert md_escape("a|b <x> *y*\nz") == "a\\|b &lt;x&gt; \\*y\\* z"
        assert md_escape(None) == "" and md_escape(float("nan")) == ""

    def test_write_by_suffix_and_format(self, report, tmp_path):
        assert report.write(tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        assert report.write(tmp_path / "r.md").read_text(encoding="utf-8").startswith("# Sprint report")
        assert report.write(tmp_path / "r.txt", format="md").read_text(encoding="utf-8").startswith("# ")
        with pytest.raises(ValueError, match="cannot tell the report format"):
            report.write(tmp_path / "r.txt")

    def test_mimebundle_and_computed_once(self, report, monkeypatch):
        b = report._repr_mimebundle_()
        assert set(b) == {"text/plain", "text/html"} and "Sprint" in b["text/plain"]
        import attn_team.views._report as mod

        monkeypatch.setattr(mod, "sprint_metrics", lambda *a, **k: (_ for _ in ()).throw(AssertionError("recomputed")))
        report.markdown()
        report.html()

    def test_unknown_sprint(self):
        with pytest.raises(KeyError, match="no sprint 'nope'"):
            SprintReport(_backlog(), "nope", attention=False)


class TestEmpty:
    def test_no_sprints(self):
        r = SprintReport(Backlog(items={"key": ["A-1"], "summary": ["x"]}), attention=False, now=NOW)
        h = r.html()
        assert "no sprints" in h and r.sprint_name is None
        assert "no sprints" in r.markdown()

    def test_empty_backlog(self):
        r = SprintReport(Backlog(), now=NOW)
        assert "Sprint report" in r.html() and r.markdown()

    def test_sprint_with_no_items(self):
        b = _backlog()
        b = b.replace(sprints=pd.concat([b.sprints, pd.DataFrame([{"sprint_id": "2", "name": "Empty", "state": "closed",
                                                                     "start": pd.Timestamp("2026-01-20", tz="UTC"),
                                                                     "end": pd.Timestamp("2026-02-01", tz="UTC"),
                                                                     "complete": pd.Timestamp("2026-02-01", tz="UTC")}])]))
        r = SprintReport(b, "Empty", attention=_edges(), now=NOW)
        assert "has no items" in r.html() and "None found" in r.html()


class TestSvg:
    def test_every_chart_escapes(self):
        evil = XSS_SCRIPT
        outs = [
            _svg.bar_chart([evil], {evil: [1]}, title=evil, line_series={evil: [1]}),
            _svg.line_chart([evil], {evil: [1, 2]}, title=evil),
            _svg.diverging_bar_chart([evil], {evil: [1]}, {evil: [2]}, title=evil),
            _svg.heatmap_svg(pd.DataFrame([[1.0]], index=[evil], columns=[evil]), title=evil, marks=[(evil, evil)]),
            _svg.graph_svg({"nodes": [{"id": evil, "label": XSS_IMG, "team": evil}, {"id": "b", "team": "t"}],
                            "edges": [{"source": evil, "target": "b", "weight": 1, "reason": evil}], "meta": {"title": evil}}),
        ]
        for o in outs:
            assert o.startswith("<svg") and o.endswith("</svg>")
            assert "<script" not in o and "<img" not in o

    def test_graph_is_deterministic_and_capped(self):
        nodes = [{"id": f"N-{i}", "team": f"T{i % 3}"} for i in range(300)]
        edges = [{"source": f"N-{i}", "target": f"N-{(i * 7) % 300}", "weight": (i % 10) / 10} for i in range(300)]
        payload = {"nodes": nodes, "edges": edges, "meta": {"title": "g"}}
        a, b = _svg.graph_svg(payload, max_nodes=50), _svg.graph_svg(payload, max_nodes=50)
        assert a == b and "of 300 nodes" in a
        assert a.count("<circle") <= 50

    def test_empty_charts(self):
        assert "no data" in _svg.bar_chart([], {})
        assert "no data" in _svg.heatmap_svg(pd.DataFrame())
        assert "no nodes" in _svg.graph_svg({"nodes": [], "edges": []})


CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def test_real_browser_renders_without_running_anything(report, tmp_path):
    """Open the HTML report in Chromium: no dialog, no script, no network request; a PNG to look at."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    path = report.write(tmp_path / "report.html")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dialogs, requests, errors = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            # a canary: any script that runs would set this
            page.add_init_script("window.__ran = 0; window.alert = function(){ window.__ran++; };")
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            ran = page.evaluate("window.__ran")
            n_scripts = page.evaluate("document.scripts.length")
            title = page.title()
            text = page.inner_text("body")
            page.screenshot(path=str(ARTIFACTS / "sprint_report.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == [] and ran == 0 and n_scripts == 0 and errors == []
    assert [u for u in requests if not u.startswith("file:")] == []
    assert "Sprint <i>1</i>" in title  # shown as text, not markup
    assert XSS_SCRIPT in text and XSS_IMG in text  # visible as text


def test_a_fitted_model_attends_once_for_the_whole_report():
    calls = []

    class Model:
        def attend(self, backlog, to="items", k=20, *, queries=None):
            calls.append(to)
            return _edges()

    SprintReport(_backlog(), attention=Model(), now=NOW).html()
    assert calls == ["items"]


@pytest.mark.parametrize("text, expected", [
    ("# head", "\\# head"), ("- item", "\\- item"), ("1. x", "1\\. x"), ("> quote", "&gt; quote"),
    ("PAY-12 (x) [y](z)", "PAY-12 (x) \\[y\\](z)"), ("_u_ `c` ~s~", "\\_u\\_ \\`c\\` \\~s\\~"),
])
def test_md_escape_structure(text, expected):
    assert md_escape(text) == expected


class TestWhyFiguresDiffer:
    def test_team_filter_says_what_it_leaves_out(self):
        full = SprintReport(_backlog(), attention=False, now=NOW)
        pay = SprintReport(_backlog(), attention=False, now=NOW, team="Pay")
        assert full.data["this"].iloc[0].committed == 3 and pay.data["this"].iloc[0].committed == 2
        md = pay.markdown()
        assert md.startswith("# Sprint report: Sprint &lt;i&gt;1&lt;/i&gt; (team Pay)")
        assert "Counts cover team 'Pay' only: 2 of the 4 counted items" in md and "Id 1" in md
        assert "Counts cover team" not in full.markdown()

    def test_reduced_backlog_says_so(self):
        b = _backlog()
        small = b.replace(items=b.items.head(3))  # the teams table still counts the import's 5 items
        assert "holds 3 of the 5 items its import placed in teams" in SprintReport(small, attention=False, now=NOW).markdown()
        assert "its import placed in teams" not in SprintReport(b, attention=False, now=NOW).markdown()

    def test_left_out_types_are_named(self):
        b = _backlog()
        b = b.replace(items=b.items.assign(type=["Story", "Story", "Story", "Sub-task", "Story"]))
        assert "leave out 1 item(s) of this sprint that are epics or sub-tasks (Sub-task: 1)" in \
            SprintReport(b, attention=False, now=NOW).markdown()

    def test_unknown_team(self):
        with pytest.raises(KeyError, match="no team 'Nope'"):
            SprintReport(_backlog(), team="Nope", attention=False)


def test_strong_edge_sentence_comes_from_the_rule(monkeypatch):
    import attn_team.views._report as mod

    import attn_team.insights._coupling as coupling_mod

    for m in (mod, coupling_mod):
        monkeypatch.setattr(m, "strong_edge_definition", lambda *a, **k: "strong edge: RULE-FROM-RULES-MODULE")
    r = SprintReport(_backlog(), attention=_edges(), now=NOW)
    assert "RULE-FROM-RULES-MODULE" in r.html() and "RULE-FROM-RULES-MODULE" in r.markdown()
    assert "top 10%" not in r.markdown().replace("RULE-FROM-RULES-MODULE", "")


def test_report_says_when_no_cross_team_pair_is_possible(tmp_path):
    """One team: the report says so in one line with the fix, and uses no attention."""
    from attn_team.model import Backlog
    from attn_team.views._report import SprintReport

    items = {"key": [f"ONE-{i}" for i in range(6)], "summary": [f"task {i}" for i in range(6)],
             "project": ["ONE"] * 6, "team": ["ONE"] * 6, "team_rule": ["project"] * 6}
    rep = SprintReport(Backlog(items=items))
    assert rep.data["suggestions"] is None  # no attention used
    md = rep.markdown()
    assert "teams init" in md and "one team" in md.lower()
    assert "cycle time (similar history)" in md
