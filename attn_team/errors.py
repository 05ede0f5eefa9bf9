"""Errors and warnings raised by attn_team."""

from __future__ import annotations

__all__ = ["JiraFormatError", "AttnTeamWarning"]


class AttnTeamWarning(UserWarning):
    """A documented, recoverable problem in the input (a skipped row, an unknown link type, ...)."""


class JiraFormatError(ValueError):
    """Input that cannot be read as a Jira export.

    The message always names the file, the place (line or row, and column or
    field, where known) and what was expected.

    Parameters
    ----------
    message : str
        What was wrong and what was expected.
    file : str, optional
        The file being read.
    line : int, optional
        1-based physical line (text formats) where the problem was found.
    row : int, optional
        1-based data row (CSV rows after the header; JSON issue index).
    field : str, optional
        Column or field name.
    """

    def __init__(self, message: str, *, file=None, line=None, row=None, field=None):
        self.file = None if file is None else str(file)
        self.line = line
        self.row = row
        self.field = field
        self.reason = message
        where = []
        if self.file is not None:
            where.append(self.file)
        if line is not None:
            where.append(f"line {line}")
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
