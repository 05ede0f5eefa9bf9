"""Blocked top-k attention against a dense reference (full matmul + softmax + topk)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attn_team.attention._topk import TopK, topk_attention


def dense_reference(Q, K, k, *, scale=1.0, bias=None, allowed=None):
    """Full n x m scores, masked entries removed, exact softmax, sorted top-k."""
    S = (Q.astype(np.float64) @ K.astype(np.float64).T) * scale
    if bias is not None:
        S = S + bias[None, :]
    if allowed is not None:
        S = np.where(allowed, S, -np.inf)
    mx = S.max(axis=1, keepdims=True)
    lse = (np.log(np.exp(S - mx).sum(axis=1, keepdims=True)) + mx)[:, 0]
    W = np.exp(S - lse[:, None])
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return S, W, lse, order


def assert_matches_dense(out: TopK, S, W, lse, k, *, atol=1e-5):
    n = S.shape[0]
    assert out.indices.shape == (n, k) and out.indices.dtype == np.int64
    assert out.scores.dtype == np.float32 and out.weights.shape == (n, k)
    rows = np.arange(n)[:, None]
    valid = out.indices >= 0
    # the kept scores are the k largest of each row (values; ties may pick either index)
    expected_top = -np.sort(-S, axis=1)[:, :k]
    np.testing.assert_allclose(np.where(valid, out.scores, -np.inf), expected_top, atol=atol, rtol=0)
    idx = np.where(valid, out.indices, 0)
    # each returned index really has the returned score and the dense weight
    np.testing.assert_allclose(np.where(valid, S[rows, idx], -np.inf), np.where(valid, out.scores, -np.inf), atol=atol)
    np.testing.assert_allclose(np.where(valid, W[rows, idx], 0.0), out.weights, atol=atol)
    np.testing.assert_allclose(out.lse, lse, atol=atol, rtol=1e-5)
    # no duplicate key per row
    for r in range(n):
        kept = out.indices[r][valid[r]]
        assert len(set(kept.tolist())) == len(kept)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


class TestDenseEquivalence:
    @pytest.mark.parametrize(
        ("n", "m", "d", "k", "qb", "kb"),
        [
            (37, 53, 8, 5, "auto", "auto"),
            (37, 53, 8, 5, 7, 11),  # several query and key blocks, ragged ends
            (64, 200, 16, 20, 16, 30),  # k close to the key block size
            (5, 9, 3, 9, 2, 4),  # k == m
            (1, 1, 4, 1, 1, 1),
        ],
    )
    def test_matches_dense(self, rng, n, m, d, k, qb, kb):
        Q = rng.standard_normal((n, d)).astype(np.float32)
        K = rng.standard_normal((m, d)).astype(np.float32)
        out = topk_attention(Q, K, k, block_size=qb, key_block_size=kb, scale=0.5)
        S, W, lse, _ = dense_reference(Q, K, k, scale=0.5)
        assert_matches_dense(out, S, W, lse, k)
        # unique scores here, so indices equal the dense order exactly
        _, _, _, order = dense_reference(Q, K, k, scale=0.5)
        np.testing.assert_array_equal(out.indices, order)

    def test_torch_and_numpy_inputs_agree(self, rng):
        Q = rng.standard_normal((20, 6)).astype(np.float32)
        K = rng.standard_normal((30, 6)).astype(np.float32)
        a = topk_attention(Q, K, 4)
        b = topk_attention(torch.from_numpy(Q), torch.from_numpy(K).double(), 4)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_allclose(a.weights, b.weights, atol=1e-6)

    def test_ties_pick_tied_keys_with_equal_weights(self):
        # every key is one of two vectors: scores tie in large groups
        Q = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
        K = np.array([[1.0, 0.0], [0.0, 1.0]] * 6, dtype=np.float32)
        out = topk_attention(Q, K, 4, key_block_size=5, block_size=2)
        S, W, lse, _ = dense_reference(Q, K, 4)
        assert_matches_dense(out, S, W, lse, 4)
        # query 0 ties on the six copies of [1, 0]: all kept keys are even
        assert (out.indices[0] % 2 == 0).all()
        np.testing.assert_allclose(out.weights[2], np.full(4, 1 / 12), atol=1e-6)

    def test_key_bias_and_scale(self, rng):
        Q = rng.standard_normal((10, 4)).astype(np.float32)
        K = rng.standard_normal((15, 4)).astype(np.float32)
        bias = rng.standard_normal(15).astype(np.float32)
        out = topk_attention(Q, K, 3, scale=2.0, key_bias=bias, key_block_size=4)
        S, W, lse, _ = dense_reference(Q, K, 3, scale=2.0, bias=bias)
        assert_matches_dense(out, S, W, lse, 3)


class TestExtraScores:
    @pytest.mark.parametrize("precision", ["fp32", "bf16"])
    def test_sparse_head_added_to_scores(self, rng, precision):
        import scipy.sparse as sp

        n, m = 17, 29
        Q = rng.standard_normal((n, 6)).astype(np.float32)
        K = rng.standard_normal((m, 6)).astype(np.float32)
        Qs = sp.random(n, 40, density=0.2, random_state=1, format="csr", dtype=np.float32)
        Ks = sp.random(m, 40, density=0.2, random_state=2, format="csr", dtype=np.float32)

        def extra(rows, cols):
            return (Qs[rows] @ Ks[cols].T).toarray() * 0.5

        out = topk_attention(Q, K, 6, scale=0.5, extra_scores=extra, key_block_size=9, block_size=5, precision=precision)
        S = 0.5 * (Q.astype(np.float64) @ K.T.astype(np.float64)) + 0.5 * (Qs @ Ks.T).toarray()
        mx = S.max(axis=1, keepdims=True)
        lse = np.log(np.exp(S - mx).sum(axis=1)) + mx[:, 0]
        rows = np.arange(n)[:, None]
        np.testing.assert_allclose(out.scores, S[rows, out.indices], atol=1e-5)
        np.testing.assert_allclose(out.scores, -np.sort(-S, axis=1)[:, :6], atol=1e-5 if precision == "fp32" else 0.05)
        np.testing.assert_allclose(out.lse, lse, atol=1e-5 if precision == "fp32" else 0.05)

    def test_wrong_shape_is_an_error(self, rng):
        Q = rng.standard_normal((3, 2)).astype(np.float32)
        with pytest.raises(ValueError, match="extra_scores returned shape"):
            topk_attention(Q, Q, 1, extra_scores=lambda r, c: np.zeros((1, 1)))


class TestSoftmax:
    def test_full_distribution_sums_to_one(self, rng):
        Q = rng.standard_normal((12, 5)).astype(np.float32)
        K = rng.standard_normal((40, 5)).astype(np.float32)
        full = topk_attention(Q, K, 40, key_block_size=7)
        np.testing.assert_allclose(full.weights.sum(axis=1), 1.0, atol=1e-5)
        part = topk_attention(Q, K, 6, key_block_size=7)
        sums = part.weights.sum(axis=1)
        assert (sums <= 1.0 + 1e-6).all() and (sums > 0).all()
        # kept weights are exactly the leading weights of the full distribution
        np.testing.assert_allclose(part.weights, full.weights[:, :6], atol=1e-6)
        # kept + the rest of the distribution = 1
        rest = np.exp(full.scores[:, 6:] - full.lse[:, None]).sum(axis=1)
        np.testing.assert_allclose(sums + rest, 1.0, atol=1e-5)

    @pytest.mark.parametrize("offset", [-1000.0, -60.0, -39.0, 0.0, 39.0, 60.0, 1000.0])
    def test_constant_offset_shifts_lse_only(self, rng, offset):
        # both the direct-exp path (|max| < 40) and the shifted path give the same softmax
        Q = rng.standard_normal((9, 6)).astype(np.float32)
        K = rng.standard_normal((31, 6)).astype(np.float32)
        base = topk_attention(Q, K, 5, key_block_size=8)
        moved = topk_attention(Q, K, 5, key_block_size=8, key_bias=np.full(31, offset, np.float32))
        np.testing.assert_array_equal(base.indices, moved.indices)
        np.testing.assert_allclose(moved.lse, base.lse + offset, rtol=1e-6, atol=1e-4)
        np.testing.assert_allclose(moved.weights, base.weights, atol=1e-4)

    def test_large_scores_do_not_overflow(self, rng):
        Q = rng.standard_normal((6, 8)).astype(np.float32) * 30
        K = rng.standard_normal((25, 8)).astype(np.float32) * 30
        out = topk_attention(Q, K, 25, key_block_size=4)
        assert np.isfinite(out.lse).all()
        np.testing.assert_allclose(out.weights.sum(axis=1), 1.0, atol=1e-5)


class TestMasks:
    def test_exclude_self(self, rng):
        X = rng.standard_normal((30, 6)).astype(np.float32)
        out = topk_attention(X, X, 5, exclude_self=True, key_block_size=8, block_size=7)
        assert not (out.indices == np.arange(30)[:, None]).any()
        allowed = ~np.eye(30, dtype=bool)
        S, W, lse, _ = dense_reference(X, X, 5, allowed=allowed)
        assert_matches_dense(out, S, W, lse, 5)
        # control: without the exclusion, unit vectors find themselves first
        Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
        own = topk_attention(Xn, Xn, 1)
        np.testing.assert_array_equal(own.indices[:, 0], np.arange(30))

    def test_self_index_for_a_subset_of_queries(self, rng):
        K = rng.standard_normal((20, 4)).astype(np.float32)
        K /= np.linalg.norm(K, axis=1, keepdims=True)
        picks = np.array([3, 17, 5])
        out = topk_attention(K[picks], K, 2, self_index=picks)
        assert not (out.indices == picks[:, None]).any()
        allowed = np.ones((3, 20), dtype=bool)
        allowed[np.arange(3), picks] = False
        S, W, lse, _ = dense_reference(K[picks], K, 2, allowed=allowed)
        assert_matches_dense(out, S, W, lse, 2)

    def test_key_mask_pairs_and_block_mask(self, rng):
        n, m = 14, 22
        Q = rng.standard_normal((n, 5)).astype(np.float32)
        K = rng.standard_normal((m, 5)).astype(np.float32)
        key_mask = rng.random(m) > 0.3
        pairs = np.array([[0, 1], [0, 2], [5, 7], [13, 21], [13, 0]])
        groups_q = rng.integers(0, 3, n)
        groups_k = rng.integers(0, 3, m)

        def other_group(rows, cols):
            return groups_q[rows][:, None] != groups_k[cols][None, :]

        out = topk_attention(
            Q, K, 4, key_mask=key_mask, exclude_pairs=pairs, block_mask=other_group, key_block_size=6, block_size=5
        )
        allowed = np.broadcast_to(key_mask, (n, m)).copy()
        allowed[pairs[:, 0], pairs[:, 1]] = False
        allowed &= groups_q[:, None] != groups_k[None, :]
        S, W, lse, _ = dense_reference(Q, K, 4, allowed=allowed)
        assert_matches_dense(out, S, W, lse, 4)
        rows = np.arange(n)[:, None]
        valid = out.indices >= 0
        assert allowed[rows, np.where(valid, out.indices, 0)][valid].all()

    def test_row_with_no_allowed_key_is_padding(self, rng):
        Q = rng.standard_normal((3, 4)).astype(np.float32)
        K = rng.standard_normal((5, 4)).astype(np.float32)

        def only_rows_0_2(rows, cols):
            allowed = np.ones((rows.stop - rows.start, cols.stop - cols.start), dtype=bool)
            if rows.start <= 1 < rows.stop:
                allowed[1 - rows.start] = False
            return allowed

        out = topk_attention(Q, K, 2, block_mask=only_rows_0_2)
        assert (out.indices[1] == -1).all() and (out.weights[1] == 0).all()
        assert out.lse[1] == -np.inf and np.isfinite(out.lse[[0, 2]]).all()

    def test_fewer_allowed_keys_than_k_pads(self, rng):
        Q = rng.standard_normal((4, 3)).astype(np.float32)
        K = rng.standard_normal((6, 3)).astype(np.float32)
        mask = np.array([True, False, True, False, False, False])
        out = topk_attention(Q, K, 4, key_mask=mask)
        assert out.indices.shape == (4, 4)
        assert set(out.indices[:, :2].ravel()) <= {0, 2}
        assert (out.indices[:, 2:] == -1).all() and np.isneginf(out.scores[:, 2:]).all()
        np.testing.assert_allclose(out.weights.sum(axis=1), 1.0, atol=1e-6)


class TestShapesAndErrors:
    def test_k_larger_than_m(self, rng):
        Q = rng.standard_normal((4, 3)).astype(np.float32)
        K = rng.standard_normal((3, 3)).astype(np.float32)
        out = topk_attention(Q, K, 10)
        assert out.indices.shape == (4, 3)
        assert sorted(out.indices[0].tolist()) == [0, 1, 2]
        np.testing.assert_allclose(out.weights.sum(axis=1), 1.0, atol=1e-6)
        out = topk_attention(K, K, 10, exclude_self=True)
        assert out.indices.shape == (3, 2)
        np.testing.assert_allclose(out.weights.sum(axis=1), 1.0, atol=1e-6)

    def test_empty_queries(self):
        out = topk_attention(np.zeros((0, 4), np.float32), np.ones((5, 4), np.float32), 3)
        assert out.indices.shape == (0, 3) and out.lse.shape == (0,)

    def test_to_frame_drops_padding_and_labels(self, rng):
        Q = rng.standard_normal((2, 3)).astype(np.float32)
        K = rng.standard_normal((3, 3)).astype(np.float32)
        out = topk_attention(Q, K, 3, key_mask=np.array([True, True, False]))
        df = out.to_frame(["A-1", "A-2"], ["B-1", "B-2", "B-3"])
        assert len(df) == 4 and set(df["target"]) <= {"B-1", "B-2"}
        assert list(df.columns) == ["source", "target", "score", "weight", "rank"]

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"k": 0}, "positive integer"),
            ({"k": 2, "precision": "fp16"}, "precision"),
            ({"k": 2, "key_mask": np.ones(3)}, "bool array"),
            ({"k": 2, "exclude_pairs": [[0, 9]]}, "within range"),
            ({"k": 2, "self_index": [0]}, "entries"),
        ],
    )
    def test_bad_arguments(self, rng, kwargs, match):
        Q = rng.standard_normal((2, 3)).astype(np.float32)
        K = rng.standard_normal((4, 3)).astype(np.float32)
        with pytest.raises(ValueError, match=match):
            topk_attention(Q, K, **kwargs)

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="same width"):
            topk_attention(np.ones((2, 3)), np.ones((2, 4)), 1)
        with pytest.raises(ValueError, match="NaN"):
            topk_attention(np.array([[np.nan, 1.0]]), np.ones((2, 2)), 1)
        with pytest.raises(ValueError, match="2-D"):
            topk_attention(np.ones(3), np.ones((2, 3)), 1)
        with pytest.raises(ValueError, match="n <= m"):
            topk_attention(np.ones((3, 2)), np.ones((2, 2)), 1, exclude_self=True)


class TestBf16:
    def test_bf16_keeps_topk_and_exact_scores(self, rng):
        # clustered unit vectors, like sentence embeddings
        centers = rng.standard_normal((8, 32))
        X = centers[rng.integers(0, 8, 300)] + 0.5 * rng.standard_normal((300, 32))
        X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
        ref = topk_attention(X, X, 10, exclude_self=True, scale=5.0)
        bf = topk_attention(X, X, 10, exclude_self=True, scale=5.0, precision="bf16", key_block_size=100)
        # same neighbour sets for (almost) all queries; scores of kept keys are exact fp32
        same = np.mean([set(a) == set(b) for a, b in zip(ref.indices.tolist(), bf.indices.tolist())])
        assert same >= 0.98
        rows = np.arange(300)[:, None]
        S = X @ X.T * 5.0
        np.testing.assert_allclose(bf.scores, S[rows, bf.indices], atol=1e-5)
        np.testing.assert_allclose(bf.lse, ref.lse, atol=0.05)


@pytest.mark.parametrize("n", [1, 700, 10_000, 100_000, 1_000_000])
def test_auto_blocks_bound_the_score_block(n):
    from attn_team.attention._topk import _MAX_BLOCK_ELEMENTS, _auto_blocks

    qb, kb = _auto_blocks(n, n, 50)
    assert 1 <= qb <= n and 1 <= kb <= n
    assert qb * kb <= _MAX_BLOCK_ELEMENTS  # memory per block does not grow with n
