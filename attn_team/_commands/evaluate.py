"""``attn-team evaluate``: how well attention finds real links again, beside plain baselines."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from ._common import (DEFAULT_WORKSPACE, add_embedder_arg, add_engine_args, add_wait_arg, embedder_param,
                      engine_params, open_workspace)

_METRICS = ("mrr", "recall@1", "recall@5", "recall@10", "recall@50")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="hide real links fold by fold, fit on the rest, and measure how well attention finds them",
        description=(
            "k-fold over the links (clone links excluded, default 5 folds, seeded): each link is hidden once, "
            "the attention model is fitted on the other folds, every item is ranked for the source of each "
            "hidden link, and MRR and Recall@1/5/10/50 are reported with bootstrap 95%% intervals (overall, "
            "for cross-team links and per link category, with their counts) beside TF-IDF, BM25, raw "
            "embedding cosine and the untrained model, all in the same run, with the ratio of attention "
            "to the best baseline and the fitted weights. --quick: one split (--holdout), one fit. "
            "Input: a tidy ISSUES.csv and LINKS.csv (the format of shared/data/links-dev) or a workspace."
        ),
    )
    p.add_argument("issues", nargs="?", help="issues.csv (tidy format)")
    p.add_argument("links", nargs="?", help="links.csv (tidy format)")
    p.add_argument("--workspace", "-w", type=Path, default=None,
                   help=f"evaluate the backlog of a workspace instead (e.g. ./{DEFAULT_WORKSPACE})")
    add_wait_arg(p)
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--folds", type=int, default=5, help="folds of the k-fold evaluation (default: 5)")
    p.add_argument("--quick", action="store_true",
                   help="one seeded split instead of k-fold (hides --holdout of the links, fits once)")
    p.add_argument("--holdout", type=float, default=0.2, help="share of links hidden with --quick (default: 0.2)")
    p.add_argument("--bootstrap", type=int, default=1000,
                   help="bootstrap resamples of the evaluated links for the intervals (default: 1000)")
    p.add_argument("--seed", type=int, default=0,
                   help="random seed of the split, the model and the bootstrap (default: 0)")
    p.add_argument("--cache", type=Path, default=None,
                   help="embedding cache directory (default: the workspace itself, or none for CSV input)")
    add_embedder_arg(p)
    p.add_argument("--rescore", type=_rescore_arg, default="auto", metavar="N",
                   help="with --embedder static: score each query's top N candidates again with MiniLM vectors of "
                        "only those items, as questions about some items are answered (default: auto, 20 with "
                        "a static embedder; 0: off)")
    add_engine_args(p)
    p.set_defaults(func=run)


def _rescore_arg(value: str):
    if value == "auto":
        return value
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a whole number >= 0, got {value!r}")
    return n


def run(args) -> int:
    from ..insights._evaluate import evaluate_links
    from ..io._tables import read_tables

    kw = {"folds": None if args.quick else args.folds, "holdout": args.holdout, "random_state": args.seed,
          "n_bootstrap": args.bootstrap, "progress": False,
          **embedder_param(args)}
    engine = engine_params(args)
    if engine or args.rescore != "auto":  # (with dask: the texts are embedded on the cluster; fits and ranks stay here)
        from ..attention._model import CrossAttention

        kw["model"] = CrossAttention(**engine, rescore=args.rescore)
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
        print(json.dumps(to_json(result), indent=2))
        return 0
    print(format_table(result))
    return 0


def to_json(result: dict) -> dict:
    """The JSON document of one evaluation result (metrics rounded, nan as null)."""
    return {
        "dataset": result["dataset"], "n_items": result["n_items"], "n_eval_links": result["n_eval_links"],
        "n_cross_team": result["n_cross_team"], "folds": result["folds"],
        "methods": {m: _clean(v) for m, v in result["methods"].items()},
        "mrr_ci": {m: _num(v) for m, v in result["mrr_ci"].items()},
        "ci": {m: {x: _num(ci) for x, ci in d.items()} for m, d in result["ci"].items()},
        "ratio": None if result["ratio"] is None else {
            "value": _num(result["ratio"]["value"]), "ci": _num(result["ratio"]["ci"]),
            "best_baseline": result["ratio"]["best_baseline"]},
        "vs_untrained": _num(result.get("vs_untrained")),
        "cross_team": {m: _clean(v, n=True) for m, v in result["cross_team"].items()},
        "by_category": {c: {m: _clean(v, n=True) for m, v in d.items()} for c, d in result["by_category"].items()},
        "weights": _num(result["weights"]),
        "typed": _num(result.get("typed")),
        "rescore": result.get("rescore"),
        "seconds": result["seconds"],
        "protocol": result["protocol"],
    }


def _num(v):
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 4)
    if isinstance(v, dict):
        return {k: _num(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_num(x) for x in v]
    return v


def _clean(d: dict, *, n: bool = False) -> dict:
    return {k: _num(v) for k, v in d.items() if k in _METRICS or (n and k == "n")}


def _ci(ci) -> str:
    return "[   -,    -]" if ci is None or any(math.isnan(x) for x in ci) else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def format_table(result: dict) -> str:
    """A plain-text table of one evaluation result."""
    proto = result["protocol"]
    how = (f"{proto['folds']}-fold" if proto.get("folds") else f"single split, holdout {proto['holdout']}")
    lines = [f"{result['dataset']}: {result['n_items']:,} items, {result['n_eval_links']} hidden links evaluated "
             f"({result['n_cross_team']} cross-team), {how}, seed {proto['random_state']}"]
    head = (f"{'method':<22}" + f"{'mrr':>8}{'95% CI':>17}" + "".join(f"{m:>11}" for m in _METRICS[1:])
            + f"{'x-team MRR':>12}{'time s':>9}")
    lines += [head, "-" * len(head)]
    for m, v in result["methods"].items():
        ct = result["cross_team"].get(m, {}).get("mrr", float("nan"))
        lines.append(f"{m:<22}{v['mrr']:>8.3f}{_ci(result['mrr_ci'].get(m)):>17}"
                     + "".join(f"{v[x]:>11.3f}" for x in _METRICS[1:]) + f"{ct:>12.3f}"
                     + f"{result['seconds'].get(m, float('nan')):>9.1f}")
    ratio = result.get("ratio")
    if ratio is not None:
        lines.append(f"attention / best baseline ({ratio['best_baseline']}): {ratio['value']:.2f}x, "
                     f"95% CI {_ci(ratio['ci'])}")
    vs = result.get("vs_untrained")
    if vs is not None:
        lines.append(f"fitted / untrained attention: {vs['value']:.2f}x, 95% CI {_ci(vs['ci'])}")
    if result["by_category"]:
        methods = list(result["methods"])
        lines += ["", f"{'MRR by category':<22}{'n':>6}" + "".join(f"{m[:11]:>12}" for m in methods)]
        for c, d in result["by_category"].items():
            n = next(iter(d.values()))["n"]
            lines.append(f"{c:<22}{n:>6}" + "".join(f"{d[m]['mrr']:>12.3f}" for m in methods))
        n_ct = result["n_cross_team"]
        lines.append(f"{'cross-team':<22}{n_ct:>6}"
                     + "".join(f"{result['cross_team'][m]['mrr']:>12.3f}" for m in methods))
    mean = result["weights"].get("mean") or {}
    if mean:
        hw = ", ".join(f"{h} {w:.2f}" for h, w in mean["head_weights"].items())
        gw = ", ".join(f"{g} {w:.2f}" for g, w in mean["group_weights"].items())
        n = len(result["weights"]["per_fold"])
        lines += ["", f"fitted head weights (mean of {n} fit{'s' if n > 1 else ''}): {hw}",
                  f"fitted group weights: {gw}"]
        if "selected" in mean:
            lines.append("kept per fit: " + ", ".join(f"{k} {v}" for k, v in mean["selected"].items()))
    rs = result.get("rescore") or {}
    if rs.get("depth"):
        lines += ["", f"attention re-scored each query's top {rs['depth']} with MiniLM vectors of only those items: "
                      f"{rs['teacher_items']:,} items through MiniLM for {rs['queries']:,} queries"]
    typed = result.get("typed")
    if typed and typed.get("n"):
        maj = typed["majority"]
        lines += ["", f"predicted link category of the {typed['n']} hidden links: accuracy {typed['accuracy']:.3f}, "
                      f"macro-F1 {typed['macro_f1']:.3f} (majority class: {maj['accuracy']:.3f}, {maj['macro_f1']:.3f})",
                  f"  for context: {typed['published']['model']} macro-F1 {typed['published']['macro_f1']:.2f} "
                  f"({typed['published']['note']})"]
        for c, v in typed.get("ranking", {}).items():
            lines.append(f"  {c:<12} n {v['n']:>4}: MRR with its own mixture {v['typed_mrr']:.3f}, "
                         f"with the shared one {v['shared_mrr']:.3f}")
    return "\n".join(lines)
