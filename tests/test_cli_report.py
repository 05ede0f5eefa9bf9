"""``attn-team suggest`` and ``attn-team report``: formats, formula-safe CSV, escaping, errors."""

from __future__ import annotations

import contextlib
import csv
import io
import json

import pandas as pd
import pytest

from attn_team.attention._fitted import BacklogAttention
from attn_team import cli
from attn_team._commands import report as report_cmd
from attn_team._commands import suggest as suggest_cmd
from attn_team._commands.suggest import csv_safe
from attn_team.model import Backlog

EVIL = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR",
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def _backlog() -> Backlog:
    keys = [f"A-{i}" for i in range(len(EVIL))] + [f"B-{i}" for i in range(len(EVIL))]
    summaries = EVIL + [f"partner {i}" for i in range(len(EVIL))]
    teams = ["Alpha"] * len(EVIL) + ["Beta"] * len(EVIL)
    sprints = pd.DataFrame([("1", "S1", "closed", "2026-01-05", "2026-01-19", "2026-01-19")],
                           columns=["sprint_id", "name", "state", "start", "end", "complete"])
    return Backlog(items={"key": keys, "summary": summaries, "team": teams, "status": ["To Do"] * len(keys),
                          "status_category": ["todo"] * len(keys), "sprints": [["1"]] * len(keys),
                          "type": ["Story"] * len(keys), "team_rule": ["project"] * len(keys)},
                   sprints=sprints).validate()


def _edges(backlog=None):
    n = len(EVIL)
    df = pd.DataFrame({"source": [f"A-{i}" for i in range(n)], "target": [f"B-{i}" for i in range(n)],
                       "weight": [0.5 - i * 0.01 for i in range(n)], "score": [0.9 - i * 0.01 for i in range(n)]})
    df["text"] = df["score"]
    df["reason"] = "=cmd|' /C calc'!A0"
    return df


@pytest.fixture
def fake_workspace(monkeypatch):
    b = _backlog()

    @contextlib.contextmanager
    def fake(args):
        yield b, None

    monkeypatch.setattr(suggest_cmd, "workspace_backlog", fake)
    monkeypatch.setattr(report_cmd, "workspace_backlog", fake)
    monkeypatch.setattr(BacklogAttention, "fit", classmethod(lambda cls, backlog, **kw: cls(backlog, _FakeModel())))
    return b


class _FakeModel:
    calls = 0

    def attend(self, backlog, to="items", k=20, *, queries=None):
        type(self).calls += 1
        return type("Att", (), {"edges": _edges(), "to": to})()


@pytest.mark.parametrize("value, expected", [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"),
                                             ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), (None, ""),
                                             (0.5, "0.5"), (-0.5, "'-0.5")])
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected


def test_suggest_csv_is_formula_safe(fake_workspace, capsys):
    assert cli.main(["suggest", "--format", "csv", "--top", "50"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == len(EVIL)
    for r in rows:
        for v in r.values():
            assert not v or v[0] not in "=+-@\t\r", v
    assert {r["source_summary"] for r in rows} >= {"'=HYPERLINK(\"http://evil\",\"x\")", "'+1+1", "'@SUM(A1)"}
    assert "<script>alert(1)</script>" in {r["source_summary"] for r in rows}  # CSV is data, not HTML


def test_suggest_json_and_table(fake_workspace, capsys):
    assert cli.main(["suggest", "--format", "json", "--top", "3", "--team", "Beta"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert [r["rank"] for r in recs] == [1, 2, 3] and recs[0]["source_team"] == "Alpha"
    assert cli.main(["suggest"]) == 0
    assert "A-0" in capsys.readouterr().out


def test_suggest_unknown_team_is_a_clear_error(fake_workspace, capsys):
    assert cli.main(["suggest", "--team", "Gamma"]) == 1
    assert "no team 'Gamma'" in capsys.readouterr().err


def test_report_html_and_md(fake_workspace, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert cli.main(["report", "--out", str(out)]) == 0
    h = out.read_text(encoding="utf-8")
    assert "<script>alert" not in h and "&lt;script&gt;alert(1)&lt;/script&gt;" in h
    assert cli.main(["report", "--last", "--out", str(tmp_path / "r.md")]) == 0
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert md.startswith("# Sprint report: S1") and "<img" not in md
    assert cli.main(["report", "--sprint", "S1", "--format", "md", "--out", str(tmp_path / "x.txt")]) == 0
    assert (tmp_path / "x.txt").read_text(encoding="utf-8").startswith("# ")
    assert "wrote" in capsys.readouterr().out


def test_report_unknown_sprint(fake_workspace, tmp_path, capsys):
    assert cli.main(["report", "--sprint", "nope", "--out", str(tmp_path / "r.html")]) == 1
    assert "no sprint 'nope'" in capsys.readouterr().err


def test_missing_workspace_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["suggest", "--workspace", str(tmp_path / "none.duckdb")]) == 1
    assert "no workspace" in capsys.readouterr().err


def test_report_from_a_real_workspace(tmp_path, capsys):
    from attn_team.workspace import Workspace

    ws_path = tmp_path / "ws.duckdb"
    with Workspace(ws_path) as ws:
        ws.import_backlog(_backlog(), label="test")
    out = tmp_path / "r.md"
    assert cli.main(["report", "--workspace", str(ws_path), "--no-attention", "--out", str(out)]) == 0
    md = out.read_text(encoding="utf-8")
    assert "# Sprint report: S1" in md and "<script>" not in md
    assert "no sprint history" in md  # no events in this backlog: said, not invented
    assert "project: 16 items" in md  # the rule that decided teams


def test_item_attention_is_cached_in_the_workspace(tmp_path, monkeypatch):
    from attn_team.workspace import Workspace

    monkeypatch.setattr(BacklogAttention, "fit", classmethod(lambda cls, backlog, **kw: cls(backlog, _FakeModel())))
    _FakeModel.calls = 0
    with Workspace(tmp_path / "ws.duckdb") as ws:
        ws.import_backlog(_backlog(), label="test")
        b = ws.backlog()
        first = suggest_cmd.item_attention(b, ws).edges("items")
        second = suggest_cmd.item_attention(b, ws).edges("items")
        assert _FakeModel.calls == 1  # the second run reads the cached edges
        assert list(second["source"]) == list(first["source"]) and second["score"].tolist() == first["score"].tolist()
        suggest_cmd.item_attention(b, ws, refit=True)
        assert _FakeModel.calls == 2
        ws.import_backlog(_backlog().replace(items=_backlog().items.head(4)), label="changed")
        suggest_cmd.item_attention(ws.backlog(), ws)
        assert _FakeModel.calls == 3  # a new import invalidates the cache
