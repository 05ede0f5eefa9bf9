"""The "fit attention" progress bar ends full when training stops early."""

from __future__ import annotations

import io

import tqdm.auto

from attn_team.attention._model import CrossAttention
from attn_team.synthetic import generate
from fakes import BagOfWords


def test_fit_bar_finishes_when_training_stops_early(monkeypatch):
    bars = []

    class Recording(tqdm.auto.tqdm):
        def __init__(self, *a, **kw):
            kw["disable"] = False
            kw["file"] = io.StringIO()
            super().__init__(*a, **kw)
            bars.append(self)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    backlog = generate(n_items=200, n_people=24, random_state=1).backlog
    m = CrossAttention(embedder=BagOfWords(), random_state=0, max_epochs=40, patience=1, progress=True).fit(backlog)
    fit = [b for b in bars if b.desc == "fit attention"]
    assert len(fit) == 1
    run = len(m.history_)
    assert run < 40, "the set-up must stop early for this test to mean anything"
    assert fit[0].n == fit[0].total == run
