"""The static embedding mode: distillation, cache keys, the adapted embedder, the CLI option.

A tiny static model (a few hundred word-pieces of the packaged MiniLM, 16 dimensions) is distilled
once per session into a temporary folder; the MiniLM that the static vectors are mapped to is
faked (``BagOfWords``) where a test does not need the real one.
"""

from __future__ import annotations

import json
import socket
import sys

import numpy as np
import pytest
from fakes import BagOfWords, ContextBag, write_link_tables

from attn_team import _static_embed as se
from attn_team.embed import DEFAULT_MODEL, Embedder, VectorStore

pytest.importorskip("model2vec")

TEXTS = ["Refresh tokens expire after one hour", "Login fails for users with expired tokens",
         "Server side cache returns stale pages", "Client side rendering of the dashboard is slow",
         "Upgrade the database driver", "The export job times out on large projects",
         "Search ignores the project filter", "Add a retry to the payment webhook"]
DIM = 16


def _vocabulary(texts):
    from tokenizers import Tokenizer

    from attn_team.embed import _default_model_path

    tok = Tokenizer.from_file(f"{_default_model_path()}/tokenizer.json")
    pieces = {p for e in tok.encode_batch(texts, add_special_tokens=False) for p in e.tokens}
    return sorted(pieces | {"server", "client", "side", "word", "team"} | {f"word{i}" for i in range(20)})


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A 16-d static model of the word-pieces of TEXTS (distilled in seconds)."""
    root = tmp_path_factory.mktemp("static-models")
    path = se.static_model_path(dim=DIM, vocabulary=_vocabulary(TEXTS), cache_dir=root, progress=False)
    return path


@pytest.fixture
def static_tiny(tiny_model, monkeypatch):
    """``"static"`` resolves to the tiny model; the map's teacher (MiniLM) is a fake sentence model."""
    monkeypatch.setattr(se, "static_model_path", lambda *a, **k: tiny_model)
    monkeypatch.setattr(se, "TEACHER", BagOfWords())
    monkeypatch.setattr(se, "ADAPT_SAMPLE", 12)
    monkeypatch.setattr(se, "ADAPT_TOKENS", 72)
    return tiny_model


class TestDistil:
    def test_folder_loads_with_model2vec_and_has_the_width(self, tiny_model):
        from model2vec import StaticModel

        m = StaticModel.from_pretrained(str(tiny_model), force_download=False)
        assert m.dim == DIM
        v = m.encode(TEXTS[:2])
        assert v.shape == (2, DIM) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
        config = json.loads((tiny_model / "config.json").read_text())
        known = set(json.loads((tiny_model / "tokenizer.json").read_text())["model"]["vocab"])
        assert config["hidden_dim"] == DIM
        assert config["n_distilled_tokens"] == len(set(_vocabulary(TEXTS)) & known) > 40

    def test_deterministic_and_cached(self, tiny_model, tmp_path, monkeypatch):
        other = se.static_model_path(dim=DIM, vocabulary=_vocabulary(TEXTS), cache_dir=tmp_path, progress=False)
        assert other.name == tiny_model.name  # same key for the same source and settings
        a = se.StaticEncoder(tiny_model).encode(TEXTS)
        b = se.StaticEncoder(other).encode(TEXTS)
        np.testing.assert_allclose(a, b, atol=1e-5)
        # a second call finds the model and distils nothing; no temporary folder is left behind
        monkeypatch.setattr(se, "distil_static", lambda *a, **k: pytest.fail("distilled twice"))
        assert se.static_model_path(dim=DIM, vocabulary=_vocabulary(TEXTS), cache_dir=tmp_path) == other
        assert [p.name for p in tmp_path.iterdir()] == [other.name]

    def test_settings_change_the_key(self, tmp_path):
        vocab = _vocabulary(TEXTS[:2])
        a = se.static_model_path(dim=8, vocabulary=vocab, cache_dir=tmp_path, progress=False)
        b = se.static_model_path(dim=12, vocabulary=vocab, cache_dir=tmp_path, progress=False)
        assert a != b and se.StaticEncoder(a).name != se.StaticEncoder(b).name
        assert se.StaticEncoder(a).dim == 8 and se.StaticEncoder(b).dim == 12
        assert se.static_name() != se.static_name(dim=128) and DEFAULT_MODEL not in se.static_name()

    def test_similar_texts_are_closer(self, tiny_model):
        v = se.StaticEncoder(tiny_model).encode(["refresh tokens expire", "expired tokens refresh",
                                                 "upgrade the database driver"])
        assert v[0] @ v[1] > v[0] @ v[2]

    def test_bad_settings(self, tmp_path):
        with pytest.raises(ValueError, match="dim must be"):
            se.static_model_path(dim=1, cache_dir=tmp_path)
        with pytest.raises(ValueError, match="sif must be"):
            se.static_model_path(sif=2.0, cache_dir=tmp_path)
        with pytest.raises(FileNotFoundError, match="source model folder"):
            se.static_model_path(tmp_path / "nope", cache_dir=tmp_path)

    def test_cache_root_follows_the_environment(self, monkeypatch, tmp_path):
        monkeypatch.setenv("ATTN_TEAM_CACHE", str(tmp_path / "a"))
        assert se.cache_root() == tmp_path / "a"
        monkeypatch.delenv("ATTN_TEAM_CACHE")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
        assert se.cache_root() == tmp_path / "x" / "attn_team"

    def test_nothing_reaches_the_network(self, tmp_path, monkeypatch):
        def refuse(*a, **k):
            raise AssertionError("network access attempted")

        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket, "create_connection", refuse)
        path = se.static_model_path(dim=8, vocabulary=_vocabulary(TEXTS[:3]), cache_dir=tmp_path, progress=False)
        assert se.StaticEncoder(path).encode(TEXTS[:3]).shape == (3, 8)


