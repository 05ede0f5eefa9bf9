"""``attn-team evaluate``: how well attention finds real links again, beside plain baselines."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ._common import DEFAULT_WORKSPACE, add_wait_arg, open_workspace

_METRICS = ("mrr", "recall@1", "recall@5", "recall@10", "recall@50")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="hide a share of real links, fit on the rest, and measure how well attention finds them",
        description=(
            "Hide a seeded share of the links (clone links excluded), fit the attention model on the "
            "rest, rank every item for the source of each hidden link and report MRR and Recall@1/5/10/50 "
            "(overall, for cross-team links and per link category) beside TF-IDF, BM25, raw embedding "
            "cosine and the untrained model, all in the same run. Input: a tidy ISSUES.csv and LINKS.csv "
            "(the format of shared/data/links-dev) or a workspace."
        ),
    )
    p.add_argument("issues", nargs="?", help="issues.csv (tidy format)")
    p.add_argument("links", nargs="?", help="links.csv (tidy format)")
    p.add_argument("--workspace", "-w", type=Path, default=None,
                   help=f"evaluate the backlog of a workspace instead (e.g. ./{DEFAULT_WORKSPACE})")
    add_wait_arg(p)
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--holdout", type=float, default=0.2, help="share of links hidden (default: 0.2)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the split and the model (default: 0)")
    p.add_argument("--cache", type=Path, default=None,
                   help="embedding cache directory (default: the workspace itself, or none for CSV input)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..insights._evaluate import evaluate_links
    from ..io._tables import read_tables

    kw = {"holdout": args.holdout, "random_state": args.seed, "progress": False}
    if args.workspace is not None:
        if args.issues or args.links:
            raise ValueError("give either ISSUES.csv LINKS.csv or --workspace, not both")
        path = Path(args.workspace)
        with open_workspace(args) as ws:  # the workspace doubles as the embedding cache
            backlog = ws.backlog()
            cache = str(args.cache) if args.cache is not None else ws
            result = evaluate_links(backlog, dataset=path.stem, cache=cache, **kw)
    else:
        if not args.issues or not args.links:
            raise ValueError("give ISSUES.csv and LINKS.csv, or --workspace PATH")
        ipath = Path(args.issues)
        backlog = read_tables(ipath, args.links)
        cache = str(args.cache) if args.cache is not None else None
        result = evaluate_links(backlog, dataset=ipath.parent.name or ipath.stem, cache=cache, **kw)
    if args.format == "json":
        out = {
            "dataset": result["dataset"], "n_items": result["n_items"], "n_eval_links": result["n_eval_links"],
            "n_cross_team": result["n_cross_team"],
            "methods": {m: _clean(v) for m, v in result["methods"].items()},
            "cross_team": {m: _clean(v) for m, v in result["cross_team"].items()},
            "by_category": {c: {m: _clean(v) for m, v in d.items()} for c, d in result["by_category"].items()},
            "protocol": result["protocol"],
        }
        print(json.dumps(out, indent=2))
        return 0
    print(format_table(result))
    return 0


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else (round(v, 4) if isinstance(v, float) else v))
            for k, v in d.items() if k in _METRICS}


def format_table(result: dict) -> str:
    """A plain-text table of one evaluation result."""
    lines = [f"{result['dataset']}: {result['n_items']:,} items, {result['n_eval_links']} hidden links evaluated "
             f"({result['n_cross_team']} cross-team), holdout {result['protocol']['holdout']}, "
             f"seed {result['protocol']['random_state']}"]
    head = f"{'method':<22}" + "".join(f"{m:>11}" for m in _METRICS) + f"{'x-team MRR':>12}"
    lines += [head, "-" * len(head)]
    for m, v in result["methods"].items():
        ct = result["cross_team"].get(m, {}).get("mrr", float("nan"))
        lines.append(f"{m:<22}" + "".join(f"{v[x]:>11.3f}" for x in _METRICS) + f"{ct:>12.3f}")
    return "\n".join(lines)
