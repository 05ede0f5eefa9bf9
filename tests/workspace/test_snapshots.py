"""The workspace's snapshot rules: removed items, snapshots in the data's own order, schema upgrade."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from attn_team import cli
from attn_team.synthetic import generate, write_jira_csv
from attn_team.workspace import SCHEMA_VERSION, Workspace, WorkspaceError

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def weeks(tmp_path_factory):
    """Week 1 and week 2 CSV exports; week 2 moves 5 items on, drops 3 items of one project, adds one."""
    d = tmp_path_factory.mktemp("weeks")
    org = generate(n_items=300, n_teams=5, n_people=30, n_sprints=5, random_state=7)
    b1 = org.backlog.replace(events=None)
    items = b1.items.copy()
    later = items["updated"].max() + pd.Timedelta(days=3)
    todo = items.index[(items["status"] == "To Do") & (items["type"] != "Epic")][:5]
    items.loc[todo, "status"] = "In Progress"
    items.loc[todo, "status_category"] = "in_progress"
    items.loc[todo, "updated"] = later
    project = items.loc[todo[0], "project"]
    dropped = items.index[(items["project"] == project) & ~items.index.isin(todo) & (items["type"] == "Task")][:3]
    new = items.iloc[[0]].copy()
    new["key"], new["summary"], new["created"], new["updated"] = f"{project}-9999", "A new item", later, later
    items2 = pd.concat([items.drop(index=dropped), new], ignore_index=True)
    write_jira_csv(b1, d / "week1.csv")
    write_jira_csv(b1.replace(items=items2), d / "week2.csv")
    # the same data as week 1, other bytes (rows in reverse order): a file never imported before
    write_jira_csv(b1.replace(items=b1.items.iloc[::-1].reset_index(drop=True)), d / "week1-again.csv")
    return {"d": d, "todo": b1.items.loc[todo, "key"].tolist(), "dropped": b1.items.loc[dropped, "key"].tolist(),
            "new": new["key"].iloc[0], "project": project, "later": later, "n1": len(b1.items)}


def _status(b) -> dict:
    return dict(zip(b.items["key"], b.items["status"]))


class TestRemovedItems:
    def test_missing_from_a_later_export_of_the_project(self, weeks, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(weeks["d"] / "week1.csv")
            b1 = ws.backlog()
            row = ws.import_files(weeks["d"] / "week2.csv")
            assert row["n_removed"] == 3
            b = ws.backlog()
            assert set(weeks["dropped"]).isdisjoint(b.items["key"])
            assert b.n_items == weeks["n1"] - 3 + 1
            # kept, with their history and last known state
            full = ws.backlog(include_removed=True)
            assert set(weeks["dropped"]) <= set(full.items["key"]) and full.n_items == weeks["n1"] + 1
            gone = ws.removed()
            assert sorted(gone["key"]) == sorted(weeks["dropped"]) and set(gone["removed_snapshot"]) == {2}
            assert (gone["last_seen_snapshot"] == 1).all() and (gone["removed_at"] == weeks["later"]).all()
            assert ws.history(weeks["dropped"][0])["snapshot_id"].tolist() == [1]
            assert _status(full)[weeks["dropped"][0]] == _status(b1)[weeks["dropped"][0]]
            # links and events of removed items are left out with them; teams count live items
            for tbl in (b.links["source_key"], b.links["target_key"], b.events["key"]):
                assert set(weeks["dropped"]).isdisjoint(tbl)
            assert b.teams["n_items"].sum() == b.items["team"].notna().sum()

    def test_seen_again_later_is_live_again(self, weeks, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(weeks["d"] / "week1.csv")
            ws.import_files(weeks["d"] / "week2.csv")
            full = ws.backlog(include_removed=True)
            again = full.items.copy()
            again.loc[again["key"].isin(weeks["dropped"]), "updated"] = weeks["later"] + pd.Timedelta(days=1)
            row = ws.import_backlog(full.replace(items=again), label="week 3")
            assert row["n_removed"] == 0 and ws.removed().empty
            assert set(weeks["dropped"]) <= set(ws.backlog().items["key"])

    def test_an_older_export_neither_removes_nor_revives(self, weeks, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(weeks["d"] / "week2.csv")  # newer first: lacks the dropped items
            row = ws.import_files(weeks["d"] / "week1-again.csv")  # older, has them
            assert row["n_removed"] == 0  # the new item of week 2 is not removed by the older file
            b = ws.backlog()
            assert weeks["new"] in set(b.items["key"])
            # the dropped items are first known from the older file, but week 2 (later, same project) lacks
            # them: removed as of week 2, as if the files had come in their own order
            assert set(weeks["dropped"]).isdisjoint(b.items["key"])
            gone = ws.removed()
            assert sorted(gone["key"]) == sorted(weeks["dropped"]) and set(gone["removed_snapshot"]) == {1}
            # and week 2's state again (a third file, newer than both) revives nothing it lacks
            assert set(weeks["dropped"]).isdisjoint(ws.backlog().items["key"])

    def test_import_order_does_not_matter(self, weeks, tmp_path):
        """Week 1 then week 2, or week 2 then week 1: the same backlog, the same removed items, the same events."""
        states = []
        for order in (("week1", "week2"), ("week2", "week1")):
            with Workspace(tmp_path / f"{order[0]}.duckdb") as ws:
                for name in order:
                    ws.import_files(weeks["d"] / f"{name}.csv")
                states.append((ws.backlog(), ws.backlog(include_removed=True), sorted(ws.removed()["key"])))
        (a, a_all, a_gone), (b, b_all, b_gone) = states
        assert a_gone == b_gone == sorted(weeks["dropped"])
        keys = {"items": ["key"], "events": ["key", "at", "field"], "links": ["source_key", "target_key", "link_type"],
                "people": ["person"], "teams": ["team"], "sprints": ["sprint_id"]}
        for x, y in ((a, b), (a_all, b_all)):
            for name, k in keys.items():  # (items.source: the file an item's current state was first read from)
                left, right = (getattr(z, name).drop(columns="source", errors="ignore") for z in (x, y))
                pd.testing.assert_frame_equal(left.sort_values(k, ignore_index=True), right.sort_values(k, ignore_index=True),
                                              obj=name)
        status = a.events[a.events["field"] == "status"]
        assert sorted(status["key"]) == sorted(weeks["todo"]) and set(status["to"]) == {"In Progress"}


class TestDataOrder:
    def test_older_file_imported_later_never_rolls_back(self, weeks, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(weeks["d"] / "week1.csv")
            ws.import_files(weeks["d"] / "week2.csv")
            newer = _status(ws.backlog())
            events = len(ws.backlog().events)
            row = ws.import_files(weeks["d"] / "week1-again.csv")  # same data as week 1, other bytes
            assert not row.get("unchanged") and row["n_older"] == weeks["n1"] - 3 and row["n_changed"] == 0
            b = ws.backlog()
            assert _status(b) == newer  # the 5 moved items keep "In Progress"
            assert all(newer[k] == "In Progress" for k in weeks["todo"])
            assert len(b.events) == events  # no events from going back in time
            snaps = ws.snapshots()
            assert snaps["snapshot_id"].tolist() == [1, 3, 2]  # in the data's own order
            assert snaps["data_time"].is_monotonic_increasing

    def test_older_states_go_to_history(self, weeks, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(weeks["d"] / "week2.csv")
            ws.import_files(weeks["d"] / "week1.csv")
            b = ws.backlog(include_removed=True)
            assert all(_status(b)[k] == "In Progress" for k in weeks["todo"])
            hist = ws.history(weeks["todo"][0])
            assert hist["status"].tolist() == ["To Do", "In Progress"]  # in the data's order
            assert hist["snapshot_id"].tolist() == [2, 1]

    def test_same_older_file_again_says_so(self, weeks, tmp_path, capsys):
        """The reported case: week 1, week 2, week 1's file again."""
        ws_path = tmp_path / "w.duckdb"
        for name in ("week1", "week2"):
            assert cli.main(["import", str(weeks["d"] / f"{name}.csv"), "--workspace", str(ws_path)]) == 0
        capsys.readouterr()
        assert cli.main(["import", str(weeks["d"] / "week1.csv"), "--workspace", str(ws_path)]) == 0
        out = capsys.readouterr().out
        assert "already imported" in out and "is unchanged" in out
        assert "older than snapshot 2" in out and "keep their newer state" in out
        with Workspace(ws_path) as ws:
            assert all(_status(ws.backlog())[k] == "In Progress" for k in weeks["todo"])
        assert cli.main(["import", str(weeks["d"] / "week1-again.csv"), "--workspace", str(ws_path)]) == 0
        assert "kept their newer state" in capsys.readouterr().out


