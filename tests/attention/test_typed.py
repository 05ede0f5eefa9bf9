"""Typed suggestions: a mixture per link category, a predicted category on every edge, and the evaluation
of those predictions against the majority class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import attn_team
from attn_team._heads import HEADS
from attn_team.attention._fitted import _model_from_frame, _state_frame
from attn_team.attention._model import CrossAttention
from attn_team.attention._typed import MIN_CATEGORY_LINKS, CategoryModel, pair_similarities
from attn_team.insights._dependencies import suggest_dependencies
from fakes import BagOfWords


def _two_kinds(n=36, seed=0):
    """Duplicates share their words; dependencies share a component and nothing else."""
    rng = np.random.RandomState(seed)
    keys, summ, comps, team, src, dst, cat = [], [], [], [], [], [], []
    filler = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
    for i in range(n):  # duplicate pairs: same rare words, no component in common
        a, b = f"DUP-{2 * i + 1}", f"DUP-{2 * i + 2}"
        words = f"crash{i} screen{i}"
        keys += [a, b]
        summ += [f"{words} {rng.choice(filler)}", f"{words} {rng.choice(filler)}"]
        comps += [[f"ui{i % 3}"], [f"ui{(i + 1) % 3}"]]
        team += ["Web", "Web"]
        src.append(a), dst.append(b), cat.append("duplicate")
    for i in range(n):  # dependency pairs: one rare shared component, unrelated words
        a, b = f"DEP-{2 * i + 1}", f"DEP-{2 * i + 2}"
        keys += [a, b]
        summ += [" ".join(rng.choice(filler, 3)) + f" api{i}", " ".join(rng.choice(filler, 3)) + f" db{i}"]
        comps += [[f"svc{i}"], [f"svc{i}"]]
        team += ["Core", "Data"]
        src.append(a), dst.append(b), cat.append("dependency")
    return attn_team.Backlog(
        items={"key": keys, "summary": summ, "components": comps, "team": team,
               "project": [k.split("-")[0] for k in keys]},
        links={"source_key": src, "target_key": dst, "link_type": ["Duplicate" if c == "duplicate" else "Blocks"
                                                                   for c in cat], "category": cat},
    )


@pytest.fixture(scope="module")
def typed_model():
    b = _two_kinds()
    return b, CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=8).fit(b)


class TestTypedFit:
    def test_a_mixture_per_category_with_enough_links(self, typed_model):
        b, m = typed_model
        assert set(m.category_mixers_) == {"dependency", "duplicate"}
        assert m.category_counts_ == {"dependency": 36, "duplicate": 36}
        assert MIN_CATEGORY_LINKS <= 36

    def test_duplicate_mixture_leans_on_text_dependency_on_structure(self, typed_model):
        _, m = typed_model

        def text_over_structure(mixer):
            c = mixer.group_coef().numpy()
            from attn_team._heads import GROUPS

            names = list(GROUPS)
            text = c[names.index("emb")] + c[names.index("lex")]
            return text / c[names.index("component")]

        assert text_over_structure(m.category_mixers_["duplicate"]) > text_over_structure(
            m.category_mixers_["dependency"])

    def test_edges_carry_a_predicted_category(self, typed_model):
        b, m = typed_model
        e = m.attend(b, k=3).edges
        assert "category" in e.columns and "category" not in HEADS
        assert set(e["category"].dropna()) <= {"dependency", "duplicate"}
        linked = dict(zip(zip(b.links["source_key"], b.links["target_key"]), b.links["category"]))
        hits = [(cat, linked[(s, t)]) for s, t, cat in zip(e["source"], e["target"], e["category"]) if (s, t) in linked]
        assert len(hits) >= 20
        assert np.mean([p == t for p, t in hits]) > 0.8

    def test_ranking_for_a_category_uses_its_mixture(self, typed_model):
        b, m = typed_model
        rows = np.arange(4)
        shared = m.score_rows(b, rows)
        dup = m.score_rows(b, rows, category="duplicate")
        assert not np.allclose(shared[np.isfinite(shared)], dup[np.isfinite(dup)])
        # a category without its own mixture ranks with the shared one
        assert np.allclose(m.score_rows(b, rows, category="hierarchy")[np.isfinite(shared)], shared[np.isfinite(shared)])

    def test_untyped_model_has_no_categories(self):
        b = _two_kinds(n=24)
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=2, typed=False).fit(b)
        assert m.category_mixers_ == {} and m.category_model_ is None
        assert m.attend(b, k=2).edges["category"].isna().all()

    def test_one_category_only_gives_no_classifier(self):
        b = _two_kinds(n=24)
        b = b.replace(links=b.links[b.links["category"] == "duplicate"].reset_index(drop=True))
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=2).fit(b)
        assert m.category_model_ is None and m.category_mixers_ == {}

    def test_stored_and_restored(self, typed_model):
        b, m = typed_model
        again = _model_from_frame(_state_frame(m), {"embedder": m.embedder, "random_state": 0})
        assert set(again.category_mixers_) == set(m.category_mixers_)
        feats = m.item_features(b)
        X = pair_similarities(feats, feats, np.arange(10), np.arange(10, 20))
        assert list(again.category_model_.predict(X)) == list(m.category_model_.predict(X))
        rows = np.arange(3)
        assert np.allclose(again.score_rows(b, rows, category="dependency"), m.score_rows(b, rows, category="dependency"))


class TestCategoryModel:
    def test_separable_classes(self):
        rng = np.random.RandomState(0)
        X = np.vstack([rng.normal(0, 0.1, (30, 3)) + [1, 0, 0], rng.normal(0, 0.1, (30, 3)) + [0, 1, 0]])
        y = np.array(["duplicate"] * 30 + ["dependency"] * 30, dtype=object)
        clf = CategoryModel.fit(X, y)
        assert (clf.predict(X) == y).mean() == 1.0
        p = clf.proba(X)
        assert np.allclose(p.sum(axis=1), 1.0)

    def test_needs_two_categories(self):
        assert CategoryModel.fit(np.ones((5, 2)), np.array(["relation"] * 5, dtype=object)) is None


class TestTypedSuggestions:
    def test_suggestions_show_and_filter_the_category(self, typed_model):
        b, m = typed_model
        unlinked = b.replace(links=b.links.iloc[:0])  # so every pair can be suggested
        att = m.attend(unlinked, k=3)
        s = suggest_dependencies(unlinked, attention=att, top=None, cross_team=False)
        assert "category" in s.columns and s["category"].notna().all()
        only = suggest_dependencies(unlinked, attention=m, top=None, cross_team=False, category="dependency")
        assert len(only) and (only["category"] == "dependency").all()

    def test_unknown_category_is_refused(self, typed_model):
        b, m = typed_model
        with pytest.raises(ValueError, match="category must be one of"):
            suggest_dependencies(b, attention=m, category="blocks")


class TestTypedEvaluation:
    def test_reports_accuracy_and_macro_f1_against_the_majority_class(self):
        b = _two_kinds()
        r = attn_team.evaluate_links(b, folds=3, embedder=BagOfWords(), methods=("attention",), n_bootstrap=0,
                                     model=CrossAttention(max_epochs=4))
        t = r["typed"]
        assert t["n"] == r["n_eval_links"]
        assert 0 <= t["majority"]["accuracy"] <= 0.6  # two balanced classes
        assert t["accuracy"] > t["majority"]["accuracy"]
        assert t["macro_f1"] > t["majority"]["macro_f1"]
        assert sum(sum(v.values()) for v in t["confusion"].values()) == t["n"]
        assert set(t["ranking"]) == {"dependency", "duplicate"}
        assert t["published"]["macro_f1"] == 0.64 and "different" in t["published"]["note"]
        assert all(0 < v["typed_mrr"] <= 1 and 0 < v["shared_mrr"] <= 1 for v in t["ranking"].values())


def test_edges_explained_in_small_batches_equal_edges_explained_at_once(typed_model, monkeypatch):
    """Contributions, reasons and categories are computed a batch of pairs at a time; the batch size
    changes nothing but memory, and equal reasons share one string."""
    from attn_team.attention import _scoring

    b, m = typed_model
    whole = m.attend(b, to="items", k=4).edges
    monkeypatch.setattr(_scoring, "EXPLAIN_CHUNK", 7)  # many batches, the last one short
    batched = m.attend(b, to="items", k=4).edges
    assert len(whole) > 7 * 3
    pd.testing.assert_frame_equal(batched, whole)
    assert batched["category"].notna().all() and batched["reason"].str.len().gt(0).any()
    firsts: dict = {}
    for r in batched["reason"]:
        assert firsts.setdefault(r, r) is r, "equal reasons must be one shared string"
