"""The sprint report on every real input: each real export in ../shared/data/jira-exports and both shipped samples.

For every file: ``attn-team import F``, then ``attn-team report`` as HTML and Markdown, default,
``--last`` and ``--sprint NAME``, all exit 0; the Python side (``sprint_metrics``,
``at_risk_dependencies``, ``SprintReport._repr_mimebundle_``) gives figures that agree with what is
in the file, and each figure the data cannot give says what data would give it.

Attention comes from the real model with a fake sentence embedder (tests/fakes.py), fitted once
per workspace and cached there by the CLI, so no file pays for MiniLM; one test runs the sample
CSV through the real default path (MiniLM) once, its attention cached in the workspace.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from fakes import BagOfWords

from attn_team import cli
from attn_team.attention._fitted import BacklogAttention
from attn_team.insights._sprint_state import (
    EXCLUDED_TYPES,
    counted_items,
    listing_sprint,
)
from attn_team.insights._sprints import NEEDS, at_risk_dependencies, sprint_metrics
from attn_team.io._detect import read_jira
from attn_team.views._report import SprintReport

REPO = Path(__file__).resolve().parents[2]
# the files to parametrize over, found as tests/conftest.py finds ../shared (the tests read them through shared_data)
EXPORTS = Path(os.environ.get("ATTN_TEAM_SHARED", REPO.parent / "shared")) / "data" / "jira-exports"
REAL = sorted(str(p.relative_to(EXPORTS)) for sub in ("csv", "xml", "json") for p in (EXPORTS / sub).glob("*.*")
              if p.suffix in (".csv", ".xml", ".json")) if EXPORTS.is_dir() else []
SAMPLES = ["jira-export.csv", "jira-json"]
NOW = pd.Timestamp("2025-11-05 14:00", tz="UTC")  # the samples' "now"


def _fake_fit(cls, backlog, **kw):
    from attn_team.attention._model import CrossAttention

    return cls(backlog, CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=2, progress=False).fit(backlog))


@pytest.fixture
def fake_fit(monkeypatch):
    """The real attention model with a fake sentence embedder (no MiniLM)."""
    monkeypatch.setattr(BacklogAttention, "fit", classmethod(_fake_fit))


def _sprint_names(ws_path: Path) -> list[str]:
    from attn_team.workspace import Workspace

    with Workspace(ws_path, read_only=True) as ws:
        return [str(n) for n in ws.backlog().sprints["name"].dropna()]


def _cli_matrix(path: Path, tmp_path: Path) -> dict[str, str]:
    """import, then report (HTML and Markdown; default, --last, --sprint NAME); every run exits 0."""
    ws = tmp_path / "ws.duckdb"
    assert cli.main(["import", str(path), "--workspace", str(ws)]) == 0
    names = _sprint_names(ws)
    which = {"default": [], "last": ["--last"]}
    if names:
        which["sprint"] = ["--sprint", names[0]]
    out = {}
    for label, extra in which.items():
        for suffix in ("html", "md"):
            target = tmp_path / f"{label}.{suffix}"
            assert cli.main(["report", "--workspace", str(ws), "--no-progress", *extra, "--out", str(target)]) == 0, (label, suffix)
            out[f"{label}.{suffix}"] = target.read_text(encoding="utf-8")
    return out


def _check_outputs(out: dict[str, str]) -> None:
    for name, text in out.items():
        if name.endswith(".html"):
            assert text.startswith("<!DOCTYPE html>") and "<script" not in text.lower(), name
            assert "Definitions" in text and "How teams were decided" in text, name
        else:
            assert text.startswith("# Sprint report"), name
            assert "## Definitions" in text and "## How teams were decided" in text, name


def _check_python_side(backlog) -> None:
    """Figures of each sprint against the file's own items; missing figures say what data would give them."""
    from attn_team.attention._model import CrossAttention

    m = sprint_metrics(backlog, now=NOW)
    counted = counted_items(backlog.items, EXCLUDED_TYPES)
    for r in m.itertuples():
        in_now = listing_sprint(counted, r.sprint_id)
        assert r.in_sprint_now == len(in_now), r.sprint
        assert r.done_now == int((in_now["status_category"] == "done").sum()), r.sprint
        assert r.done_now + r.not_done_now == r.in_sprint_now
        for col in ("committed", "completed", "carried_over", "say_do", "scope_change"):
            value = getattr(r, col)
            assert not pd.isna(value) or r.missing.get(col) in NEEDS, (r.sprint, col)
        if pd.isna(r.start):
            assert r.missing["committed"] in ("dates", "dates_history") and r.missing["completed"] == "dates"
    assert at_risk_dependencies(backlog, use_attention=False, now=NOW).columns[0] == "key"
    edges = CrossAttention(embedder=BagOfWords()).attend(backlog, to="items").edges if backlog.n_items >= 2 else None
    report = SprintReport(backlog, attention=edges if edges is not None else False, now=NOW)
    bundle = report._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"} and "<script" not in bundle["text/html"].lower()