class TestEmbedder:
    def test_static_name_and_width(self, static_tiny, tmp_path):
        emb = Embedder("static", cache=tmp_path, progress=False)
        v = emb.encode(TEXTS)
        assert v.shape == (len(TEXTS), DIM)
        assert emb.model_name_ == se.static_name() != DEFAULT_MODEL
        # vectors are stored under the static name only: MiniLM's name finds none of them
        store = VectorStore(tmp_path)
        from attn_team.embed import text_hash

        hashes = [text_hash(t) for t in TEXTS]
        assert len(store.load_vectors(se.static_name(), hashes)) == len(TEXTS)
        assert store.load_vectors(DEFAULT_MODEL, hashes) == {}

    def test_empty_input_has_the_model_width(self, tiny_model):
        assert Embedder(model=se.StaticEncoder(tiny_model), progress=False).encode([]).shape == (0, DIM)
        assert Embedder(model=BagOfWords(), progress=False).encode([]).shape == (0, 64)

    def test_missing_model2vec_names_the_extra(self, monkeypatch, tiny_model):
        monkeypatch.setitem(sys.modules, "model2vec", None)
        with pytest.raises(ImportError, match=r"attn-team\[scale\]"):
            se.StaticEncoder(tiny_model)

    def test_import_attn_team_does_not_load_model2vec(self):
        import subprocess

        code = "import attn_team, attn_team.embed, sys; print('model2vec' in sys.modules)"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "False"


