"""Every expected CLI failure: one line on stderr with the fix, a documented exit code, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from attn_team import cli
from attn_team._commands import _common
from attn_team.synthetic import generate, write_jira_csv

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    """A small four-team CSV export."""
    path = tmp_path_factory.mktemp("export") / "export.csv"
    return write_jira_csv(generate(n_items=100, n_people=8, n_teams=4, random_state=2), path)


@pytest.fixture(scope="module")
def workspace(export, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ws") / "w.duckdb"
    assert cli.main(["import", str(export), "-w", str(path)]) == 0
    return path


def _err(capsys) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("attn-team: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _env():
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    return env


def _run(*argv, **kw):
    return subprocess.run([sys.executable, "-m", "attn_team.cli", *argv], capture_output=True, text=True,
                          env=_env(), timeout=300, check=False, **kw)


class TestWorkspacePaths:
    def test_info_without_workspace_gives_a_cli_hint(self, tmp_path, capsys, monkeypatch):
        monkeypatch.chdir(tmp_path)
        assert cli.main(["info"]) == 1
        line = _err(capsys)
        assert "run 'attn-team import FILE' first" in line and "read_only" not in line

    @pytest.mark.parametrize("command", [["info"], ["suggest"], ["report", "--out", "r.html"], ["teams", "init"],
                                         ["evaluate"]])
    def test_every_command_names_the_missing_workspace(self, command, tmp_path, capsys, monkeypatch):
        monkeypatch.chdir(tmp_path)
        flag = ["--workspace", "none.duckdb"]
        assert cli.main(command + flag) == 1
        assert "no workspace at none.duckdb" in _err(capsys)

    def test_workspace_is_a_folder(self, tmp_path, capsys):
        assert cli.main(["info", "-w", str(tmp_path)]) == 1
        assert "is a folder; give the path of a workspace file" in _err(capsys)

    def test_missing_parent_folder(self, export, tmp_path, capsys):
        assert cli.main(["import", str(export), "-w", str(tmp_path / "nope" / "w.duckdb")]) == 1
        line = _err(capsys)
        assert "does not exist; create it first" in line and "not a DuckDB" not in line

    def test_read_only_parent_folder(self, export, tmp_path, capsys, monkeypatch):
        folder = tmp_path / "ro"
        folder.mkdir()
        from attn_team import _workspace_errors

        real = os.access
        monkeypatch.setattr(_workspace_errors.os, "access",
                            lambda p, mode: False if os.fspath(p) == os.fspath(folder) else real(p, mode))
        assert cli.main(["import", str(export), "-w", str(folder / "w.duckdb")]) == 1
        line = _err(capsys)
        assert "is not writable" in line and "not a DuckDB" not in line

    def test_truncated_workspace_names_the_file(self, workspace, tmp_path, capsys):
        cut = tmp_path / "cut.duckdb"
        cut.write_bytes(workspace.read_bytes()[:30000])
        assert cli.main(["info", "-w", str(cut)]) == 1
        line = _err(capsys)
        assert "cut.duckdb" in line and "damaged or truncated" in line
        assert cli.main(["info", "-w", str(cut), "-v"]) == 1
        assert "attn-team: detail:" in capsys.readouterr().err  # -v adds DuckDB's own words

    def test_not_a_workspace(self, tmp_path, capsys):
        bad = tmp_path / "notes.duckdb"
        bad.write_text("some notes\n" * 100)
        assert cli.main(["suggest", "-w", str(bad)]) == 1
        assert "notes.duckdb: not a DuckDB workspace file" in _err(capsys)


class TestOut:
    def test_out_whose_parent_is_a_file(self, workspace, tmp_path, capsys):
        (tmp_path / "afile").write_text("x")
        assert cli.main(["report", "-w", str(workspace), "--out", str(tmp_path / "afile" / "r.html")]) == 1
        assert "afile is a file, not a folder" in _err(capsys)

    def test_out_that_is_a_folder(self, workspace, tmp_path, capsys):
        assert cli.main(["report", "-w", str(workspace), "--out", str(tmp_path)]) == 1
        line = _err(capsys)
        assert "is a folder; give a file name, e.g. --out" in line and "report.html" in line

    def test_read_only_out_folder(self, workspace, tmp_path, capsys, monkeypatch):
        folder = tmp_path / "ro"
        folder.mkdir()
        real = os.access
        monkeypatch.setattr(_common.os, "access", lambda p, mode: False if os.fspath(p) == os.fspath(folder) else real(p, mode))
        assert cli.main(["report", "-w", str(workspace), "--out", str(folder / "r.html")]) == 1
        assert "cannot write into folder" in _err(capsys)
        assert cli.main(["teams", "init", "-w", str(workspace), "--out", str(folder / "t.toml")]) == 1
        assert "permission denied" in _err(capsys)

    def test_a_write_that_fails_anyway_is_one_line(self, tmp_path, capsys, monkeypatch):
        def boom(args):
            raise PermissionError(13, "Permission denied", str(tmp_path / "x.html"))

        monkeypatch.setattr("attn_team._commands.info.run", boom)
        assert cli.main(["info"]) == 1
        line = _err(capsys)
        assert "x.html: permission denied; check its permissions" in line


class TestCodes:
    def test_usage_errors_exit_2_in_one_line(self, capsys):
        assert _exit_code(["suggest", "--top", "0"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "must be at least 1" in err and "--help" in err
        assert _exit_code(["nosuchcommand"]) == 2
        assert _exit_code(["info", "--wait", "soon"]) == 2
        assert "expected a number of seconds" in capsys.readouterr().err

    def test_internal_error_exit_3_one_line_and_debug_traceback(self, capsys, monkeypatch):
        def bug(args):
            return {}["_board"]

        monkeypatch.setattr("attn_team._commands.info.run", bug)
        assert cli.main(["info"]) == 3
        line = _err(capsys)
        assert "internal error (KeyError: '_board'" in line and "--debug" in line
        assert cli.main(["info", "-v"]) == 3
        assert "detail: raised at" in capsys.readouterr().err
        assert cli.main(["info", "--debug"]) == 3
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err and "attn-team: error: internal error" in err

    def test_help_documents_exit_codes(self, capsys):
        assert _exit_code(["--help"]) == 0
        out = capsys.readouterr().out
        for code in ("0 ", "1 ", "2 ", "3 ", "130"):
            assert f"\n  {code}" in out
        assert "usage error" in out and "--debug" in out and "--wait" in out

    def test_readme_documents_exit_codes(self):
        text = (REPO / "README.md").read_text(encoding="utf-8")
        assert "Exit codes" in text and "--wait" in text and "teams init" in text


def _exit_code(argv) -> int:
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


class TestProcesses:
    def test_info_into_head_exits_quietly(self, workspace):
        p = subprocess.Popen([sys.executable, "-m", "attn_team.cli", "info", "-w", str(workspace)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
        first = p.stdout.readline()
        p.stdout.close()  # what 'head -1' does
        err = p.stderr.read().decode()
        assert p.wait(120) == 0
        assert first.startswith(b"workspace ")
        assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err

    @pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
    def test_locked_workspace_message_and_wait(self, workspace, tmp_path):
        ready = tmp_path / "ready"
        script = textwrap.dedent(f"""
            import time
            from pathlib import Path
            from attn_team.workspace import Workspace
            ws = Workspace({str(workspace)!r})
            Path({str(ready)!r}).write_text("x")
            time.sleep(4)
            ws.close()
        """)
        child = subprocess.Popen([sys.executable, "-c", script], env=_env())
        try:
            deadline = time.monotonic() + 120
            while not ready.exists():
                assert child.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            r = _run("info", "-w", str(workspace))
            assert r.returncode == 1
            assert "open in another process" in r.stderr and "--wait SECONDS" in r.stderr
            assert "Traceback" not in r.stderr and r.stderr.count("attn-team: error:") == 1
            r = _run("info", "-w", str(workspace), "--wait", "120")
            assert r.returncode == 0, r.stderr
            assert r.stdout.startswith("workspace ")
        finally:
            child.kill()
            child.wait(30)


def test_library_warnings_are_one_line(capsys, monkeypatch):
    import warnings

    from attn_team.errors import AttnTeamWarning

    def warn(args):
        warnings.warn("export.csv: 3 rows skipped\n(bad dates)", AttnTeamWarning, stacklevel=1)
        print("done")
        return 0

    monkeypatch.setattr("attn_team._commands.info.run", warn)
    assert cli.main(["info"]) == 0
    cap = capsys.readouterr()
    assert cap.err == "attn-team: warning: export.csv: 3 rows skipped (bad dates)\n" and cap.out == "done\n"


def test_interrupted_exits_130_quietly(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("attn_team._commands.info.run", interrupted)
    assert cli.main(["info"]) == 130
    assert capsys.readouterr().err == "attn-team: interrupted\n"


@pytest.mark.parametrize("argv", [["import", "x.csv"], ["info"], ["suggest"], ["report", "--out", "r.html"],
                                  ["teams", "init"], ["evaluate", "--workspace", "w.duckdb"], ["demo"]])
def test_every_command_that_opens_a_workspace_takes_wait(argv):
    args = cli.build_parser().parse_args([*argv, "--wait", "2.5"])
    assert args.wait == 2.5
