"""Exact top-k against the candidate index at 20k/50k/100k items, and the Dask engine against the local one.

The features are synthetic but shaped like a backlog's (``make_features``): 384-d unit text
vectors around topics, and every sparse group of the model (TF-IDF terms drawn per topic and
from a Zipf vocabulary, components and sprints per team, epics, mentions, projects, versions,
Zipf-distributed people, 30-day creation windows and issue-number windows, and known links
between items of a topic for the graph head), IDF-weighted and
L2-normalised per group as ``attention/_features.py`` builds them. Scores come from the
library's own pass, :func:`attn_team.attention._scoring.topk` with the untrained mixer
(identity projections, default weights, temperature 0.05), items attending to all other items,
``k = 20``.

* ``exact``   every query against every key, blocked, exact softmax normalisers (the local engine);
* ``index``   candidates from the usearch index and the capped inverted lists, exact score on them.

Each (N, method) runs in its own subprocess so its peak RSS is its own (``rss_before_mb``: after
the features were made). Recall@20 of ``index`` is measured against ``exact`` of the same N.

``dask``: the same pass with ``engine=dask`` on a ``LocalCluster`` of two single-threaded worker
processes, against the local engine in the same run; and MiniLM embedding of a sample of real
issue texts (``../shared/data/text-corpus``) on the two workers against local.

Usage::

    nice python benchmarks/bench_scale_topk.py topk [--sizes 20000 50000 100000]
    nice python benchmarks/bench_scale_topk.py dask [--n 100000] [--texts 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
K = 20
D = 384


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _multi_hot(rows: np.ndarray, cols: np.ndarray, n: int, width: int, values=None):
    """IDF-weighted, row-L2-normalised multi-hot (as the model's sparse groups)."""
    import scipy.sparse as sp

    v = np.ones(len(rows), np.float32) if values is None else values.astype(np.float32)
    X = sp.csr_matrix((v, (rows, cols)), shape=(n, width))
    X.sum_duplicates()
    df = np.bincount(X.indices, minlength=width)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    X = X @ sp.diags(idf.astype(np.float32))
    norm = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norm[norm == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norm) @ X, dtype=np.float32)


