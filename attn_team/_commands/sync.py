"""``attn-team sync``: fetch a workspace's issues straight from Jira (Cloud or Data Center)."""

from __future__ import annotations

import sys

from ._common import add_workspace_arg

_EPILOG = """\
credentials (never stored, logged or shown):
  Jira Cloud:        JIRA_EMAIL and JIRA_API_TOKEN (an API token, not the password)
  Data Center:       JIRA_TOKEN (a personal access token, sent as a bearer token)
  or, with the keyring package installed: keyring set attn-team HOST

examples:
  attn-team sync https://your-site.atlassian.net --jql "project in (PAY, IDN)"
  attn-team sync https://jira.example.com --jql "project = PAY" --ca-bundle corp-ca.pem
"""


def add_parser(sub) -> None:
    import argparse

    p = sub.add_parser(
        "sync",
        help="fetch issues, changelogs, boards and sprints straight from Jira into a workspace",
        description=(
            "Fetch the issues of a JQL query with their changelogs, the field list, and the Agile boards and "
            "sprints, and import them as one snapshot. A later sync of the same URL and JQL fetches only what "
            "was updated since, and marks items that left the JQL's scope as removed. Pages are staged as they "
            "arrive: an interrupted sync resumes on the next run; a failed one leaves the workspace as it was."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("url", help="Jira base URL, e.g. https://your-site.atlassian.net")
    p.add_argument("--jql", required=True, help='which issues, e.g. "project in (PAY, IDN)"')
    p.add_argument("--api", type=int, choices=(2, 3), help="force REST API 2 (Data Center/Server) or 3 (Cloud)")
    p.add_argument("--ca-bundle", metavar="PATH", help="PEM file of your organisation's certificate authority")
    p.add_argument("--teams", help="teams file (TOML or YAML) mapping people/components to teams")
    p.add_argument("--full", action="store_true", help="fetch every issue again, not only those updated since the last sync")
    p.add_argument("--page-size", type=int, default=100, help="issues per page (default 100; halves after a timeout)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for an answer (default 30)")
    p.add_argument("--retries", type=int, default=5, help="retries per request (default 5)")
    p.add_argument("--margin", type=float, default=10.0, help="overlap with the last sync, minutes (default 10)")
    p.add_argument("--staging", help="folder for pages as they arrive (default: beside the workspace)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_workspace_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import JiraFormatError
    from ..sync import SyncError
    from ..workspace import Workspace, WorkspaceError

    try:
        with Workspace(args.workspace) as ws:
            snap = ws.sync(args.url, jql=args.jql, api=args.api, ca_bundle=args.ca_bundle, teams=args.teams,
                           full=args.full, page_size=args.page_size, timeout=args.timeout, retries=args.retries,
                           margin=args.margin, staging=args.staging, progress=not args.no_progress)
            summary = ws.backlog().summary()
    except (SyncError, WorkspaceError) as exc:
        print(f"attn-team: error: {exc}", file=sys.stderr)
        return 1
    except JiraFormatError as exc:
        print(f"attn-team: error: Jira sent a page that cannot be read: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("attn-team: interrupted; the pages fetched so far are staged: run the same command again to resume",
              file=sys.stderr)
        return 130
    how = "incremental" if snap["incremental"] else "full"
    api = f"REST API {snap['api']}" + (f", {snap['deployment']}" if snap.get("deployment") else "")
    if snap.get("unchanged"):
        print(f"synced ({how}, {api}): {snap['fetched']:,} issues fetched, nothing new; {args.workspace} is unchanged")
    else:
        removed = f", {snap['n_removed']:,} removed" if snap.get("n_removed") else ""
        print(f"synced ({how}, {api}): {snap['fetched']:,} issues fetched ({snap['n_new']:,} new, "
              f"{snap['n_changed']:,} changed{removed}) into {args.workspace} as snapshot {snap['snapshot_id']}"
              + (" (resumed)" if snap.get("resumed") else ""))
    for w in snap.get("warnings", [])[:5]:
        print(f"  note: {w}")
    print("workspace now holds: " + ", ".join(f"{v:,} {k}" for k, v in summary.items()))
    return 0
