"""``attn-team report``: write the sprint report (HTML or Markdown)."""

from __future__ import annotations

from pathlib import Path

from ._common import add_attention_args, add_workspace_arg, item_attention, output_file, print_team_note, workspace_backlog


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report", help="write a sprint report (self-contained HTML or Markdown)",
        description=("Write a sprint report for a review: committed, added, removed, completed and carried-over "
                     "work, say/do (both definitions), velocity and scope change with inline charts, cross-team "
                     "dependencies at risk, likely unlinked dependencies, team coupling and coordination gaps, and "
                     "which rules decided teams. The HTML file is self-contained (no scripts, no network)."))
    which = p.add_mutually_exclusive_group()
    which.add_argument("--sprint", help="sprint name or id (default: the latest sprint that has started)")
    which.add_argument("--last", action="store_true", help="the most recently closed sprint")
    p.add_argument("--team", help="one team: its sprints, counting only its items (default sprint: the team's latest)")
    p.add_argument("--out", "-o", type=Path, required=True, help="file to write (report.html or report.md)")
    p.add_argument("--format", choices=("html", "md"), default=None, help="default: from the --out suffix, else html")
    p.add_argument("--no-attention", action="store_true", help="links only: skip fitting the attention model")
    add_attention_args(p)
    add_workspace_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..views._report import SprintReport

    output_file(args.out, example="report.html")  # before any work: not a folder, a writable place
    fmt = args.format
    if fmt is None:
        fmt = "md" if args.out.suffix.lower() in (".md", ".markdown") else "html"
    with workspace_backlog(args) as (backlog, ws):
        report = SprintReport(backlog, args.sprint, attention=False, last_closed=args.last,
                              team=args.team)  # fails early on a bad sprint or team
        attention = False
        if not args.no_attention and backlog.n_items >= 2 and not print_team_note(backlog):  # no pair: no fit
            attention = item_attention(backlog, ws, refit=args.refit, progress=not args.no_progress,
                                       embedder=args.embedder, args=args)
        report = SprintReport(backlog, args.sprint, attention=attention, last_closed=args.last, team=args.team)
        path = report.write(args.out, format=fmt)
    print(f"wrote {fmt} sprint report for {report.sprint_name or '(no sprint)'} to {path}")
    if report.choice_reason:
        print(f"sprint picked: {report.choice_reason}")
    return 0
