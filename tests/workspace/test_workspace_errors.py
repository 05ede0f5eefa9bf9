"""Opening a workspace that cannot be used: one clear WorkspaceError naming the file, the cause and the fix."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from attn_team import _workspace_errors
from attn_team.synthetic import generate
from attn_team.workspace import Workspace, WorkspaceError


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A real workspace file with a small backlog in it."""
    path = tmp_path_factory.mktemp("ws") / "w.duckdb"
    with Workspace(path) as ws:
        ws.import_backlog(generate(n_items=120, n_people=12, random_state=3).backlog, label="t")
    return path


class TestDamagedFiles:
    def test_truncated_file_names_file_and_says_damaged(self, saved, tmp_path):
        cut = tmp_path / "cut.duckdb"
        cut.write_bytes(saved.read_bytes()[:20000])
        with pytest.raises(WorkspaceError, match=r"cut\.duckdb: the workspace file is damaged or truncated") as e:
            Workspace(cut)
        assert e.value.reason == "damaged" and e.value.path.endswith("cut.duckdb")
        assert e.value.detail  # DuckDB's own words, for -v
        with pytest.raises(WorkspaceError, match="damaged or truncated"):
            Workspace(cut, read_only=True)

    def test_header_overwritten(self, saved, tmp_path):
        bad = tmp_path / "bad.duckdb"
        data = bytearray(saved.read_bytes())
        data[:4096] = b"\xff" * 4096
        bad.write_bytes(bytes(data))
        with pytest.raises(WorkspaceError, match=r"bad\.duckdb: ") as e:
            Workspace(bad)
        assert e.value.reason in ("damaged", "not_workspace")
        assert "Traceback" not in str(e.value) and "\n" not in str(e.value)


class TestPaths:
    def test_missing_parent_folder_is_not_called_a_bad_file(self, tmp_path):
        with pytest.raises(WorkspaceError, match="folder .*nope does not exist; create it first") as e:
            Workspace(tmp_path / "nope" / "w.duckdb")
        assert "not a DuckDB" not in str(e.value) and e.value.reason == "parent"
        assert not (tmp_path / "nope").exists()

    def test_parent_is_a_file(self, tmp_path):
        (tmp_path / "afile").write_text("x")
        with pytest.raises(WorkspaceError, match="afile is a file, not a folder") as e:
            Workspace(tmp_path / "afile" / "w.duckdb")
        assert e.value.reason == "parent"

    def test_read_only_parent_folder(self, tmp_path, monkeypatch):
        folder = tmp_path / "ro"
        folder.mkdir()
        real = os.access
        monkeypatch.setattr(_workspace_errors.os, "access",
                            lambda p, mode: False if os.fspath(p) == os.fspath(folder) else real(p, mode))
        with pytest.raises(WorkspaceError, match="folder .*ro is not writable") as e:
            Workspace(folder / "w.duckdb")
        assert e.value.reason == "permission" and "not a DuckDB" not in str(e.value)

    @pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="POSIX permissions (root ignores them)")
    def test_read_only_parent_folder_for_real(self, tmp_path):
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        try:
            with pytest.raises(WorkspaceError, match="not writable"):
                Workspace(folder / "w.duckdb")
        finally:
            folder.chmod(0o755)

    def test_missing_file_read_only_says_to_import(self, tmp_path):
        with pytest.raises(WorkspaceError, match="no such workspace file; import an export first") as e:
            Workspace(tmp_path / "none.duckdb", read_only=True)
        assert e.value.reason == "missing" and "read_only=False" not in str(e.value)

    def test_folder(self, tmp_path):
        with pytest.raises(WorkspaceError, match="is a folder") as e:
            Workspace(tmp_path)
        assert e.value.reason == "folder"


def _hold(path, seconds, ready):
    """A child process holding ``path`` open for ``seconds``, then closing it."""
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from attn_team.workspace import Workspace
        ws = Workspace({str(path)!r})
        Path({str(ready)!r}).write_text("x")
        time.sleep({seconds})
        ws.close()
    """)
    child = subprocess.Popen([sys.executable, "-c", script], env=os.environ.copy())
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    return child


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
class TestLock:
    def test_wait_gets_the_workspace_once_the_other_process_closes_it(self, tmp_path):
        path = tmp_path / "w.duckdb"
        Workspace(path).close()
        child = _hold(path, 1.5, tmp_path / "ready")
        try:
            with Workspace(path, wait=60) as ws:
                assert ws.snapshots() is not None
        finally:
            child.kill()
            child.wait(30)

    def test_a_short_wait_fails_and_says_it_waited(self, tmp_path):
        path = tmp_path / "w.duckdb"
        Workspace(path).close()
        child = _hold(path, 60, tmp_path / "ready")
        try:
            t0 = time.monotonic()
            with pytest.raises(WorkspaceError, match=r"open in another process \(process \d+\), still after waiting 0.5 s") as e:
                Workspace(path, wait=0.5)
            assert time.monotonic() - t0 >= 0.5
            assert e.value.reason == "locked"
        finally:
            child.kill()
            child.wait(30)
