"""Coordinate ascent on reciprocal rank (attention._ascent): it ranks as the dense scorer does, finds
a signal the untrained weights under-use, keeps to the cap, never ranks a link with itself in the
graph, and is kept by ``fit`` only when its own cross-fitting says it gains."""

from __future__ import annotations

import numpy as np
import pytest

import attn_team
from attn_team._heads import GROUPS
from attn_team.attention import _ascent
from attn_team.attention._metrics import ranks_from_scores
from attn_team.attention._mixer import DEFAULT_GROUP_WEIGHTS, DEFAULT_HEAD_WEIGHTS, untrained_mixer
from attn_team.attention._model import CrossAttention, link_pairs
from attn_team.attention._scoring import score_rows
from attn_team.attention._training import MAX_GROUP_GAIN
from fakes import BagOfWords


def _labelled(n_pairs=40, seed=0, linked_by_label=True):
    """Linked pairs share a rare label and nothing in their (random) texts; with ``linked_by_label``
    False the links join random items instead (nothing explains them)."""
    rng = np.random.RandomState(seed)
    words = [f"w{i}" for i in range(30)]
    keys, summ, labels = [], [], []
    for i in range(2 * n_pairs):
        keys.append(f"P-{i + 1}")
        summ.append(" ".join(rng.choice(words, 4)))
        labels.append([f"lab{i // 2}"])
    if linked_by_label:
        src, dst = keys[0::2], keys[1::2]
    else:
        perm = rng.permutation(len(keys))
        src, dst = [keys[i] for i in perm[0::2]], [keys[i] for i in perm[1::2]]
    return attn_team.Backlog(
        items={"key": keys, "summary": summ, "labels": labels, "project": ["P"] * len(keys)},
        links={"source_key": src, "target_key": dst, "link_type": ["Relates"] * n_pairs,
               "category": ["relation"] * n_pairs},
    )


def _untrained_coef(g):
    return DEFAULT_HEAD_WEIGHTS[GROUPS[g]] * DEFAULT_GROUP_WEIGHTS[g]


def test_candidate_ranks_equal_the_dense_ranks():
    """With every item a candidate, the re-ranking's reciprocal ranks are those of score_rows."""
    b = _labelled(n_pairs=15)
    model = CrossAttention(embedder=BagOfWords(), random_state=0)
    feats = model.item_features(b)
    mixer = untrained_mixer(feats.embeddings.shape[1], model.heads)
    pos = {k: i for i, k in enumerate(feats.keys)}
    pairs = link_pairs(b.links, feats.keys)
    q = np.array([pos[x] for x in pairs["source_key"]])
    t = np.array([pos[x] for x in pairs["target_key"]])
    X = _ascent._part_sims(mixer, feats, q, t, block_size=8, candidates="exact")
    assert X.shape == (len(q), feats.n, len(GROUPS))  # the partner and the n - 2 others, one slot empty
    c = mixer.group_coef().detach().numpy().astype(np.float64)
    dense = ranks_from_scores(score_rows(mixer, feats, q), q, t)
    assert _ascent._reciprocal_ranks(X, c) == pytest.approx(1.0 / dense, rel=1e-5)


def test_finds_an_under_used_signal_and_keeps_to_the_cap():
    b = _labelled()
    model = CrossAttention(embedder=BagOfWords(), random_state=0)
    feats = model.item_features(b)
    base = untrained_mixer(feats.embeddings.shape[1], model.heads)
    mixer, rec = _ascent.ascent_mixer(base, base, b, feats, link_pairs(b.links, feats.keys), exclude=set(),
                                      rng=np.random.RandomState(0), max_gain=MAX_GROUP_GAIN)
    assert rec["mrr"] > rec["mrr_start"] and rec["gain_se"] > 1.0  # out of fold, not in sample
    f = rec["factors"]
    assert f["label"] / max(f["emb"], f["lex"]) > 1.0  # the label gained on the (random) text
    coef = mixer.group_coef().detach().numpy()
    for i, g in enumerate(GROUPS):
        assert coef[i] <= MAX_GROUP_GAIN * _untrained_coef(g) * 1.0001
    assert rec["factors"]["label"] == pytest.approx(coef[list(GROUPS).index("label")] / _untrained_coef("label"))


def test_too_few_links_return_the_start_mixer():
    b = _labelled(n_pairs=8)
    model = CrossAttention(embedder=BagOfWords(), random_state=0)
    feats = model.item_features(b)
    base = untrained_mixer(feats.embeddings.shape[1], model.heads)
    mixer, rec = _ascent.ascent_mixer(base, base, b, feats, link_pairs(b.links, feats.keys), exclude=set(),
                                      rng=np.random.RandomState(0), max_gain=MAX_GROUP_GAIN)
    assert mixer is base and rec["n_queries"] == 0


def test_each_part_is_ranked_without_its_own_links_in_the_graph(monkeypatch):
    b = _labelled()
    model = CrossAttention(embedder=BagOfWords(), random_state=0)
    feats = model.item_features(b)
    base = untrained_mixer(feats.embeddings.shape[1], model.heads)
    seen = []
    real = _ascent.with_links

    def spy(f, links, *, exclude=None):
        seen.append(set(exclude))
        return real(f, links, exclude=exclude)

    monkeypatch.setattr(_ascent, "with_links", spy)
    held = {("P-1", "P-2")}
    pairs = link_pairs(b.links, feats.keys, exclude=held)
    _ascent.ascent_mixer(base, base, b, feats, pairs, exclude=held, rng=np.random.RandomState(0),
                         max_gain=MAX_GROUP_GAIN)
    assert len(seen) == _ascent.FOLDS
    every = {tuple(sorted(p)) for p in zip(pairs["source_key"], pairs["target_key"])}
    assert all(held <= ex for ex in seen)  # the caller's held-out links are never in a graph
    parts = [ex - held for ex in seen]
    assert set().union(*parts) == every  # every training link is left out of one part's graph
    assert sum(len(p) for p in parts) == len(every)  # and out of one only


def test_fit_keeps_the_ascent_where_it_gains():
    m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3).fit(_labelled(n_pairs=60))
    assert m.selected_.endswith("ascent")
    assert m.selection_["ascent"]["gain_se"] > m.selection_margin
    w = m.group_weights_
    assert w["label"] / w["emb"] > _untrained_coef("label") / _untrained_coef("emb")
    off = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3, ascent=False).fit(_labelled(n_pairs=60))
    assert "ascent" not in off.selection_ and not off.selected_.endswith("ascent")


def test_fit_does_not_keep_the_ascent_on_links_nothing_explains():
    m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3).fit(
        _labelled(n_pairs=60, linked_by_label=False))
    assert m.selection_["ascent"]["gain_se"] <= m.selection_margin
    assert not m.selected_.endswith("ascent")
