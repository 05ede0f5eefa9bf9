"""Tests of the synthetic organisation generator and its Jira writers (attn_team.synthetic)."""

from __future__ import annotations

import csv
import filecmp
import json
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

import attn_team
from attn_team.synthetic import (
    SyntheticOrg,
    generate,
    truth_json,
    write_jira_csv,
    write_jira_json_pages,
    write_sample_data,
    write_teams_file,
)


@pytest.fixture(scope="module")
def org() -> SyntheticOrg:
    return generate()


@pytest.fixture(scope="module")
def small() -> SyntheticOrg:
    return generate(n_items=400, n_teams=5, n_people=40, n_sprints=6, random_state=3)


@pytest.fixture(scope="module")
def written(org, tmp_path_factory):
    folder = tmp_path_factory.mktemp("org")
    write_jira_csv(org, folder / "export.csv")
    write_jira_json_pages(org, folder / "json", page_size=700)
    write_teams_file(org, folder / "teams.toml")
    return folder


def _cross(b, s, t):
    tm = b.team_of()
    return tm[s] != tm[t]


class TestGenerate:
    def test_same_seed_same_org(self, small):
        again = generate(n_items=400, n_teams=5, n_people=40, n_sprints=6, random_state=3)
        pd.testing.assert_frame_equal(small.backlog.items, again.backlog.items)
        pd.testing.assert_frame_equal(small.backlog.events, again.backlog.events)
        assert small.truth == again.truth

    def test_other_seed_other_org(self, small):
        other = generate(n_items=400, n_teams=5, n_people=40, n_sprints=6, random_state=4)
        assert other.backlog.items["summary"].tolist() != small.backlog.items["summary"].tolist()

    def test_realistic_organisation(self, org):
        b = org.backlog.validate()
        assert b.n_items == 2000
        assert b.items["team"].nunique() == 6 and b.items["team"].notna().all()
        assert len(b.people) == 48
        assert set(b.items["type"]) == {"Epic", "Story", "Task", "Bug", "Sub-task"}
        per_team = b.sprints.groupby("team")["state"].value_counts().unstack()
        assert (per_team["closed"] == 10).all() and (per_team["active"] == 1).all() and (per_team["future"] == 1).all()
        assert set(b.links["link_type"]) == {"Blocks", "Depends", "Relates", "Duplicate", "Cloners"}
        assert set(b.events["field"]) == {"status", "sprint", "assignee", "story_points"}
        assert (b.events["origin"] == "changelog").all()
        assert b.items["story_points"].notna().mean() > 0.5
        assert b.items["labels"].map(len).sum() > 500 and b.items["fix_versions"].map(len).sum() > 100
        assert b.items["commenters"].map(len).sum() > 1000 and b.items["watchers"].map(len).min() >= 1
        # keys are numbered in creation order within each project
        for _, grp in b.items.groupby("project"):
            nums = grp.sort_values("created", kind="stable")["key"].str.split("-").str[1].astype(int)
            assert nums.is_monotonic_increasing
        # every event time is before "now", and after the item's creation
        created = dict(zip(b.items["key"], b.items["created"]))
        assert (b.events["at"] <= org.extras["now"]).all()
        assert all(at >= created[k] for k, at in zip(b.events["key"], b.events["at"]))

    def test_hierarchy(self, org):
        it = org.backlog.items.set_index("key")
        subs = it[it["type"] == "Sub-task"]
        assert len(subs) > 100
        assert set(it.loc[subs["parent_key"], "type"]) <= {"Story", "Task"}
        epics_of = it.loc[it["epic_key"].dropna().unique(), "type"]
        assert set(epics_of) == {"Epic"}

    @pytest.mark.parametrize("n_items,n_teams,n_people,n_sprints,seed", [
        (80, 4, 8, 3, 1), (160, 8, 16, 4, 5), (500, 5, 100, 20, 11),
    ])
    def test_invariants_hold_for_other_sizes(self, n_items, n_teams, n_people, n_sprints, seed):
        o = generate(n_items=n_items, n_teams=n_teams, n_people=n_people, n_sprints=n_sprints, random_state=seed)
        b = o.backlog.validate()
        assert b.n_items == n_items and b.items["team"].nunique() == n_teams and len(b.people) == n_people
        states = b.sprints.groupby("team")["state"].value_counts().unstack()
        assert (states["closed"] == n_sprints - 2).all() and (states["active"] == 1).all()
        tm = b.team_of()
        gap = set(o.truth["coordination_gap"])
        assert not any({tm[s], tm.get(t)} == gap for s, t in zip(b.links["source_key"], b.links["target_key"]))
        touched = defaultdict(set)
        for row in b.items.itertuples():
            for p in [row.assignee, row.reporter, *row.watchers, *row.commenters]:
                if isinstance(p, str):
                    touched[p].add(row.team)
        assert not any(gap <= teams for teams in touched.values())
        assert all(tm[a] != tm[c] for a, c in o.truth["planted_pairs"])
        assert set(o.truth["sprint_truth"]) == set(b.sprints["name"])

    def test_parameters_are_checked(self):
        with pytest.raises(ValueError, match="n_teams"):
            generate(n_teams=2)
        with pytest.raises(ValueError, match="n_sprints"):
            generate(n_sprints=2)
        with pytest.raises(ValueError, match="n_people"):
            generate(n_people=3)

    def test_now_moves_the_active_sprint(self):
        o = generate(n_items=300, n_people=24, now="2024-03-01T10:00:00Z", random_state=1)
        active = o.backlog.sprints.query("state == 'active'")
        now = pd.Timestamp("2024-03-01T10:00:00Z")
        assert ((active["start"] <= now) & (active["end"] > now)).all()
        assert o.backlog.items["created"].max() <= now


