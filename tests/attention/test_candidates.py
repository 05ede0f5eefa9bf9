"""The candidate pass for large N: recall against exact top-k, masks, the softmax normaliser it promises."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("usearch", reason="the candidate index needs usearch: pip install 'attn-team[scale]'")

from attn_team.attention._candidates import (  # noqa: E402
    AUTO_MIN_PAIRS, CandidateParams, build_index, candidate_topk, use_index,
)
from attn_team.attention._model import CrossAttention  # noqa: E402
from attn_team.attention._topk import topk_attention  # noqa: E402
from attn_team.synthetic import generate  # noqa: E402
from fakes import BagOfWords  # noqa: E402

TAU = 0.05


def features(n=1200, d=32, D=600, seed=0):
    """Clustered unit text vectors and a Zipf-distributed sparse part (a few very common columns)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(n // 30, 2), d)).astype(np.float32)
    E = centres[rng.integers(0, len(centres), n)] + rng.standard_normal((n, d)).astype(np.float32)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    cols = [np.unique(np.minimum(rng.zipf(1.4, 6), D) - 1) for _ in range(n)]
    rows = np.concatenate([[i] * len(c) for i, c in enumerate(cols)])
    X = sp.csr_matrix((np.full(len(rows), 0.3, np.float32), (rows, np.concatenate(cols))), shape=(n, D))
    return E, X


def exact(E, X, k, **kw):
    Ks = X.T.tocsc()
    return topk_attention(E, E, k, scale=1 / TAU, extra_scores=lambda r, c: np.asarray(
        (X[r] @ Ks[:, c]).todense()) / TAU, **kw)


def recall(a, b) -> float:
    return float(np.mean([len(set(x[x >= 0]) & set(y[y >= 0])) / max((x >= 0).sum(), 1) for x, y in zip(a, b)]))


@pytest.fixture(scope="module")
def backlog3000():
    return generate(n_items=3000, random_state=0).backlog


def test_index_top_k_recalls_the_exact_top_k_on_a_3000_item_backlog(backlog3000):
    emb = BagOfWords()
    ex = CrossAttention(k=20, embedder=emb, candidates="exact").attend(backlog3000)
    ix = CrossAttention(k=20, embedder=emb, candidates="index").attend(backlog3000)
    a = ex.edges.groupby("source")["target"].apply(set)
    b = ix.edges.groupby("source")["target"].apply(set)
    rec = np.mean([len(a[s] & b.get(s, set())) / len(a[s]) for s in a.index])
    assert rec >= 0.98
    # the kept pairs carry the exact score and the same explanation as the exact pass
    both = ex.edges.merge(ix.edges, on=["source", "target"], suffixes=("_e", "_i"))
    assert len(both) >= 0.98 * len(ex.edges)
    np.testing.assert_allclose(both["score_e"], both["score_i"], rtol=1e-4, atol=1e-5)
    assert (both["reason_e"] == both["reason_i"]).all()
    # weights: the estimated normaliser stays close to the exact one
    np.testing.assert_allclose(both["weight_e"], both["weight_i"], rtol=0.1, atol=1e-4)
    assert np.median(np.abs(ex.lse - ix.lse)) < 0.01


def test_candidates_never_include_self_masked_or_excluded_keys():
    E, X = features()
    n = len(E)
    mask = np.zeros(n, dtype=bool)
    mask[::3] = True
    pairs = np.array([[0, 3], [1, 6], [5, 9]])
    out = candidate_topk(E, E, X, X.T.tocsc(), 10, scale=1 / TAU, self_index=np.arange(n), key_mask=mask,
                         exclude_pairs=pairs)
    kept = out.indices[out.indices >= 0]
    assert mask[kept].all()
    assert not (out.indices == np.arange(n)[:, None]).any()
    for q, key in pairs:
        assert key not in out.indices[q]
    ref = exact(E, X, 10, self_index=np.arange(n), key_mask=mask, exclude_pairs=pairs)
    assert recall(ref.indices, out.indices) >= 0.98


def test_the_tail_estimate_is_unbiased_and_never_below_the_candidate_sum():
    E, X = features(n=1000)
    n = len(E)
    ref = exact(E, X, 10, exclude_self=True)
    index = build_index(E, np.arange(n), CandidateParams())
    only = candidate_topk(E, E, X, X.T.tocsc(), 10, scale=1 / TAU, self_index=np.arange(n), index=index,
                          params=CandidateParams(n_tail=0))
    ratios = []
    for seed in range(12):
        est = candidate_topk(E, E, X, X.T.tocsc(), 10, scale=1 / TAU, self_index=np.arange(n), index=index,
                             params=CandidateParams(n_tail=64, seed=seed))
        assert (est.lse >= only.lse - 1e-5).all()
        ratios.append(np.exp(est.lse.astype(np.float64) - ref.lse))
    ratios = np.array(ratios)
    # over seeds, the estimated partition function averages to the exact one (per query, within noise)
    assert abs(float(np.mean(ratios)) - 1.0) < 0.01
    assert np.median(np.abs(ratios.mean(axis=0) - 1.0)) < 0.01
    # candidates only: the normaliser is below the exact one, so those weights over-estimate
    assert (only.lse <= ref.lse + 1e-4).all()
    assert np.mean(only.lse < ref.lse - 1e-3) > 0.2


def test_short_lists_are_walked_long_ones_within_the_budget_and_unwalked_ones_still_count():
    rng = np.random.default_rng(1)
    n, d = 600, 16
    E = rng.standard_normal((n, d)).astype(np.float32)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    E *= 1e-4  # text barely matters here: the sparse values decide
    # column 0: rare (items 0 and 1); column 1: every item (a catch-all label);
    # column 2: items 100..299 (a common component), with varying strength
    strength = rng.uniform(0.5, 1.0, 200).astype(np.float32)
    rows = [0, 1] + list(range(n)) + list(range(100, 300))
    cols = [0, 0] + [1] * n + [2] * 200
    vals = [3.0, 3.0] + [1.0] * n + list(strength)
    X = sp.csr_matrix((np.array(vals, np.float32), (rows, cols)), shape=(n, 3))
    Ks = X.T.tocsc()
    S = E @ E.T + (X @ X.T).toarray()
    np.fill_diagonal(S, -np.inf)
    best = S.argmax(axis=1)

    def top1(budget):
        params = CandidateParams(n_dense=2, n_sparse=4, max_df=50, budget=budget, n_tail=0)
        return candidate_topk(E, E, X, Ks, 1, scale=1.0, self_index=np.arange(n), params=params).indices[:, 0]

    walked, unwalked = top1(300), top1(100)
    assert walked[0] == 1 and walked[1] == 0  # the rare value's short list, always walked
    queries = np.arange(100, 300)
    # the 200-key list fits a budget of 300: every query of it finds its exact best key
    assert (walked[queries] == best[queries]).all()
    # with a budget of 100 it is not walked: most of these queries miss their best key
    assert (unwalked[queries] != best[queries]).mean() > 0.5
    # the catch-all value (600 keys) is never walked, yet counts in the exact score of what is kept
    out = candidate_topk(E, E, X, Ks, 1, scale=1.0, self_index=np.arange(n),
                         params=CandidateParams(n_dense=2, n_sparse=4, max_df=50, budget=300, n_tail=0))
    q = 450
    assert out.scores[q, 0] == pytest.approx(S[q, out.indices[q, 0]], rel=1e-5)
    assert out.scores[q, 0] >= 1.0


def test_list_candidates_do_not_depend_on_how_queries_are_split_into_runs():
    from attn_team.attention._candidates import _Lists

    rng = np.random.default_rng(3)
    n, D = 400, 30
    dense = rng.random((n, D)) < np.r_[np.full(10, 0.4), np.full(20, 0.02)]  # 10 long columns, 20 short
    X = sp.csr_matrix(np.where(dense, rng.uniform(0.2, 1.0, (n, D)), 0).astype(np.float32))
    lists = _Lists(X.T.tocsc(), X, np.ones(n, dtype=bool), max_df=40, budget=200)
    assert lists.n_long == 10
    whole = lists.candidates(X, 8)
    assert (whole >= 0).sum() > n * 4  # the lists reach keys for most queries
    for max_pairs in (1, 500, 5000):  # one query per run, a few, most in one
        assert np.array_equal(lists.candidates(X, 8, max_pairs=max_pairs), whole)


def test_auto_uses_the_index_only_from_the_documented_size_and_bad_values_fail_clearly():
    assert not use_index("auto", 40_000, 40_000)
    assert use_index("auto", 50_000, 50_000) and AUTO_MIN_PAIRS == 50_000 ** 2
    assert not use_index("auto", 10, 10_000_000)  # a few queries are cheap exactly
    assert use_index("index", 3, 3) and not use_index("exact", 10**6, 10**6)
    with pytest.raises(ValueError, match="candidates must be one of"):
        use_index("approx", 1, 1)
    with pytest.raises(ValueError, match="candidates"):
        CrossAttention(candidates="approx")._validate_params()
    CrossAttention(candidates=CandidateParams(n_dense=10))._validate_params()


def test_auto_without_usearch_falls_back_to_exact_and_says_why(monkeypatch, caplog):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "usearch" else real(name, *a))
    with caplog.at_level("WARNING"):
        assert not use_index("auto", 60_000, 60_000)
    assert "attn-team[scale]" in caplog.text


