"""Dependency discovery on real Jira links: attention vs TF-IDF, BM25 and raw embeddings.

Runs :func:`attn_team.evaluate_links` on the three sets of ``shared/data/links-dev``
for several seeds (each seed hides a different 20% of the links and seeds the
model), writes every result to ``benchmarks/out/evaluate.json`` and the summary
table into the "## Evaluation" section of ``benchmarks/RESULTS.md``.

    python benchmarks/bench_evaluate.py [--seeds 0 1 2 3 4] [--sets NAME ...]

Embeddings are cached in ``benchmarks/out/embed-cache`` (the first run embeds
about 19k texts: several minutes on a shared CPU; later runs embed nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = Path(os.environ.get("ATTN_TEAM_SHARED", REPO.parent / "shared")) / "data" / "links-dev"
SETS = ("duraspace_jira2015", "spring_tse2017", "apache_msr22_OFBIZ")
METHODS = ("attention", "attention_untrained", "tfidf", "bm25", "embedding")
BASELINES = ("tfidf", "bm25", "embedding")
METRICS = ("mrr", "recall@1", "recall@5", "recall@10", "recall@50")


def _mean(results, section, method, metric):
    vals = [r[section][method][metric] for r in results if r[section][method]["n"]]
    return float(np.mean(vals)) if vals else float("nan")


def summarise(name: str, results: list[dict]) -> dict:
    out = {"dataset": name, "seeds": [r["protocol"]["random_state"] for r in results],
           "n_items": results[0]["n_items"], "n_links": results[0]["n_links"],
           "n_eval_links_per_seed": [r["n_eval_links"] for r in results],
           "n_cross_team_per_seed": [r["n_cross_team"] for r in results],
           "methods": {}, "cross_team": {}, "mrr_per_seed": {}}
    for m in METHODS:
        out["methods"][m] = {x: _mean(results, "methods", m, x) for x in METRICS}
        out["cross_team"][m] = {x: _mean(results, "cross_team", m, x) for x in METRICS}
        out["mrr_per_seed"][m] = [r["methods"][m]["mrr"] for r in results]
    best = max(BASELINES, key=lambda b: out["methods"][b]["mrr"])
    best_ct = max(BASELINES, key=lambda b: out["cross_team"][b]["mrr"])
    out["best_baseline"] = best
    out["ratio_vs_best_baseline"] = out["methods"]["attention"]["mrr"] / out["methods"][best]["mrr"]
    out["cross_team_ratio_vs_best_baseline"] = out["cross_team"]["attention"]["mrr"] / out["cross_team"][best_ct]["mrr"]
    wins = [a > max(r["methods"][b]["mrr"] for b in BASELINES)
            for a, r in zip(out["mrr_per_seed"]["attention"], results)]
    out["seeds_ahead_of_best_baseline"] = int(sum(wins))
    out["fit_seconds"] = [r["seconds"].get("attention") for r in results]
    out["head_weights"] = [r["fit"].get("head_weights") for r in results]
    return out


def markdown(summaries: list[dict], seeds, when: str) -> str:
    lines = [
        "## Evaluation",
        "",
        f"Dependency discovery on real links (`benchmarks/bench_evaluate.py`, {when}). Protocol "
        "(`attn_team.evaluate_links`): hide 20% of the non-clone links (seeded), fit the attention "
        "model on the rest, and for every hidden link with text at both ends rank all other items "
        "for its source; ties count half. Baselines in the same run on the same links: TF-IDF cosine "
        "(scikit-learn, sublinear tf, English stop words), BM25 (`bm25s`), raw MiniLM embedding cosine. "
        f"Numbers are means over seeds {list(seeds)} (each seed hides a different 20%). Cross-team: "
        "the two ends share no component and no team.",
        "",
    ]
    for s in summaries:
        lines += [
            f"### {s['dataset']} ({s['n_items']:,} items, {s['n_links']:,} non-clone links, "
            f"{int(np.mean(s['n_eval_links_per_seed']))} evaluated / seed, "
            f"{int(np.mean(s['n_cross_team_per_seed']))} cross-team)",
            "",
            "| method | MRR | R@1 | R@5 | R@10 | R@50 | cross-team MRR | cross-team R@10 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for m in METHODS:
            v, c = s["methods"][m], s["cross_team"][m]
            lines.append(f"| {m} | {v['mrr']:.3f} | {v['recall@1']:.3f} | {v['recall@5']:.3f} | "
                         f"{v['recall@10']:.3f} | {v['recall@50']:.3f} | {c['mrr']:.3f} | {c['recall@10']:.3f} |")
        per_seed = ", ".join(f"{a:.3f}" for a in s["mrr_per_seed"]["attention"])
        lines += [
            "",
            f"Fitted attention / best baseline ({s['best_baseline']}): **{s['ratio_vs_best_baseline']:.2f}x** MRR "
            f"(target 1.15x); cross-team {s['cross_team_ratio_vs_best_baseline']:.2f}x. Attention MRR per seed: "
            f"{per_seed}; ahead of the best baseline in {s['seeds_ahead_of_best_baseline']} of {len(s['seeds'])} seeds. "
            f"Fit time per seed (s, shared CPU): {', '.join(str(x) for x in s['fit_seconds'])}.",
            "",
        ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace (or append) the "## Evaluation" section of RESULTS.md, leaving the others alone."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    pat = re.compile(r"^## Evaluation\n.*?(?=^## |\Z)", re.S | re.M)
    if pat.search(text):
        text = pat.sub(lambda _: section.rstrip() + "\n\n", text)
    else:
        text = text.rstrip() + "\n\n" + section.rstrip() + "\n"
    path.write_text(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--sets", nargs="+", default=list(SETS))
    ap.add_argument("--cache", default=str(HERE / "out" / "embed-cache"))
    ap.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import attn_team
    from attn_team.insights._evaluate import evaluate_links

    if not SHARED.is_dir():
        print(f"no links-dev data at {SHARED}", file=sys.stderr)
        return 1
    (HERE / "out").mkdir(exist_ok=True)
    summaries, raw = [], {}
    for name in args.sets:
        b = attn_team.read_tables(SHARED / name / "issues.csv", SHARED / name / "links.csv")
        results = []
        for seed in args.seeds:
            t0 = time.perf_counter()
            r = evaluate_links(b, folds=None, holdout=0.2, random_state=seed, cache=args.cache, dataset=name)
            results.append(r)
            print(f"{name} seed {seed}: " + ", ".join(f"{m} {r['methods'][m]['mrr']:.3f}" for m in METHODS)
                  + f"  ({time.perf_counter() - t0:.0f}s)", flush=True)
        raw[name] = results
        summaries.append(summarise(name, results))
        s = summaries[-1]
        print(f"{name}: attention {s['methods']['attention']['mrr']:.3f}, best baseline {s['best_baseline']} "
              f"{s['methods'][s['best_baseline']]['mrr']:.3f} -> {s['ratio_vs_best_baseline']:.2f}x", flush=True)
    (HERE / "out" / "evaluate.json").write_text(json.dumps({"summaries": summaries, "runs": raw}, indent=1, default=str))
    if not args.no_write:
        when = time.strftime("%Y-%m-%d", time.gmtime())
        write_section(HERE / "RESULTS.md", markdown(summaries, args.seeds, when))
    return 0


if __name__ == "__main__":
    sys.exit(main())
