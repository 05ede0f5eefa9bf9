"""``--engine`` and ``--scheduler``: passed to the model, checked with one clear line."""

from __future__ import annotations

import pytest

from attn_team import _dask, cli
from attn_team.attention._fitted import BacklogAttention
from attn_team.synthetic import generate
from attn_team.workspace import Workspace


@pytest.fixture
def workspace(tmp_path):
    path = tmp_path / "w.duckdb"
    with Workspace(path) as ws:
        ws.import_backlog(generate(n_items=100, n_people=8, n_teams=4, random_state=2).backlog, label="t")
    return path


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("attn-team: error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_the_engine_and_scheduler_reach_the_model(workspace, monkeypatch, capsys):
    seen = {}

    def fake_fit(cls, backlog, **kw):
        seen.update(kw)
        raise RuntimeError("stop here")

    monkeypatch.setattr(BacklogAttention, "fit", classmethod(fake_fit))
    monkeypatch.setattr(_dask, "available", lambda: True)  # as if distributed were installed
    cli.main(["suggest", "-w", str(workspace), "--engine", "dask", "--scheduler", "tcp://10.0.0.5:8786"])
    assert seen["engine"] == "dask" and seen["scheduler"] == "tcp://10.0.0.5:8786"
    seen.clear()
    cli.main(["report", "-w", str(workspace), "--out", str(workspace.parent / "r.md")])
    assert "engine" not in seen and "scheduler" not in seen  # local: the defaults, unchanged cache key
    capsys.readouterr()


def test_a_scheduler_without_the_dask_engine_is_a_usage_error(workspace, capsys):
    assert cli.main(["suggest", "-w", str(workspace), "--scheduler", "tcp://10.0.0.5:8786"]) == 2
    assert "--engine dask" in _err(capsys)


def test_dask_missing_names_the_extra(workspace, monkeypatch, capsys):
    monkeypatch.setattr(_dask, "available", lambda: False)
    assert cli.main(["suggest", "-w", str(workspace), "--engine", "dask"]) == 1
    assert "pip install 'attn-team[scale]'" in _err(capsys)
