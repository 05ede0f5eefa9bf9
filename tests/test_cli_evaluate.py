"""``attn-team evaluate`` on tidy CSV files (fake embedder at the model boundary)."""

from __future__ import annotations

import json

import pytest

from attn_team.cli import main
from fakes import BagOfWords, write_link_tables




@pytest.fixture
def fake_embedder(monkeypatch):
    from attn_team.attention import _model
    from attn_team.embed import Embedder

    # every model's item features come from one fake sentence model (the CLI builds its own models)
    emb = Embedder(model=BagOfWords(), precision="fp32", progress=False)
    real = _model.item_features
    monkeypatch.setattr(_model, "item_features", lambda backlog, **kw: real(backlog, embedder=emb))


@pytest.fixture
def tables(tmp_path):
    return write_link_tables(tmp_path, clone=True)


def test_json_output(tables, fake_embedder, capsys):
    code = main(["evaluate", str(tables / "issues.csv"), str(tables / "links.csv"), "--format", "json",
                 "--quick", "--holdout", "0.25", "--seed", "1"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_items"] == 40 and out["n_eval_links"] == 5
    assert set(out["methods"]) == {"attention", "attention_untrained", "tfidf", "bm25", "embedding"}
    assert set(out["methods"]["attention"]) == {"mrr", "recall@1", "recall@5", "recall@10", "recall@50"}
    assert set(out["cross_team"]) == set(out["methods"])
    assert set(out["by_category"]) <= {"dependency", "relation"}


def test_table_output(tables, fake_embedder, capsys):
    assert main(["evaluate", str(tables / "issues.csv"), str(tables / "links.csv"), "--quick", "--holdout", "0.25"]) == 0
    out = capsys.readouterr().out
    assert "attention" in out and "tfidf" in out and "recall@10" in out


def test_missing_links_argument(tables, capsys):
    assert main(["evaluate", str(tables / "issues.csv")]) == 1
    assert "LINKS.csv" in capsys.readouterr().err


def test_missing_workspace(tmp_path, capsys):
    assert main(["evaluate", "--workspace", str(tmp_path / "nope.duckdb")]) == 1
    assert "no workspace" in capsys.readouterr().err


def test_bad_csv_names_file(tmp_path, capsys):
    (tmp_path / "issues.csv").write_text("summary\nx\n")
    (tmp_path / "links.csv").write_text("source_key,target_key,link_type\n")
    assert main(["evaluate", str(tmp_path / "issues.csv"), str(tmp_path / "links.csv")]) == 1
    err = capsys.readouterr().err
    assert "issues.csv" in err and "key" in err


def test_workspace_input(tables, tmp_path, fake_embedder, capsys):
    import attn_team
    from attn_team.workspace import Workspace

    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        ws.import_backlog(attn_team.read_tables(tables / "issues.csv", tables / "links.csv"))
    assert main(["evaluate", "--workspace", str(path), "--format", "json", "--quick", "--holdout", "0.25"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dataset"] == "ws" and out["n_items"] == 40 and out["n_eval_links"] == 5


def test_kfold_by_default(tables, fake_embedder, capsys):
    code = main(["evaluate", str(tables / "issues.csv"), str(tables / "links.csv"), "--format", "json",
                 "--bootstrap", "100"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["folds"] == 5 and out["n_eval_links"] == 20  # every non-clone link evaluated once
    for m, ci in out["mrr_ci"].items():
        assert len(ci) == 2 and ci[0] <= out["methods"][m]["mrr"] <= ci[1]
    assert set(out["ratio"]) == {"value", "ci", "best_baseline"}
    assert out["ratio"]["best_baseline"] in {"tfidf", "bm25", "embedding"}
    assert len(out["weights"]["per_fold"]) == 5 and set(out["weights"]["mean"]) >= {"head_weights", "group_weights"}
    assert sum(d["tfidf"]["n"] for d in out["by_category"].values()) == 20
    assert set(out["seconds"]) >= set(out["methods"])
    typed = out["typed"]  # predicted categories of the hidden links, against the majority class
    assert typed["n"] == 20 and set(typed["majority"]) == {"accuracy", "macro_f1"}
    assert 0 <= typed["accuracy"] <= 1 and 0 <= typed["macro_f1"] <= 1
    assert sum(sum(row.values()) for row in typed["confusion"].values()) == 20


def test_kfold_table(tables, fake_embedder, capsys):
    assert main(["evaluate", str(tables / "issues.csv"), str(tables / "links.csv"), "--folds", "4",
                 "--bootstrap", "50"]) == 0
    out = capsys.readouterr().out
    assert "4-fold" in out and "95% CI" in out and "best baseline" in out and "head weights" in out