class TestAdapted:
    def test_map_moves_static_vectors_towards_the_teacher(self, tiny_model):
        texts = [f"{a} {b}" for a in TEXTS for b in TEXTS if a != b]
        teacher = BagOfWords()
        emb = se.AdaptedStaticEmbedder(tiny_model, sample=30, teacher=teacher, progress=False)
        out = emb.encode(texts)
        want = Embedder(model=BagOfWords(), progress=False).encode(texts)
        assert out.shape == want.shape == (len(texts), 64) and emb.n_sampled_ == 30
        rows = se._sample_rows(texts, 30)
        np.testing.assert_allclose(out[rows], want[rows], atol=1e-5)  # the sample keeps its teacher vectors
        rest = np.setdiff1d(np.arange(len(texts)), rows)
        cos = np.sum(out[rest] * want[rest], axis=1)
        # the raw static vectors live in another space: the map is what makes them comparable
        assert cos.mean() > 0.5, cos.mean()
        # later calls (queries) reuse the map: the teacher sees no more texts
        calls = teacher.calls
        emb.encode(["refresh tokens"])
        assert teacher.calls == calls
        assert emb.kappa_ is None  # a teacher with no per-piece outputs: the first recipe

    def test_piece_table_beats_the_first_recipe_on_texts_outside_the_sample(self, tiny_model):
        words = sorted({w for t in TEXTS for w in t.lower().split()} | {f"word{i}" for i in range(20)})
        rng = np.random.RandomState(0)
        texts = [" ".join(rng.choice(words, 4, replace=False)) for _ in range(300)]
        rows = se._sample_rows(texts, 150)
        rest = np.setdiff1d(np.arange(len(texts)), rows)
        want = ContextBag().encode(texts)
        table = se.AdaptedStaticEmbedder(tiny_model, sample=150, select="hash", teacher=ContextBag(), progress=False)
        first = se.AdaptedStaticEmbedder(tiny_model, sample=150, teacher=ContextBag(), table=False, progress=False)
        a, b = table.encode(texts), first.encode(texts)
        assert table.kappa_ in se.KAPPAS and first.kappa_ is None and table.n_sampled_ == 150
        cos_table = np.sum(a[rest] * want[rest], axis=1).mean()
        cos_first = np.sum(b[rest] * want[rest], axis=1).mean()
        # each piece's in-context outputs are learned; a linear map of 16-d static vectors cannot get there
        assert cos_table > 0.9 and cos_table > cos_first + 0.1, (cos_table, cos_first)

    def test_piece_table_is_one_space_for_sampled_texts_and_queries(self, tiny_model):
        texts = [f"{a} {b}" for a in TEXTS for b in TEXTS if a != b]
        teacher = ContextBag()
        emb = se.AdaptedStaticEmbedder(tiny_model, sample=30, teacher=teacher, progress=False)
        out = emb.encode(texts)
        assert out.shape == (len(texts), 64) and np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
        calls = teacher.calls
        rows = se._sample_rows(texts, 30)
        outside = int(np.setdiff1d(np.arange(len(texts)), rows)[0])
        # a sampled text gets the same (mapped) vector as any other text and as the same text as a query
        for i in (int(rows[0]), outside):
            np.testing.assert_allclose(emb.encode([texts[i]])[0], out[i], atol=1e-5)
        assert not np.allclose(out[rows[0]], teacher.encode([texts[rows[0]]])[0], atol=1e-3)
        assert teacher.calls - calls == 1  # only the check above: queries never reach the teacher

    def test_pooling_in_blocks_equals_pooling_at_once(self, tiny_model):
        texts = [f"{a} {b}" for a in TEXTS for b in TEXTS if a != b]
        emb = se.AdaptedStaticEmbedder(tiny_model, sample=30, teacher=ContextBag(), progress=False)
        emb.encode(texts)
        ids = se.StaticEncoder(tiny_model).token_ids(texts)
        once = emb.table_.pool(ids, emb.weights_)
        np.testing.assert_allclose(emb.table_.pool(ids, emb.weights_, block=7), once, atol=1e-5)
        counts = se.StaticEncoder(tiny_model).token_counts(texts, chunk=5)  # what encode pools from
        for block in (7, 10_000):
            np.testing.assert_allclose(emb.table_.pool(counts, emb.weights_, block=block), once, atol=1e-5)
        from attn_team._static_table import _piece_weights

        n_vocab = counts.shape[1]
        np.testing.assert_array_equal(_piece_weights(counts, n_vocab), _piece_weights(ids, n_vocab))

    def test_sample_by_piece_budget(self, tiny_model):
        texts = [f"word{i % 20} " * (1 + i % 7) for i in range(60)]
        enc = se.StaticEncoder(tiny_model)
        ids = enc.token_ids(texts)
        rows = se._sample_rows_budget(texts, ids, 100)
        counted = [min(len(ids[i]) + 2, 256) for i in rows]
        from attn_team._static_table import _hash_order

        order = _hash_order(texts)
        assert sorted(order[: len(rows)]) == list(rows)  # a prefix in content-hash order
        last = order[len(rows) - 1]
        assert sum(counted) >= 100 > sum(counted) - min(len(ids[last]) + 2, 256)
        rev = se._sample_rows_budget(texts[::-1], ids[::-1], 100)
        assert {texts[::-1][i] for i in rev} == {texts[i] for i in rows}
        # the adapted embedder samples by the budget when sample is None
        emb = se.AdaptedStaticEmbedder(tiny_model, sample=None, tokens=100, teacher=ContextBag(), progress=False)
        emb.encode(texts)
        assert emb.n_sampled_ == len({texts[i] for i in rows})
        with pytest.raises(ValueError, match="tokens must be"):
            se.AdaptedStaticEmbedder(tiny_model, sample=None, tokens=-5, progress=False).encode(texts)

    def test_minilm_piece_outputs_align_with_the_static_pieces(self, tiny_model):
        from attn_team.embed import Embedder as E

        minilm = E(progress=False).load()
        texts = TEXTS[:3] + [" ".join(["tokens"] * 400)]
        stats = se._teacher_token_outputs(minilm.model_, texts)
        ids = se.StaticEncoder(tiny_model).token_ids(texts)
        for (pieces, outs, sent), want in zip(stats, ids):
            n = min(len(want), 254)  # MiniLM reads 256 pieces with [CLS] and [SEP]
            assert list(pieces) == list(want[:n]) and outs.shape == (n, 384)
        sent = np.stack([s[2] for s in stats])
        np.testing.assert_allclose(sent, minilm.encode(texts), atol=1e-4)

    def test_coverage_sample_spends_the_hash_sample_budget_on_unseen_pieces(self):
        import scipy.sparse as sp

        # 40 texts: half repeat the same two pieces, half hold a piece of their own
        texts = [f"same {i}" for i in range(20)] + [f"own {i}" for i in range(20)]
        rows, cols = [], []
        for i in range(20):
            rows += [i, i]
            cols += [0, 1]
        for i in range(20, 40):
            rows += [i, i]
            cols += [0, 2 + i]
        counts = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(40, 42))
        importance = np.ones(42)
        hashed = se._sample_rows(texts, 8)
        cov = se._sample_rows_coverage(texts, counts, 8, importance)
        assert len(cov) == len(hashed)  # every text is two pieces: the same pieces through the teacher
        seen = lambda r: int((np.asarray(counts[r].sum(axis=0)).ravel() > 0).sum())  # noqa: E731
        assert seen(cov) >= 9 and seen(cov) > seen(hashed)  # 0, at most one of the repeated, and 7-8 own pieces
        # deterministic, independent of row order
        rev = se._sample_rows_coverage(texts[::-1], counts[::-1], 8, importance)
        assert {texts[::-1][i] for i in rev} == {texts[i] for i in cov}
        assert len(se._sample_rows_coverage(texts, counts, 0, importance)) == 0

    def test_coverage_select_adapts_and_is_validated(self, tiny_model):
        texts = [f"{a} {b}" for a in TEXTS for b in TEXTS if a != b]
        emb = se.AdaptedStaticEmbedder(tiny_model, sample=30, select="coverage", teacher=ContextBag(),
                                       progress=False)
        out = emb.encode(texts)
        assert out.shape == (len(texts), 64) and emb.kappa_ in se.KAPPAS and emb.model_name_.endswith("cov")
        assert emb.get_params()["select"] == "coverage"
        with pytest.raises(ValueError, match="select must be"):
            se.AdaptedStaticEmbedder(tiny_model, select="best", progress=False).encode(texts)

    def test_sample_is_independent_of_order(self):
        texts = [f"text {i}" for i in range(50)]
        a = {texts[i] for i in se._sample_rows(texts, 10)}
        b = {texts[::-1][i] for i in se._sample_rows(texts[::-1], 10)}
        assert a == b and len(a) == 10

    def test_sample_zero_is_plain_static(self, tiny_model):
        emb = se.AdaptedStaticEmbedder(tiny_model, sample=0, progress=False)
        np.testing.assert_allclose(emb.encode(TEXTS), se.StaticEncoder(tiny_model).encode(TEXTS), atol=1e-5)
        with pytest.raises(ValueError, match="sample must be"):
            se.AdaptedStaticEmbedder(tiny_model, sample=-1, progress=False).encode(TEXTS)


    def test_reweight_uses_the_texts_own_frequencies(self, tiny_model):
        enc = se.StaticEncoder(tiny_model)
        texts = ["server cache"] * 20 + ["client dashboard"]
        w = enc.backlog_weights(texts)
        server, client = (enc.token_ids([t])[0][0] for t in ("server", "client"))
        assert w[server] < w[client]  # the word in every text weighs less than the rare one
        emb = se.AdaptedStaticEmbedder(tiny_model, sample=0, reweight=True, progress=False)
        out = emb.encode(texts)
        assert out.shape == (len(texts), DIM) and np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
        np.testing.assert_allclose(out, emb.encode(texts), atol=1e-6)

    def test_token_counts_in_chunks_give_the_mean_of_weighted_token_vectors(self, tiny_model):
        """Tokenised a few texts at a time (the memory of a million texts), the vectors are still each
        text's mean of its weighted token vectors, and an empty text stays zero."""
        enc = se.StaticEncoder(tiny_model)
        texts = TEXTS + ["", "server server client"]
        M = enc.token_counts(texts, chunk=3)
        assert (M != enc.token_counts(texts, chunk=1000)).nnz == 0 and M.shape[0] == len(texts)
        ids = enc.token_ids(["server server client"])[0]
        assert M[len(texts) - 1, ids[0]] == 2 and M[len(texts) - 2].nnz == 0
        w = enc.backlog_weights(texts, counts=M)
        np.testing.assert_array_equal(w, enc.backlog_weights(texts))
        out = enc.encode_weighted(texts, w, counts=M)
        table = enc.model.embedding
        for t, row in zip(texts, enc.token_ids(texts)):
            want = (table[row] * w[row, None]).mean(axis=0) if row else np.zeros(enc.dim)
            want = want / (np.linalg.norm(want) or 1.0)
            np.testing.assert_allclose(out[texts.index(t)], want, atol=1e-5)


