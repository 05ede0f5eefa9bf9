"""``attn-team flow``: flow metrics, forecasts and the cost of waiting on other teams."""

from __future__ import annotations

import contextlib
from pathlib import Path

from ._common import add_attention_args, add_workspace_arg, item_attention, workspace_backlog

_SUFFIX_FORMAT = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".csv": "csv", ".json": "json"}


def add_parser(sub) -> None:
    p = sub.add_parser(
        "flow", help="flow metrics and forecasts: cycle time, throughput, WIP, CFD, ageing WIP, cost of cross-team waiting",
        description=("Cycle time and lead time with their 50/85/95th percentiles, throughput, work in progress, "
                     "cumulative flow, ageing WIP and net flow, per team and for the organisation; Monte Carlo "
                     "forecasts ('when will these items be done', 'how many by this date'); and what waiting on "
                     "another team's unfinished item costs in cycle time, with a bootstrap interval. Statuses map "
                     "to stages by status category; a [stages] table in the teams file overrides it. A CSV export "
                     "has no changelog: cycle time is then created to resolved, and the report says so."))
    p.add_argument("paths", nargs="*", help="export files or folders to read directly (default: the workspace)")
    p.add_argument("--teams", help="teams file: people/components to teams (when reading paths), and an optional [stages] table")
    p.add_argument("--stages", help="file whose [stages] table maps status names to stages (default: the --teams file)")
    p.add_argument("--team", help="one team (default: every team and the organisation)")
    p.add_argument("--out", "-o", type=Path, required=True, help="file to write (flow.html, flow.md, flow.csv or flow.json)")
    p.add_argument("--format", choices=("html", "md", "csv", "json"), default=None,
                   help="default: from the --out suffix, else html; csv writes one row per item (the cycle-time data)")
    p.add_argument("--items", help="what 'when' forecasts: a number of items, an epic key or a fix version "
                                   "(default: every open item)")
    p.add_argument("--until", help="date of the 'how many' forecast (default: four weeks after the latest data)")
    p.add_argument("--runs", type=int, default=10_000, help="Monte Carlo runs (default: 10000)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the forecasts (default: 0)")
    p.add_argument("--attention", action="store_true",
                   help="also count strong attention edges as dependencies (fits or reuses the workspace's item attention)")
    add_attention_args(p)
    add_workspace_arg(p)
    p.set_defaults(func=run)


@contextlib.contextmanager
def _backlog(args):
    if args.paths:
        from ..io._detect import read_jira

        yield read_jira(args.paths, teams=args.teams), None
    else:
        with workspace_backlog(args) as pair:
            yield pair


def run(args) -> int:
    from ..insights._flow import load_stages
    from ..views._flow_view import FlowReport
    from .suggest import to_csv

    fmt = args.format or _SUFFIX_FORMAT.get(args.out.suffix.lower(), "html")
    stages_file = args.stages or args.teams
    stages = load_stages(stages_file) if stages_file else None
    items = args.items
    if items is not None and items.isdigit():
        items = int(items)
    with _backlog(args) as (backlog, ws):
        attention = None
        if args.attention and backlog.n_items >= 2:
            attention = item_attention(backlog, ws, refit=args.refit, progress=not args.no_progress,
                                       embedder=args.embedder, args=args)
        report = FlowReport(backlog, team=args.team, stages=stages, attention=attention, items=items,
                            until=args.until, runs=args.runs, random_state=args.seed)
        fm = report.metrics  # fails early on an unknown team
        if fmt == "csv":
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(to_csv(report.cycle_time_data()), encoding="utf-8", newline="")
            path = args.out
        else:
            path = report.write(args.out, format=fmt)
    done = int(fm.cycle_times["cycle_time_days"].notna().sum())
    print(f"wrote {fmt} flow report ({len(fm.cycle_times):,} items, {done:,} finished) to {path}")
    for note in fm.notes:
        print(f"note: {note}")
    return 0
