"""``attn-team flow``: every format, on the shipped samples and every real export; errors without tracebacks."""

from __future__ import annotations

import csv
import io
import json

import pytest

from attn_team import cli


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("sample", ["jira-json", "jira-export.csv"])
@pytest.mark.parametrize("fmt", ["html", "md", "csv", "json"])
def test_samples_every_format(repo_root, tmp_path, capsys, sample, fmt):
    src = repo_root / "sample_data" / sample
    if not src.exists():
        pytest.skip("sample_data/ is missing")
    out = tmp_path / f"flow.{fmt}"
    code, stdout, err = _run(capsys, "flow", str(src), "--teams", str(repo_root / "sample_data" / "teams.toml"),
                             "--out", str(out), "--runs", "2000")
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "wrote " + fmt in stdout
    if sample.endswith(".csv"):
        assert "no changelog" in stdout  # said, not hidden
    if fmt == "html":
        assert "<svg" in text and "<script" not in text
    elif fmt == "json":
        doc = json.loads(text)
        assert len(doc["cycle_times"]) == 1649 and doc["forecasts"]["when"]["runs"] == 2000
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 1649 and {"key", "team", "start", "end", "cycle_time_days"} <= set(rows[0])
        assert not any(r["summary"].startswith(("=", "+", "-", "@")) for r in rows)
    else:
        assert text.startswith("# Flow: all teams")


def test_team_and_forecast_options(repo_root, tmp_path, capsys):
    src = repo_root / "sample_data" / "jira-json"
    out = tmp_path / "web.json"
    code, _, err = _run(capsys, "flow", str(src), "--teams", str(repo_root / "sample_data" / "teams.toml"),
                        "--team", "Web", "--items", "20", "--until", "2025-12-01", "--out", str(out), "--runs", "1000")
    assert code == 0, err
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert {r["team"] for r in doc["cycle_times"]} == {"Web"}
    assert doc["forecasts"]["when"]["description"] == "20 item(s)"
    assert doc["forecasts"]["how many"]["rows"][0]["question"] == "how many"


def test_expected_failures_have_no_traceback(repo_root, tmp_path, capsys):
    src = repo_root / "sample_data" / "jira-json"
    code, _, err = _run(capsys, "flow", str(src), "--team", "Nope", "--out", str(tmp_path / "x.html"))
    assert code == 1 and "no team 'Nope'" in err and "Traceback" not in err
    code, _, err = _run(capsys, "flow", str(src), "--until", "2001-01-01", "--out", str(tmp_path / "x.html"))
    assert code == 1 and "before now" in err
    code, _, err = _run(capsys, "flow", "--workspace", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "x.html"))
    assert code == 1 and "no workspace" in err


def test_every_real_export(shared_data, tmp_path, capsys):
    files = sorted(p for p in (shared_data / "jira-exports").rglob("*") if p.suffix in (".csv", ".json", ".xml")
                   and "LICENSE" not in p.name)
    for i, path in enumerate(files):
        code, stdout, err = _run(capsys, "flow", str(path), "--out", str(tmp_path / f"{i}.html"), "--runs", "500")
        assert code in (0, 1), (path.name, err)
        assert "Traceback" not in err
        if code == 0 and path.suffix in (".csv", ".xml") and " 0 items" not in stdout:
            assert "no changelog" in stdout, path.name


def test_from_a_workspace(repo_root, tmp_path, capsys):
    ws = tmp_path / "ws.duckdb"
    teams = repo_root / "sample_data" / "teams.toml"
    code, _, err = _run(capsys, "import", str(repo_root / "sample_data" / "jira-json"), "--teams", str(teams),
                        "--workspace", str(ws))
    assert code == 0, err
    out = tmp_path / "flow.md"
    code, stdout, err = _run(capsys, "flow", "--workspace", str(ws), "--stages", str(teams), "--out", str(out),
                             "--runs", "500")
    assert code == 0, err
    assert "1,649 items" in stdout and "## What waiting on another team costs" in out.read_text(encoding="utf-8")