class TestResolve:
    def test_names(self, static_tiny):
        assert se.resolve_embedder(None)[0] == se.resolve_embedder("minilm")[0] == "default"
        key, emb = se.resolve_embedder("static")
        assert key == "static" and isinstance(emb, se.AdaptedStaticEmbedder)
        assert emb.sample == se.ADAPT_SAMPLE and emb.table and emb.select == "coverage"  # the piece table on a coverage sample
        assert se.resolve_embedder("auto", n_items=se.AUTO_STATIC_ITEMS - 1)[0] == "default"
        assert se.resolve_embedder("auto", n_items=se.AUTO_STATIC_ITEMS)[0] == "static"
        with pytest.raises(ValueError, match="embedder must be one of"):
            se.resolve_embedder("fast")

    def test_untrained_mixer_has_the_embedder_width(self, tiny_model):
        from attn_team import CrossAttention

        model = CrossAttention(embedder=Embedder(model=se.StaticEncoder(tiny_model), progress=False))
        assert tuple(model.mixer().W_q.shape) == (DIM, DIM)
        assert tuple(CrossAttention(embedder=Embedder(model=BagOfWords(), progress=False)).mixer().W_q.shape) == (64, 64)


# -- the attention model, the workspace and the CLI ----------------------------------------------


@pytest.fixture
def tables(tmp_path):
    return write_link_tables(tmp_path)


