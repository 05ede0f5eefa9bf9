"""``attn-team suggest``: likely cross-team dependencies nobody linked yet."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import unicodedata

import pandas as pd

from .._heads import HEADS
from ._common import add_attention_args, add_workspace_arg, item_attention, positive_int, workspace_backlog

_COLUMNS = ["rank", "source", "source_team", "target", "target_team", "score", "category", "reason",
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


SCORE_HELP = ("score: how strongly the two items attend to each other, the sum of the heads' contributions "
              "(text, structure, people, time columns); a logit, not a probability: higher is stronger, "
              "and it compares pairs within one workspace. weight (CSV and JSON only): the share, 0-1, of "
              "the source item's attention that goes to the target. The table shows score only.")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "suggest", help="list likely cross-team dependencies that are not linked yet",
        description=("Fit the cross-attention model on the workspace's backlog (learning from its own links) and "
                     "list pairs of items in different teams that probably depend on each other but are not "
                     "linked in Jira, strongest first, with each head's contribution and a one-line reason. "
                     "The item attention is cached in the workspace until the next import, so later runs "
                     "(and 'attn-team report') take seconds. CSV output is safe to open in a spreadsheet "
                     "(no formula injection). The table fits the terminal (COLUMNS sets its width). "
                     "When the team rules give one team, no cross-team pair is possible: it says so, with "
                     "the fix, and skips the fit. " + SCORE_HELP))
    p.add_argument("--team", help="only pairs with one end in this team")
    p.add_argument("--top", type=positive_int, default=20, help="number of suggestions (default: 20)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    p.add_argument("--include-linked", action="store_true", help="keep pairs already linked (flagged)")
    p.add_argument("--same-team", action="store_true", help="also suggest pairs within one team")
    p.add_argument("--category", choices=("dependency", "relation", "duplicate", "hierarchy"),
                   help="only pairs predicted to be this kind of link, ranked with that category's head mixture "
                        "(every suggestion shows its predicted category)")
    add_attention_args(p)
    add_workspace_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..insights._dependencies import suggest_dependencies
    from ..insights._teams_check import team_warning

    with workspace_backlog(args) as (backlog, ws):
        if args.team is not None and args.team not in set(backlog.items["team"].dropna()):
            teams = ", ".join(sorted(map(str, backlog.items["team"].dropna().unique()))) or "none"
            raise KeyError(f"no team {args.team!r} in this backlog (teams: {teams})")
        note = None if args.same_team else team_warning(backlog)
        if note and args.format != "table":  # the table says it on stdout
            print(f"attn-team: note: {note}", file=sys.stderr)
        if note:  # no cross-team pair is possible: say why, skip the fit
            df = suggest_dependencies(backlog.replace(items=backlog.items.iloc[:0]), top=args.top)
        else:
            model = item_attention(backlog, ws, refit=args.refit, progress=not args.no_progress,
                                   embedder=args.embedder, args=args)
            df = suggest_dependencies(backlog, team=args.team, top=args.top, cross_team=not args.same_team,
                                      exclude_linked=not args.include_linked, attention=model,
                                      category=args.category)
    heads = [c for c in HEADS if c in df.columns]
    cols = [c for c in _COLUMNS[:5] + ["score"] + heads + _COLUMNS[6:] if c in df.columns]
    if "category" in df.columns and not df["category"].notna().any():
        cols.remove("category")  # nothing typed (no classifier): no empty column
    df = df[cols]
    if args.format == "json":
        recs = json.loads(df.to_json(orient="records"))
        print(json.dumps(recs, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        sys.stdout.write(to_csv(df))
    else:
        if note:
            print(f"no suggestions: {note}")
        elif not len(df):
            print("no suggestions (no cross-team pair above the attention cut-off, or all already linked); "
                  "try --include-linked, or --same-team for pairs within a team")
        else:
            print(format_table(df, width=shutil.get_terminal_size((100, 24)).columns))
    return 0


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in s)


def _text(value) -> str:
    """A cell's text on one line ('' for missing values)."""
    s = " ".join(("" if value is None or value is pd.NA else str(value)).split())
    return "" if s in ("<NA>", "nan", "None") else s