def test_missing_usearch_names_the_extra(monkeypatch):
    E, X = features(n=50)
    monkeypatch.setitem(sys.modules, "usearch.index", None)
    with pytest.raises(ImportError, match=r"attn-team\[scale\]"):
        candidate_topk(E, E, X, X.T.tocsc(), 5)


def test_index_is_built_once_per_key_vectors_and_reused(monkeypatch):
    """The fit searches hard negatives several times over the same keys: the index is built once for
    the same vectors, keys and settings, again when any of them changes, and the result is the same."""
    import attn_team.attention._candidates as cand

    cand._INDEX_CACHE.clear()
    built = []
    real = cand.build_index
    monkeypatch.setattr(cand, "build_index", lambda *a, **k: built.append(1) or real(*a, **k))
    E, X = features(n=600)
    Ks = X.T.tocsc()
    first = candidate_topk(E, E, X, Ks, 10, scale=1 / TAU, self_index=np.arange(len(E)))
    again = candidate_topk(E, E, X, Ks, 10, scale=1 / TAU, self_index=np.arange(len(E)))
    assert len(built) == 1
    np.testing.assert_array_equal(first.indices, again.indices)
    E2 = E.copy()
    E2[0] = -E2[0]
    candidate_topk(E2, E2, X, Ks, 10, scale=1 / TAU)
    mask = np.ones(len(E), dtype=bool)
    mask[:5] = False
    candidate_topk(E, E, X, Ks, 10, scale=1 / TAU, key_mask=mask)
    assert len(built) == 3 and len(cand._INDEX_CACHE) == cand.INDEX_CACHE_SIZE == 2


