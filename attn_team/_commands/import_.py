"""``attn-team import``: add Jira exports to a workspace."""

from __future__ import annotations

from ._common import add_workspace_arg


def add_parser(sub) -> None:
    p = sub.add_parser(
        "import",
        help="import Jira exports (CSV, REST JSON, XML) into a workspace",
        description=(
            "Import Jira exports into a workspace. The format is detected from the content. "
            "Each import is kept as a snapshot; re-importing the same file changes nothing; "
            "a later export of the same project updates items and derives status and sprint "
            "changes from the difference. An import that fails leaves the workspace as it was."
        ),
    )
    p.add_argument("paths", nargs="+", help="export files, or a folder of REST JSON pages")
    p.add_argument("--teams", help="teams file (TOML or YAML) mapping people/components to teams")
    add_workspace_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..workspace import Workspace

    with Workspace(args.workspace) as ws:
        snap = ws.import_files(args.paths, teams=args.teams)
        b = ws.backlog()
        snaps = ws.snapshots()
    later = snaps[snaps["data_time"] > snap["data_time"]] if snap.get("data_time") is not None else snaps.iloc[:0]
    if snap.get("unchanged"):
        print(f"already imported: {', '.join(args.paths)} (same content); {args.workspace} is unchanged")
        if len(later):
            last = later.iloc[-1]
            print(f"  its data (up to {snap['data_time']:%Y-%m-%d %H:%M} UTC) is older than snapshot {last['snapshot_id']} "
                  f"(up to {last['data_time']:%Y-%m-%d %H:%M} UTC): items keep their newer state")
    else:
        removed = f", {snap['n_removed']:,} removed" if snap.get("n_removed") else ""
        print(f"imported {snap['n_items']:,} items ({snap.get('n_new', 0):,} new, {snap.get('n_changed', 0):,} changed"
              f"{removed}) from {len(args.paths)} path(s) into {args.workspace}")
        if snap.get("n_older"):
            print(f"  {snap['n_older']:,} items kept their newer state: this data (up to {snap['data_time']:%Y-%m-%d %H:%M} UTC) "
                  "is older than what the workspace holds for them; the older states went to the history")
    s = b.summary()
    print("workspace now holds: " + ", ".join(f"{v:,} {k}" for k, v in s.items()))
    return 0
