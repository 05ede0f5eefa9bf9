"""Fitting cannot make things worse: the mixture is pulled toward the untrained weights, no group grows
past its cap, and a trained mixer replaces the untrained one only when it ranks links set aside
(and hidden from the graph head) clearly better."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import attn_team
from attn_team._heads import GROUPS, HEADS
from attn_team.attention import _training
from attn_team.attention._mixer import DEFAULT_GROUP_WEIGHTS, DEFAULT_HEAD_WEIGHTS
from attn_team.attention._model import CrossAttention
from attn_team.attention._training import MAX_GROUP_GAIN, pair_set
from fakes import BagOfWords


def _backlog(n_pairs=60, seed=0):
    """Pairs sharing a rare word (linked) among noisy items; components shared by chance only."""
    rng = np.random.RandomState(seed)
    keys, summ, comps, src, dst = [], [], [], [], []
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma"]
    for i in range(n_pairs):
        a, c = f"A-{i + 1}", f"B-{i + 1}"
        keys += [a, c]
        summ += [f"topic{i} service {' '.join(rng.choice(words, 3))}",
                 f"topic{i} client {' '.join(rng.choice(words, 3))}"]
        comps += [[f"c{rng.randint(4)}"], [f"c{rng.randint(4)}"]]
        src.append(a)
        dst.append(c)
    return attn_team.Backlog(
        items={"key": keys, "summary": summ, "components": comps, "project": [k[0] for k in keys]},
        links={"source_key": src, "target_key": dst, "link_type": ["Blocks"] * n_pairs,
               "category": ["dependency"] * n_pairs},
    )


def _corrupting_fit(monkeypatch):
    """Make every single fit return a mixer that ignores the text and trusts issue-number closeness."""
    real = _training._fit_once

    def bad(p, backlog, feats, **kw):
        res = real(p, backlog, feats, **kw)
        with torch.no_grad():
            res.mixer.log_head[list(HEADS).index("text")] = -12.0
            res.mixer.log_head[list(HEADS).index("time")] = 2.0
        return res

    monkeypatch.setattr(_training, "_fit_once", bad)


def _untrained_coef() -> dict:
    return {g: DEFAULT_HEAD_WEIGHTS[GROUPS[g]] * DEFAULT_GROUP_WEIGHTS[g] for g in GROUPS}


def _dist(m: CrossAttention) -> float:
    """Squared distance of the fitted head/group log-weights from the untrained ones."""
    d = sum((math.log(m.head_weights_[h]) - math.log(DEFAULT_HEAD_WEIGHTS[h])) ** 2 for h in HEADS)
    target = torch.tensor([math.log(DEFAULT_GROUP_WEIGHTS[g]) for g in GROUPS])
    return d + float(((m.mixer_.log_group - target) ** 2).sum())


class TestChoice:
    def test_records_the_choice_by_the_rule(self):
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=6).fit(_backlog())
        assert set(m.selection_) == {"fitted", "projections", "untrained", "ascent"}
        assert all(0 < v["mrr"] <= 1 for v in m.selection_.values())
        first, _, then = m.selected_.partition("+")
        if first == "ascent":
            first, then = "untrained", "ascent"
        if first == "untrained":
            assert all(m.selection_[c]["gain_se"] <= m.selection_margin for c in ("fitted", "projections"))
        else:
            assert m.selection_[first]["gain_se"] > m.selection_margin
        assert (m.selection_["ascent"]["gain_se"] > m.selection_margin) == (then == "ascent")

    def test_a_harmful_fit_is_not_kept(self, monkeypatch):
        _corrupting_fit(monkeypatch)
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3, ascent=False).fit(_backlog())
        assert m.selected_ in {"projections", "untrained"}
        assert m.selection_["fitted"]["mrr"] < m.selection_["untrained"]["mrr"]
        # the kept mixture is the untrained one (fitted text projections may stay)
        assert m.head_weights_ == pytest.approx(DEFAULT_HEAD_WEIGHTS)
        assert m.group_weights_ == pytest.approx(_untrained_coef())

    def test_without_a_selection_share_the_fitted_mixer_is_kept(self, monkeypatch):
        _corrupting_fit(monkeypatch)
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3, selection_fraction=0.0).fit(_backlog())
        assert m.selected_ == "fitted" and m.selection_ == {}
        assert m.head_weights_["text"] < 1e-3

    def test_a_margin_nothing_can_pass_keeps_the_untrained_weights(self):
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=4, selection_margin=1e9).fit(_backlog())
        assert m.selected_ == "untrained"
        assert m.group_weights_ == pytest.approx(_untrained_coef())

    def test_set_aside_links_are_hidden_from_the_trial_and_its_graph(self, monkeypatch):
        seen = []
        real = _training._fit_once

        def spy(p, backlog, feats, *, exclude_links=None, rng):
            seen.append((pair_set(exclude_links), feats.groups["neighbour"].copy()))
            return real(p, backlog, feats, exclude_links=exclude_links, rng=rng)

        monkeypatch.setattr(_training, "_fit_once", spy)
        b = _backlog()
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=2, selection_margin=0.0).fit(b)
        hidden, G = seen[0]
        n_aside = int(round(m.selection_fraction * len(b.links)))
        assert len(hidden) == n_aside
        pos = {k: i for i, k in enumerate(b.items["key"])}
        for x, y in hidden:  # the trial's graph has none of the set-aside links
            assert G[pos[x], pos[y]] == 0 and G[pos[y], pos[x]] == 0
        assert len(seen) == 1  # the judged trial is the kept model: no refit

    def test_too_few_links_fit_once_without_choice(self):
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3).fit(_backlog(n_pairs=12))
        assert m.selected_ == "fitted" and m.selection_ == {}

    def test_evaluation_reports_the_choice_per_fold(self):
        r = attn_team.evaluate_links(_backlog(n_pairs=80), folds=3, embedder=BagOfWords(), methods=("attention",),
                                     n_bootstrap=10, model=CrossAttention(max_epochs=3))
        per = r["weights"]["per_fold"]
        assert all(f["selected"].removesuffix("+ascent") in {"fitted", "projections", "untrained", "ascent"}
                   for f in per)
        assert sum(r["weights"]["mean"]["selected"].values()) == 3


class TestRegularisation:
    def test_decay_keeps_the_log_weights_near_the_untrained_ones(self):
        b = _backlog()
        kw = dict(embedder=BagOfWords(), random_state=0, max_epochs=8, selection_fraction=0.0, learning_rate=0.1)
        free = CrossAttention(mixture_decay=0.0, **kw).fit(b)
        tied = CrossAttention(mixture_decay=50.0, **kw).fit(b)
        assert _dist(free) > 1e-3  # the free fit moved: the comparison means something
        assert _dist(tied) < _dist(free)

    def test_no_group_grows_past_its_cap(self):
        # a learning rate far too high would let easy groups run away; the cap holds them
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=10, selection_fraction=0.0,
                           mixture_decay=0.0, learning_rate=1.0).fit(_backlog())
        base = _untrained_coef()
        assert all(m.group_weights_[g] <= MAX_GROUP_GAIN * base[g] * 1.0001 for g in GROUPS)

    @pytest.mark.parametrize("bad", [{"mixture_decay": -1.0}, {"mixture_decay": float("nan")},
                                     {"selection_fraction": 0.9}, {"selection_margin": -0.5}])
    def test_parameters_checked(self, bad):
        with pytest.raises(ValueError, match=next(iter(bad))):
            CrossAttention(embedder=BagOfWords(), **bad).fit(_backlog())


def test_training_examples_are_capped_by_a_seeded_sample(monkeypatch):
    """Above MAX_TRAIN_EXAMPLES a fit trains on a seeded sample of the links (and of the assignment
    pairs); below it nothing is sampled, so the fit is the one it always was."""
    b = _backlog(n_pairs=60)
    kw = dict(embedder=BagOfWords(), random_state=3, max_epochs=3, selection_fraction=0.0)
    full = CrossAttention(**kw).fit(b)
    assert full.n_train_links_ == 60
    monkeypatch.setattr(_training, "MAX_TRAIN_EXAMPLES", 60)  # at the cap: unchanged
    same = CrossAttention(**kw).fit(b)
    assert torch.equal(same.mixer_.log_group, full.mixer_.log_group)
    monkeypatch.setattr(_training, "MAX_TRAIN_EXAMPLES", 25)
    a = CrossAttention(**kw).fit(b)
    again = CrossAttention(**kw).fit(b)
    assert a.n_train_links_ == 25 and torch.equal(a.mixer_.log_group, again.mixer_.log_group)
    assert not torch.equal(a.mixer_.log_group, full.mixer_.log_group)


def test_selection_links_are_capped(monkeypatch):
    monkeypatch.setattr(_training, "MAX_SELECTION_LINKS", 12)
    m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3, selection_fraction=0.5,
                       ascent=False).fit(_backlog(80))
    assert m.selected_ in ("fitted", "projections", "untrained")
    assert m.n_train_links_ == 80 - 12  # 12 set aside, not 40


def test_coassigned_rows_are_made_on_demand_and_leave_out_excluded_pairs():
    import pandas as pd

    from attn_team.attention._training import _assignment_pairs

    items = pd.DataFrame({"assignee": ["ada", "ada", "ada", "bob", None, "bob", "cy"]})
    excluded = {(0, 2), (2, 0)}
    a, b, co = _assignment_pairs(items, excluded, per_person=5, rng=np.random.RandomState(0))
    assert co.get(0) == {1} and co.get(2) == {1} and co.get(1) == {0, 2}
    assert co.get(3) == {5} and co.get(6) is None and co.get(4, set()) == set()  # one item: no group
    pairs = set(zip(a.tolist(), b.tolist()))
    assert (0, 2) not in pairs and pairs == {(0, 1), (1, 2), (3, 5)}
