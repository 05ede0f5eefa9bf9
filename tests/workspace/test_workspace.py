"""Tests of the DuckDB workspace (attn_team.workspace)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import attn_team
from attn_team.synthetic import generate, write_jira_csv, write_jira_json_pages, write_teams_file
from attn_team.workspace import SCHEMA_VERSION, Workspace, WorkspaceError

TABLES = ("items", "people", "teams", "sprints", "links", "events")


@pytest.fixture(scope="module")
def org():
    return generate(n_items=300, n_teams=5, n_people=30, n_sprints=5, random_state=7)


@pytest.fixture(scope="module")
def exports(org, tmp_path_factory):
    """Week 1 and week 2 CSV exports of the same projects (week 2: changed, moved, new items)."""
    d = tmp_path_factory.mktemp("exports")
    b1 = org.backlog
    items = b1.items.copy()
    later = items["updated"].max() + pd.Timedelta(days=2)
    sprint_ids = b1.sprints["sprint_id"].tolist()
    todo = items.index[(items["status"] == "To Do") & (items["type"] != "Epic")][:5]
    items.loc[todo, "status"] = "In Progress"
    items.loc[todo, "status_category"] = "in_progress"
    moved = items.index[items["sprints"].map(len) > 0][:4]
    items.loc[moved, "sprints"] = pd.Series([[*items.at[i, "sprints"], sprint_ids[-1]] for i in moved], index=moved)
    repointed = items.index[items["story_points"].notna()][-3:]
    items.loc[repointed, "story_points"] = 21.0
    items.loc[todo.union(moved).union(repointed), "updated"] = later
    new = items.iloc[[0]].copy()
    new["key"] = new["project"] + "-9999"
    new["summary"] = "A brand new item"
    new["created"] = new["updated"] = later
    items2 = pd.concat([items, new], ignore_index=True)
    b2 = b1.replace(items=items2, events=None)
    write_jira_csv(b1.replace(events=None), d / "week1.csv")
    write_jira_csv(b2, d / "week2.csv")
    write_teams_file(org, d / "teams.toml")
    write_jira_json_pages(org, d / "json", page_size=120)
    return {
        "dir": d, "week1": d / "week1.csv", "week2": d / "week2.csv", "teams": d / "teams.toml", "json": d / "json",
        "todo": items.loc[todo, "key"].tolist(), "moved": items.loc[moved, "key"].tolist(),
        "repointed": items.loc[repointed, "key"].tolist(), "new": new["key"].iloc[0], "later": later,
        "last_sprint": b1.sprints["name"].iloc[-1],
    }


def _digest(path) -> tuple:
    data = open(path, "rb").read()
    return hashlib.sha256(data).hexdigest(), os.stat(path).st_mtime_ns


def _state(ws: Workspace) -> dict:
    b = ws.backlog()
    out = {name: getattr(b, name) for name in TABLES}
    out["snapshots"] = ws.snapshots()
    out["history"] = ws.history()
    return out


def _assert_same_state(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


class TestImport:
    def test_empty_workspace(self, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            assert ws.backlog().n_items == 0 and len(ws.backlog().events) == 0
            snaps = ws.snapshots()
            assert snaps.empty and {"snapshot_id", "file_hashes", "n_new", "n_changed"} <= set(snaps.columns)
            assert ws.load_vectors("m", ["a"]) == {} and ws.load_frame("x", "y") is None
            assert "open" in repr(ws)

    def test_first_import_matches_read_jira(self, exports, tmp_path):
        ref = attn_team.read_jira(exports["week1"], teams=exports["teams"])
        with Workspace(tmp_path / "w.duckdb") as ws:
            row = ws.import_files(exports["week1"], teams=exports["teams"])
            assert row["snapshot_id"] == 1 and row["n_items"] == row["n_new"] == ref.n_items and row["n_changed"] == 0
            assert row["file_hashes"] == [hashlib.sha256(exports["week1"].read_bytes()).hexdigest()]
            assert row["source_format"] == "csv" and row["files"] == [str(exports["week1"].resolve())]
            b = ws.backlog()
        b.validate()
        assert b.items["key"].tolist() == ref.items["key"].tolist()
        cols = ["summary", "team", "status", "story_points", "created", "resolved", "sprints", "labels", "watchers"]
        pd.testing.assert_frame_equal(b.items[cols], ref.items[cols])
        assert set(zip(b.links["source_key"], b.links["target_key"], b.links["link_type"])) == set(
            zip(ref.links["source_key"], ref.links["target_key"], ref.links["link_type"]))
        pd.testing.assert_frame_equal(b.people, ref.people.sort_values("person", ignore_index=True))
        assert set(b.sprints["sprint_id"]) == set(ref.sprints["sprint_id"])
        assert dict(zip(b.teams["team"], b.teams["n_items"])) == dict(zip(ref.teams["team"], ref.teams["n_items"]))

    def test_backlog_loads_in_chunks_sharing_repeated_strings(self, tmp_path, monkeypatch):
        """Loaded chunk by chunk (2,048 rows each here), the tables equal DuckDB's one-shot conversion,
        and a value repeated down a column is one Python object (the memory of a 1M-item load)."""
        import attn_team._workspace_frames as frames
        import attn_team.workspace as wsmod
        from attn_team.model import conform

        monkeypatch.setattr(frames, "_CHUNK_VECTORS", 1)
        sample = Path(attn_team.__file__).resolve().parents[1] / "sample_data" / "jira-json"
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(sample)
            b = ws.backlog()
            assert len(b.events) > 2 * 2048 and b.n_items < 2048 < len(b.events)  # several chunks
            for name in TABLES:
                one_shot = conform(name, wsmod._df(ws.con, f"SELECT * FROM {name}{wsmod._snapshots.live_filter(name)}"
                                                  + {"items": " ORDER BY first_snapshot, rowid",
                                                     "events": ' ORDER BY "key", "at", rowid',
                                                     "links": " ORDER BY rowid", "people": " ORDER BY person",
                                                     "sprints": " ORDER BY rowid", "teams": " ORDER BY team"}[name]))
                pd.testing.assert_frame_equal(getattr(b, name), one_shot, obj=name)
        ev = b.events
        for col in ("field", "author", "key"):
            vals = ev[col].dropna().to_numpy(dtype=object)
            assert len({id(v) for v in vals}) == len(set(vals)), col
        comps = [c for cell in b.items["components"] for c in cell]
        assert len({id(c) for c in comps}) == len(set(comps))
        summaries = b.items["summary"].dropna()
        assert summaries.nunique() > len(summaries) // 2  # free text: nothing to share, still equal above

    def test_same_files_again_change_nothing(self, exports, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            first = ws.import_files([exports["week1"]], teams=exports["teams"])
            before = _state(ws)
            again = ws.import_files([exports["week1"]], teams=exports["teams"])
            assert again["unchanged"] is True and again["snapshot_id"] == first["snapshot_id"]
            _assert_same_state(before, _state(ws))
            assert len(ws.snapshots()) == 1

    def test_weekly_exports_build_history(self, exports, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(exports["week1"], teams=exports["teams"])
            row = ws.import_files(exports["week2"], teams=exports["teams"])
            changed = set(exports["todo"]) | set(exports["moved"]) | set(exports["repointed"])
            assert row["snapshot_id"] == 2 and row["n_new"] == 1 and row["n_changed"] == len(changed)
            b = ws.backlog()
            ev = b.events
            assert (ev["origin"] == "snapshot").all() and row["n_events"] == len(ev)
            status = ev[ev["field"] == "status"]
            assert sorted(status["key"]) == sorted(exports["todo"])
            assert set(status["from"]) == {"To Do"} and set(status["to"]) == {"In Progress"}
            assert (status["at"] == exports["later"]).all()
            sprint = ev[ev["field"] == "sprint"].set_index("key")
            assert sorted(sprint.index) == sorted(exports["moved"])
            for key in exports["moved"]:
                assert sprint.loc[key, "to"] == sprint.loc[key, "from"] + ", " + exports["last_sprint"]
            points = ev[ev["field"] == "story_points"]
            assert sorted(points["key"]) == sorted(exports["repointed"]) and set(points["to"]) == {"21"}
            assert exports["new"] not in set(ev["key"])  # a new item has no history yet
            # the accumulated backlog has week 2's state; history keeps both states of changed items
            it = b.items.set_index("key")
            assert (it.loc[exports["todo"], "status"] == "In Progress").all()
            assert exports["new"] in it.index and b.n_items == row["n_items"]
            hist = ws.history(exports["todo"][0])
            assert hist["snapshot_id"].tolist() == [1, 2]
            assert hist["status"].tolist() == ["To Do", "In Progress"]
            snaps = ws.snapshots()
            assert snaps["snapshot_id"].tolist() == [1, 2] and snaps["n_new"].tolist() == [b.n_items - 1, 1]
            # week 2 again: nothing new
            assert ws.import_files(exports["week2"], teams=exports["teams"])["unchanged"]
            # week 1's file again, after week 2: same sha256 as snapshot 1, so nothing is done
            back = ws.import_files(exports["week1"], teams=exports["teams"])
            assert back["unchanged"] is True and back["snapshot_id"] == 1 and len(ws.snapshots()) == 2

    def test_json_changelog_events(self, org, exports, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            row = ws.import_files(exports["json"], teams=exports["teams"])
            assert row["source_format"] == "json" and row["n_events"] == len(org.backlog.events)
            ev = ws.backlog().events
            assert (ev["origin"] == "changelog").all()
            assert set(ev["field"]) == {"status", "sprint", "assignee", "story_points"}

    @pytest.mark.parametrize("first", ["week1", "json"])
    def test_csv_and_json_of_the_same_project_share_sprints(self, org, exports, tmp_path, first):
        """CSV names sprints, JSON gives ids: in either order each sprint is kept once, under its id."""
        second = "json" if first == "week1" else "week1"
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(exports[first], teams=exports["teams"])
            row = ws.import_files(exports[second], teams=exports["teams"])
            b = ws.backlog().validate()
        ref = org.backlog
        assert sorted(b.sprints["sprint_id"]) == sorted(ref.sprints["sprint_id"])
        assert dict(zip(b.items["key"], b.items["sprints"])) == dict(zip(ref.items["key"], ref.items["sprints"]))
        assert row["n_new"] == 0
        assert not (b.events["origin"] == "snapshot").any()  # nothing tracked changed between the two

    def test_import_backlog(self, org, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            row = ws.import_backlog(org.backlog, label="generated")
            assert row["label"] == "generated" and row["source_format"] == "backlog" and row["files"] == []
            assert ws.import_backlog(org.backlog, label="again")["unchanged"]
            b = ws.backlog()
            assert b.items["key"].tolist() == org.backlog.items["key"].tolist()
            assert len(b.events) == len(org.backlog.events) and len(b.links) == len(org.backlog.links)
            with pytest.raises(TypeError, match="Backlog"):
                ws.import_backlog(org.backlog.items)

    def test_input_files_are_never_written(self, exports, tmp_path):
        files = [exports["week1"], exports["teams"], *sorted(exports["json"].iterdir())]
        before = [_digest(f) for f in files]
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(exports["week1"], teams=exports["teams"])
            ws.import_files(exports["json"], teams=exports["teams"])
        assert [_digest(f) for f in files] == before

    def test_persists_across_reopen_and_read_only(self, exports, tmp_path):
        path = tmp_path / "w.duckdb"
        with Workspace(path) as ws:
            ws.import_files(exports["week1"], teams=exports["teams"])
            state = _state(ws)
        with Workspace(path, read_only=True) as ws:
            _assert_same_state(state, _state(ws))
            with pytest.raises(WorkspaceError, match="read_only"):
                ws.import_files(exports["week2"])
            with pytest.raises(WorkspaceError, match="read_only"):
                ws.store_vectors("m", ["a"], np.ones((1, 3), dtype=np.float32))

    def test_default_path(self, org, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        with Workspace() as ws:
            ws.import_backlog(org.backlog)
        assert (tmp_path / "attn_team.duckdb").is_file()


class TestAtomicity:
    def test_failed_import_leaves_workspace_as_before(self, exports, tmp_path, monkeypatch):
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(exports["week1"], teams=exports["teams"])
            before = _state(ws)

            def boom(self, stage):
                if stage == "events":
                    raise RuntimeError("disk on fire")

            monkeypatch.setattr(Workspace, "_checkpoint", boom)
            with pytest.raises(RuntimeError, match="disk on fire"):
                ws.import_files(exports["week2"], teams=exports["teams"])
            _assert_same_state(before, _state(ws))
            monkeypatch.undo()
            # and the workspace still works
            assert ws.import_files(exports["week2"], teams=exports["teams"])["snapshot_id"] == 2

    def test_bad_input_leaves_workspace_as_before(self, exports, tmp_path):
        bad = tmp_path / "bad.csv"
        bad.write_bytes(b"\x00\x01\x02 not a jira export \xff\xfe")
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.import_files(exports["week1"], teams=exports["teams"])
            before = _state(ws)
            with pytest.raises(attn_team.JiraFormatError):
                ws.import_files(bad)
            _assert_same_state(before, _state(ws))

    @pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")
    def test_killed_mid_import_leaves_workspace_as_before(self, exports, tmp_path):
        path = tmp_path / "w.duckdb"
        with Workspace(path) as ws:
            ws.import_files(exports["week1"], teams=exports["teams"])
            before = _state(ws)
        marker = tmp_path / "inside-transaction"
        script = textwrap.dedent(f"""
            import time
            from pathlib import Path
            from attn_team.workspace import Workspace

            def pause(self, stage):
                if stage == "events":  # items, people, sprints, links and events written, not committed
                    Path({str(marker)!r}).write_text("x")
                    time.sleep(120)

            Workspace._checkpoint = pause
            ws = Workspace({str(path)!r})
            ws.import_files({str(exports["week2"])!r}, teams={str(exports["teams"])!r})
        """)
        child = subprocess.Popen([sys.executable, "-c", script])
        try:
            deadline = time.monotonic() + 120
            while not marker.exists():
                assert child.poll() is None, "the importing child ended before reaching the transaction"
                assert time.monotonic() < deadline, "the child never reached the transaction"
                time.sleep(0.05)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(30)
        assert child.returncode == -signal.SIGKILL
        with Workspace(path) as ws:
            _assert_same_state(before, _state(ws))
            assert ws.import_files(exports["week2"], teams=exports["teams"])["snapshot_id"] == 2


class TestVectorCache:
    def test_store_and_load(self, tmp_path):
        rng = np.random.default_rng(0)
        v = rng.normal(size=(5, 384)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        hashes = [f"h{i}" for i in range(5)]
        with Workspace(tmp_path / "w.duckdb") as ws:
            assert ws.load_vectors("mini", hashes) == {}
            ws.store_vectors("mini", hashes, v)
            got = ws.load_vectors("mini", ["h3", "h0", "missing"])
            assert set(got) == {"h0", "h3"}
            assert got["h3"].dtype == np.float32 and got["h3"].shape == (384,)
            np.testing.assert_allclose(got["h3"], v[3], atol=1e-3)
            assert ws.load_vectors("other-model", hashes) == {}
            ws.store_vectors("mini", ["h0"], np.zeros((1, 384), dtype=np.float32))  # upsert
            assert not ws.load_vectors("mini", ["h0"])["h0"].any()
            assert len(ws.load_vectors("mini", hashes)) == 5
            with pytest.raises(ValueError, match="shape"):
                ws.store_vectors("mini", ["a", "b"], np.ones((3, 4), dtype=np.float32))
        with Workspace(tmp_path / "w.duckdb", read_only=True) as ws:  # persisted, and stored compactly
            np.testing.assert_allclose(ws.load_vectors("mini", ["h4"])["h4"], v[4], atol=1e-3)
            size = ws.con.execute("SELECT octet_length(vec) FROM vectors LIMIT 1").fetchall()[0][0]
            assert size == 384 * 2


class TestFrameCache:
    def test_store_and_load(self, tmp_path):
        df = pd.DataFrame({
            "source": ["A-1", "A-2"], "score": [0.5, 0.25], "n": [1, 2],
            "at": pd.to_datetime(["2025-01-01T10:00Z", "2025-01-02T10:00Z"], utc=True),
            "heads": [["text", "time"], ["people"]],
        })
        with Workspace(tmp_path / "w.duckdb") as ws:
            assert ws.load_frame("suggest", "k1") is None
            before = df.copy()
            ws.store_frame("suggest", "k1", df)
            pd.testing.assert_frame_equal(df, before)  # the caller's frame is not changed (list columns included)
            got = ws.load_frame("suggest", "k1")
            assert got["source"].tolist() == ["A-1", "A-2"] and got["score"].tolist() == [0.5, 0.25]
            assert got["heads"].tolist() == [["text", "time"], ["people"]]
            assert got["at"].tolist() == df["at"].tolist()
            ws.store_frame("suggest", "k1", df.head(1))
            assert len(ws.load_frame("suggest", "k1")) == 1
            assert ws.load_frame("suggest", "k2") is None
            with pytest.raises(TypeError, match="DataFrame"):
                ws.store_frame("suggest", "k3", [1, 2])
            with pytest.raises(ValueError, match="no columns"):
                ws.store_frame("suggest", "k3", pd.DataFrame())

    def test_large_frame_loads_equal_with_repeated_keys_shared(self, tmp_path, monkeypatch):
        import attn_team._workspace_frames as frames
        import attn_team.workspace as wsmod

        monkeypatch.setattr(frames, "_CHUNK_VECTORS", 1)
        n = 5000  # three chunks of 2,048 rows
        df = pd.DataFrame({"source": [f"K-{i // 20}" for i in range(n)], "reason": [f"text {i}" for i in range(n)],
                           "weight": np.linspace(0, 1, n), "heads": [["text"] if i % 2 else [] for i in range(n)]})
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.store_frame("edges", "k", df)
            got = ws.load_frame("edges", "k")
            table = wsmod._one(ws.con, "SELECT table_name FROM frames WHERE name = 'edges'", [])[0]
            one_shot = wsmod._df(ws.con, f"SELECT * FROM {table}")
        pd.testing.assert_frame_equal(got.drop(columns="heads"), one_shot.drop(columns="heads"))
        assert got["heads"].tolist() == df["heads"].tolist()
        src = got["source"].to_numpy(dtype=object)
        assert len({id(v) for v in src}) == len(set(src)) == n // 20

    def test_missing_values_and_empty_frames(self, tmp_path):
        df = pd.DataFrame({
            "team": pd.Series(["Data", None], dtype="string"), "weight": pd.Series([0.5, None], dtype="Float64"),
            "n": pd.Series([1, None], dtype="Int64"), "heads": [[], ["text"]],
        })
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.store_frame("x", "full", df)
            got = ws.load_frame("x", "full")
            assert got["team"].iloc[0] == "Data" and pd.isna(got["team"].iloc[1])
            assert got["weight"].iloc[0] == 0.5 and pd.isna(got["weight"].iloc[1])
            assert got["n"].iloc[0] == 1 and pd.isna(got["n"].iloc[1])
            assert got["heads"].tolist() == [[], ["text"]]
            ws.store_frame("x", "empty", df.iloc[:0])
            empty = ws.load_frame("x", "empty")
            assert empty is not None and len(empty) == 0 and list(empty.columns) == list(df.columns)


class TestErrors:
    def test_not_a_duckdb_file(self, tmp_path):
        bad = tmp_path / "notes.duckdb"
        bad.write_text("just some notes, not a database\n" * 20)
        with pytest.raises(WorkspaceError, match="notes.duckdb.*not a DuckDB workspace file"):
            Workspace(bad)
        assert bad.read_text().startswith("just some notes")

    def test_foreign_duckdb_file(self, tmp_path):
        import duckdb

        path = tmp_path / "other.duckdb"
        con = duckdb.connect(str(path))
        con.execute("CREATE TABLE sales (x INTEGER)")
        con.close()
        with pytest.raises(WorkspaceError, match="other.duckdb.*not an attn_team workspace"):
            Workspace(path)

    def test_newer_schema_version(self, tmp_path):
        path = tmp_path / "w.duckdb"
        with Workspace(path) as ws:
            ws.con.execute("UPDATE attn_meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
        with pytest.raises(WorkspaceError, match=r"w.duckdb.*newer attn_team.*upgrade"):
            Workspace(path)

    def test_missing_file_read_only_and_folder(self, tmp_path):
        with pytest.raises(WorkspaceError, match="no such workspace file"):
            Workspace(tmp_path / "nope.duckdb", read_only=True)
        with pytest.raises(WorkspaceError, match="is a folder"):
            Workspace(tmp_path)

    def test_closed(self, tmp_path):
        ws = Workspace(tmp_path / "w.duckdb")
        ws.close()
        ws.close()
        with pytest.raises(WorkspaceError, match="closed"):
            ws.backlog()

    @pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
    def test_locked_by_another_process(self, tmp_path):
        path = tmp_path / "w.duckdb"
        Workspace(path).close()
        ready = tmp_path / "holding"
        script = textwrap.dedent(f"""
            import time
            from pathlib import Path
            from attn_team.workspace import Workspace
            ws = Workspace({str(path)!r})
            Path({str(ready)!r}).write_text("x")
            time.sleep(120)
        """)
        child = subprocess.Popen([sys.executable, "-c", script])
        try:
            deadline = time.monotonic() + 120
            while not ready.exists():
                assert child.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            with pytest.raises(WorkspaceError, match="w.duckdb.*open in another process"):
                Workspace(path)
        finally:
            child.kill()
            child.wait(30)
