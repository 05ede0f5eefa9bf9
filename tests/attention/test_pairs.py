"""pair_dots: the compiled merge and the scipy expression give the same sums, on awkward matrices too."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from attn_team.attention._pairs import pair_dots


def _reference(Q, K, qi, kj):
    Qd, Kd = Q.toarray().astype(np.float64), K.toarray().astype(np.float64)
    return np.einsum("ij,ij->i", Qd[qi], Kd[kj])


@pytest.fixture
def mats():
    Q = sp.random(300, 400, density=0.05, format="csr", random_state=1, dtype=np.float32)
    K = sp.random(500, 400, density=0.05, format="csr", random_state=2, dtype=np.float32)
    rng = np.random.default_rng(0)
    return Q, K, rng.integers(0, 300, 30_000), rng.integers(0, 500, 30_000)


@pytest.mark.parametrize("compiled", [False, True])
def test_equals_dense_reference(mats, compiled):
    if compiled:
        pytest.importorskip("numba")
    Q, K, qi, kj = mats
    got = pair_dots(Q, K, qi, kj, compiled=compiled)
    assert got.dtype == np.float64 and got.shape == (len(qi),)
    np.testing.assert_allclose(got, _reference(Q, K, qi, kj), rtol=1e-5, atol=1e-6)
    assert (got != 0).mean() > 0.3  # the pairs share columns often enough to test anything


def test_unsorted_and_duplicate_entries_are_summed():
    pytest.importorskip("numba")
    # row 0 holds column 3 twice and its columns out of order: not canonical
    Q = sp.csr_matrix((np.array([1.0, 2.0, 0.5], dtype=np.float32), np.array([3, 1, 3]), np.array([0, 3])), shape=(1, 5))
    assert not Q.has_canonical_format
    K = sp.csr_matrix(np.array([[0, 4, 0, 2, 0], [1, 0, 0, 0, 0]], dtype=np.float32))
    got = pair_dots(Q, K, [0, 0], [0, 1], compiled=True)
    np.testing.assert_allclose(got, [2.0 * 4 + 1.5 * 2, 0.0])


def test_empty_inputs_and_shape_mismatch(mats):
    Q, K, _, _ = mats
    assert pair_dots(Q, K, [], []).shape == (0,)
    assert (pair_dots(sp.csr_matrix((3, 400)), K, [0, 1], [2, 3]) == 0).all()
    with pytest.raises(ValueError, match="columns"):
        pair_dots(Q, K[:, :10], [0], [0])


def test_dense_pair_dots_compiled_equals_the_gathered_einsum():
    pytest.importorskip("numba")
    from attn_team.attention._pairs import dense_pair_dots

    rng = np.random.default_rng(5)
    Q = rng.standard_normal((70, 24)).astype(np.float32)
    K = rng.standard_normal((300, 24)).astype(np.float32)
    cand = rng.integers(-1, 300, (70, 9))
    want = np.where(cand >= 0, np.einsum("rd,rcd->rc", Q, K[np.maximum(cand, 0)]), 0)
    for compiled in (True, False):
        np.testing.assert_allclose(dense_pair_dots(Q, K, cand, compiled=compiled), want, rtol=1e-5, atol=1e-5)
    assert dense_pair_dots(Q, K, cand[:, :0]).shape == (70, 0)


def test_row_dots_of_arbitrary_pairs_and_missing_rows():
    from attn_team.attention._pairs import row_dots

    rng = np.random.default_rng(6)
    A = rng.standard_normal((50, 16)).astype(np.float32)
    B = rng.standard_normal((80, 16)).astype(np.float32)
    ia, ib = rng.integers(-1, 50, 30_000), rng.integers(0, 80, 30_000)  # above the compiled threshold
    want = np.where(ia >= 0, (A[np.maximum(ia, 0)] * B[ib]).sum(axis=1), 0)
    np.testing.assert_allclose(row_dots(A, B, ia, ib, compiled=False), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(row_dots(A, B, ia, ib), want, rtol=1e-5, atol=1e-5)  # numba when installed
    with pytest.raises(ValueError, match="30000 pairs and ib 3"):
        row_dots(A, B, ia, ib[:3])


def test_row_top_compiled_and_numpy_pick_the_same_columns_with_the_extra_dot_products():
    pytest.importorskip("numba")
    from attn_team.attention._pairs import row_top

    S = sp.random(300, 500, density=0.3, random_state=8, format="csr", dtype=np.float32)
    Qr = sp.random(300, 40, density=0.1, random_state=9, format="csr", dtype=np.float32)
    K = sp.random(500, 40, density=0.2, random_state=10, format="csr", dtype=np.float32)
    for extra in ((None, None), (Qr, K)):
        a = row_top(S, *extra, 7, compiled=True)
        b = row_top(S, *extra, 7, compiled=False)
        assert np.array_equal(a, b)
    # brute force for one row: the columns of the 7 largest S + Qr . K
    full = S.toarray().astype(np.float64) + (Qr @ K.T).toarray()
    r = int(np.argmax(np.diff(S.indptr)))
    cols = S.indices[S.indptr[r]:S.indptr[r + 1]]
    want = cols[np.argsort(-full[r, cols], kind="stable")[:7]]
    assert set(a[r]) == set(want)
    short = sp.csr_matrix(([1.0, 2.0], ([0, 0], [3, 4])), shape=(2, 5), dtype=np.float32)
    assert row_top(short, None, None, 3, compiled=True).tolist() == [[4, 3, -1], [-1, -1, -1]]
