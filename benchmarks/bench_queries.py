"""Questions about one item against attention for the whole backlog, with one fitted result.

On a generated organisation (default 20,000 items), with a fitted
:class:`~attn_team.BacklogAttention`, it times:

- **baseline**: a full ``attend("items")`` of every item (what an explorer click cost before:
  the whole backlog re-attended on every selection);
- ``who_to_involve`` for one item, with nothing computed yet (it attends for that item only,
  towards members and items);
- a ``BacklogExplorer.select`` of one item, with nothing computed yet (suggestions, people
  and history for that item only), and a second selection (another item);
- ``who_to_involve`` once the full item attention is computed (the memoised result is read).

Every figure is reported as a ratio to the baseline measured in the same run. The text
embeddings come from a hashed bag-of-words fake (the same for every line), so the figures are
the attention's own cost, not MiniLM's (``bench_embed.py`` measures that).

Run:  python benchmarks/bench_queries.py [--items 20000] [--json out.json]
"""

from __future__ import annotations

import argparse
import copy
import json
import time
import zlib

import numpy as np


class HashedWords:
    """A fake sentence model: hashed bag of words (384-d)."""

    name = "bench-hashed-words"

    def encode(self, texts, **kw):
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in str(t).lower().split():
                out[i, zlib.crc32(w.encode()) % 384] += 1.0
        out[:, 0] += 0.01
        return out


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)

    import attn_team
    from attn_team.synthetic import generate

    org, t_gen = _timed(lambda: generate(n_items=args.items, n_people=max(48, args.items // 40), random_state=0))
    backlog = org.backlog
    fitted, t_fit = _timed(lambda: attn_team.BacklogAttention.fit(backlog, embedder=HashedWords(), random_state=0,
                                                                  max_epochs=5))
    model = fitted.model
    keys = backlog.items["key"].tolist()
    q1, q2 = keys[len(keys) // 3], keys[2 * len(keys) // 3]

    # each line starts from a fresh result of the same fitted model (nothing memoised): results are
    # memoised per (backlog, model), so each line gets a shallow copy of the model (same weights,
    # same embedder, so the item features are shared and not re-computed)
    def fresh():
        return attn_team.BacklogAttention(backlog, copy.copy(model))

    fresh().model.item_features(backlog)  # features once, shared by every line (not timed)
    _, t_full = _timed(lambda: fresh().attend("items", 20))
    _, t_who = _timed(lambda: attn_team.who_to_involve(backlog, q1, attention=fresh()))

    from attn_team.views._explorer import BacklogExplorer

    res = fresh()
    explorer, t_open = _timed(lambda: BacklogExplorer(backlog, attention=res))
    _, t_sel1 = _timed(lambda: explorer.select(q1))
    _, t_sel2 = _timed(lambda: explorer.select(q2))
    warm = fresh()
    warm.attend("items", 20)
    _, t_who_warm = _timed(lambda: attn_team.who_to_involve(backlog, q2, attention=warm))

    rows = {
        "full attend (baseline)": t_full,
        "who_to_involve, nothing computed": t_who,
        "explorer select, first item": t_sel1,
        "explorer select, second item": t_sel2,
        "who_to_involve, full attention memoised": t_who_warm,
    }
    out = {"n_items": backlog.n_items, "generate_s": round(t_gen, 2), "fit_s": round(t_fit, 2),
           "explorer_open_s": round(t_open, 2),
           "lines": {k: {"seconds": round(v, 3), "x_full_attend": round(v / t_full, 4)} for k, v in rows.items()}}
    print(f"{backlog.n_items:,} items; fit {t_fit:.1f} s (fake embeddings); explorer opened in {t_open:.1f} s "
          "(draws the graph from the full item attention once)")
    print(f"{'line':45s} {'seconds':>9s} {'x full attend':>14s}")
    for k, v in rows.items():
        print(f"{k:45s} {v:9.3f} {v / t_full:14.4f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == "__main__":
    main()