def test_in_rows_marks_every_sampled_position_of_a_candidate_key():
    from attn_team.attention._candidates import _in_rows

    rng = np.random.default_rng(4)
    for m in (30, 5000):  # many repeats in the sample (with replacement), and few
        cand = rng.integers(-1, m, (40, 12))
        smp = rng.integers(0, m, 200)
        want = np.array([[s in set(row) for s in smp] for row in cand.tolist()])
        assert np.array_equal(_in_rows(cand, smp), want)
        assert want.any()


def test_text_scale_equals_scaling_the_query_vectors():
    n = 300
    E, X = features(n=n, d=16, D=40, seed=11)
    params = CandidateParams(n_dense=20, n_sparse=20, n_tail=64)
    a = candidate_topk(E * np.float32(2.5), E, X, X.T.tocsc(), 5, scale=4.0, self_index=np.arange(n), params=params)
    b = candidate_topk(E, E, X, X.T.tocsc(), 5, scale=4.0, self_index=np.arange(n), params=params, text_scale=2.5)
    assert np.array_equal(a.indices, b.indices)
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-5)
    np.testing.assert_allclose(a.lse, b.lse, rtol=1e-5)
    c = candidate_topk(E, E, X, X.T.tocsc(), 5, scale=4.0, self_index=np.arange(n), params=params)
    assert not np.allclose(c.scores, b.scores)  # the factor is applied


