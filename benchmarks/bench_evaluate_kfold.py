"""5-fold evaluation of dependency discovery on the dev sets and on variants with fields removed.

For every set of ``shared/data/links-dev`` and every variant (fields removed, as real backlogs
lack them), runs :func:`attn_team.evaluate_links` with 5 folds (each link evaluated once, the model
fitted on the other folds) and prints one table: fitted attention MRR with its bootstrap 95%
interval, the untrained model, the best plain baseline, the ratio of attention to it with its
paired interval, and which mixer each fold kept (``selected_``).

    python benchmarks/bench_evaluate_kfold.py [--sets NAME ...] [--variants full text_only ...]
                                              [--folds 5] [--cache /tmp/attn_eval_cache]

Variants: ``full``; ``no_components`` (components and the teams they define removed);
``no_people`` (assignee, reporter, watchers, commenters); ``no_dates`` (created, updated,
resolved, sprints); ``no_descriptions``; ``text_only`` (summaries only: all of the above).
Embeddings are cached in ``--cache`` (each text is embedded once; summary-only variants
embed the summaries once more). Results go to ``benchmarks/out/evaluate_kfold.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ATTN_TEAM_SHARED", REPO.parent / "shared")) / "data" / "links-dev"
SETS = ("duraspace_jira2015", "spring_tse2017", "apache_msr22_OFBIZ")  # smallest first
VARIANTS = ("full", "no_components", "no_people", "no_dates", "no_descriptions", "text_only")
_REMOVE = {
    "no_components": {"components": "list", "team": "na", "team_rule": "na"},
    "no_people": {"assignee": "na", "reporter": "na", "watchers": "list", "commenters": "list"},
    "no_dates": {"created": "na", "updated": "na", "resolved": "na", "sprints": "list"},
    "no_descriptions": {"description": "na"},
}
_REMOVE["text_only"] = {k: v for d in _REMOVE.values() for k, v in d.items()}


def variant(backlog, name: str):
    """The backlog with the fields of variant ``name`` emptied (``full``: unchanged)."""
    if name == "full":
        return backlog
    items = backlog.items.copy()
    for col, how in _REMOVE[name].items():
        if how == "list":
            items[col] = [[] for _ in range(len(items))]
        else:
            items[col] = pd.Series([pd.NA] * len(items), dtype=items[col].dtype, index=items.index)
    return backlog.replace(items=items)


def row(name: str, var: str, r: dict) -> dict:
    ratio = r["ratio"]
    sel = r["weights"]["mean"].get("selected", {})
    return {"set": name, "variant": var, "n_eval": r["n_eval_links"], "n_cross_team": r["n_cross_team"],
            "attention": r["methods"]["attention"]["mrr"], "attention_ci": r["mrr_ci"]["attention"],
            "untrained": r["methods"]["attention_untrained"]["mrr"],
            "untrained_ci": r["mrr_ci"]["attention_untrained"],
            "best_baseline": ratio["best_baseline"], "baseline": r["methods"][ratio["best_baseline"]]["mrr"],
            "ratio": ratio["value"], "ratio_ci": ratio["ci"], "selected": sel,
            "vs_untrained": r["vs_untrained"]["value"], "vs_untrained_ci": r["vs_untrained"]["ci"],
            "by_category": {c: {m: d[m]["mrr"] for m in d} | {"n": d["attention"]["n"]}
                            for c, d in r["by_category"].items()},
            "cross_team": {m: v["mrr"] for m, v in r["cross_team"].items()},
            "typed": {k: v for k, v in (r.get("typed") or {}).items() if k != "published"},
            "seconds": r["seconds"]}


def format_rows(rows: list[dict]) -> str:
    head = (f"| set | variant | links | attention MRR [95% CI] | untrained | best baseline | ratio [95% CI] "
            f"| fitted / untrained [95% CI] | kept per fold |")
    out = [head, "|" + "---|" * 9]
    for x in rows:
        a, u = x["attention_ci"], x["ratio_ci"]
        kept = ", ".join(f"{k} {v}" for k, v in x["selected"].items())
        vu, vc = x.get("vs_untrained", float("nan")), x.get("vs_untrained_ci", [float("nan")] * 2)
        out.append(f"| {x['set']} | {x['variant']} | {x['n_eval']} | {x['attention']:.3f} [{a[0]:.3f}, {a[1]:.3f}] "
                   f"| {x['untrained']:.3f} | {x['best_baseline']} {x['baseline']:.3f} "
                   f"| {x['ratio']:.2f}x [{u[0]:.2f}, {u[1]:.2f}] | {vu:.2f}x [{vc[0]:.2f}, {vc[1]:.2f}] | {kept} |")
    return "\n".join(out)


def main(argv=None) -> int:
    import attn_team

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="*", default=list(SETS))
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=VARIANTS)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default="/tmp/attn_eval_cache")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "evaluate_kfold.json")
    args = ap.parse_args(argv)
    rows = json.loads(args.out.read_text()) if args.out.exists() else []
    for name in args.sets:
        d = SHARED / name
        base = attn_team.read_tables(d / "issues.csv", d / "links.csv")
        for var in args.variants:
            t0 = time.perf_counter()
            r = attn_team.evaluate_links(variant(base, var), folds=args.folds, random_state=args.seed,
                                         cache=args.cache, dataset=name)
            x = row(name, var, r)
            x["total_seconds"] = round(time.perf_counter() - t0, 1)
            rows = [y for y in rows if (y["set"], y["variant"]) != (name, var)] + [x]
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(rows, indent=1))
            print(format_rows([x]).splitlines()[-1], f"({x['total_seconds']:.0f} s)", flush=True)
    print()
    print(format_rows(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