class TestSchemaUpgrade:
    @pytest.fixture()
    def v1_file(self, tmp_path):
        path = tmp_path / "old.duckdb"
        with gzip.open(DATA / "schema1.duckdb.gz") as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
        return path

    def test_upgraded_in_place(self, v1_file):
        expected = json.loads((DATA / "schema1.json").read_text())
        with Workspace(v1_file) as ws:
            version = ws.con.execute("SELECT value FROM attn_meta WHERE key = 'schema_version'").fetchall()[0][0]
            assert int(version) == SCHEMA_VERSION == 2
            b = ws.backlog()
            assert _status(b) == expected["items"]
            assert len(b.events) == expected["n_events"] and len(b.links) == expected["n_links"]
            assert len(ws.history()) == expected["n_history"]
            snaps = ws.snapshots()
            assert snaps[["snapshot_id", "label", "n_new", "n_changed"]].values.tolist() == expected["snapshots"]
            assert snaps["data_time"].notna().all() and snaps["data_time"].is_monotonic_increasing
            assert (snaps["n_removed"] == 0).all() and ws.removed().empty
            # and it keeps working: a later snapshot without 2 items removes them
            items = b.items.iloc[2:].copy()
            items["updated"] = snaps["data_time"].max() + pd.Timedelta(days=1)
            row = ws.import_backlog(b.replace(items=items), label="after upgrade")
            assert row["n_removed"] == 2 and ws.backlog().n_items == b.n_items - 2
        with Workspace(v1_file, read_only=True) as ws:  # upgraded once, read-only works
            assert ws.backlog().n_items == len(expected["items"]) - 2

    def test_read_only_old_file_says_how_to_upgrade(self, v1_file):
        with pytest.raises(WorkspaceError, match="older attn_team.*read_only=False to upgrade"):
            Workspace(v1_file, read_only=True)