def test_scaled_rows_equal_the_scaled_stack_for_slices_and_row_lists():
    from attn_team.attention._scoring import ScaledRows

    g1 = sp.random(50, 7, density=0.3, random_state=13, format="csr", dtype=np.float32)
    g2 = sp.random(50, 4, density=0.5, random_state=14, format="csr", dtype=np.float32)
    lazy = ScaledRows([g1, g2], [0.5, 3.0])
    full = sp.hstack([g1 * 0.5, g2 * 3.0], format="csr")
    assert lazy.shape == full.shape and lazy.nnz == full.nnz
    for rows in (slice(0, 50), slice(10, 23), np.array([4, 1, 4, 49])):
        got = lazy[rows]
        assert got.format == "csr" and got.dtype == np.float32
        assert np.array_equal(got.toarray(), full[rows].toarray())


def test_a_whole_backlog_pass_forgets_its_index_and_a_query_subset_keeps_it(backlog3000):
    """The whole-backlog result is memoised by its owner, so its index (0.85 GB at 1M items) is
    not kept beside it; a pass for some queries keeps the index for the next question."""
    import attn_team.attention._candidates as cand

    model = CrossAttention(k=5, embedder=BagOfWords(), candidates="index")
    cand._INDEX_CACHE.clear()
    some = model.attend(backlog3000, queries=list(backlog3000.items["key"][:50]))
    assert len(cand._INDEX_CACHE) == 1
    whole = model.attend(backlog3000)
    assert len(cand._INDEX_CACHE) == 0
    # the same answers either way: the subset's edges are the whole pass's for those queries
    sub = whole.edges[whole.edges["source"].isin(set(some.edges["source"]))]
    assert set(zip(sub["source"], sub["target"])) == set(zip(some.edges["source"], some.edges["target"]))


def test_candidate_topk_never_sorts_its_inputs_in_place():
    # the keys broadcast to a Dask worker are shared by its task threads: sorting them under a
    # running kernel gives wrong scores, so a non-canonical input is sorted into a copy
    rng = np.random.default_rng(3)
    n, d = 700, 8
    E = rng.standard_normal((n, d)).astype(np.float32)
    rows = np.repeat(np.arange(n), 3)
    cols = rng.integers(0, 40, len(rows))
    X = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, 40))
    X.indices = X.indices.copy()
    for r in range(n):  # unsorted column indices in every row
        a, b = X.indptr[r], X.indptr[r + 1]
        X.indices[a:b], X.data[a:b] = X.indices[a:b][::-1].copy(), X.data[a:b][::-1].copy()
    X.has_sorted_indices = False
    Ks = X.T.tocsc()
    before = (Ks.indices.copy(), Ks.data.copy())
    kwargs = dict(scale=10.0, self_index=np.arange(n), params=CandidateParams(n_tail=0))
    got = candidate_topk(E, E, X, Ks, 8, **kwargs)
    assert (Ks.indices == before[0]).all() and (Ks.data == before[1]).all()
    Xc = X.copy()
    Xc.sum_duplicates()
    ref = candidate_topk(E, E, Xc, Xc.T.tocsc(), 8, **kwargs)
    assert (got.indices == ref.indices).all()
    np.testing.assert_allclose(got.scores, ref.scores, rtol=1e-6)


def test_pair_dots_never_sorts_its_inputs_in_place():
    from attn_team.attention._pairs import pair_dots

    Q = sp.csr_matrix((np.array([1.0, 2.0, 3.0], dtype=np.float32), np.array([2, 0, 1]), np.array([0, 3])),
                      shape=(1, 3))
    assert not Q.has_canonical_format
    idx = Q.indices.copy()
    out = pair_dots(Q, Q, np.zeros(30_000, dtype=np.int64), np.zeros(30_000, dtype=np.int64), compiled=None)
    assert (Q.indices == idx).all()
    np.testing.assert_allclose(out, 14.0)


def test_one_query_through_the_index_gives_the_whole_pass_answer(backlog3000):
    """usearch answers a single query with another type (``Matches``, no ``counts``) than a batch."""
    model = CrossAttention(k=5, embedder=BagOfWords(), candidates="index")
    key = str(backlog3000.items["key"].iloc[7])
    one = model.attend(backlog3000, queries=[key])
    two = model.attend(backlog3000, queries=[key, str(backlog3000.items["key"].iloc[8])])
    assert len(one.edges) == 5 and set(one.edges["source"]) == {key}
    mine = two.edges[two.edges["source"] == key]
    assert list(one.edges["target"]) == list(mine["target"])
    np.testing.assert_allclose(one.edges["score"], mine["score"], rtol=1e-5)
