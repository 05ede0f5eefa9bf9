"""The ``attn-team`` command line.

Each subcommand lives in its own module under :mod:`attn_team._commands` and
provides ``add_parser(subparsers)``, which registers its arguments and sets
``func`` (called with the parsed arguments; returns an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
import warnings

from . import __version__

# order = order in --help
_COMMANDS = ("import_", "sync", "info", "suggest", "report", "flow", "teams", "evaluate", "demo")

_DESCRIPTION = """\
attn_team reads your organisation's Jira exports (CSV in any locale, REST JSON,
XML) into a workspace, lets every work item attend to other items, people and
sprint history, and tells you which cross-team dependencies nobody linked yet,
who to involve, which teams are coupled, and how the sprint went.

Typical use:
  attn-team import export.csv                      # build up a workspace
  attn-team teams init --out teams.toml            # propose teams from who works together; edit it
  attn-team import export.csv --teams teams.toml   # re-import with your teams
  attn-team suggest --team Payments --top 10         # likely unlinked dependencies
  attn-team report --last --out sprint.html          # a sprint report for the review
  attn-team flow --team Payments --out flow.html     # cycle time, forecasts, cost of waiting
  attn-team demo                                     # all of it on the sample organisation
"""


_EPILOG = """\
Exit codes:
  0    done (also when the reader of the output stops early, as in 'attn-team info | head -1')
  1    the data, a file or the workspace cannot be used: the message says what and how to fix it
  2    usage error: unknown command or option, a missing or bad option value
  3    internal error (a bug): rerun with --debug and report the traceback
  130  interrupted (Ctrl-C)

Every error is one line on stderr, 'attn-team: error: WHAT; WHAT TO DO'. -v adds the
underlying cause, --debug prints the traceback. Commands that open a workspace take
--wait SECONDS to wait while another process (a notebook, another command) holds it.
"""


def _add_global_options(p: argparse.ArgumentParser, default) -> None:
    p.add_argument("-v", "--verbose", action="count", default=default,
                   help="more detail: the cause of an error, more logging (-v info, -vv debug)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS if default is argparse.SUPPRESS else False,
                   help="print the traceback of an error")


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, naming the help to read, exit code 2 (subcommand parsers inherit it)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="attn-team",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"attn-team {__version__}")
    _add_global_options(parser, 0)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        try:
            mod = importlib.import_module(f"attn_team._commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"attn_team._commands.{name}":
                continue  # not built yet
            raise
        mod.add_parser(sub)
    for p in _commands(sub):  # -v and --debug also after the command (attn-team info -v)
        if p.epilog is None:
            p.epilog = "Exit codes: 0 done, 1 data or workspace error, 2 usage error, 3 internal error (see attn-team --help)."
        _add_global_options(p, argparse.SUPPRESS)
    return parser


def _commands(sub):
    """Every (sub)command parser below ``sub``, nested ones (attn-team teams init) included."""
    for p in sub.choices.values():
        yield p
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                yield from _commands(action)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors: argparse prints them and exits 2
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # a library that sets its own logger to DEBUG (bm25s) stays quiet
        handler.setLevel(level)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print("attn-team: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every error becomes one line (and an exit code)
        from ._commands._errors import describe

        if args.debug:
            traceback.print_exc()
        code, message, detail = describe(exc, args)
        try:
            print(f"attn-team: error: {message}", file=sys.stderr)
            if args.verbose and detail:
                print(f"attn-team: detail: {detail}", file=sys.stderr)
        except BrokenPipeError:  # pragma: no cover - stderr closed too
            pass
        return code


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning of the library as one line, without the source line Python would print."""
    text = " ".join(str(message).split())
    kind = "warning" if category.__name__ != "DeprecationWarning" else "deprecation"
    try:
        print(f"attn-team: {kind}: {text}", file=sys.stderr)
    except (BrokenPipeError, ValueError):  # pragma: no cover - stderr closed
        pass


def _quiet_stdout() -> None:
    """The reader closed the pipe: send what is still buffered nowhere (no 'Exception ignored' at exit)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - no real stdout (captured in tests)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