class TestTruth:
    def test_planted_pairs_are_cross_team_and_unlinked(self, org):
        b = org.backlog
        pairs = org.truth["planted_pairs"]
        assert len(pairs) == 40
        linked = {frozenset(p) for p in zip(b.links["source_key"], b.links["target_key"])}
        for a, c in pairs:
            assert _cross(b, a, c)
            assert frozenset((a, c)) not in linked

    def test_planted_pairs_are_findable_by_text(self, org):
        """A plain TF-IDF ranking puts the partner near the top for most planted pairs (a real signal)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        it = org.backlog.items
        text = (it["summary"].fillna("") + ". " + it["description"].fillna("")).tolist()
        X = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(text)
        pos = {k: i for i, k in enumerate(it["key"])}
        team = it["team"].to_numpy()
        ranks = []
        for a, c in org.truth["planted_pairs"]:
            sims = (X[pos[a]] @ X.T).toarray().ravel()
            sims[team == team[pos[a]]] = -1  # other teams only
            ranks.append(int((sims > sims[pos[c]]).sum()) + 1)
        ranks = np.array(ranks)
        assert (ranks <= 10).mean() >= 0.6
        assert (ranks == 1).mean() < 1.0  # not trivially identical

    def test_planted_pairs_overlap_in_time(self, org):
        it = org.backlog.items.set_index("key")
        sp = org.backlog.sprints.set_index("sprint_id")
        for a, c in org.truth["planted_pairs"]:
            starts_a = {sp.loc[s, "start"] for s in it.loc[a, "sprints"]}
            starts_c = {sp.loc[s, "start"] for s in it.loc[c, "sprints"]}
            assert abs(it.loc[a, "created"] - it.loc[c, "created"]) < pd.Timedelta(days=7)
            if starts_a and starts_c:  # both were sprinted: some sprint in common time, or adjacent
                gap = min(abs(x - y) for x in starts_a for y in starts_c)
                assert gap <= pd.Timedelta(days=28)

    def test_linked_cross_team(self, org):
        b = org.backlog
        links = set(zip(b.links["source_key"], b.links["target_key"], b.links["link_type"]))
        lct = org.truth["linked_cross_team"]
        assert len(lct) == 50
        for s, t, lt in lct:
            assert (s, t, lt) in links and _cross(b, s, t)
            assert lt in {"Blocks", "Depends", "Relates"}

    def test_coordination_gap(self, org):
        b = org.backlog
        ta, tb = org.truth["coordination_gap"]
        tm = b.team_of()
        pair = {ta, tb}
        assert not any({tm.get(s), tm.get(t)} == pair for s, t in zip(b.links["source_key"], b.links["target_key"]))
        touched = defaultdict(set)
        for row in b.items.itertuples():
            for p in [row.assignee, row.reporter, *row.watchers, *row.commenters]:
                if isinstance(p, str):
                    touched[p].add(row.team)
        assert not any(pair <= teams for teams in touched.values())
        # ... but their work is coupled: the most planted pairs of any team pair
        counts = defaultdict(int)
        for a, c in org.truth["planted_pairs"]:
            counts[frozenset((tm[a], tm[c]))] += 1
        assert max(counts, key=counts.get) == frozenset(pair)
        # coupled pairs do share people
        shared = [frozenset(p) for p in org.truth["coupled_pairs"] if any(set(p) <= s for s in touched.values())]
        assert len(shared) == len(org.truth["coupled_pairs"])

    def test_sprint_truth_matches_changelog_replay(self, org):
        """Replay sprint and status events independently and recompute every sprint's counts."""
        b = org.backlog
        items = b.items.set_index("key")
        std = set(items.index[items["type"].isin(["Story", "Task", "Bug"])])
        points = items["story_points"].fillna(0).to_dict()
        ev = b.events[b.events["key"].isin(std)].sort_values("at", kind="stable")
        sprint_ev = defaultdict(list)
        status_ev = defaultdict(list)
        for k, at, f, frm, to in zip(ev["key"], ev["at"], ev["field"], ev["from"], ev["to"]):
            if f == "sprint":
                sprint_ev[k].append((at, _ids(frm), _ids(to)))
            elif f == "status":
                status_ev[k].append((at, to))

        def members(k, t, inclusive=True):
            cur: set = set()
            for at, _frm, to in sprint_ev[k]:
                if at < t or (inclusive and at == t):
                    cur = to
            return cur

        def done_at(k, t):
            st = "To Do"
            for at, to in status_ev[k]:
                if at <= t:
                    st = to
            return st == "Done"

        now = org.extras["now"]
        seen_removed = 0
        for sp in b.sprints.itertuples():
            truth = org.truth["sprint_truth"][sp.name]
            sid = sp.sprint_id
            if sp.state == "future":
                planned = [k for k in std if sid in members(k, now)]
                assert truth["committed"] == len(planned)
                continue
            start, stop = sp.start, (sp.complete if sp.state == "closed" else now)
            committed = [k for k in std if sid in members(k, start, inclusive=False)]
            added = [k for k in std for at, frm, to in sprint_ev[k] if start < at < stop and sid in to and sid not in frm]
            removed = [k for k in std for at, frm, to in sprint_ev[k] if start < at < stop and sid in frm and sid not in to]
            at_stop = [k for k in std if sid in members(k, stop)]
            completed = [k for k in at_stop if done_at(k, stop)]
            carried = [k for k in at_stop if not done_at(k, stop)] if sp.state == "closed" else []
            got = {"committed": committed, "added": added, "removed": removed, "completed": completed, "carried_over": carried}
            for name, keys in got.items():
                assert truth[name] == len(keys), (sp.name, name)
                assert truth[f"{name}_points"] == pytest.approx(sum(points[k] for k in keys)), (sp.name, name)
            seen_removed += len(removed)
        assert seen_removed > 0
        assert sum(v["carried_over"] for v in org.truth["sprint_truth"].values()) > 20
        assert sum(v["added"] for v in org.truth["sprint_truth"].values()) > 20

    def test_truth_json(self, org):
        doc = json.loads(truth_json(org))
        assert doc["coordination_gap"] == list(org.truth["coordination_gap"])
        assert len(doc["planted_pairs"]) == 40 and set(doc["teams"]) == set(org.backlog.items["team"])
        assert set(doc["sprint_truth"]) == set(org.backlog.sprints["name"])


