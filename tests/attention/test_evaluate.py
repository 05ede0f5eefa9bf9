"""evaluate_links: protocol, metrics with hand-checked answers, no leakage of hidden links."""

from __future__ import annotations


import numpy as np
import pytest

import attn_team
from attn_team.attention._model import CrossAttention, link_pairs
from attn_team.insights._evaluate import bootstrap_intervals, evaluate_links, rank_metrics, ranks_from_scores
from fakes import BagOfWords




def paired_backlog(n_pairs=25, n_clones=3, seed=0):
    """Pairs sharing a rare word (linked), half of them across components; a few clone links."""
    rng = np.random.RandomState(seed)
    keys, summ, comps, src, dst, types, cats = [], [], [], [], [], [], []
    for i in range(n_pairs):
        a, c = f"A-{i + 1}", f"B-{i + 1}"
        noise = " ".join(rng.choice(["alpha", "beta", "gamma", "delta", "omega", "sigma"], 3))
        keys += [a, c]
        summ += [f"word{i} server {noise}", f"word{i} client {noise}"]
        comps += [[f"c{i % 5}"], [f"c{i % 5}"] if i % 2 else [f"d{i % 5}"]]
        src.append(a)
        dst.append(c)
        types.append("Blocks" if i % 3 else "Relates")
        cats.append("dependency" if i % 3 else "relation")
    for j in range(n_clones):
        src.append(f"A-{j + 1}")
        dst.append(f"B-{j + 2}")
        types.append("Cloners")
        cats.append("clone")
    return attn_team.Backlog(
        items={"key": keys, "summary": summ, "components": comps, "project": [k[0] for k in keys]},
        links={"source_key": src, "target_key": dst, "link_type": types, "category": cats},
    )


def _spy_fit(monkeypatch) -> list:
    """Record the ``exclude_links`` of every ``CrossAttention.fit`` call."""
    calls = []
    orig = CrossAttention.fit

    def spy(self, backlog, *, exclude_links=None):
        calls.append(exclude_links)
        return orig(self, backlog, exclude_links=exclude_links)

    monkeypatch.setattr(CrossAttention, "fit", spy)
    return calls


class TestMetrics:
    def test_ranks_known_answer_with_ties(self):
        S = np.array([[9.0, 1.0, 3.0, 3.0, 0.0],
                      [5.0, 9.0, 5.0, 5.0, 1.0]])
        # row 0: source 0, target 2 tied with item 3 -> 1 + 0 better + 1/2 tie = 1.5
        # row 1: source 1, target 0 tied with items 2, 3 -> 1 + 0 + 2/2 = 2
        r = ranks_from_scores(S, np.array([0, 1]), np.array([2, 0]))
        np.testing.assert_allclose(r, [1.5, 2.0])

    def test_rank_metrics(self):
        m = rank_metrics(np.array([1, 2, 4, 60]))
        assert m["mrr"] == pytest.approx((1 + 0.5 + 0.25 + 1 / 60) / 4)
        assert m["recall@1"] == 0.25 and m["recall@5"] == 0.75 and m["recall@50"] == 0.75
        assert m["n"] == 4

    def test_empty(self):
        m = rank_metrics(np.array([]))
        assert m["n"] == 0 and np.isnan(m["mrr"])