def _clip(s: str, n: int) -> str:
    """``s`` cut to at most ``n`` columns, with an ellipsis where it was cut."""
    if _width(s) <= n:
        return s
    out, w = [], 0
    for ch in s:
        cw = _width(ch)
        if w + cw > n - 1:
            break
        out.append(ch)
        w += cw
    return "".join(out) + "\u2026"


def _cut(value, n: int) -> str:
    """``value`` as one line of exactly ``n`` columns: cut with an ellipsis, or padded."""
    s = _clip(_text(value), n)
    return s + " " * max(n - _width(s), 0)


def _share(room: int, need: list[int], parts: list[int]) -> list[int]:
    """Split ``room`` columns in proportion to ``parts``, never giving a column more than it ``need``s."""
    widths = [0] * len(need)
    open_ = list(range(len(need)))
    while open_:
        total = sum(parts[i] for i in open_)
        fair = {i: room * parts[i] // total for i in open_}
        done = [i for i in open_ if need[i] <= fair[i]]
        if not done:
            for i in open_:
                widths[i] = fair[i]
            break
        for i in done:
            widths[i] = need[i]
            room -= need[i]
            open_.remove(i)
    return widths


def format_table(df, *, width: int = 100) -> str:
    """Suggestions as a plain-text table at most ``width`` columns wide, with summaries (cut to fit).

    Columns: rank, score, the two items (key and team) and, sharing what width is left, their
    summaries and the reason. Below 60 columns of room each suggestion takes two lines.
    """
    width = max(int(width), 40)
    keys = [str(k) for k in list(df["source"]) + list(df["target"])]
    kw = max([len("source"), *map(len, keys)])
    teams = [str(t) for t in list(df.get("source_team", [])) + list(df.get("target_team", [])) if t is not None]
    tw = min(max([len("team"), *map(_width, teams)]), 16)
    fixed = [("#", 3, "rank", ">"), ("score", 6, "score", ">"), ("source", kw, "source", "<"), ("team", tw, "source_team", "<"),
             ("target", kw, "target", "<"), ("team", tw, "target_team", "<")]
    if "category" in df.columns:  # the predicted kind of link
        fixed.append(("kind", 10, "category", "<"))
    gap = 2
    used = sum(w for _, w, _, _ in fixed) + gap * len(fixed)
    room = width - used
    flex = [("source summary", "source_summary", 3), ("target summary", "target_summary", 3), ("reason", "reason", 4)]
    flex = [f for f in flex if f[1] in df.columns]

    def cell(row, col, w, align):
        v = row.get(col)
        if col == "score":
            v = "" if v is None or pd.isna(v) else f"{float(v):.2f}"
        if align == ">":
            text = _cut(v, w).strip()
            return " " * max(w - _width(text), 0) + text
        return _cut(v, w)

    records = df.to_dict("records")
    sep = " " * gap
    if room >= 60 and flex:
        need = [max([len(h), *(_width(_text(r.get(c))) for r in df[[c]].to_dict("records"))]) for h, c, _ in flex]
        widths = [max(w, 8) for w in _share(room - gap * len(flex), need, [f[2] for f in flex])]
        head = sep.join(_cut(h, w) if a == "<" else h.rjust(w) for h, w, _, a in fixed)
        head += sep + sep.join(_cut(h, w) for (h, _, _), w in zip(flex, widths))
        lines = [head.rstrip(), "-" * min(width, _width(head.rstrip()))]
        for r in records:
            line = sep.join(cell(r, c, w, a) for _, w, c, a in fixed)
            line += sep + sep.join(cell(r, c, w, "<") for (_, c, _), w in zip(flex, widths))
            lines.append(line.rstrip())
        return "\n".join(lines)
    # narrow terminal: the fixed columns, then the summaries and the reason on their own lines
    head = sep.join(_cut(h, w) if a == "<" else h.rjust(w) for h, w, _, a in fixed).rstrip()
    lines = [_clip(head, width), "-" * min(width, _width(head))]
    for r in records:
        lines.append(_clip(sep.join(cell(r, c, w, a) for _, w, c, a in fixed).rstrip(), width))
        for label, col, _ in flex:
            if _text(r.get(col)):
                lines.append("     " + _clip(f"{label.split()[0]}: {_text(r.get(col))}", width - 5))
    return "\n".join(lines)
