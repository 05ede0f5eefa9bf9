"""Sparse dot products of (query, key) pairs: the compiled merge (numba) against the scipy expression.

Both run in the same process on the same pairs, best of ``--repeat``; the ratio is compiled / scipy.
The matrices are shaped like the candidate pass's: every sparse group of a backlog side by side
(a few dozen to a few hundred stored values per row), ``--pairs`` random (query, key) pairs.

    python benchmarks/bench_pairs.py [--rows 100000] [--cols 50000] [--nnz 80] [--pairs 500000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--cols", type=int, default=50_000)
    ap.add_argument("--nnz", type=int, default=80, help="stored values per row (Zipf-distributed columns)")
    ap.add_argument("--pairs", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from attn_team.attention._pairs import pair_dots

    rng = np.random.default_rng(0)
    cols = np.minimum(rng.zipf(1.3, size=(args.rows, args.nnz)), args.cols) - 1
    rows = np.repeat(np.arange(args.rows), args.nnz)
    X = sp.csr_matrix((rng.random(rows.size, dtype=np.float32), (rows, cols.ravel())), shape=(args.rows, args.cols))
    X.sum_duplicates()
    qi = rng.integers(0, args.rows, args.pairs)
    kj = rng.integers(0, args.rows, args.pairs)
    pair_dots(X, X, qi[:1000], kj[:1000], compiled=True)  # compile (or load the cached kernel) first
    best = {}
    for name, compiled in (("scipy", False), ("compiled", True)):
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            out = pair_dots(X, X, qi, kj, compiled=compiled)
            times.append(time.perf_counter() - t)
        best[name] = (min(times), out)
    diff = float(np.abs(best["compiled"][1] - best["scipy"][1]).max())
    print(f"{args.pairs:,} pairs, {X.nnz / args.rows:.0f} stored values per row: scipy {best['scipy'][0]:.3f} s, "
          f"compiled {best['compiled'][0]:.3f} s, compiled / scipy {best['compiled'][0] / best['scipy'][0]:.2f}x, "
          f"largest difference {diff:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
