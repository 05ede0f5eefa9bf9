"""One line (and an exit code) for every error a command can meet; see the epilog of ``attn-team --help``."""

from __future__ import annotations

import traceback
from pathlib import Path

#: exit codes (documented in ``attn-team --help`` and the README)
DATA_ERROR = 1
USAGE_ERROR = 2
INTERNAL_ERROR = 3


class CommandError(Exception):
    """An expected failure of a command: the message says what is wrong and what to do."""

    code = DATA_ERROR


class UsageError(CommandError):
    """The command line itself is wrong (exit code 2)."""

    code = USAGE_ERROR


def _first_line(text: str) -> str:
    text = str(text).strip()
    return text.splitlines()[0] if text else ""


def _frames(exc: BaseException) -> list[str]:
    """``attn_team/x.py:123 (func)`` of the package's frames of the traceback, innermost last."""
    out = []
    for f in traceback.extract_tb(exc.__traceback__):
        parts = Path(f.filename).parts
        if "attn_team" in parts:
            out.append(f"{'/'.join(parts[len(parts) - 1 - parts[::-1].index('attn_team'):])}:{f.lineno} ({f.name})")
    return out


def _cause(exc: BaseException) -> str | None:
    c = exc.__cause__ or exc.__context__
    return f"caused by {type(c).__name__}: {_first_line(c)}" if c is not None else None


def describe(exc: BaseException, args) -> tuple[int, str, str | None]:
    """``(exit code, one-line message, detail for -v)`` of an exception raised by a command."""
    from ..errors import JiraFormatError
    from ..workspace import WorkspaceError

    if isinstance(exc, CommandError):
        return exc.code, str(exc), _cause(exc)
    if isinstance(exc, WorkspaceError):
        msg = str(exc)
        if exc.reason == "missing":
            msg = f"no workspace at {exc.path}; run 'attn-team import FILE' first, or pass --workspace PATH"
        elif exc.reason == "locked" and getattr(args, "wait", None) is not None and not args.wait:
            msg += "; or pass --wait SECONDS to wait for it"
        return DATA_ERROR, msg, exc.detail
    if type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb"):
        from .._workspace_errors import translate

        w = translate(exc, str(getattr(args, "workspace", None) or "the workspace"))
        return DATA_ERROR, str(w), w.detail
    if isinstance(exc, JiraFormatError):
        return DATA_ERROR, _first_line(exc), _cause(exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        what = (exc.strerror or type(exc).__name__).lower()
        fix = {
            PermissionError: "check its permissions, or choose a place you can write to",
            IsADirectoryError: "give a file name inside that folder",
            NotADirectoryError: "a part of the path is a file, not a folder: check the path",
            FileNotFoundError: "check the path",
            FileExistsError: "choose another name, or remove it first",
        }.get(type(exc), "check the path and its permissions")
        return DATA_ERROR, f"{exc.filename}: {what}; {fix}", _cause(exc)
    if isinstance(exc, (FileNotFoundError, KeyError, ValueError, OSError)):
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        text = _first_line(msg)
        if " " in text:  # a sentence: raised on purpose, with the fix in it
            return DATA_ERROR, text, _cause(exc)
    frames = _frames(exc)
    at = f" at {frames[-1].split(' ')[0]}" if frames else ""
    detail = "raised at " + " <- ".join(reversed(frames[-4:])) if frames else _cause(exc)
    message = (f"internal error ({type(exc).__name__}: {_first_line(exc) or '-'}{at}); this is a bug in attn_team: "
               "rerun with --debug and report the traceback")
    return INTERNAL_ERROR, message, detail
