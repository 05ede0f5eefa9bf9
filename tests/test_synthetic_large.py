"""Tests of the large, streamed organisation (attn_team.synthetic.write_large_org) and of reading it back."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import attn_team
from attn_team.io._assemble import assemble
from attn_team.io._json import parse_jira_json, read_jira_json
from attn_team.io._json_files import _merge_sprint_records
from attn_team.synthetic import _large, write_large_org
from attn_team.synthetic._sample import _main

N, PER_DIV, PAGE = 2400, 800, 500


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    root = tmp_path_factory.mktemp("large")
    files = write_large_org(root, n_items=N, items_per_division=PER_DIV, page_size=PAGE, progress=False)
    return root, files


def _pages(root):
    return sorted((root / "jira-json").glob("search-*.json"))


class TestPages:
    def test_page_shape(self, big):
        root, files = big
        pages = _pages(root)
        assert [p.name for p in pages] == [f"search-{i:03d}.json" for i in range(1, 6)]
        starts, sizes = [], []
        for p in pages:
            doc = json.loads(p.read_text(encoding="utf-8"))
            assert set(doc) >= {"startAt", "maxResults", "total", "issues"}
            assert doc["total"] == N and doc["maxResults"] == PAGE
            starts.append(doc["startAt"])
            sizes.append(len(doc["issues"]))
            issue = doc["issues"][0]
            assert {"key", "id", "fields", "changelog"} <= set(issue)
            assert {"summary", "status", "issuetype", "project", "issuelinks", "customfield_10001"} <= set(issue["fields"])
        assert starts == [0, 500, 1000, 1500, 2000]
        assert sizes == [500, 500, 500, 500, 400]
        assert (root / "jira-json" / "fields.json").exists() and (root / "jira-json" / "sprints.json").exists()
        assert files[-1] == root / "truth.json"

    def test_same_seed_same_bytes_other_seed_other_org(self, big, tmp_path):
        root, _ = big
        again = tmp_path / "again"
        write_large_org(again, n_items=N, items_per_division=PER_DIV, page_size=PAGE, progress=False)
        for p in _pages(root):
            assert (again / "jira-json" / p.name).read_bytes() == p.read_bytes()
        other = tmp_path / "other"
        write_large_org(other, n_items=N, items_per_division=PER_DIV, page_size=PAGE, random_state=1, progress=False)
        assert (other / "jira-json" / "search-001.json").read_bytes() != _pages(root)[0].read_bytes()

    def test_unique_keys_ids_and_sprints_across_divisions(self, big):
        root, _ = big
        keys, ids = [], []
        for p in _pages(root):
            for issue in json.loads(p.read_text(encoding="utf-8"))["issues"]:
                keys.append(issue["key"])
                ids.append(issue["id"])
        assert len(set(keys)) == len(keys) == N
        assert len(set(ids)) == N
        sprints = json.loads((root / "jira-json" / "sprints.json").read_text(encoding="utf-8"))["values"]
        assert len({s["id"] for s in sprints}) == len(sprints) == 3 * 8 * 26
        assert len({s["originBoardId"] for s in sprints}) == 3 * 8  # a board per team

    def test_parameters_are_checked(self, tmp_path):
        with pytest.raises(ValueError, match="at least 160"):
            write_large_org(tmp_path, n_items=100, progress=False)
        with pytest.raises(ValueError, match="items_per_division"):
            write_large_org(tmp_path, n_items=1000, items_per_division=10, progress=False)


class TestStreaming:
    def test_pages_are_written_while_generating(self, tmp_path, monkeypatch):
        """Division d-1's pages are on disk before division d+1 is simulated: never the whole organisation in memory."""
        on_disk = []
        real = _large._Division

        def spy(d, *a, **kw):
            on_disk.append(len(list((tmp_path / "jira-json").glob("search-*.json"))))
            return real(d, *a, **kw)

        monkeypatch.setattr(_large, "_Division", spy)
        write_large_org(tmp_path, n_items=4 * 400, items_per_division=400, page_size=100, progress=False)
        assert on_disk == [0, 0, 4, 8]  # division 0 written while division 1 is held, and so on
        assert len(list((tmp_path / "jira-json").glob("search-*.json"))) == 16

    def test_at_most_two_divisions_held(self, tmp_path, monkeypatch):
        alive = []
        real = _large._Division

        class Counted(real):
            n = 0

            def __init__(self, *a, **kw):
                super().__init__(*a, **kw)
                Counted.n += 1
                alive.append(Counted.n)

            def __del__(self):
                Counted.n -= 1

        monkeypatch.setattr(_large, "_Division", Counted)
        write_large_org(tmp_path, n_items=5 * 200, items_per_division=200, page_size=100, progress=False)
        assert max(alive) <= 2