class TestEvaluateLinks:
    def test_shape_and_all_methods(self):
        b = paired_backlog()
        r = evaluate_links(b, folds=None, holdout=0.4, random_state=0, embedder=BagOfWords(), dataset="toy")
        assert r["dataset"] == "toy" and r["n_items"] == 50
        assert r["n_links"] == 25  # clone links excluded
        assert r["n_hidden"] == 10 and r["n_eval_links"] == 10
        assert set(r["methods"]) == {"attention", "attention_untrained", "tfidf", "bm25", "embedding"}
        for v in r["methods"].values():
            assert set(v) == {"mrr", "recall@1", "recall@5", "recall@10", "recall@50", "n"}
            assert 0 < v["mrr"] <= 1
        assert set(r["cross_team"]) == set(r["methods"])
        assert r["n_cross_team"] == r["cross_team"]["tfidf"]["n"]
        assert set(r["by_category"]) <= {"dependency", "relation"}
        # a shared rare word makes every method find the partner easily here
        assert r["methods"]["tfidf"]["recall@5"] == 1.0
        assert r["methods"]["attention"]["mrr"] >= 0.8

    def test_hidden_links_never_reach_fit(self, monkeypatch):
        b = paired_backlog()
        calls = _spy_fit(monkeypatch)
        r = evaluate_links(b, folds=None, holdout=0.2, random_state=1, embedder=BagOfWords(), methods=("attention",))
        hidden = calls[0]
        assert len(hidden) == r["n_hidden"] == 5
        pairs = link_pairs(b.links, b.items["key"])
        assert {tuple(sorted(p)) for p in zip(hidden.source_key, hidden.target_key)} <= \
               {tuple(sorted(p)) for p in zip(pairs.source_key, pairs.target_key)}

    def test_seeded(self):
        b = paired_backlog()
        a = evaluate_links(b, holdout=0.3, random_state=2, embedder=BagOfWords(), methods=("tfidf", "attention"))
        c = evaluate_links(b, holdout=0.3, random_state=2, embedder=BagOfWords(), methods=("tfidf", "attention"))
        assert a["methods"] == c["methods"]

    def test_bad_arguments(self):
        b = paired_backlog()
        with pytest.raises(ValueError, match="holdout"):
            evaluate_links(b, holdout=1.5)
        with pytest.raises(ValueError, match="unknown method"):
            evaluate_links(b, methods=("magic",))

    def test_no_links(self):
        b = attn_team.Backlog(items={"key": ["A-1", "A-2"], "summary": ["x", "y"]})
        r = evaluate_links(b, embedder=BagOfWords(), methods=("tfidf",))
        assert r["n_eval_links"] == 0 and r["methods"]["tfidf"]["n"] == 0

    def test_lazy_export(self):
        assert attn_team.evaluate_links is evaluate_links
        from attn_team import insights

        assert insights.evaluate_links is evaluate_links


def test_real_links_tfidf_baseline_matches_reference(shared_data):
    """On duraspace the protocol's TF-IDF baseline lands near the reference MRR 0.304 (all links)."""
    d = shared_data / "links-dev" / "duraspace_jira2015"
    b = attn_team.read_tables(d / "issues.csv", d / "links.csv")
    r = evaluate_links(b, folds=None, holdout=0.5, random_state=0, methods=("tfidf", "bm25"))
    assert r["n_links"] == 440  # 480 links, no clones; duplicates/mirrors and dangling ends dropped
    assert r["n_eval_links"] > 180
    assert 0.24 < r["methods"]["tfidf"]["mrr"] < 0.37
    assert r["methods"]["bm25"]["recall@50"] > r["methods"]["bm25"]["recall@10"]


class TestKFold:
    def test_every_link_hidden_once_and_never_fitted_on(self, monkeypatch):
        b = paired_backlog()
        calls = _spy_fit(monkeypatch)
        r = evaluate_links(b, folds=5, random_state=3, embedder=BagOfWords(), methods=("attention", "tfidf"))
        assert len(calls) == 5 and r["folds"] == 5
        hidden = [{tuple(sorted(p)) for p in zip(h.source_key, h.target_key)} for h in calls]
        assert sum(len(h) for h in hidden) == len(set().union(*hidden)) == 25  # disjoint, all usable links
        assert all(4 <= len(h) <= 6 for h in hidden)
        assert r["n_hidden"] == r["n_eval_links"] == 25  # every link evaluated once
        assert r["methods"]["attention"]["n"] == r["methods"]["tfidf"]["n"] == 25
        per = r["weights"]["per_fold"]
        assert len(per) == 5 and [f["n_train_links"] for f in per] == [25 - len(h) for h in hidden]
        mean = r["weights"]["mean"]["head_weights"]
        for h in mean:
            assert mean[h] == pytest.approx(np.mean([f["head_weights"][h] for f in per]))

    def test_embeddings_computed_once_for_all_folds(self):
        b = paired_backlog()
        emb = BagOfWords()
        evaluate_links(b, folds=5, embedder=emb, methods=("attention", "attention_untrained", "embedding"),
                       n_bootstrap=10)
        assert emb.calls == len(b.items)  # each item's text encoded once, not once per fold

    def test_intervals_and_ratio(self):
        b = paired_backlog(n_pairs=30)
        r = evaluate_links(b, folds=3, random_state=0, embedder=BagOfWords(), n_bootstrap=200)
        for m, v in r["methods"].items():
            lo, hi = r["mrr_ci"][m]
            assert lo <= v["mrr"] <= hi
            assert r["ci"][m]["mrr"] == [lo, hi]
            for k in (1, 5, 10, 50):
                a, c = r["ci"][m][f"recall@{k}"]
                assert a <= v[f"recall@{k}"] <= c
        ratio = r["ratio"]
        best = max(("tfidf", "bm25", "embedding"), key=lambda x: r["methods"][x]["mrr"])
        assert ratio["best_baseline"] == best
        assert ratio["value"] == pytest.approx(r["methods"]["attention"]["mrr"] / r["methods"][best]["mrr"])
        assert ratio["ci"][0] <= ratio["value"] <= ratio["ci"][1]
        vs = r["vs_untrained"]
        assert vs["value"] == pytest.approx(r["methods"]["attention"]["mrr"] / r["methods"]["attention_untrained"]["mrr"])
        assert vs["ci"][0] <= vs["value"] <= vs["ci"][1]
        for c, d in r["by_category"].items():
            assert len({v["n"] for v in d.values()}) == 1
        assert sum(next(iter(d.values()))["n"] for d in r["by_category"].values()) == r["n_eval_links"]

    def test_quick_is_the_single_split(self):
        b = paired_backlog()
        a = evaluate_links(b, quick=True, holdout=0.4, embedder=BagOfWords(), methods=("tfidf",))
        c = evaluate_links(b, folds=None, holdout=0.4, embedder=BagOfWords(), methods=("tfidf",))
        assert a["methods"] == c["methods"] and a["folds"] is None and a["n_hidden"] == 10

    def test_bad_folds(self):
        b = paired_backlog()
        for bad in (1, 0, 2.5, True, 26):
            with pytest.raises(ValueError, match="folds"):
                evaluate_links(b, folds=bad, methods=("tfidf",))


