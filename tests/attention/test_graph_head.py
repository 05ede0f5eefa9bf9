"""The graph head: items linked to the same items attend to each other, and the links being evaluated
(or excluded at fit) are never part of the graph."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import attn_team
from attn_team.attention import _features
from attn_team.attention._features import link_graph
from attn_team.attention._model import CrossAttention
from fakes import BagOfWords


def _links(pairs, category="dependency"):
    return pd.DataFrame({"source_key": [a for a, _ in pairs], "target_key": [b for _, b in pairs],
                         "link_type": "Blocks", "category": category})


class TestLinkGraph:
    def test_adamic_adar_weights_and_symmetry(self):
        keys = ["A", "B", "C", "D"]
        G = link_graph(keys, _links([("A", "C"), ("B", "C"), ("C", "D")])).toarray()
        w_c = 1 / math.sqrt(math.log1p(3))  # C has three neighbours
        assert G[0, 2] == pytest.approx(w_c) and G[1, 2] == pytest.approx(w_c)
        assert G[2, 0] == pytest.approx(1 / math.sqrt(math.log1p(1)))
        # A and B share C: their dot product is C's Adamic-Adar term 1 / log(1 + deg C)
        assert G[0] @ G[1] == pytest.approx(1 / math.log1p(3))
        assert G[0] @ G[3] == pytest.approx(1 / math.log1p(3))  # A and D share C as well
        assert G[0, 1] == 0  # A and B are not linked

    def test_exclusion_either_direction_duplicates_and_strangers(self):
        keys = ["A", "B", "C"]
        links = _links([("A", "B"), ("B", "A"), ("A", "B"), ("B", "C"), ("A", "ZZ-9"), ("C", "C")])
        G = link_graph(keys, links).toarray()
        assert (G > 0).sum() == 4  # A-B and B-C, both directions, each once
        H = link_graph(keys, links, exclude=[("B", "A")]).toarray()
        assert H[0, 1] == 0 and H[1, 0] == 0 and H[1, 2] > 0
        H2 = link_graph(keys, links, exclude=pd.DataFrame({"source_key": ["C"], "target_key": ["B"]})).toarray()
        assert H2[1, 2] == 0 and H2[0, 1] > 0

    def test_no_links(self):
        assert link_graph(["A", "B"], None).nnz == 0
        assert link_graph(["A", "B"], _links([])).shape == (2, 2)


def _triangle_backlog():
    """A-1 and B-1 are both linked to HUB-1 but not to each other; every text is the same."""
    keys = ["A-1", "B-1", "HUB-1"] + [f"N-{i}" for i in range(1, 13)]
    summ = ["backlog item"] * len(keys)  # the text cannot tell them apart
    return attn_team.Backlog(items={"key": keys, "summary": summ, "project": [k.split("-")[0] for k in keys]},
                             links=_links([("A-1", "HUB-1"), ("B-1", "HUB-1"), ("N-1", "N-2")]))


class TestGraphHead:
    def test_a_shared_linked_item_draws_attention_and_is_named(self):
        b = _triangle_backlog()
        on = CrossAttention(embedder=BagOfWords(), k=3).attend(b, queries=["A-1"]).edges
        off = CrossAttention(embedder=BagOfWords(), k=3, heads=("text", "structure", "people", "time")).attend(
            b, queries=["A-1"]).edges
        top = on.sort_values("weight", ascending=False).iloc[0]
        assert top["target"] == "B-1" and top["graph"] > 0
        assert "both linked to 'HUB-1'" in top["reason"]
        assert not (off["target"] == "B-1").any() or (off.set_index("target").loc["B-1", "graph"] == 0)

    def test_scoring_never_sees_excluded_links(self):
        b = _triangle_backlog()
        m = CrossAttention(embedder=BagOfWords())
        rows = np.array([0])
        with_graph = m.score_rows(b, rows)[0, 1]
        hidden = m.score_rows(b, rows, exclude_links=[("B-1", "HUB-1")])[0, 1]
        assert with_graph > hidden
        feats = m.item_features(b, exclude_links=[("HUB-1", "B-1")])
        assert feats.groups["neighbour"][1].nnz == 0  # B-1 has no known link left

    def test_a_fitted_model_keeps_its_excluded_links_out(self):
        b = _triangle_backlog()
        m = CrossAttention(embedder=BagOfWords(), max_epochs=1).fit(b, exclude_links=[("A-1", "HUB-1")])
        assert m.excluded_links_ == {("A-1", "HUB-1")}
        assert m.item_features(b).groups["neighbour"][0].nnz == 0

    def test_evaluation_hides_each_folds_links_from_the_graph(self, monkeypatch):
        seen = []
        real = _features.with_links

        def spy(feats, links, *, exclude=None):
            seen.append(set(exclude or ()))
            return real(feats, links, exclude=exclude)

        from attn_team.attention import _model

        monkeypatch.setattr(_model, "with_links", spy)
        n = 30
        keys = [f"P-{i}" for i in range(1, 2 * n + 1)]
        pairs = [(keys[2 * i], keys[2 * i + 1]) for i in range(n)]
        b = attn_team.Backlog(items={"key": keys, "summary": [f"topic{i // 2} thing" for i in range(2 * n)]},
                              links=_links(pairs))
        r = attn_team.evaluate_links(b, folds=3, embedder=BagOfWords(), methods=("attention_untrained",),
                                     n_bootstrap=0)
        assert r["n_eval_links"] == n
        all_pairs = {tuple(sorted(p)) for p in pairs}
        folds = [s for s in seen if s]  # the scoring calls: each hides one fold's links
        assert len(folds) >= 3
        covered = set().union(*folds)
        assert covered == all_pairs  # every evaluated link was hidden when it was ranked
        assert all(len(s) < len(all_pairs) for s in folds)
