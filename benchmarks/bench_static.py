"""Static embeddings against MiniLM: cold-start speed and fitted attention MRR on the dev link sets.

For every set of ``shared/data/links-dev`` and every embedder variant, runs the 5-fold
:func:`attn_team.evaluate_links` (as ``bench_evaluate_kfold.py`` does) and measures, in the same
run, the cold-start embedding time of the set's item texts with no cache: MiniLM (timed on a
sample of ``--minilm-sample`` texts, its rate applied to the whole set), the static model, and the
static model with its per-backlog map (static on every text + MiniLM on the map's sample + the
ridge fit).  Speed is reported as texts/s and as the ratio to MiniLM at the set's size and at
100,000 items (fixed costs counted once).

    python benchmarks/bench_static.py [--sets NAME ...] [--variants minilm static map500rw tab500 ...]
                                      [--folds 5] [--cache /tmp/attn_eval_cache]

Variants: ``minilm`` (the default model), ``static`` (the distilled static model, raw),
``map<N>`` (static mapped into MiniLM space by a ridge map learned on N of the backlog's texts,
which keep their MiniLM vectors; ``map<N>rw`` with backlog token weights: the first recipe of
``embedder="static"``), ``tab<N>`` (the piece table: MiniLM's in-context outputs on N of the
backlog's texts of the smallest content hashes, SIF pooling and an out-of-fold ridge map),
``ctx<T>`` (the piece table on a sample of T word-pieces instead of N texts; ``ctx``: 50,000),
``cov<N>`` (the piece table on a coverage sample: the word-pieces of N texts, spent on the texts that
firm up the pieces the backlog uses most; ``cov500`` is ``embedder="static"``).
A suffix ``+r<N>`` sets ``CrossAttention(rescore=N)`` (``cov500+r0``: no re-scoring of the top
candidates with MiniLM; without a suffix the default, ``"auto"``: 20 with a static embedder).
The one-off distillation (once per machine) is timed separately (``--no-distil``: not).
Results go to ``benchmarks/out/static.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ATTN_TEAM_SHARED", REPO.parent / "shared")) / "data" / "links-dev"
SETS = ("duraspace_jira2015", "spring_tse2017", "apache_msr22_OFBIZ")
BIG = 100_000


def make_embedder(variant: str, cache):
    from attn_team._static_embed import AdaptedStaticEmbedder
    from attn_team.embed import Embedder

    if variant == "minilm":
        return Embedder(cache=cache, progress=False)
    if variant == "static":
        return Embedder("static", cache=cache, progress=False)
    if variant.startswith("ctx"):  # a piece budget
        return AdaptedStaticEmbedder(sample=None, tokens=int(variant[3:] or 50_000), reweight=True, cache=cache,
                                     progress=False)
    if variant.startswith("cov"):  # the piece table on a coverage sample of N texts' pieces
        return AdaptedStaticEmbedder(sample=int(variant[3:]), select="coverage", reweight=True, cache=cache,
                                     progress=False)
    if variant.startswith("tab"):  # the piece table on N texts: "tab500" is embedder="static"
        return AdaptedStaticEmbedder(sample=int(variant[3:]), select="hash", reweight=True, cache=cache,
                                     progress=False)
    if variant.startswith("map"):
        return AdaptedStaticEmbedder(sample=int(variant[3:].removesuffix("rw")), reweight=variant.endswith("rw"),
                                     table=False, cache=cache, progress=False)
    if variant == "rw":
        return AdaptedStaticEmbedder(sample=0, reweight=True, cache=cache, progress=False)
    raise ValueError(f"unknown variant {variant!r}")


def cold_start(texts: list[str], variants: list[str], minilm_sample: int) -> dict:
    """Seconds to embed ``texts`` from nothing (no vector cache), per variant; MiniLM extrapolated."""
    from attn_team.embed import Embedder

    out = {}
    rng = np.random.RandomState(0)
    sub = [texts[i] for i in rng.choice(len(texts), min(minilm_sample, len(texts)), replace=False)]
    m = Embedder(progress=False).load()
    m.encode(sub[:8])  # warm
    t0 = time.perf_counter()
    m.encode(sub)
    rate = len(sub) / (time.perf_counter() - t0)
    out["minilm"] = {"texts_per_s": rate, "seconds": len(texts) / rate, "seconds_100k": BIG / rate}
    s = Embedder("static", progress=False).load()
    s.encode(texts[:8])
    t0 = time.perf_counter()
    s.encode(texts)
    srate = len(texts) / (time.perf_counter() - t0)
    out["static"] = {"texts_per_s": srate, "seconds": len(texts) / srate, "seconds_100k": BIG / srate}
    for v in dict.fromkeys(v.partition("+r")[0] for v in variants):  # (re-scoring costs per question, not here)
        if not v.startswith(("map", "ctx", "tab", "cov")):
            continue
        e = make_embedder(v, None)
        e._static().load()
        e._teacher().load()
        t0 = time.perf_counter()
        e.encode(texts)
        sec = time.perf_counter() - t0
        if v.startswith(("ctx", "tab", "cov")):
            # per-text cost: a second pass with the adaptation learned (tokenise, pool, map)
            t0 = time.perf_counter()
            e.encode(texts)
            vrate = len(texts) / (time.perf_counter() - t0)
        else:
            vrate = srate
        fixed = max(sec - len(texts) / vrate, 0.0)  # the MiniLM sample and the fits
        out[v] = {"texts_per_s": len(texts) / sec, "seconds": sec, "seconds_100k": BIG / vrate + fixed,
                  "fixed_seconds": fixed, "per_text_rate": vrate, "sample": int(e.n_sampled_)}
    for v in out.values():
        v["speedup"] = out["minilm"]["seconds"] / v["seconds"]
        v["speedup_100k"] = out["minilm"]["seconds_100k"] / v["seconds_100k"]
    return out


def main(argv=None) -> int:
    import attn_team
    from attn_team._static_embed import static_model_path
    from attn_team.embed import item_text

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="*", default=list(SETS))
    ap.add_argument("--variants", nargs="*", default=["minilm", "static", "map500rw", "tab500"])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--cache", default="/tmp/attn_eval_cache")
    ap.add_argument("--minilm-sample", type=int, default=300)
    ap.add_argument("--no-eval", action="store_true", help="speed only")
    ap.add_argument("--no-speed", action="store_true", help="MRR only")
    ap.add_argument("--seed", type=int, default=0, help="random_state of the folds and the fit (rows keyed "
                    "VARIANT@seedN when not 0)")
    ap.add_argument("--no-distil", action="store_true", help="do not time the one-off distillation")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "static.json")
    args = ap.parse_args(argv)
    res = json.loads(args.out.read_text()) if args.out.exists() else {}
    if not (args.no_speed or args.no_distil):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            static_model_path(cache_dir=tmp, progress=False)
            distil_s = time.perf_counter() - t0
        print(f"distillation (once per machine): {distil_s:.1f} s", flush=True)
        res["distill_seconds"] = round(distil_s, 1)
    static_model_path(progress=False)  # the user cache copy every variant loads
    for name in args.sets:
        d = SHARED / name
        b = attn_team.read_tables(d / "issues.csv", d / "links.csv")
        texts = item_text(b.items)
        res.setdefault(name, {})
        speed = {} if args.no_speed else cold_start(texts, args.variants, args.minilm_sample)
        if speed:
            res[name]["speed"] = speed
        for v, x in speed.items():
            print(f"{name} {v}: {x['texts_per_s']:.0f} texts/s, {x['speedup']:.1f}x MiniLM here, "
                  f"{x['speedup_100k']:.1f}x at 100k items", flush=True)
        if args.no_eval:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(res, indent=1))
            continue
        for v in args.variants:
            t0 = time.perf_counter()
            methods = ("attention", "attention_untrained", "embedding") + (("tfidf", "bm25") if v == "minilm" else ())
            base, _, rescore = v.partition("+r")  # VARIANT+rN: CrossAttention(rescore=N)
            model = attn_team.CrossAttention(rescore=int(rescore)) if rescore else None
            r = attn_team.evaluate_links(b, folds=args.folds, random_state=args.seed,
                                         embedder=make_embedder(base, args.cache), model=model,
                                         cache=args.cache, dataset=name, methods=methods)
            row = {m: r["methods"][m]["mrr"] for m in methods} | {"ci": r["mrr_ci"]["attention"],
                                                                 "n_eval": r["n_eval_links"],
                                                                 "rescore": r.get("rescore"),
                                                                 "seconds": round(time.perf_counter() - t0, 1)}
            key = v if not args.seed else f"{v}@seed{args.seed}"
            res[name].setdefault("mrr", {})[key] = row
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(res, indent=1))
            base = res[name]["mrr"].get("minilm" if not args.seed else f"minilm@seed{args.seed}", {}).get("attention")
            rel = f" ({row['attention'] / base - 1:+.1%} vs MiniLM)" if base else ""
            print(f"{name} {v}: attention {row['attention']:.3f}{rel}, untrained {row['attention_untrained']:.3f}, "
                  f"embedding {row['embedding']:.3f} ({row['seconds']:.0f} s)", flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
