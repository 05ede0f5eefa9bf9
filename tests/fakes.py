"""Fakes for the boundaries tests should not cross (the sentence model)."""

from __future__ import annotations

import zlib

import numpy as np


class BagOfWords:
    """A fake sentence model: hashed bag of words (64-d), so similar words -> similar vectors."""

    name = "fake-bow"

    def __init__(self):
        self.calls = 0

    def encode(self, texts, **kw):
        self.calls += len(texts)
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().replace(".", " ").split():
                out[i, zlib.crc32(w.encode()) % 64] += 1.0
        out[:, 0] += 0.01
        return out


class ContextBag:
    """A fake contextual sentence model over MiniLM's word-pieces (64-d).

    Each piece's output is a fixed random vector of the piece plus half that of the piece before
    it (its context); the sentence vector is the normalised mean of the outputs.  ``encode_tokens``
    gives the per-piece outputs, as :class:`AdaptedStaticEmbedder` reads them from MiniLM.
    """

    name = "fake-context"

    def __init__(self):
        from tokenizers import Tokenizer

        from attn_team.embed import _default_model_path

        self.tokenizer = Tokenizer.from_file(f"{_default_model_path()}/tokenizer.json")
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.calls = 0

    @staticmethod
    def _vec(piece: int) -> np.ndarray:
        return np.random.RandomState(piece).randn(64).astype(np.float32)

    def encode_tokens(self, texts):
        self.calls += len(texts)
        out = []
        for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=False):
            ids = np.array(e.ids, dtype=np.int64)
            outs = np.stack([self._vec(i) + 0.5 * (self._vec(p) if k else 0.0)
                             for k, (i, p) in enumerate(zip(ids, np.r_[0, ids[:-1]]))]) if len(ids) else \
                np.zeros((0, 64), np.float32)
            sent = outs.mean(axis=0) if len(ids) else np.zeros(64, np.float32)
            out.append((ids, outs, sent / (np.linalg.norm(sent) or 1.0)))
        return out

    def encode(self, texts, **kw):
        return np.stack([v for _, _, v in self.encode_tokens(texts)]) if len(texts) else np.zeros((0, 64), np.float32)


def write_link_tables(path, *, clone: bool = False):
    """Tidy ``issues.csv``/``links.csv`` in ``path``: 20 linked A/B pairs sharing a word (Blocks or Relates),
    plus one clone link with ``clone=True``. Returns ``path``."""
    rows = ["key,project,summary,components"]
    links = ["source_key,target_key,link_type"]
    for i in range(20):
        rows.append(f"A-{i + 1},A,word{i} server side,c{i % 4}")
        rows.append(f"B-{i + 1},B,word{i} client side,d{i % 4}")
        links.append(f"A-{i + 1},B-{i + 1},{'Blocks' if i % 2 else 'Relates'}")
    if clone:
        links.append("A-1,B-2,Cloners")
    (path / "issues.csv").write_text("\n".join(rows) + "\n")
    (path / "links.csv").write_text("\n".join(links) + "\n")
    return path


def attention_kept_at(k: int, monkeypatch):
    """A generated backlog, its untrained :class:`BacklogAttention` already computed at ``k`` (as one
    reloaded from a workspace kept at that ``k``), and the list of the ``k`` of every attention the
    model computes from then on (empty: nothing was computed again)."""
    from attn_team.attention._fitted import BacklogAttention
    from attn_team.attention._model import CrossAttention
    from attn_team.synthetic import generate

    b = generate(n_items=150, random_state=0).backlog
    res = BacklogAttention(b, CrossAttention(embedder=BagOfWords(), max_epochs=0))
    assert res.computed_k("items") is None
    res.attend("items", k)
    calls: list = []
    real = res._model.attend
    monkeypatch.setattr(res._model, "attend", lambda *a, **kw: calls.append(kw.get("k")) or real(*a, **kw))
    return b, res, calls
