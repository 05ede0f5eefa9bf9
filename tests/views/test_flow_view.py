"""The flow report, its charts and the sprint report's at-risk delay: content, escaping, formats."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from attn_team._svg_flow import histogram_chart, point_chart, stacked_area_chart
from attn_team.insights._flow import flow_metrics
from attn_team.insights._forecast import forecast
from attn_team.insights._sprints import at_risk_dependencies
from attn_team.model import Backlog
from attn_team.views._flow_view import FlowReport, aging_chart, at_risk_delay, cfd_chart, cycle_time_chart, forecast_chart
from attn_team.views._report import SprintReport

EVIL = "<script>alert(1)</script>"
NOW = pd.Timestamp("2026-02-01", tz="UTC")


def _backlog() -> Backlog:
    """Teams <b>A</b> and B; A-1..A-6 finish (A-5, A-6 waited on B-1), A-7 is in progress and waits on B-2."""
    rows, ev = [], []
    for i in range(1, 8):
        rows.append((f"A-{i}", "<b>A</b>", "Done" if i < 7 else "In Progress", "done" if i < 7 else "in_progress",
                     EVIL if i == 1 else f"=cmd {i}"))
        ev.append((f"A-{i}", f"2026-01-{i + 1:02d}", "To Do", "In Progress"))
        if i < 7:
            ev.append((f"A-{i}", f"2026-01-{i + 3 + (6 if i >= 5 else 0):02d}", "In Progress", "Done"))
    rows += [("B-1", "B", "Done", "done", "b1"), ("B-2", "B", "To Do", "todo", "b2")]
    ev.append(("B-1", "2026-01-20", "To Do", "Done"))
    items = pd.DataFrame(rows, columns=["key", "team", "status", "status_category", "summary"])
    items["created"] = "2026-01-01"
    items["type"] = "Story"
    items["sprints"] = [["1"]] * len(items)
    events = pd.DataFrame(ev, columns=["key", "at", "from", "to"]).assign(field="status", origin="changelog")
    links = pd.DataFrame([("B-1", "A-5", "Blocks", "dependency", "blocks"), ("B-1", "A-6", "Blocks", "dependency", "blocks"),
                          ("B-2", "A-7", "Blocks", "dependency", "blocks")],
                         columns=["source_key", "target_key", "link_type", "category", "label"])
    sprints = pd.DataFrame([("1", "S1", "active", "2026-01-01", "2026-02-14", None)],
                           columns=["sprint_id", "name", "state", "start", "end", "complete"])
    return Backlog(items=items, events=events, links=links, sprints=sprints)


class TestCharts:
    def test_point_chart_escapes_and_draws(self):
        svg = point_chart([0.1, 0.9], [2.0, 5.0], tips=[EVIL, "ok"], lines={"85%": 4.0}, title=EVIL)
        assert "<script>" not in svg and "&lt;script&gt;" in svg
        assert svg.count("<circle") == 2 and "stroke-dasharray" in svg
        assert "no data" in point_chart([], [])

    def test_stacked_area_and_histogram(self):
        svg = stacked_area_chart(["d1", "d2", "d3"], {"done": [0, 1, 2], "in_progress": [2, 1, 0]})
        assert svg.count("<polygon") == 2
        h = histogram_chart([3, 4, 5], [10, 30, 5], marks={"85%": 4})
        assert h.count("<rect") == 3 and "85%" in h
        assert h._repr_svg_() == str(h)

    def test_flow_charts(self):
        fm = flow_metrics(_backlog(), now=NOW)
        sc = cycle_time_chart(fm)
        # A-1..A-6 and B-1 (To Do -> Done: cycle 0)
        assert sc.count("<circle") == 7 and "waited on another team" in sc and "&lt;b&gt;A&lt;/b&gt;" in sc
        assert "<polygon" in cfd_chart(fm) and aging_chart(fm).count("<circle") == 1
        fc = forecast(_backlog(), items=3, random_state=0, now=NOW, window=30)
        assert "<rect" in forecast_chart(fc)

    def test_scatters_are_capped_and_say_so(self, monkeypatch):
        """Above MAX_POINTS a scatter draws the latest finished (oldest in progress) items and says how many."""
        import attn_team.views._flow_view as fv

        monkeypatch.setattr(fv, "MAX_POINTS", 3)
        fm = flow_metrics(_backlog(), now=NOW)
        sc = cycle_time_chart(fm)
        assert sc.count("<circle") == 3 and "the latest 3 of 7 items" in sc
        done = fm.cycle_times.dropna(subset=["cycle_time_days"]).sort_values("end")
        drawn = set(re.findall(r"<title>([A-Z]-\d) \(", sc))
        assert drawn == set(done["key"].tail(3))
        assert aging_chart(fm).count("<circle") == 1  # one item in progress: under the cap, no note
        assert "oldest" not in aging_chart(fm)


@pytest.fixture(scope="module")
def report():
    return FlowReport(_backlog(), now=NOW, random_state=0, runs=2000)


class TestFlowReport:
    def test_html_is_self_contained_and_escaped(self, report):
        html = report.html()
        assert "<script" not in html.lower().replace("&lt;script", "")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;A&lt;/b&gt;" in html
        assert "Content-Security-Policy" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
        for section in ("Cycle time and lead time", "What waiting on another team costs", "Forecasts",
                        "Ageing work in progress", "Stages", "Definitions"):
            assert section in html
        assert html.count("<svg") >= 7

    def test_markdown_escaped(self, report):
        md = report.markdown()
        assert "<script>" not in md and "<b>" not in md
        assert "## What waiting on another team costs" in md

    def test_json_and_cycle_time_data(self, report, tmp_path):
        doc = json.loads(report.write(tmp_path / "f.json").read_text(encoding="utf-8"))
        assert {"percentiles", "dependency_cost", "cycle_times", "forecasts"} <= set(doc)
        cost = next(r for r in doc["dependency_cost"] if r["team"] == "<b>A</b>")
        # A-1..A-4 took 2 days, A-5 and A-6 (waited on B-1) took 8
        assert cost["n_waited"] == 2 and cost["difference_days"] == 6.0
        ct = report.cycle_time_data()
        assert ct.set_index("key").loc["A-7", "waited_on"] == "B-2"
        with pytest.raises(ValueError, match="cannot tell the format"):
            report.write(tmp_path / "f.txt")

    def test_team_and_notebook_repr(self):
        r = FlowReport(_backlog(), team="B", now=NOW, runs=500)
        assert "Flow: B" in r._repr_mimebundle_()["text/html"]
        with pytest.raises(KeyError, match="no team"):
            FlowReport(_backlog(), team="nope").html()


class TestAtRiskDelay:
    def test_delay_of_the_team(self):
        b = _backlog()
        ar = at_risk_dependencies(b, "S1", use_attention=False, now=NOW)
        assert list(ar["key"]) == ["A-7"]
        d = at_risk_delay(b, ar)
        assert d["typical_delay_days"].iloc[0] == 6.0 and "2 items that waited" in d["delay_basis"].iloc[0]

    def test_in_the_sprint_report(self):
        rep = SprintReport(_backlog(), "S1", attention=False, now=NOW)
        html = rep.html()
        i = html.index("What these dependencies typically cost")
        assert re.search(r"<td class=num>6</td>", html[i:]) and "<svg" in html[i:]
        md = rep.markdown()
        sec = md.split("### What these dependencies typically cost")[1].split("##")[0]
        assert "| A-7 |" in sec and "| 6 |" in sec and "&lt;b&gt;A&lt;/b&gt;" in sec and "<b>" not in md
