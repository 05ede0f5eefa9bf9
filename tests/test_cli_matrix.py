"""Every real export and both shipped samples through import, info and suggest (table, csv, json).

Each command must exit 0 with output a person can use: counts after an import, the workspace's
contents, and either suggestions or one line saying why there are none (and what to do).
The shared exports skip cleanly when ``../shared`` is absent; the shipped samples always run.
Suggestions use the real attention model with a fake sentence model (tests/fakes.py), except
for the shipped CSV, which goes through the real default path (MiniLM) once: every 10th issue by
default, all of it with --runslow.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from attn_team import cli
from attn_team.attention._fitted import BacklogAttention
from attn_team.attention._model import CrossAttention
from fakes import BagOfWords

REPO = Path(__file__).resolve().parents[1]
# where tests/conftest.py's shared_data fixture looks (the list of files is needed at collection time)
SHARED = Path(os.environ.get("ATTN_TEAM_SHARED", REPO.parent / "shared")) / "data"

EXPORTS = SHARED / "jira-exports"
_SHARED_FILES = sorted(p for p in EXPORTS.glob("*/*") if p.suffix.lower() in (".csv", ".xml", ".json")) if EXPORTS.is_dir() else []
SHARED_CASES = [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in _SHARED_FILES] or [
    pytest.param(None, id="shared-data-absent")]
SAMPLES = [pytest.param(REPO / "sample_data" / "jira-export.csv", id="sample_data/jira-export.csv"),
           pytest.param(REPO / "sample_data" / "jira-json", id="sample_data/jira-json")]


@pytest.fixture
def fake_embedder(monkeypatch):
    """The attention model as usual, but a bag-of-words sentence model and few epochs (seconds, not minutes)."""
    def fit(cls, backlog, *, exclude_links=None, random_state=0, **params):
        model = CrossAttention(embedder=BagOfWords(), random_state=random_state, max_epochs=4, progress=False)
        return cls(backlog, model.fit(backlog))

    monkeypatch.setattr(BacklogAttention, "fit", classmethod(fit))


def _main(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    assert not [ln for ln in cap.err.splitlines() if ln.startswith("attn-team: error")], cap.err
    return code, cap.out, cap.err


def _through_every_command(path: Path, ws: Path, capsys) -> dict:
    code, out, err = _main(capsys, "import", path, "-w", ws)
    assert code == 0, err
    assert out.startswith(("imported ", "already imported")) and "workspace now holds:" in out
    n_items = int(out.split("imported ", 1)[1].split(" ", 1)[0].replace(",", ""))
    if n_items == 0:
        assert "holds no issues" in err or "hold(s) no issues" in err  # says what it cannot tell

    code, out, err = _main(capsys, "info", "-w", ws)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"workspace {ws}" and any(ln.split()[:1] == ["items"] for ln in lines)
    assert "snapshots: 1" in out

    code, table, err = _main(capsys, "suggest", "-w", ws, "--no-progress")
    assert code == 0, err
    code, csv_out, _ = _main(capsys, "suggest", "-w", ws, "--no-progress", "--format", "csv")
    assert code == 0
    code, json_out, _ = _main(capsys, "suggest", "-w", ws, "--no-progress", "--format", "json")
    assert code == 0
    records = json.loads(json_out)
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert len(rows) == len(records)
    assert csv_out.splitlines()[0].startswith("rank,source,source_team,target,target_team,score")
    if records:
        assert table.splitlines()[0].split()[:3] == ["#", "score", "source"]
        assert records[0]["source"] in table and records[0]["source_summary"] is not None
        assert [r["rank"] for r in records] == list(range(1, len(records) + 1))
    else:
        # one line saying why, with what to do
        assert table.startswith("no suggestions") and table.count("\n") == 1
        assert any(w in table for w in ("teams init", "--include-linked", "import an export"))
    return {"n_items": n_items, "n_suggestions": len(records)}


@pytest.mark.parametrize("path", SHARED_CASES)
def test_real_export(path, shared_data, fake_embedder, tmp_path, capsys):
    if path is None:
        pytest.skip(f"no exports under {EXPORTS}")
    _through_every_command(path, tmp_path / "w.duckdb", capsys)


def test_real_json_search_pages_together(shared_data, fake_embedder, tmp_path, capsys):
    pages = sorted((shared_data / "jira-exports" / "json").glob("perceval-jira-issues-page-*.json"))
    if len(pages) < 2:
        pytest.skip("the perceval search pages are not there")
    ws = tmp_path / "w.duckdb"
    code, out, err = _main(capsys, "import", *pages, "-w", ws)
    assert code == 0 and out.startswith("imported 3 items")
    assert "missing" not in err  # both pages together: nothing is missing
    code, out, _ = _main(capsys, "suggest", "-w", ws, "--format", "json")
    assert code == 0 and isinstance(json.loads(out), list)


def test_sample_json(fake_embedder, tmp_path, capsys):
    res = _through_every_command(REPO / "sample_data" / "jira-json", tmp_path / "w.duckdb", capsys)
    assert res["n_items"] > 100 and res["n_suggestions"] > 0  # six teams: suggestions, not an excuse


def _every_nth_row(src: Path, dst: Path, n: int) -> Path:
    """A smaller Jira CSV: the header and every ``n``-th issue of ``src``, byte-for-byte cells (all teams stay)."""
    with open(src, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([rows[0], *rows[1::n]])
    return dst


def test_sample_csv_on_the_real_default_path(tmp_path, capsys):
    """The shipped CSV (every 10th issue, so it takes seconds) through the real model (MiniLM), as a user
    runs it: the first suggest embeds and fits, the next two read the workspace's cache."""
    small = _every_nth_row(REPO / "sample_data" / "jira-export.csv", tmp_path / "sample-every-10th.csv", 10)
    res = _through_every_command(small, tmp_path / "w.duckdb", capsys)
    assert res["n_items"] >= 150 and res["n_suggestions"] > 0


