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