class TestReadBack:
    def test_importer_reads_the_pages(self, big):
        root, _ = big
        truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
        b = attn_team.read_jira(root / "jira-json")
        assert b.n_items == N
        assert b.items["team"].nunique() == 24 and set(b.items["team_rule"]) == {"team_field"}
        assert len(b.sprints) == truth["counts"]["sprints"]
        assert len(b.events) == truth["counts"]["events"]
        assert len(b.links) == truth["counts"]["links"]
        links = set(zip(b.links["source_key"], b.links["target_key"], b.links["link_type"]))
        cross = {tuple(x) for x in truth["cross_division_links"]}
        assert cross and cross <= links
        team = b.team_of()
        assert all(team[a] != team[c] for a, c, _ in cross)
        assert {"status", "sprint", "assignee"} <= set(b.events["field"])
        finished = int(b.outcomes()["cycle_time_days"].notna().sum())
        assert finished > N // 4  # status histories: flow metrics have finished work to measure

    def test_planted_pairs_per_division_are_in_the_backlog(self, big):
        root, _ = big
        truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
        b = attn_team.read_jira(root / "jira-json")
        keys = set(b.items["key"])
        assert len(truth["divisions"]) == 3
        for div in truth["divisions"]:
            assert div["planted_pairs"] and all(a in keys and c in keys for a, c in div["planted_pairs"])


class TestCompactReading:
    @pytest.mark.parametrize("which", ["sample", "large"])
    def test_compact_gives_the_same_backlog(self, which, big, repo_root):
        folder = repo_root / "sample_data" / "jira-json" if which == "sample" else big[0] / "jira-json"
        a = assemble(read_jira_json(folder))
        c = assemble(read_jira_json(folder, compact=True))
        for table in ("items", "people", "teams", "sprints", "links", "events"):
            pd.testing.assert_frame_equal(getattr(a, table), getattr(c, table))
        assert a.warnings == c.warnings

    def test_sprint_records_merge_like_assemble(self):
        recs = [{"sprint_id": "1", "name": "S1", "state": "active"}, {"sprint_id": "2", "name": "S2"},
                {"sprint_id": "1", "name": "S1", "state": "closed", "goal": None}]
        assert _merge_sprint_records(recs) == [{"sprint_id": "1", "name": "S1", "state": "closed"},
                                               {"sprint_id": "2", "name": "S2"}]
        named_twice = [{"sprint_id": "1", "name": "S1"}, {"sprint_id": "1", "name": "Other"}]
        assert _merge_sprint_records(named_twice) == named_twice  # assemble still warns

    def test_a_later_page_naming_a_field_rereads_earlier_pages(self, tmp_path):
        def page(start, key, points, names=None):
            doc = {"startAt": start, "maxResults": 1, "total": 2,
                   "issues": [{"key": key, "fields": {"summary": key, "customfield_500": points,
                                                      "created": "2024-03-05T10:00:00.000+0000"}}]}
            if names:
                doc["names"] = names
            return doc

        docs = [page(0, "A-1", 5), page(1, "A-2", 3, {"customfield_500": "Story Points"})]
        for i, d in enumerate(docs):
            (tmp_path / f"p{i}.json").write_text(json.dumps(d), encoding="utf-8")
        streamed = read_jira_json([tmp_path / "p0.json", tmp_path / "p1.json"])
        together = parse_jira_json([(str(tmp_path / f"p{i}.json"), d) for i, d in enumerate(docs)])
        assert [r.issues[0]["story_points"] for r in streamed] == [5.0, 3.0]
        assert [r.issues for r in streamed] == [r.issues for r in together]


def test_command_line_json_pages(tmp_path, capsys):
    assert _main(["--items", "1000", "--format", "json-pages", "--items-per-division", "500", "--page-size", "300",
                  "--no-progress", str(tmp_path)]) == 0
    assert len(list((tmp_path / "jira-json").glob("search-*.json"))) == 4
    assert "4 search pages" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        _main(["--items", "50", "--format", "json-pages", "--no-progress", str(tmp_path / "x")])
