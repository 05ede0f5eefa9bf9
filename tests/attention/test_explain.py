"""Reasons a person can read: display names, not account ids; distinctive shared words, not filler."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import attn_team
from attn_team.attention._features import shared_terms, shared_terms_at
from fakes import BagOfWords


def _backlog():
    ids = ["712020:aaaa-1111", "712020:bbbb-2222"]
    filler = "please action this twice and repeat as needed"
    n = 40
    keys = [f"A-{i}" for i in range(n)] + [f"B-{i}" for i in range(n)]
    summaries = [f"{filler} item {i}" for i in range(2 * n)]
    summaries[0] = "kafka consumer lag alert on the ledger topic"
    summaries[n] = "ledger topic kafka consumer lag"
    return attn_team.Backlog(
        items={"key": keys, "summary": summaries, "team": ["Alpha"] * n + ["Beta"] * n,
               "assignee": [ids[0]] + [None] * (n - 1) + [ids[1]] + [None] * (n - 1),
               "reporter": [ids[1]] + [None] * (2 * n - 1)},
        people={"person": ids, "display_name": ["Ada Lovelace", "Grace Hopper"], "team": ["Alpha", "Beta"]})


def test_reasons_name_people_by_display_name_and_share_distinctive_words():
    b = _backlog()
    att = attn_team.BacklogAttention(b, attn_team.CrossAttention(embedder=BagOfWords(), random_state=0))
    edges = att.attend("items", k=5).edges
    pair = edges[(edges["source"] == "A-0") & (edges["target"] == "B-0")]
    assert len(pair) == 1, "the two kafka items must attend to each other"
    reason = pair["reason"].iloc[0]
    assert "Grace Hopper" in reason and "712020:" not in reason
    assert "'kafka'" in reason or "'ledger'" in reason or "'consumer'" in reason
    every = " ".join(edges["reason"].dropna())
    for word in ("twice", "repeat", "action", "please"):  # in every item: filler, never a reason
        assert f"'{word}'" not in every


def test_shared_terms_needs_weight_in_both_texts_and_rarity():
    vocab = np.array(["rare", "common", "passing"])
    q = sp.csr_matrix(np.array([[0.8, 0.5, 0.05]], dtype=np.float32))
    k = sp.csr_matrix(np.array([[0.7, 0.6, 0.9]], dtype=np.float32))
    df = np.array([2, 90, 3])
    assert shared_terms(q, k, vocab, term_df=df, n_items=100) == [["rare"]]  # common: everywhere; passing: said once
    assert shared_terms(q, k, vocab) == [["rare", "common"]]  # without document frequencies only the weights count


def test_shared_terms_at_equals_shared_terms_of_the_gathered_rows():
    rng = np.random.default_rng(0)
    vocab = np.array([f"w{i}" for i in range(60)])
    Q = sp.random(50, 60, density=0.2, random_state=1, format="csr", dtype=np.float32)
    K = sp.random(40, 60, density=0.2, random_state=2, format="csr", dtype=np.float32)
    df = rng.integers(1, 12, size=60)
    qi, kj = rng.integers(0, 50, 500), rng.integers(0, 40, 500)
    want = shared_terms(Q[qi], K[kj], vocab, term_df=df, n_items=100)
    got = shared_terms_at(Q, K, qi, kj, vocab, term_df=df, n_items=100, chunk=64)  # several chunks
    assert got == want
    assert any(len(w) == 3 for w in want) and any(w == [] for w in want)  # the cap and the empty case are hit
    assert shared_terms_at(Q, K, qi[:0], kj[:0], vocab) == []