def test_cross_attention_with_static_fits_and_keys_its_features_apart(static_tiny, tables):
    from attn_team import CrossAttention, read_tables
    from attn_team.attention._model import item_features

    backlog = read_tables(tables / "issues.csv", tables / "links.csv")
    model = CrossAttention(embedder="static", random_state=0, max_epochs=3).fit(backlog)
    assert model.n_features_in_ == 64  # mapped into the (fake) teacher's space
    static_feats = item_features(backlog, embedder="static")
    # memoised under the name "static" (the model's features add the graph head's links to the same arrays)
    assert static_feats.embeddings is model.item_features(backlog).embeddings
    plain = item_features(backlog, embedder=Embedder(model=BagOfWords(), progress=False))
    assert plain is not static_feats
    # the search box embeds queries with the very embedder (and map) that embedded the items
    assert model.item_embedder(backlog) is model.item_embedder(backlog)
    assert model.item_embedder(backlog).encode(["word3 server side"]).shape == (1, 64)


def test_workspace_never_reuses_the_other_embedders_fit(static_tiny, tables, tmp_path):
    from attn_team import read_tables
    from attn_team.attention._fitted import _workspace_key, workspace_attention
    from attn_team.workspace import Workspace

    with Workspace(tmp_path / "ws.duckdb") as ws:
        ws.import_files([str(tables / "issues.csv")])
        backlog = ws.backlog()
        assert _workspace_key(ws, backlog, {"random_state": 0, "embedder": "static"}, 20) != \
            _workspace_key(ws, backlog, {"random_state": 0}, 20)
        # a fit stored for the vectors of another static recipe never reloads
        key = _workspace_key(ws, backlog, {"random_state": 0, "embedder": "static"}, 20)
        plain = _workspace_key(ws, backlog, {"random_state": 0}, 20)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(se, "ADAPT_RECIPE", se.ADAPT_RECIPE - 1)
            assert _workspace_key(ws, backlog, {"random_state": 0, "embedder": "static"}, 20) != key
            assert _workspace_key(ws, backlog, {"random_state": 0}, 20) == plain  # MiniLM's fits are untouched
        raw = Embedder(model=se.StaticEncoder(static_tiny), progress=False)
        a = workspace_attention(ws, backlog, progress=False, embedder="static", max_epochs=2)
        b = workspace_attention(ws, backlog, progress=False, embedder=raw, max_epochs=2)
        assert a.model.n_features_in_ == 64 and b.model.n_features_in_ == DIM
        again = workspace_attention(ws, backlog, progress=False, embedder="static", max_epochs=2)
        assert again.model.n_features_in_ == 64  # reloaded: the static fit, not the other one
    del read_tables


