"""Time to first suggestions: one process, as a user runs it, from REST JSON pages to a suggestion list.

Imports the pages into a new workspace, computes the item features (text embeddings) with
``--embedder``, the item attention (``workspace_attention``: fitted unless ``--untrained``) with
``--candidates``, and ``suggest_dependencies``; prints the seconds of each phase, their sum and the
process's peak RSS. Unlike ``bench_million.py`` (a process per stage, each loading its inputs
again), nothing is done twice.

    python benchmarks/bench_first_suggestions.py PAGES_DIR [--embedder static] [--candidates index]
           [--untrained] [--k 20] [--workspace /tmp/first.duckdb] [--json out.json] [--reports DIR]

``--reports DIR`` goes on to the sprint report and the flow report with that attention: the whole
path, import to report, in one process.

Make the pages with ``python -m attn_team.synthetic --items 100000 --format json-pages OUT``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", type=Path)
    ap.add_argument("--embedder", default="static")
    ap.add_argument("--candidates", default="auto")
    ap.add_argument("--untrained", action="store_true", help="untrained weights (max_epochs=0): no fit")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--workspace", type=Path, default=Path("/tmp/first_suggestions.duckdb"))
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--reports", type=Path, default=None,
                    help="also write the sprint report and the flow report (with this attention) into this folder")
    ap.add_argument("--questions", type=int, default=0,
                    help="then time this many one-item questions (attend_queries: with embedder='static', each "
                         "re-scored with MiniLM vectors of the item and its top candidates)")
    args = ap.parse_args(argv)

    from attn_team.attention._fitted import workspace_attention
    from attn_team.attention._model import item_features
    from attn_team.insights import suggest_dependencies
    from attn_team.workspace import Workspace

    if args.workspace.exists():
        args.workspace.unlink()
    params = {"embedder": args.embedder, "candidates": args.candidates}
    if args.untrained:
        params["max_epochs"] = 0
    out: dict = {"pages": str(args.pages), **params, "k": args.k}
    t0 = time.perf_counter()

    def mark(phase: str, since: float) -> float:  # a line per phase as it ends: long runs can be followed
        now = time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{phase}: {now - since:.1f} s (peak so far {rss:.0f} MB)", file=sys.stderr, flush=True)
        return now

    with Workspace(args.workspace) as ws:
        ws.import_files([str(args.pages)])
        t1 = mark("import", t0)
        backlog = ws.backlog()
        t2 = mark("load", t1)
        item_features(backlog, embedder=args.embedder, cache=ws)  # what the model's fit reads first
        t3 = mark("embed", t2)
        res = workspace_attention(ws, backlog, k=args.k, progress=False, **params)
        t4 = mark("attention", t3)
        sugg = suggest_dependencies(backlog, attention=res, top=50, k=args.k)
        t5 = mark("suggestions", t4)
        suggestions_s = t5 - t4
        if args.questions:  # one item at a time, as a user asks in a notebook or the search box
            from attn_team.attention._rescore import rescorer, teacher_rows

            keys = backlog.items["key"].astype(str).sample(args.questions, random_state=0).tolist()
            secs = []
            for key in keys:
                q0 = time.perf_counter()
                res.attend_queries([key], k=args.k)
                secs.append(round(time.perf_counter() - q0, 2))
            depth, _ = rescorer(res.model, backlog)
            out.update(questions_s=secs, question_rescore=depth,
                       question_teacher_items=teacher_rows(backlog, res.model.item_embedder(backlog)).n_embedded)
            t5 = mark(f"{len(keys)} questions", t5)
        if args.reports is not None:
            from attn_team.views import FlowReport, SprintReport

            args.reports.mkdir(parents=True, exist_ok=True)
            SprintReport(backlog, attention=res).write(args.reports / "report.html")
            t6 = mark("report", t5)
            FlowReport(backlog, attention=res).write(args.reports / "flow.html")
            t7 = mark("flow", t6)
            out.update(report_s=round(t6 - t5, 1), flow_s=round(t7 - t6, 1),
                       report_kb=round((args.reports / "report.html").stat().st_size / 1024, 1))
    out.update(items=backlog.n_items, import_s=round(t1 - t0, 1), load_s=round(t2 - t1, 1),
               embed_s=round(t3 - t2, 1), attention_s=round(t4 - t3, 1), suggestions_s=round(suggestions_s, 1),
               total_s=round(time.perf_counter() - t0, 1), suggestions=len(sugg), fitted=bool(getattr(res, "fitted", False)),
               peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    print(json.dumps(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
