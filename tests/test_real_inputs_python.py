"""The Python side on every real export and both shipped samples: each insight and each view's MIME bundle.

For every file in ../shared/data/jira-exports (skipped cleanly when absent) and both samples
(always run): read it, fit attention once (the real model, a fake sentence model from
tests/fakes.py, so no file pays for MiniLM), then every insight and every widget's
``_repr_mimebundle_``. Each must return something a person can use: tables with their columns,
escaped HTML, and a plain-text line; none may raise.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from fakes import BagOfWords

import attn_team
from attn_team.io._detect import read_jira

REPO = Path(__file__).resolve().parents[1]
EXPORTS = Path(os.environ.get("ATTN_TEAM_SHARED", REPO.parent / "shared")) / "data" / "jira-exports"
REAL = sorted(p for sub in ("csv", "xml", "json") for p in (EXPORTS / sub).glob("*.*")
              if p.suffix in (".csv", ".xml", ".json")) if EXPORTS.is_dir() else []
CASES = [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in REAL] or [pytest.param(None, id="shared-data-absent")]
SAMPLES = [pytest.param(REPO / "sample_data" / "jira-export.csv", id="sample-csv"),
           pytest.param(REPO / "sample_data" / "jira-json", id="sample-json")]


def _check_bundle(obj, name):
    bundle = obj._repr_mimebundle_()
    if isinstance(bundle, tuple):
        bundle = bundle[0]
    assert bundle.get("text/plain"), f"{name}: no plain-text line"
    html = bundle.get("text/html", "")
    assert "<script" not in html.lower(), f"{name}: the HTML fallback runs script"
    return bundle


@pytest.mark.parametrize("path", CASES + SAMPLES)
def test_every_insight_and_view_on_a_real_input(path, request):
    if path is None:
        pytest.skip(f"no exports under {EXPORTS}")
    if not str(path).startswith(str(REPO)):
        request.getfixturevalue("shared_data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", attn_team.AttnTeamWarning)
        backlog = read_jira(path)
    if backlog.n_items == 0:
        pytest.skip(f"{path.name} holds no issues (a field list, sprint list or link-type list)")
    model = attn_team.CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=2)
    attn = attn_team.BacklogAttention(backlog, model.fit(backlog) if backlog.n_items >= 2 else model)
    key = str(backlog.items["key"].iloc[0])

    sugg = attn_team.suggest_dependencies(backlog, attention=attn, top=5)
    assert {"source", "target", "score", "reason"} <= set(sugg.columns)
    people = attn_team.who_to_involve(backlog, key, attention=attn)
    assert "display_name" in people.columns
    assert "712020:" not in " ".join(str(r) for r in people.get("reason", []))  # names, not account ids
    attn_team.similar_history(backlog, key, attention=attn)
    coupling = attn_team.team_coupling(backlog, attention=attn)
    _check_bundle(coupling, "team_coupling")
    metrics = attn_team.sprint_metrics(backlog)
    assert set(metrics["sprint_id"].astype(str)) <= set(backlog.sprints["sprint_id"].astype(str))
    attn_team.at_risk_dependencies(backlog, attention=attn)
    flow = attn_team.flow_metrics(backlog)
    assert {"key", "cycle_time_days"} <= set(flow.cycle_times.columns)
    _check_bundle(attn_team.SprintReport(backlog, attention=attn), "SprintReport")
    _check_bundle(attn, "BacklogAttention")
    _check_bundle(attn.attend("items"), "Attention")
    if backlog.n_items >= 2:
        _check_bundle(attn_team.AttentionGraph(attn), "AttentionGraph")
        _check_bundle(attn_team.AttentionHeatmap(attn), "AttentionHeatmap")
        explorer = attn_team.BacklogExplorer(backlog, attention=attn)
        explorer.select(key)
        _check_bundle(explorer, "BacklogExplorer")