def test_cli_suggest_and_evaluate_take_the_embedder(static_tiny, tables, tmp_path, capsys):
    from attn_team.cli import main

    ws = tmp_path / "ws.duckdb"
    assert main(["import", str(tables / "issues.csv"), "-w", str(ws)]) == 0
    capsys.readouterr()
    assert main(["suggest", "-w", str(ws), "--no-progress", "--embedder", "static", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) is not None
    code = main(["evaluate", str(tables / "issues.csv"), str(tables / "links.csv"), "--quick", "--holdout", "0.25",
                 "--format", "json", "--embedder", "static", "--bootstrap", "0"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_eval_links"] == 5 and "attention" in result["methods"]
    assert result["rescore"]["depth"] == 20 and 0 < result["rescore"]["teacher_items"] <= 40
    code = main(["evaluate", str(tables / "issues.csv"), str(tables / "links.csv"), "--quick", "--holdout", "0.25",
                 "--format", "json", "--embedder", "static", "--bootstrap", "0", "--rescore", "0"])
    assert code == 0 and json.loads(capsys.readouterr().out)["rescore"]["depth"] == 0
    with pytest.raises(SystemExit) as bad:
        main(["evaluate", str(tables / "issues.csv"), str(tables / "links.csv"), "--rescore", "some"])
    assert bad.value.code == 2 and "expected 'auto' or a whole number" in capsys.readouterr().err


def test_cli_rejects_an_unknown_embedder(tables, capsys):
    from attn_team.cli import main

    with pytest.raises(SystemExit):
        main(["evaluate", str(tables / "issues.csv"), str(tables / "links.csv"), "--embedder", "fast"])
    assert "invalid choice" in capsys.readouterr().err


class TestRescore:
    """``CrossAttention(rescore=R)``: a static model's top R candidates scored again with the teacher's vectors."""

    @pytest.fixture
    def backlog(self, static_tiny, tables):
        from attn_team import read_tables

        return read_tables(tables / "issues.csv", tables / "links.csv")

    def test_the_same_vectors_give_the_same_ranking_and_scores(self, backlog, monkeypatch):
        from attn_team import CrossAttention
        from attn_team.attention import _rescore

        model = CrossAttention(embedder="static", rescore=6, random_state=0, max_epochs=2).fit(backlog)
        plain = CrossAttention(**{**model.get_params(), "rescore": 0})
        plain.__dict__.update({k: v for k, v in model.__dict__.items() if k.endswith("_")})
        feats = model.item_features(backlog)
        # a teacher whose vectors are the static ones: the re-scored score must be the static score
        monkeypatch.setattr(_rescore.TeacherRows, "__call__", lambda self, rows: feats.embeddings[np.asarray(rows)])
        queries = ["A-1", "B-3", "A-7"]
        a, b = model.attend(backlog, queries=queries, k=3), plain.attend(backlog, queries=queries, k=3)
        assert a.edges[["source", "target"]].equals(b.edges[["source", "target"]])
        np.testing.assert_allclose(a.edges["score"], b.edges["score"], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(a.edges["text"], b.edges["text"], rtol=1e-5, atol=1e-5)
        # weights are normalised over the 6 re-scored candidates, not over every item: each is larger
        assert (a.edges["weight"].to_numpy() >= b.edges["weight"].to_numpy() - 1e-7).all()
        assert (a.edges.groupby("source")["weight"].sum() <= 1.0 + 1e-6).all()

    def test_only_the_queries_and_their_candidates_reach_the_teacher(self, backlog):
        from attn_team import CrossAttention
        from attn_team.attention._rescore import teacher_rows

        model = CrossAttention(embedder="static", rescore=5)
        first = model.attend(backlog, queries=["A-2"], k=3)
        teacher = teacher_rows(backlog, model.item_embedder(backlog))
        assert 1 < teacher.n_embedded <= 6 and len(first.edges) == 3
        calls = teacher.teacher.model.calls
        model.attend(backlog, queries=["A-2"], k=3)
        assert teacher.teacher.model.calls == calls  # asked again: nothing embedded again
        # the kept edges carry the teacher's text similarity: not the static one
        static = CrossAttention(embedder="static", rescore=0).attend(backlog, queries=["A-2"], k=3)
        assert not np.allclose(sorted(first.edges["text"]), sorted(static.edges["text"]))
        # a whole-backlog pass is never re-scored
        n = teacher.n_embedded
        whole = model.attend(backlog, k=3)
        assert teacher.n_embedded == n
        ref = CrossAttention(embedder="static", rescore=0).attend(backlog, k=3)
        np.testing.assert_allclose(whole.edges["score"], ref.edges["score"], rtol=1e-6)

    def test_dense_rows_reorder_the_top_candidates_and_keep_the_rest_below(self, backlog):
        from attn_team import CrossAttention

        R = 4
        rows = np.arange(6)
        S0 = CrossAttention(embedder="static", rescore=0).score_rows(backlog, rows)
        S1 = CrossAttention(embedder="static", rescore=R).score_rows(backlog, rows)
        for i in range(len(rows)):
            top0 = set(np.argsort(-S0[i])[:R])
            order1 = np.argsort(-S1[i], kind="stable")
            assert set(order1[:R]) == top0  # the same candidates, re-ordered by the teacher
            rest = order1[R:][np.isfinite(S1[i, order1[R:]])]
            assert (np.diff(S0[i, rest]) <= 1e-6).all()  # the others keep the static order, below
            assert np.isneginf(S1[i, rows[i]])  # the item itself stays out

    def test_backlog_attention_questions_are_rescored_after_a_whole_pass(self, backlog):
        from attn_team import CrossAttention
        from attn_team.attention._fitted import BacklogAttention
        from attn_team.attention._rescore import teacher_rows

        bound = BacklogAttention(backlog, CrossAttention(embedder="static", rescore=4))
        whole = bound.attend(k=3)
        teacher = teacher_rows(backlog, bound.model.item_embedder(backlog))
        assert teacher.n_embedded == 0
        one = bound.attend_queries(["B-5"], k=3)
        assert teacher.n_embedded > 0 and set(one.edges["source"]) == {"B-5"}
        assert len(whole.edges[whole.edges["source"] == "B-5"]) == 3

    def test_auto_is_off_for_minilm_and_a_positive_value_needs_a_static_embedder(self, backlog):
        from attn_team import CrossAttention
        from attn_team.attention._rescore import RESCORE_K, rescore_depth

        plain = Embedder(model=BagOfWords(), progress=False)
        assert rescore_depth("auto", plain) == 0
        assert rescore_depth("auto", CrossAttention(embedder="static").item_embedder(backlog)) == RESCORE_K
        with pytest.raises(ValueError, match="embedder='static'"):
            CrossAttention(embedder=plain, rescore=5).attend(backlog, queries=["A-1"], k=2)
        for bad in (-1, 2.5, "all", True):
            with pytest.raises(ValueError, match="rescore"):
                CrossAttention(rescore=bad).attend(backlog, queries=["A-1"], k=2)

    def test_auto_leaves_many_queries_on_the_static_vectors_an_explicit_number_does_not(self, backlog, monkeypatch):
        from attn_team import CrossAttention
        from attn_team.attention import _rescore

        monkeypatch.setattr(_rescore, "RESCORE_MAX_QUERIES", 2)
        auto = CrossAttention(embedder="static")
        auto.attend(backlog, queries=["A-1", "A-2", "A-3"], k=2)
        teacher = _rescore.teacher_rows(backlog, auto.item_embedder(backlog))
        assert teacher.n_embedded == 0
        auto.attend(backlog, queries=["A-1", "A-2"], k=2)
        assert teacher.n_embedded > 0
        n = teacher.n_embedded
        CrossAttention(embedder="static", rescore=3).attend(backlog, queries=["B-1", "B-2", "B-3"], k=2)
        assert teacher.n_embedded > n
        # the same bound for a question answered from a kept whole pass
        from attn_team.attention._fitted import BacklogAttention

        bound = BacklogAttention(backlog, CrossAttention(embedder="static"))
        bound.attend(k=20)
        n = teacher.n_embedded
        three = bound.attend_queries(["A-9", "A-10", "A-11"], k=3)
        assert teacher.n_embedded == n and set(three.edges["source"]) == {"A-9", "A-10", "A-11"}
        bound.attend_queries(["A-9", "A-10"], k=3)
        assert teacher.n_embedded > n

    def test_more_keys_than_items_keeps_every_other_item_once(self, backlog):
        from attn_team import CrossAttention

        att = CrossAttention(embedder="static", rescore=5).attend(backlog, queries=["A-4"], k=60)
        ref = CrossAttention(embedder="static", rescore=0).attend(backlog, queries=["A-4"], k=60)
        assert len(att.edges) == len(ref.edges) == len(backlog.items) - 1
        assert set(att.edges["target"]) == set(ref.edges["target"]) and "A-4" not in set(att.edges["target"])
        assert abs(att.edges["weight"].sum() - 1.0) < 1e-5  # every item re-scored: the softmax is over all of them

    def test_a_kept_whole_pass_gives_the_candidates_and_no_top_k_runs_again(self, backlog, monkeypatch):
        from attn_team import CrossAttention
        from attn_team.attention import _scoring
        from attn_team.attention._fitted import BacklogAttention

        model = CrossAttention(embedder="static", rescore=4)
        bound = BacklogAttention(backlog, model)
        whole = bound.attend(k=6)  # keeps 6 >= 4 keys per item: the question's candidates
        fresh = model.attend(backlog, queries=["B-7"], k=3)  # top 4 found again, then re-scored

        def no_topk(*a, **kw):
            raise AssertionError("a kept whole pass must not be searched again")

        monkeypatch.setattr(_scoring, "topk", no_topk)
        one = bound.attend_queries(["B-7"], k=3)
        assert set(one.edges["target"]) <= set(whole.edges.loc[whole.edges["source"] == "B-7", "target"])
        assert list(one.edges["target"]) == list(fresh.edges["target"])
        np.testing.assert_allclose(one.edges["score"], fresh.edges["score"], rtol=1e-5)
        np.testing.assert_allclose(one.edges["weight"], fresh.edges["weight"], rtol=1e-5)