@pytest.mark.slow
def test_whole_sample_csv_on_the_real_default_path(tmp_path, capsys):
    """All 2,000 issues of the shipped CSV through the real model (minutes on a shared CPU: --runslow)."""
    res = _through_every_command(REPO / "sample_data" / "jira-export.csv", tmp_path / "w.duckdb", capsys)
    assert res["n_items"] > 1000 and res["n_suggestions"] > 0


@pytest.mark.parametrize("path", SHARED_CASES + SAMPLES[:1])
def test_report(path, request, fake_embedder, tmp_path, capsys):
    if path is None:
        pytest.skip(f"no exports under {EXPORTS}")
    if not str(path).startswith(str(REPO)):
        request.getfixturevalue("shared_data")
    ws = tmp_path / "w.duckdb"
    assert cli.main(["import", str(path), "-w", str(ws)]) == 0
    for out in (tmp_path / "r.html", tmp_path / "r.md"):
        code, stdout, err = _main(capsys, "report", "-w", ws, "--out", out, "--no-progress")
        assert code == 0, err
        assert out.stat().st_size > 0 and "wrote" in stdout


@pytest.mark.parametrize("path", SHARED_CASES + SAMPLES)
def test_teams_init(path, request, tmp_path, capsys):
    """'attn-team teams init' on every export: a teams file that loads and names everyone who works on items."""
    if path is None:
        pytest.skip(f"no exports under {EXPORTS}")
    if not str(path).startswith(str(REPO)):
        request.getfixturevalue("shared_data")
    from attn_team.io import load_team_rules, read_jira

    backlog = read_jira(path)
    touched = {p for col in ("assignee", "reporter") for p in backlog.items[col].dropna()}
    touched |= {p for col in ("watchers", "commenters") for lst in backlog.items[col] for p in lst}
    out = tmp_path / "teams.toml"
    code = cli.main(["teams", "init", str(path), "--out", str(out)])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    if not touched:
        assert code == 1 and "nobody to group" in cap.err
        return
    assert code == 0, cap.err
    assert cap.out.startswith("proposed ") and f"--teams {out}" in cap.out
    rules = load_team_rules(out)
    names = dict(zip(backlog.people["person"], backlog.people["display_name"]))
    assert {names.get(p, p) for p in touched} <= set(rules.people) | touched  # everyone, by name where known
    assert len(rules.people) == len(touched)
    assert set(rules.components.values()) <= set(rules.people.values())
