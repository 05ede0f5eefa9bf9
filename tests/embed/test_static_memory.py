"""The large-array steps of embedding work a chunk of rows at a time and give the whole-array result."""

from __future__ import annotations

import numpy as np

from attn_team._static_embed import _map_rows
from attn_team._vector_store import _normalise, _normalise_inplace


def test_map_rows_in_chunks_equals_the_whole_expression():
    rng = np.random.default_rng(0)
    P = rng.standard_normal((1000, 12)).astype(np.float32)
    W, mx, my = rng.standard_normal((12, 12)), rng.standard_normal(12), rng.standard_normal(12)
    want = _normalise((P - mx) @ W + my)
    got = _map_rows(P.copy(), W, mx, my, chunk=128)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_normalise_inplace_equals_normalise_and_keeps_zero_rows():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 8)).astype(np.float32)
    x[5] = 0
    want = _normalise(x)
    y = x.copy()
    assert _normalise_inplace(y) is y
    np.testing.assert_allclose(y, want, rtol=1e-6)
    assert not y[5].any()
