"""``attn-team suggest``: likely cross-team dependencies nobody linked yet."""

from __future__ import annotations

import csv
import io
import json
import sys

from .._heads import HEADS
from ._common import add_attention_args, add_workspace_arg, item_attention, workspace_backlog

_COLUMNS = ["rank", "source", "source_team", "target", "target_team", "score", "reason",
            "source_summary", "target_summary", "already_linked"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A CSV cell that spreadsheets will not run as a formula: cells starting with = + - @ tab CR get a leading quote."""
    s = "" if value is None else str(value)
    if s in ("<NA>", "nan", "None"):
        s = ""
    return "'" + s if s.startswith(_FORMULA_START) else s


def to_csv(df) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; cells holding CR or LF get quoted
    w.writerow([csv_safe(c) for c in df.columns])
    for row in df.itertuples(index=False):
        w.writerow([csv_safe(v) for v in row])
    return buf.getvalue()


def add_parser(sub) -> None:
    p = sub.add_parser(
        "suggest", help="list likely cross-team dependencies that are not linked yet",
        description=("Fit the cross-attention model on the workspace's backlog (learning from its own links) and "
                     "list pairs of items in different teams that probably depend on each other but are not "
                     "linked in Jira, strongest first, with each head's contribution and a one-line reason. "
                     "The item attention is cached in the workspace until the next import, so later runs "
                     "(and 'attn-team report') take seconds. CSV output is safe to open in a spreadsheet "
                     "(no formula injection)."))
    p.add_argument("--team", help="only pairs with one end in this team")
    p.add_argument("--top", type=int, default=20, help="number of suggestions (default: 20)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    p.add_argument("--include-linked", action="store_true", help="keep pairs already linked (flagged)")
    p.add_argument("--same-team", action="store_true", help="also suggest pairs within one team")
    add_attention_args(p)
    add_workspace_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import pandas as pd

    from ..insights._dependencies import suggest_dependencies

    if args.top < 1:
        raise ValueError("--top must be at least 1")
    with workspace_backlog(args) as (backlog, ws):
        if args.team is not None and args.team not in set(backlog.items["team"].dropna()):
            teams = ", ".join(sorted(map(str, backlog.items["team"].dropna().unique()))) or "none"
            raise KeyError(f"no team {args.team!r} in this backlog (teams: {teams})")
        model = item_attention(backlog, ws, refit=args.refit, progress=not args.no_progress)
        df = suggest_dependencies(backlog, team=args.team, top=args.top, cross_team=not args.same_team,
                                  exclude_linked=not args.include_linked, attention=model)
    heads = [c for c in HEADS if c in df.columns]
    cols = [c for c in _COLUMNS[:5] + ["score"] + heads + _COLUMNS[6:] if c in df.columns]
    df = df[cols]
    if args.format == "json":
        recs = json.loads(df.to_json(orient="records"))
        print(json.dumps(recs, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        sys.stdout.write(to_csv(df))
    else:
        if not len(df):
            print("no suggestions (no cross-team pair above the attention cut-off, or all already linked)")
            return 0
        show = df[[c for c in ("rank", "source", "source_team", "target", "target_team", "score", "reason") if c in df.columns]]
        with pd.option_context("display.width", 200, "display.max_colwidth", 70, "display.max_rows", 500):
            print(show.to_string(index=False))
    return 0
