"""Fitting cannot make things worse: the mixture is pulled toward the untrained weights, and fit keeps
whichever of fitted / projections-only / untrained ranks its own validation links best."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import attn_team
from attn_team._heads import GROUPS, HEADS
from attn_team.attention import _model
from attn_team.attention._mixer import DEFAULT_GROUP_WEIGHTS, DEFAULT_HEAD_WEIGHTS
from attn_team.attention._model import CrossAttention
from fakes import BagOfWords


def _backlog(n_pairs=40, seed=0):
    """Pairs sharing a rare word (linked) among noisy items; components shared by chance only."""
    rng = np.random.RandomState(seed)
    keys, summ, comps, src, dst = [], [], [], [], []
    for i in range(n_pairs):
        a, c = f"A-{i + 1}", f"B-{i + 1}"
        keys += [a, c]
        noise = lambda: " ".join(rng.choice(["alpha", "beta", "gamma", "delta", "omega", "sigma"], 3))  # noqa: E731
        summ += [f"topic{i} service {noise()}", f"topic{i} client {noise()}"]
        comps += [[f"c{rng.randint(4)}"], [f"c{rng.randint(4)}"]]
        src.append(a)
        dst.append(c)
    return attn_team.Backlog(
        items={"key": keys, "summary": summ, "components": comps, "project": [k[0] for k in keys]},
        links={"source_key": src, "target_key": dst, "link_type": ["Blocks"] * n_pairs,
               "category": ["dependency"] * n_pairs},
    )


def _corrupting_train(monkeypatch):
    """Make training return a mixer that ignores the text and trusts issue-number closeness."""
    real = _model.train

    def bad(p, backlog, feats, **kw):
        res = real(p, backlog, feats, **kw)
        with torch.no_grad():
            res.mixer.log_head[list(HEADS).index("text")] = -12.0
            res.mixer.log_head[list(HEADS).index("time")] = 2.0
        return res

    monkeypatch.setattr(_model, "train", bad)


def _dist(m: CrossAttention) -> float:
    """Squared distance of the fitted head/group log-weights from the untrained ones."""
    hw = {**DEFAULT_HEAD_WEIGHTS}
    d = sum((math.log(m.head_weights_[h]) - math.log(hw[h])) ** 2 for h in hw)
    mixer = m.mixer_
    d += float(((mixer.log_group - torch.tensor([math.log(DEFAULT_GROUP_WEIGHTS[g]) for g in GROUPS])) ** 2).sum())
    return d


class TestSelection:
    def test_records_the_choice_and_keeps_the_best_on_validation(self):
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=6).fit(_backlog())
        assert m.selected_ in {"fitted", "projections", "untrained"}
        assert set(m.selection_) == {"fitted", "projections", "untrained"}
        assert m.selection_[m.selected_] == max(m.selection_.values())
        assert all(0 < v <= 1 for v in m.selection_.values())

    def test_a_harmful_fit_is_not_kept(self, monkeypatch):
        _corrupting_train(monkeypatch)
        b = _backlog()
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3).fit(b)
        assert m.selected_ in {"projections", "untrained"}
        assert m.selection_["fitted"] < m.selection_[m.selected_]
        # the kept mixture is the untrained one (the fitted text projections may stay)
        assert m.head_weights_ == pytest.approx(DEFAULT_HEAD_WEIGHTS)
        assert m.group_weights_ == pytest.approx({g: DEFAULT_HEAD_WEIGHTS[GROUPS[g]] * DEFAULT_GROUP_WEIGHTS[g]
                                                  for g in GROUPS})

    def test_keep_best_off_keeps_the_fitted_mixer(self, monkeypatch):
        _corrupting_train(monkeypatch)
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3, keep_best=False).fit(_backlog())
        assert m.selected_ == "fitted" and m.selection_ == {}
        assert m.head_weights_["text"] < 1e-3

    def test_nothing_trained_is_untrained(self):
        b = _backlog(n_pairs=2)  # fewer than 4 links, no assignees: nothing to train on
        m = CrossAttention(embedder=BagOfWords(), random_state=0).fit(b)
        assert m.selected_ == "untrained" and m.history_ == []

    def test_evaluation_reports_the_choice_per_fold(self):
        r = attn_team.evaluate_links(_backlog(), folds=3, embedder=BagOfWords(), methods=("attention",),
                                     n_bootstrap=10, model=CrossAttention(max_epochs=3))
        per = r["weights"]["per_fold"]
        assert all(f["selected"] in {"fitted", "projections", "untrained"} for f in per)
        assert sum(r["weights"]["mean"]["selected"].values()) == 3


class TestMixtureDecay:
    def test_decay_keeps_the_log_weights_near_the_untrained_ones(self):
        b = _backlog()
        kw = dict(embedder=BagOfWords(), random_state=0, max_epochs=8, keep_best=False, learning_rate=0.1)
        free = CrossAttention(mixture_decay=0.0, **kw).fit(b)
        tied = CrossAttention(mixture_decay=50.0, **kw).fit(b)
        assert _dist(tied) < _dist(free)
        assert _dist(free) > 1e-3  # the free fit moved: the comparison means something

    @pytest.mark.parametrize("bad", [{"mixture_decay": -1.0}, {"mixture_decay": float("nan")}, {"keep_best": "yes"}])
    def test_parameters_checked(self, bad):
        with pytest.raises(ValueError, match=next(iter(bad))):
            CrossAttention(embedder=BagOfWords(), **bad).fit(_backlog())