@pytest.mark.parametrize("name", REAL)
def test_every_real_export(name, shared_data, tmp_path, fake_fit):
    path = shared_data / "jira-exports" / name
    out = _cli_matrix(path, tmp_path)
    _check_outputs(out)
    backlog = read_jira([str(path)])
    _check_python_side(backlog)
    if len(backlog.sprints) and backlog.sprints["start"].isna().all() and backlog.n_items:
        md = out["last.md"]
        # no sprint dates and no history: membership is there, each missing figure names the data that gives it
        assert "needs sprint dates" in md and NEEDS["dates"][1] in md.replace("\\", "")
        assert "the export has no sprint dates" in md


def test_real_csv_facts(shared_data, tmp_path):
    """What is really in two of the files, read independently of the metrics code."""
    b = read_jira([str(shared_data / "jira-exports" / "csv" / "watchers-comments-small.csv")])
    raw = pd.read_csv(shared_data / "jira-exports" / "csv" / "watchers-comments-small.csv", dtype=str)
    r = sprint_metrics(b).iloc[0]
    assert r.sprint == raw["Sprint"].dropna().unique()[0] and r.in_sprint_now == raw["Sprint"].notna().sum()
    done = raw.loc[raw["Sprint"].notna(), "Status Category"].eq("Done").sum() if "Status Category" in raw else \
        raw.loc[raw["Sprint"].notna(), "Resolved"].notna().sum()
    assert r.done_now == done
    assert r.missing["completed_points"] == "points"  # the Story Points columns are empty in this export
    es = read_jira([str(shared_data / "jira-exports" / "csv" / "es-locale-cloud.csv")])
    left = set(es.items["type"]) - set(counted_items(es.items, EXCLUDED_TYPES)["type"])
    assert left == {"Subtarea", "Epic"}  # Spanish sub-tasks are left out like English ones


@pytest.mark.parametrize("name", SAMPLES)
def test_shipped_samples(name, tmp_path, monkeypatch):
    """Both samples; the CSV through the real default path (MiniLM, fitted once, cached in the workspace)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    if name != "jira-export.csv":
        monkeypatch.setattr(BacklogAttention, "fit", classmethod(_fake_fit))
    path = REPO / "sample_data" / name
    out = _cli_matrix(path, tmp_path)
    _check_outputs(out)
    for text in out.values():
        assert "Likely cross-team dependencies not linked yet" in text and "Team coupling" in text
    backlog = read_jira([str(path)])
    _check_python_side(backlog)
    if name == "jira-export.csv":  # names, no dates, no history: what it can compute, and what would give the rest
        assert "needs sprint dates" in out["last.html"] and "done now" in out["last.html"]
    else:
        md = out["last.md"]
        picked = re.search(r"^# Sprint report: (.+)$", md, re.MULTILINE).group(1)
        assert "sprints closed on" in md and "pass --team" in md  # six teams' sprints closed the same day: says so
        board = re.search(rf"showing '{re.escape(picked)}' \(([^)]+)\)", md).group(1)
        assert f"(board {board})" in md  # the charts and table show that board's sprints only


def test_sample_json_carry_over_per_board_matches_truth():
    """The export names no board: boards come from the items, so 'next sprint' is the team's own (not interleaved)."""
    b = read_jira([str(REPO / "sample_data" / "jira-json")])
    truth = json.loads((REPO / "sample_data" / "truth.json").read_text(encoding="utf-8"))["sprint_truth"]
    m = sprint_metrics(b, now=NOW)
    closed = m[m["state"] == "closed"]
    assert len(closed) >= 60 and closed["team"].nunique() == 6
    wrong = [(r.sprint, f) for r in closed.itertuples() for f in ("committed", "completed", "carried_over")
             if getattr(r, f) != truth[r.sprint][f]]
    assert not wrong


def test_report_reads_the_item_attention_already_computed_at_another_k(monkeypatch):
    """A result already computed at k=4 (as one reloaded from a workspace kept at another k) is what the
    report reads: nothing is computed again at the default k."""
    from attn_team.views._report import SprintReport
    from fakes import attention_kept_at

    b, res, calls = attention_kept_at(4, monkeypatch)
    data = SprintReport(b, attention=res).data
    assert calls == [] and res.computed_k("items") == 4
    assert data["attention"].k == 4