def _ids(v) -> set:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return set()
    return {p.strip() for p in str(v).split(",") if p.strip()}


class TestWriters:
    def test_csv_layout(self, org, written):
        with open(written / "export.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        assert len(body) == 2000 and all(len(r) == len(header) for r in body)
        for col in ("Sprint", "Labels", "Components", "Watchers", "Comment"):
            assert header.count(col) >= 2, col
        for lt in ("Blocks", "Depends", "Relates", "Duplicate", "Cloners"):
            assert f"Inward issue link ({lt})" in header and f"Outward issue link ({lt})" in header
        for col in ("Parent", "Parent key", "Custom field (Story Points)", "Custom field (Team)", "Issue key"):
            assert header.count(col) == 1
        created = body[0][header.index("Created")]
        assert pd.to_datetime(created, format="%d/%b/%y %I:%M %p")  # Jira's "25/Oct/25 12:53 PM"
        comments = [c for r in body for i, c in enumerate(r) if header[i] == "Comment" and c]
        assert comments and all(c.count(";") >= 2 for c in comments)

    def test_json_pages(self, org, written):
        pages = sorted((written / "json").glob("search-*.json"))
        assert len(pages) == 3
        docs = [json.loads(p.read_text(encoding="utf-8")) for p in pages]
        assert [d["startAt"] for d in docs] == [0, 700, 1400] and {d["total"] for d in docs} == {2000}
        issues = [i for d in docs for i in d["issues"]]
        assert len(issues) == 2000
        hist = [h for i in issues for h in i["changelog"]["histories"]]
        assert {x["field"] for h in hist for x in h["items"]} == {"status", "Sprint", "assignee", "Story Points"}
        fields = json.loads((written / "json" / "fields.json").read_text(encoding="utf-8"))
        sprint_field = [f for f in fields if f["schema"].get("custom") == "com.pyxis.greenhopper.jira:gh-sprint"]
        assert len(sprint_field) == 1
        withs = [i for i in issues if i["fields"][sprint_field[0]["id"]]]
        assert withs and {"id", "name", "state"} <= set(withs[0]["fields"][sprint_field[0]["id"]][0])
        sprints = json.loads((written / "json" / "sprints.json").read_text(encoding="utf-8"))
        assert len(sprints["values"]) == 72 and all("originBoardId" in s for s in sprints["values"])
        with pytest.raises(ValueError, match="page_size"):
            write_jira_json_pages(org, written / "x", page_size=0)

    def test_teams_file(self, org, written):
        import tomllib

        doc = tomllib.loads((written / "teams.toml").read_text(encoding="utf-8"))
        assert set(doc["components"].values()) == set(org.truth["teams"])
        assert len(doc["people"]) == 48

    def test_plain_backlog_and_wrong_type(self, small, tmp_path):
        path = write_jira_csv(small.backlog, tmp_path / "b.csv")
        back = attn_team.read_jira(path)
        assert back.items["key"].tolist() == small.backlog.items["key"].tolist()
        write_teams_file(small.backlog, tmp_path / "t.toml")
        with pytest.raises(TypeError, match="SyntheticOrg or a Backlog"):
            write_jira_csv({"items": []}, tmp_path / "c.csv")


def test_sample_data_is_regenerated_byte_for_byte(repo_root, tmp_path):
    committed = repo_root / "sample_data"
    files = write_sample_data(tmp_path)
    rel = sorted(str(f.relative_to(tmp_path)) for f in files)
    shipped = sorted(str(p.relative_to(committed)) for p in committed.rglob("*") if p.is_file())
    assert rel == shipped
    for name in rel:
        assert filecmp.cmp(tmp_path / name, committed / name, shallow=False), f"sample_data/{name} differs"


# ---------------------------------------------------------------------------
# round trips through the real importers
# ---------------------------------------------------------------------------

def _names(b):
    return dict(zip(b.people["person"], b.people["display_name"]))


def _sprint_names(b):
    sp = dict(zip(b.sprints["sprint_id"], b.sprints["name"]))
    return {k: [sp[s] for s in lst] for k, lst in zip(b.items["key"], b.items["sprints"])}


def _link_set(b):
    return set(zip(b.links["source_key"], b.links["target_key"], b.links["link_type"]))


def _compare_items(gen, back):
    g = gen.items.set_index("key")
    r = back.items.set_index("key")
    assert sorted(g.index) == sorted(r.index)
    r = r.loc[g.index]
    for col in ("summary", "type", "status", "status_category", "project", "team", "priority", "parent_key"):
        assert g[col].tolist() == r[col].tolist(), col
    assert g["story_points"].fillna(-1).tolist() == r["story_points"].fillna(-1).tolist()
    for col in ("labels", "components", "fix_versions"):
        assert g[col].tolist() == r[col].tolist(), col
    for col in ("created", "updated", "resolved"):
        assert g[col].tolist() == r[col].tolist(), col
    gn, rn = _names(gen), _names(back)
    for col in ("assignee", "reporter"):
        assert [gn.get(v) for v in g[col]] == [rn.get(v) for v in r[col]], col
    assert [[gn[p] for p in v] for v in g["commenters"]] == [[rn[p] for p in v] for v in r["commenters"]]
    assert _sprint_names(gen) == _sprint_names(back)
    assert _link_set(gen) == _link_set(back)
    assert set(gen.people["display_name"]) == set(back.people["display_name"])


def test_round_trip_csv(org, written):
    back = attn_team.read_jira(written / "export.csv", teams=written / "teams.toml")
    _compare_items(org.backlog, back)
    g = org.backlog.items.set_index("key")
    r = back.items.set_index("key").loc[g.index]
    gn, rn = _names(org.backlog), _names(back)
    assert [[gn[p] for p in v] for v in g["watchers"]] == [[rn[p] for p in v] for v in r["watchers"]]
    assert set(back.people.set_index("display_name")["team"].items()) == set(
        org.backlog.people.set_index("display_name")["team"].items())


def test_round_trip_json_with_changelog(org, written):
    back = attn_team.read_jira(written / "json", teams=written / "teams.toml")
    _compare_items(org.backlog, back)
    sp = back.sprints.set_index("sprint_id")
    gsp = org.backlog.sprints.set_index("sprint_id").loc[sp.index]
    for col in ("name", "state", "start", "end", "complete"):
        assert gsp[col].tolist() == sp[col].tolist(), col
    cols = ["key", "at", "field", "from", "to", "author"]
    ge = org.backlog.events[cols].sort_values(cols[:3], kind="stable").reset_index(drop=True)
    be = back.events[cols].sort_values(cols[:3], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(ge, be)


def test_round_trip_teams_without_teams_file(org, written):
    """Without the teams file the Jira Team field decides, and gives the same teams."""
    back = attn_team.read_jira(written / "export.csv")
    assert back.team_of() == org.backlog.team_of()
    assert set(back.items["team_rule"]) == {"team_field"}
