"""`attn-team demo`: the main job end to end (on a small generated organisation, to keep it quick)."""

from __future__ import annotations

import pytest

from attn_team.cli import main
from attn_team.synthetic import generate, write_jira_json_pages, write_teams_file


@pytest.fixture(scope="module")
def small_org_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("org")
    org = generate(n_items=300, n_teams=4, n_people=16, n_sprints=4, random_state=1)
    write_jira_json_pages(org, d / "jira-json")
    write_teams_file(org, d / "teams.toml")
    return d, org


def test_demo_runs_end_to_end_and_reuses_the_workspace(small_org_dir, tmp_path, capsys):
    data, org = small_org_dir
    out = tmp_path / "demo"
    assert main(["demo", "--data", str(data), "--out", str(out), "--top", "5", "--no-progress"]) == 0
    text = capsys.readouterr().out
    for step in ("1. imported", "2. item-to-item cross-attention", "3. top", "4. socio-technical congruence", "5. sprint report"):
        assert step in text
    assert "300 items" in text
    report = (out / "sprint-report.html").read_text(encoding="utf-8")
    assert report.lstrip().lower().startswith("<!doctype html") and "<script" not in report.lower()
    # the suggestions printed are cross-team pairs of this organisation
    keys = set(org.backlog.items["key"])
    lines = text.split("3. top", 1)[1].split("4. socio", 1)[0].splitlines()[2:]
    assert lines and all(line.split()[0] in keys for line in lines)

    # a second run imports nothing new and takes the attention from the workspace cache
    assert main(["demo", "--data", str(data), "--out", str(out), "--top", "5", "--no-progress"]) == 0
    again = capsys.readouterr().out
    assert "already imported" in again
    assert again.split("3. top", 1)[1].split("4. socio", 1)[0] == text.split("3. top", 1)[1].split("4. socio", 1)[0]


def test_demo_names_a_folder_without_exports(tmp_path, capsys):
    assert main(["demo", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--no-progress"]) == 1
    assert "holds no 'jira-json/' folder" in capsys.readouterr().err
