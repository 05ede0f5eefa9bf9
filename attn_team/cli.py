"""The ``attn-team`` command line.

Each subcommand lives in its own module under :mod:`attn_team._commands` and
provides ``add_parser(subparsers)``, which registers its arguments and sets
``func`` (called with the parsed arguments; returns an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from . import __version__
from .errors import JiraFormatError

# order = order in --help
_COMMANDS = ("import_", "sync", "info", "suggest", "report", "flow", "evaluate", "demo")

_DESCRIPTION = """\
attn_team reads your organisation's Jira exports (CSV in any locale, REST JSON,
XML) into a workspace, lets every work item attend to other items, people and
sprint history, and tells you which cross-team dependencies nobody linked yet,
who to involve, which teams are coupled, and how the sprint went.

Typical use:
  attn-team import export.csv --teams teams.toml   # build up a workspace
  attn-team suggest --team Payments --top 10         # likely unlinked dependencies
  attn-team report --last --out sprint.html          # a sprint report for the review
  attn-team flow --team Payments --out flow.html     # cycle time, forecasts, cost of waiting
  attn-team demo                                     # all of it on the sample organisation
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attn-team",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"attn-team {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-v info, -vv debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        try:
            mod = importlib.import_module(f"attn_team._commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"attn_team._commands.{name}":
                continue  # not built yet
            raise
        mod.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except JiraFormatError as exc:
        print(f"attn-team: error: {exc}", file=sys.stderr)
        return 1
    except (FileNotFoundError, KeyError, ValueError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"attn-team: error: {msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
