"""propose_teams: people grouped by who works together; team_warning: saying when no cross-team pair exists."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from attn_team.insights._propose_teams import component_teams, propose_teams
from attn_team.insights._teams_check import team_warning
from attn_team.model import Backlog
from attn_team.synthetic import generate


@pytest.fixture(scope="module")
def org():
    return generate(n_items=600, n_people=30, random_state=4)


def _one_project(backlog: Backlog) -> Backlog:
    """The organisation as a single-project export with one shared sprint series and no components."""
    items = backlog.items.copy()
    items["project"] = "ONE"
    items["team"] = "ONE"
    items["team_rule"] = "project"
    shared = {i: re.sub(r"^\S+ ", "", n) for i, n in zip(backlog.sprints["sprint_id"], backlog.sprints["name"])}
    items["sprints"] = [[shared[s] for s in lst] for lst in items["sprints"]]
    items["components"] = [[] for _ in range(len(items))]
    sp = backlog.sprints.copy()
    sp["sprint_id"] = sp["sprint_id"].map(shared)
    sp["name"] = sp["sprint_id"]
    sp["team"] = pd.NA
    return backlog.replace(items=items, sprints=sp.drop_duplicates("sprint_id").reset_index(drop=True))


def _truth(org, proposal):
    disp = dict(zip(org.backlog.people["person"], org.backlog.people["display_name"]))
    truth = org.extras["team_people"]
    known = proposal[proposal["person"].map(disp).isin(truth)]
    return known, [truth[disp[p]] for p in known["person"]]


def _baseline(backlog, col, people):
    best = {}
    for person, g in backlog.items.groupby("assignee"):
        vals = g[col].explode().dropna() if col == "components" else g[col].dropna()
        best[person] = str(vals.value_counts().index[0]) if len(vals) else "?"
    return [best.get(p, "?") for p in people]


class TestProposeTeams:
    def test_finds_the_true_teams_better_than_one_team_per_project_or_component(self, org):
        for backlog in (org.backlog, _one_project(org.backlog)):
            prop = propose_teams(backlog)
            known, true = _truth(org, prop)
            ours = adjusted_rand_score(true, known["team"])
            per_project = adjusted_rand_score(true, _baseline(backlog, "project", known["person"]))
            per_component = adjusted_rand_score(true, _baseline(org.backlog, "components", known["person"]))
            assert ours >= per_project and ours > per_component
            assert ours > 0.8, (ours, per_project, per_component)
        # on the one-project export the project baseline knows nothing; the proposal still finds the teams
        assert per_project == pytest.approx(0.0)

    def test_columns_evidence_and_cohesion(self, org):
        prop = propose_teams(org.backlog)
        assert list(prop.columns[:4]) == ["person", "display_name", "team", "n_items"]
        assert set(prop["person"]) <= set(org.backlog.people["person"])
        names = set(org.backlog.people["display_name"])
        assert prop["display_name"].isin(names).all()
        assert prop["cohesion"].between(0, 1).all()
        row = prop.iloc[0]
        assert f"{row['n_items']} items" in row["evidence"] and "works most with" in row["evidence"]
        assert all(c in names for c in row["colleagues"])  # display names, never account ids
        assert not prop["evidence"].str.contains("712020:").any()
        assert 0 < prop.attrs["modularity"] <= 1

    def test_names_come_from_the_data_and_are_unique(self, org):
        prop = propose_teams(org.backlog)
        teams = prop["team"].unique()
        assert len(teams) == len(set(teams))
        words = {str(c) for lst in org.backlog.items["components"] for c in lst} | set(org.backlog.items["project"])
        words |= {n.split()[0] for n in org.backlog.sprints["name"]}
        assert sum(t in words for t in teams) >= len(teams) - 1

    def test_same_seed_same_proposal(self, org):
        a = propose_teams(org.backlog, random_state=7)
        b = propose_teams(org.backlog, random_state=7)
        pd.testing.assert_frame_equal(a, b)

    def test_resolution_changes_the_number_of_teams(self, org):
        few = propose_teams(org.backlog, resolution=0.2)["team"].nunique()
        many = propose_teams(org.backlog, resolution=3.0)["team"].nunique()
        assert few < many

    def test_empty_and_personless(self):
        assert propose_teams(Backlog()).empty
        b = Backlog(items={"key": ["A-1", "A-2"], "summary": ["x", "y"]})
        assert propose_teams(b).empty

    def test_everybody_on_everything_is_one_team(self):
        keys = [f"A-{i}" for i in range(6)]
        b = Backlog(items={"key": keys, "summary": keys, "project": ["A"] * 6, "assignee": ["p1", "p2", "p3"] * 2,
                           "watchers": [["p1", "p2", "p3"]] * 6, "sprints": [["S1"]] * 6})
        prop = propose_teams(b)
        assert len(prop) == 3 and prop["team"].nunique() == 1

    def test_bad_resolution(self, org):
        with pytest.raises(ValueError, match="resolution"):
            propose_teams(org.backlog, resolution=0)

    def test_component_teams(self, org):
        prop = propose_teams(org.backlog)
        comps = component_teams(org.backlog, prop)
        assert set(comps["team"]) <= set(prop["team"])
        assert comps["share"].between(0, 1).all()
        # each component of the generator belongs to one team: its proposed team is where its people are
        true_comp = org.extras["team_components"]
        known, true = _truth(org, prop)
        home = dict(zip(known["team"], true))  # proposed team -> a true team (agreement is near perfect)
        agree = [home.get(t) == true_comp[c] for c, t in zip(comps["component"], comps["team"]) if c in true_comp]
        assert sum(agree) / len(agree) > 0.8


class TestTeamWarning:
    def test_one_team_names_team_rule_and_fix(self):
        b = Backlog(items={"key": ["A-1", "A-2", "A-3"], "summary": ["x", "y", "z"], "team": ["A", "A", None],
                           "team_rule": ["project", "project", "none"]})
        w = team_warning(b)
        assert "one team, 'A' (project rule)" in w and "1 have none" in w
        assert "attn-team teams init" in w and "--teams teams.toml" in w and "\n" not in w

    def test_no_team(self):
        w = team_warning(Backlog(items={"key": ["A-1", "A-2"], "summary": ["x", "y"]}))
        assert w.startswith("none of the 2 items has a team")

    def test_two_teams_nothing_to_say(self, org):
        assert team_warning(org.backlog) is None

    def test_no_items(self):
        assert "no items" in team_warning(Backlog())

    def test_one_item(self):
        assert "1 item" in team_warning(Backlog(items={"key": ["A-1"], "summary": ["x"], "team": ["A"]}))
