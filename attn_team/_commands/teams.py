"""``attn-team teams init``: write a teams file that proposes teams from who works together."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from ._common import CommandError, add_workspace_arg, open_workspace, output_file

RULE_ORDER = ["mapping_person", "mapping_component", "team_field", "project"]


def add_parser(sub) -> None:
    p = sub.add_parser(
        "teams", help="propose teams from the data: write a teams file to edit ('attn-team teams init')",
        description=("Team tools. 'attn-team teams init' proposes teams from who works with whom (shared items, "
                     "parents and epics, components, sprints and boards; Louvain communities of the co-work "
                     "graph, seeded) and writes a teams file (TOML) with each person's evidence in a comment, "
                     "for you to check, rename and edit before 'attn-team import FILE --teams teams.toml'."))
    tsub = p.add_subparsers(dest="teams_command", metavar="ACTION")
    init = tsub.add_parser(
        "init", help="write a teams-file skeleton proposing teams from the data",
        description=("Propose a team for every person from the work they share, and write it as a teams file: "
                     "[rules] (an item goes to its assignee's team, else its reporter's, then its component's), "
                     "[people] with each person's evidence and 'cohesion' (the share of their shared work that "
                     "falls inside the proposed team: check low ones) and [components]. Reads the workspace, or "
                     "export files given here. Team names come from each group's main board, sprint series or "
                     "component: rename them."))
    init.add_argument("paths", nargs="*", help="export files to read instead of the workspace")
    init.add_argument("--out", "-o", default="teams.toml", help="file to write, '-' for standard output (default: teams.toml)")
    init.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    init.add_argument("--resolution", type=float, default=1.0,
                      help="above 1 proposes more, smaller teams; below 1 fewer, larger ones (default: 1)")
    init.add_argument("--seed", type=int, default=0, help="seed of the community detection (default: 0)")
    add_workspace_arg(init)
    init.set_defaults(func=run_init)
    p.set_defaults(func=lambda args: _no_action(p))


def _no_action(p) -> int:
    p.print_help(sys.stderr)
    return 2


def _toml_str(s) -> str:
    text = str(s).encode("utf-8", "replace").decode("utf-8")
    return json.dumps(text, ensure_ascii=False)


def _comment(s: str) -> str:
    return " ".join(str(s).split())


def _strength(modularity: float) -> str:
    if modularity >= 0.4:
        return "clear groups"
    if modularity >= 0.2:
        return "some structure: check the groups"
    return "weak or no groups: the data says little about teams"


def render_toml(proposal, components, *, source: str, modularity: float) -> str:
    """The proposal as a teams file :func:`attn_team.io.load_team_rules` reads."""
    n_teams = proposal["team"].nunique()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = [
        f"# attn_team teams file proposed by 'attn-team teams init' from {_comment(source)} on {when}.",
        f"# {len(proposal)} people in {n_teams} proposed team(s); modularity {modularity:.2f} ({_strength(modularity)}).",
        "# People were grouped by the work they share: the same items (as assignee, reporter, watcher or",
        "# commenter), parents and epics, components, sprints and boards. This is a proposal: check each",
        "# team, rename it, move people, then: attn-team import FILE --teams teams.toml",
        "# cohesion = the share of a person's shared work that falls inside their proposed team (0-1):",
        "# low values are the people to check.",
        "",
        "[rules]",
        "# an item goes to its assignee's team (else its reporter's), then its first component's team,",
        "# then Jira's Team field, then its project",
        "order = [" + ", ".join(_toml_str(r) for r in RULE_ORDER) + "]",
        "",
        "[people]",
    ]
    names = proposal["display_name"].astype(str)
    unique = names.map(names.value_counts()) == 1
    keys = [d if u else p for d, p, u in zip(names, proposal["person"], unique)]
    for team, group in proposal.assign(toml_key=keys).groupby("team", sort=False):
        comps = [c for lst in group["components"] for c in lst]
        main = sorted(set(comps), key=lambda c: (-comps.count(c), c))[:3]
        lines.append(f"# --- {_comment(team)}: {len(group)} people"
                     + (f"; main components {', '.join(map(_comment, main))}" if main else ""))
        for r in group.itertuples():
            lines.append(f"{_toml_str(r.toml_key)} = {_toml_str(team)}  # cohesion {r.cohesion:.2f}; {_comment(r.evidence)}")
    lines += ["", "[components]"]
    if len(components):
        lines.append("# each component goes to the proposed team whose people do most of its assigned items")
    for r in components.itertuples():
        lines.append(f"{_toml_str(r.component)} = {_toml_str(r.team)}  # {r.share:.0%} of {r.n_items} assigned items")
    return "\n".join(lines) + "\n"


def run_init(args) -> int:
    from ..insights._propose_teams import component_teams, propose_teams

    to_stdout = args.out == "-"
    out = None
    if not to_stdout:
        out = output_file(args.out, example="teams.toml")
        if out.exists() and not args.force:
            raise CommandError(f"--out {out}: exists already; pass --force to overwrite it, or choose another file")
    if args.resolution <= 0:
        raise CommandError(f"--resolution must be a positive number, got {args.resolution}")
    if args.paths:
        from ..io import read_jira

        backlog = read_jira(args.paths)
        source = ", ".join(args.paths)
    else:
        if not Path(args.workspace).exists():
            raise CommandError(f"no workspace at {args.workspace}; run 'attn-team import FILE' first, "
                               "or give export files: attn-team teams init FILE")
        with open_workspace(args, read_only=True) as ws:
            backlog = ws.backlog()
        source = f"workspace {args.workspace}"
    proposal = propose_teams(backlog, resolution=args.resolution, random_state=args.seed)
    if not len(proposal):
        raise CommandError(f"{source}: no item names a person (assignee, reporter, watcher or commenter), "
                           "so there is nobody to group; export with those fields, or write the teams file by hand")
    modularity = float(proposal.attrs.get("modularity", 0.0))
    text = render_toml(proposal, component_teams(backlog, proposal), source=source, modularity=modularity)
    if to_stdout:
        sys.stdout.write(text)
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    n_teams = proposal["team"].nunique()
    print(f"proposed {n_teams} team(s) for {len(proposal)} people (modularity {modularity:.2f}: {_strength(modularity)}) -> {out}")
    for team, group in proposal.groupby("team", sort=False):
        low = int((group["cohesion"] < 0.5).sum())
        check = f", {low} to check (cohesion < 0.5)" if low else ""
        print(f"  {str(team)[:30]:<30} {len(group):>4} people{check}")
    print(f"edit {out} (rename teams, move people), then: attn-team import FILE --teams {out}")
    return 0
