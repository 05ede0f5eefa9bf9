"""Reading an export file's bytes, with the errors every reader gives in the same words."""

from __future__ import annotations

from pathlib import Path

from ..errors import JiraFormatError

__all__ = ["read_export_bytes", "read_head", "shown"]


def shown(value, limit: int = 60) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters of text with the full length said.

    A value quoted in a message may be a 200 KB description or a token pasted into a field:
    messages show its start only.
    """
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    try:
        text = repr(value)
    except ValueError:  # an int longer than int -> str allows (4,300 digits)
        return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    return text if len(text) <= limit + 2 else f"{text[:limit]}... ({len(text):,} characters)"


def read_head(path: Path, size: int = 4096) -> bytes | None:
    """The first ``size`` bytes of ``path`` (to sniff its kind), or ``None`` when it cannot be read (its reader reports why)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return None


def read_export_bytes(path: Path, *, expected: str, allow_empty: bool = False) -> bytes:
    """The bytes of ``path``; a :class:`JiraFormatError` naming the file when it cannot be read.

    Parameters
    ----------
    path : Path
    expected : str
        What the file should be, for the message ("a Jira REST JSON document", ...).
    allow_empty : bool, default=False
        When False, an empty (or all-blank) file is an error here; parsers that report
        emptiness with a line number of their own pass True.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise JiraFormatError(f"cannot read file: file not found; expected {expected}", file=path) from None
    except IsADirectoryError:
        raise JiraFormatError(f"cannot read file: is a directory; expected {expected}", file=path) from None
    except OSError as exc:
        raise JiraFormatError(f"cannot read file: {exc.strerror or exc}", file=path) from None
    if not allow_empty and not data.strip():
        raise JiraFormatError(f"empty file: expected {expected}", file=path)
    return data
