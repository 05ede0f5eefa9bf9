"""``attn-team info``: what a workspace holds."""

from __future__ import annotations

from ._common import add_workspace_arg, open_workspace, print_team_note


def add_parser(sub) -> None:
    p = sub.add_parser("info", help="show what a workspace holds: items, teams, sprints, snapshots",
                       description="Show the contents of a workspace: table sizes, teams and the rule that decided them, sprints and import snapshots.")
    add_workspace_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    with open_workspace(args, read_only=True) as ws:
        b = ws.backlog()
        snaps = ws.snapshots()
    print(f"workspace {args.workspace}")
    for k, v in b.summary().items():
        print(f"  {k:<9}{v:>8,}")
    if len(b.teams):
        print("teams (rule that decided):")
        for t in b.teams.itertuples():
            print(f"  {t.team:<24}{t.n_items:>6} items  ({t.rule})")
    print(f"snapshots: {len(snaps)}")
    for s in snaps.tail(10).itertuples():
        print(f"  {s.imported_at:%Y-%m-%d %H:%M}  {s.n_items:>6} items  {s.files}")
    print_team_note(b)
    return 0