def make_features(n: int, seed: int = 0):
    """ItemFeatures of ``n`` synthetic items (see the module notes)."""
    import scipy.sparse as sp

    import pandas as pd

    from attn_team._heads import GROUPS
    from attn_team.attention._features import ItemFeatures, link_graph

    rng = np.random.default_rng(seed)
    n_teams, n_topics = 40, max(n // 40, 50)
    topic = rng.integers(0, n_topics, n)
    team = topic % n_teams
    centres = rng.standard_normal((n_topics, D)).astype(np.float32)
    E = centres[topic] + 1.3 * rng.standard_normal((n, D)).astype(np.float32)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    r = np.arange(n)

    def per_item(counts):
        return np.repeat(r, counts)

    groups = {}
    # lex: 12 topic terms (vocabulary of 60 per topic) + 12 Zipf terms of a 40k vocabulary
    nt = 12
    rows = per_item(np.full(n, 2 * nt))
    own = (topic[:, None] * 60 + rng.integers(0, 60, (n, nt))).reshape(-1)
    common = (n_topics * 60 + np.minimum(rng.zipf(1.2, (n, nt)), 40_000) - 1).reshape(-1)
    cols = np.stack([own.reshape(n, nt), common.reshape(n, nt)], axis=1).reshape(-1)
    groups["lex"] = _multi_hot(rows, cols, n, n_topics * 60 + 40_000)
    groups["component"] = _multi_hot(per_item(np.full(n, 1)), team * 8 + rng.integers(0, 8, n), n, n_teams * 8)
    c = rng.integers(0, 3, n)
    groups["label"] = _multi_hot(per_item(c), np.minimum(rng.zipf(1.5, c.sum()), 100) - 1, n, 100)
    epic = team * 1000 + rng.integers(0, max(n // (20 * n_teams), 1), n)
    groups["hierarchy"] = _multi_hot(per_item(np.full(n, 2)), np.stack([epic, n_teams * 1000 + r], 1).reshape(-1), n,
                                     n_teams * 1000 + n)
    mentions = rng.random(n) < 0.05
    mrows = np.concatenate([r, r[mentions]])
    mcols = np.concatenate([r, rng.integers(0, n, mentions.sum())])
    groups["mention"] = sp.csr_matrix((np.ones(len(mrows), np.float32), (mrows, mcols)), shape=(n, n))
    groups["project"] = _multi_hot(r, team, n, n_teams)
    groups["version"] = _multi_hot(r, team * 5 + rng.integers(0, 5, n), n, n_teams * 5)
    groups["people"] = _multi_hot(per_item(np.full(n, 4)), np.minimum(rng.zipf(1.3, 4 * n), 3000) - 1, n, 3000)
    day = rng.uniform(0, 1800, n)
    win = np.stack([((day + s * 7.5) // 30).astype(int) + s * 70 for s in range(4)], 1).reshape(-1)
    groups["created"] = sp.csr_matrix((np.full(4 * n, 0.5, np.float32), (per_item(np.full(n, 4)), win)),
                                      shape=(n, 280))
    number = np.argsort(np.argsort(day + team * 10_000))  # issue numbers in creation order per project
    seq = np.stack([team * 4 * (n // 20 + 2) + s * (n // 20 + 2) + (number + s * 5) // 20 for s in range(4)],
                   1).reshape(-1)
    groups["sequence"] = sp.csr_matrix((np.full(4 * n, 0.5, np.float32), (per_item(np.full(n, 4)), seq)),
                                       shape=(n, n_teams * 4 * (n // 20 + 2)))
    groups["sprint"] = _multi_hot(r, team * 30 + (day // 60).astype(int), n, n_teams * 30)
    # neighbour: the known links (Adamic-Adar rows, as ``link_graph`` builds them); one item in ten
    # is linked to another item of its topic
    keys = np.array([f"S-{i}" for i in r])
    linked = np.flatnonzero(rng.random(n) < 0.1)
    by_topic = np.argsort(topic, kind="stable")
    start = np.searchsorted(topic[by_topic], topic[linked])
    count = np.bincount(topic, minlength=n_topics)[topic[linked]]
    partner = by_topic[start + rng.integers(0, np.maximum(count, 1))]
    groups["neighbour"] = link_graph(keys, pd.DataFrame({"source_key": keys[linked], "target_key": keys[partner]}))
    assert set(groups) == set(list(GROUPS)[1:])
    return ItemFeatures(keys=keys, embeddings=E, groups=groups,
                        has_text=np.ones(n, bool), vocabulary=np.array([], dtype=str))


def one(n: int, method: str) -> dict:
    from attn_team._heads import HEADS
    from attn_team.attention._engine import Engine
    from attn_team.attention._mixer import mixer_for
    from attn_team.attention._scoring import topk

    feats = make_features(n)
    mixer = mixer_for(None, D, tuple(HEADS), None)
    rows = np.arange(n)
    base = rss_mb()
    engine = None
    client = cluster = None
    if method.startswith("dask"):
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
        client = Client(cluster)
        client.run(lambda: __import__("attn_team.attention._engine"))  # workers import torch before timing
        engine = Engine("dask", client)
    cand = "index" if method.endswith("index") else "exact"
    t = time.perf_counter()
    idx, scores, weights, lse = topk(mixer, feats, feats, rows, K, self_index=rows, candidates=cand, engine=engine)
    sec = time.perf_counter() - t
    if client is not None:
        client.close()
        cluster.close()
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(OUT / f"scale_{n}_{method}.npz", idx=idx, weights=weights, lse=lse)
    return {"n": n, "method": method, "seconds": round(sec, 2), "peak_rss_mb": round(rss_mb(), 1),
            "rss_before_mb": round(base, 1)}


def run_sub(n: int, method: str) -> dict:
    res = subprocess.run([sys.executable, __file__, "--one", str(n), method], capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def compare(n: int, a: str, b: str) -> dict:
    x, y = np.load(OUT / f"scale_{n}_{a}.npz"), np.load(OUT / f"scale_{n}_{b}.npz")
    rec = np.mean([len(set(p[p >= 0]) & set(q[q >= 0])) / max((p >= 0).sum(), 1) for p, q in zip(x["idx"], y["idx"])])
    same = (x["idx"] == y["idx"]).all(axis=1)
    err = np.abs(x["lse"] - y["lse"])
    return {"recall": round(float(rec), 4), "identical_rows": round(float(same.mean()), 4),
            "lse_abs_diff_p90": round(float(np.quantile(err, 0.9)), 5),
            "lse_abs_diff_p99": round(float(np.quantile(err, 0.99)), 5),
            "max_weight_diff_identical_rows": float(np.abs(x["weights"][same] - y["weights"][same]).max())
            if same.any() else None,
            "median_abs_lse_diff": round(float(np.median(np.abs(x["lse"] - y["lse"]))), 5)}


def embed_dask(n_texts: int) -> dict:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_embed import load_texts
    from distributed import Client, LocalCluster

    from attn_team.embed import Embedder

    texts = load_texts(n_texts)
    t = time.perf_counter()
    local = Embedder(progress=False).encode(texts)
    t_local = time.perf_counter() - t
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cl, \
            Client(cl) as client:
        emb = Embedder(engine="dask", scheduler=client, progress=False)
        emb.encode(texts[:4])  # load the model on the workers first (once each), as a long run would
        t = time.perf_counter()
        remote = Embedder(engine="dask", scheduler=client, progress=False).encode(texts)
        t_dask = time.perf_counter() - t
    cos = (local * remote).sum(1)
    return {"texts": n_texts, "local_s": round(t_local, 2), "dask_s": round(t_dask, 2),
            "ratio": round(t_dask / t_local, 2), "min_cosine": float(cos.min())}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", choices=("topk", "dask"), default="topk")
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 50_000, 100_000])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--texts", type=int, default=1000)
    ap.add_argument("--methods", nargs="+", default=["index", "exact"],
                    help="topk: methods to run (an exact run kept in benchmarks/out from before is compared)")
    ap.add_argument("--one", nargs=2, metavar=("N", "METHOD"))
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one(int(args.one[0]), args.one[1])))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    if args.what == "topk":
        for n in args.sizes:
            got = {}
            for method in args.methods:
                got[method] = r = run_sub(n, method)
                rows.append(r)
                print(json.dumps(r), flush=True)
            summary = {"n": n, **compare(n, "exact", "index")}
            if len(got) == 2:
                summary["speedup"] = round(got["exact"]["seconds"] / got["index"]["seconds"], 2)
            rows.append(summary)
            print(json.dumps(summary), flush=True)
    else:
        for method in ("index", "dask_index"):
            r = run_sub(args.n, method)
            rows.append(r)
            print(json.dumps(r), flush=True)
        cmp = compare(args.n, "index", "dask_index")
        rows.append({"n": args.n, "dask_over_local": round(rows[-1]["seconds"] / rows[-2]["seconds"], 2), **cmp})
        print(json.dumps(rows[-1]), flush=True)
        if args.texts:
            r = embed_dask(args.texts)
            rows.append(r)
            print(json.dumps(r), flush=True)
    (OUT / f"scale_{args.what}.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
