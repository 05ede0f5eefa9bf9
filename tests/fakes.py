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
