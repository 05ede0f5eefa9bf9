"""Never silent about teams: the one-team note, suggest skipping the fit, and 'attn-team teams init'."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from attn_team.attention._fitted import BacklogAttention
from attn_team import cli
from attn_team.io import load_team_rules, read_jira
from attn_team.synthetic import generate, write_jira_csv
from attn_team.workspace import Workspace


@pytest.fixture(scope="module")
def org():
    return generate(n_items=400, n_people=24, random_state=5)


@pytest.fixture(scope="module")
def one_project_csv(org, tmp_path_factory):
    """The organisation exported as one Jira project, without Team field or components (like most real CSVs)."""
    b = org.backlog
    items = b.items.copy()
    items["project"] = "ONE"
    items["team"] = pd.NA  # no Team field either
    items["components"] = [[] for _ in range(len(items))]
    rename = {k: f"ONE-{i + 1}" for i, k in enumerate(b.items["key"])}
    items["key"] = items["key"].map(rename)
    for col in ("parent_key", "epic_key"):
        items[col] = items[col].map(lambda k: rename.get(k, k) if isinstance(k, str) else k)
    links = b.links.assign(source_key=b.links["source_key"].map(rename), target_key=b.links["target_key"].map(rename))
    events = b.events.assign(key=b.events["key"].map(rename))
    path = tmp_path_factory.mktemp("one") / "one.csv"
    write_jira_csv(b.replace(items=items, links=links, events=events), path)
    return path, rename


def test_one_project_import_info_and_suggest_say_so(one_project_csv, tmp_path, capsys, monkeypatch):
    path, _ = one_project_csv
    ws = tmp_path / "w.duckdb"
    assert cli.main(["import", str(path), "-w", str(ws)]) == 0
    err = capsys.readouterr().err
    assert "in one team, 'ONE' (project rule)" in err and "attn-team teams init" in err
    assert cli.main(["info", "-w", str(ws)]) == 0
    assert "attn-team teams init" in capsys.readouterr().err

    def no_fit(*a, **kw):
        raise AssertionError("suggest must not fit when no cross-team pair is possible")

    monkeypatch.setattr(BacklogAttention, "fit", classmethod(no_fit))
    assert cli.main(["suggest", "-w", str(ws)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no suggestions: all") and "attn-team teams init" in out and out.count("\n") == 1
    assert cli.main(["suggest", "-w", str(ws), "--format", "json"]) == 0
    cap = capsys.readouterr()
    assert cap.out.strip() == "[]" and "attn-team teams init" in cap.err
    assert cli.main(["suggest", "-w", str(ws), "--format", "csv"]) == 0
    cap = capsys.readouterr()
    assert cap.out.startswith("rank,source") and cap.out.count("\n") == 1 and "teams init" in cap.err


def test_teams_init_proposes_the_real_teams_and_round_trips(org, one_project_csv, tmp_path, capsys):
    path, rename = one_project_csv
    ws = tmp_path / "w.duckdb"
    assert cli.main(["import", str(path), "-w", str(ws)]) == 0
    toml = tmp_path / "teams.toml"
    assert cli.main(["teams", "init", "-w", str(ws), "--out", str(toml)]) == 0
    out = capsys.readouterr().out
    assert f"-> {toml}" in out and "--teams" in out
    text = toml.read_text(encoding="utf-8")
    assert "[rules]" in text and "[people]" in text and "[components]" in text
    assert "# cohesion = the share of a person's shared work" in text.split("[people]")[0]  # explained once
    rules = load_team_rules(toml)
    people = set(org.backlog.people["display_name"])
    assert set(rules.people) <= people and len(rules.people) >= len(people) - 2
    assert rules.order[0] == "mapping_person"
    assert re.search(r'^"[^"]+" = "[^"]+"  # cohesion \d\.\d\d; \d+ items', text, re.MULTILINE)  # evidence per person
    # importing again with the proposed file gives several teams, close to the true ones
    assert cli.main(["import", str(path), "--teams", str(toml), "-w", str(ws)]) == 0
    assert "teams init" not in capsys.readouterr().err
    with Workspace(ws, read_only=True) as w:
        items = w.backlog().items
    assert items["team"].nunique() > 1
    true = dict(zip(org.backlog.items["key"].map(rename), org.backlog.items["team"]))
    ari = adjusted_rand_score([true[k] for k in items["key"]], items["team"].fillna("?"))
    print(f"item-level ARI with the proposed teams file: {ari:.3f}")
    assert ari > 0.6, ari  # items go to their assignee's team; people helping a neighbour team move a few


def test_teams_init_from_files_to_stdout_and_no_overwrite(one_project_csv, tmp_path, capsys):
    path, _ = one_project_csv
    assert cli.main(["teams", "init", str(path), "--out", "-"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# attn_team teams file proposed") and "[people]" in text
    existing = tmp_path / "teams.toml"
    existing.write_text("# mine\n")
    assert cli.main(["teams", "init", str(path), "--out", str(existing)]) == 1
    assert "exists already; pass --force" in capsys.readouterr().err
    assert existing.read_text() == "# mine\n"
    assert cli.main(["teams", "init", str(path), "--out", str(existing), "--force"]) == 0
    assert "[people]" in existing.read_text(encoding="utf-8")


def test_teams_init_on_a_backlog_without_people(tmp_path, capsys):
    csv = tmp_path / "x.csv"
    csv.write_text("Summary,Issue key,Issue id,Issue Type,Status,Project key\nA thing,A-1,1,Task,To Do,A\n"
                   "Another,A-2,2,Task,To Do,A\n", encoding="utf-8")
    assert cli.main(["teams", "init", str(csv), "--out", str(tmp_path / "t.toml")]) == 1
    assert "nobody to group" in capsys.readouterr().err


def test_teams_without_action_is_a_usage_error(capsys):
    assert cli.main(["teams"]) == 2
    assert "init" in capsys.readouterr().err


def test_rendered_file_is_valid_toml_with_odd_names(tmp_path):
    from attn_team._commands.teams import render_toml
    from attn_team.insights._propose_teams import component_teams

    b = read_jira(_odd_csv(tmp_path))
    prop = pd.DataFrame({"person": ["a", "b"], "display_name": ['Ann "the" \\ Lee', "B\nnewline"],
                         "team": ['T "1"', "T#2"], "n_items": [1, 1], "n_assigned": [1, 0], "cohesion": [1.0, 0.0],
                         "components": [["c\"x"], []], "sprints": [[], []], "colleagues": [[], []],
                         "evidence": ["1 item\nwith # hash", "x"]})
    text = render_toml(prop, component_teams(b, prop), source="odd\nsource", modularity=0.5)
    f = tmp_path / "t.toml"
    f.write_text(text, encoding="utf-8")
    rules = load_team_rules(f)
    assert rules.people == {'Ann "the" \\ Lee': 'T "1"', "B\nnewline": "T#2"}


def _odd_csv(tmp_path):
    p = tmp_path / "odd.csv"
    p.write_text("Summary,Issue key,Issue id,Issue Type,Status,Project key,Assignee\nx,A-1,1,Task,To Do,A,a\n",
                 encoding="utf-8")
    return p