class TestBootstrap:
    def test_paired_ratio_of_identical_methods_is_exactly_one(self):
        rng = np.random.RandomState(0)
        r = rng.randint(1, 50, size=80).astype(float)
        out = bootstrap_intervals({"attention": r, "tfidf": r.copy(), "bm25": r + 5}, n_bootstrap=300)
        assert out["ratio"]["best_baseline"] == "tfidf"
        assert out["ratio"]["value"] == pytest.approx(1.0)
        assert out["ratio"]["ci"] == pytest.approx([1.0, 1.0])  # paired: the same links in both means
        lo, hi = out["ci"]["attention"]["mrr"]
        assert lo < np.mean(1 / r) < hi

    def test_interval_narrows_with_more_links_and_is_seeded(self):
        rng = np.random.RandomState(1)
        small, large = rng.randint(1, 30, size=40), rng.randint(1, 30, size=4000)
        w = [np.diff(bootstrap_intervals({"tfidf": x}, n_bootstrap=400)["ci"]["tfidf"]["mrr"])[0]
             for x in (small, large)]
        assert w[1] < w[0] / 3
        a = bootstrap_intervals({"tfidf": small}, n_bootstrap=100, random_state=4)
        c = bootstrap_intervals({"tfidf": small}, n_bootstrap=100, random_state=4)
        assert a == c and a["ratio"] is None  # no attention: no ratio


def test_cross_team_needs_known_teams_or_components():
    import numpy as np
    import pandas as pd

    from attn_team.insights._evaluate import _cross_team

    items = pd.DataFrame({"team": pd.Series(["A", "B", "A", None, None, None], dtype="string"),
                          "components": [["x"], ["y"], ["x"], ["p"], ["q"], []]})
    s = np.array([0, 0, 3, 3, 5])
    t = np.array([1, 2, 4, 5, 4])
    # A-B differ; A-A same; no teams but different components; a side without components; nothing known
    assert _cross_team(items, s, t).tolist() == [True, False, True, False, False]


def test_paired_gain_in_standard_errors():
    from attn_team.attention._metrics import paired_gain_se

    d = np.array([0.1, 0.3, 0.2, 0.4])
    assert paired_gain_se(d) == pytest.approx(d.mean() / (d.std(ddof=1) / 2))
    assert paired_gain_se(-d) == pytest.approx(-paired_gain_se(d))
    assert paired_gain_se(np.full(5, 0.2)) == np.inf  # the same gain on every link
    assert paired_gain_se(np.zeros(5)) == 0.0 and paired_gain_se(np.array([0.3])) == 0.0
