"""Reader for Jira's CSV exports ("Export CSV (all fields)" and "current fields").

Jira's CSV repeats a column name once per value (``Sprint``, ``Labels``,
``Watchers``, ``Comment``, ``Inward issue link (Blocks)``, repeated custom fields, ...),
so columns are read by **position**, never by (mangled) name. Header names in
other languages are translated by :mod:`attn_team.io._locale`; dates by
:mod:`attn_team.io._dates`.

Speed: the file is tokenised once by pandas' C parser, which converts only the
columns this reader uses (``usecols`` by position); the per-row work after that
is done column by column (dates: each distinct day and clock time parsed once;
descriptions, people and story points: each distinct value converted once), and the
issues go to :func:`~attn_team.io.assemble` as columns (an
:class:`~attn_team.io.IssueColumns`), not as one dict per row.
Row lengths are checked with one regular-expression pass (quoted cells removed,
separators counted per line); only when that check fails is the file walked again
with :mod:`csv` to name the offending row. ``benchmarks/bench_read_jira.py`` measures
it against ``pandas.read_csv``.

What is read (English names; other languages through the locale table):

=================================================  ===============================================
Jira column(s)                                     raw issue field
=================================================  ===============================================
``Issue key``                                      ``key`` (required, unique)
``Issue id``                                       used to resolve ``Parent`` ids to keys
``Project key``                                    ``project`` (else the key's prefix)
``Summary``, ``Issue Type``, ``Status``,           ``summary``, ``type``, ``status``,
``Priority``, ``Status Category``                  ``priority``, ``status_category``
``Description``                                    ``description`` (wiki markup -> plain text)
``Assignee Id``/``Assignee``, ``Reporter Id``/...  ``assignee``, ``reporter`` (account id when there)
``Watchers Id``/``Watchers`` (repeated)            ``watchers``
``Comment`` (repeated, ``date;author;body``)       ``commenters``
``Labels``, ``Components``, ``Fix versions``,      ``labels``, ``components``, ``fix_versions``,
``Sprint`` (each repeated)                         ``sprints`` (names; no dates in CSV)
``Parent key``/``Parent``/``Parent id``            ``parent_key``
``Custom field (Epic Link)``                       ``epic_key`` (a key, id or Epic Name; else the
                                                   nearest epic ancestor through ``Parent``)
``Custom field (Story Points)``, ``... (Story      ``story_points`` (first non-empty)
point estimate)``, ``Story Points``
``Custom field (Team)``, ``Team``                  ``team_field``
``Created``, ``Updated``, ``Resolved``             ``created``, ``updated``, ``resolved`` (UTC)
``Inward/Outward issue link (<type>)``             links, in Jira's outward direction
=================================================  ===============================================

Warnings (:class:`~attn_team.errors.AttnTeamWarning`, also kept in ``RawExport.warnings``):
the file is not UTF-8 and was read as cp1252; ``Parent`` holds ids of issues that
are not in the export (and there is no ``Parent key`` column), so those parents are left empty;
an ``Epic Link`` names no issue of the export, so that epic is left empty.
Everything else that cannot be read raises :class:`~attn_team.errors.JiraFormatError`.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import logging
import re
import warnings
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import AttnTeamWarning, JiraFormatError
from ._files import read_export_bytes
from ._assemble import IssueColumns, RawExport
from ._csv_columns import FIELDS, Columns, _stripped
from ._csv_text import _first_bad_row, _line_of_row, _separators_per_line, _utf8_bytes, decode_jira_bytes
from ._locale import canonical_header

__all__ = ["parse_jira_csv", "read_jira_csv", "decode_jira_bytes", "KEY_COLUMN"]

log = logging.getLogger(__name__)

#: The English name of the column every Jira CSV export has.
KEY_COLUMN = "Issue key"

# English header name (case-insensitive) -> field, for fields that take one value
_SINGLE = {
    "issue key": "key",
    "key": "key",
    "issue id": "issue_id",
    "summary": "summary",
    "issue type": "type",
    "status": "status",
    "status category": "status_category",
    "project key": "project",
    "priority": "priority",
    "description": "description",
    "assignee": "assignee_name",
    "assignee id": "assignee_id",
    "reporter": "reporter_name",
    "reporter id": "reporter_id",
    "created": "created",
    "updated": "updated",
    "resolved": "resolved",
    "parent": "parent",
    "parent id": "parent",
    "parent key": "parent_key",
    "custom field (epic link)": "epic_link",
    "epic link": "epic_link",
    "custom field (epic name)": "epic_name",
    "custom field (story points)": "story_points",
    "custom field (story point estimate)": "story_points",
    "story points": "story_points",
    "story point estimate": "story_points",
    "custom field (team)": "team_field",
    "team": "team_field",
}
# English header name -> field whose values are all the cells of the repeated column
_MULTI = {
    "labels": "labels",
    "component/s": "components",
    "components": "components",
    "fix version/s": "fix_versions",
    "fix versions": "fix_versions",
    "sprint": "sprints",
    "custom field (sprint)": "sprints",
    "watchers": "watchers_name",
    "watchers id": "watchers_id",
    "comment": "comments",
}
_LINK = re.compile(r"^(inward|outward) issue link \((.+)\)$", re.I)
#: Jira's outward phrase of common link types (CSV headers carry only the type name)
OUTWARD_PHRASES = {
    "blocks": "blocks",
    "cloners": "clones",
    "relates": "relates to",
    "duplicate": "duplicates",
    "problem/incident": "causes",
    "dependency": "depends on",
}
_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d+$")
_ALL_KEYS = re.compile(r"(?:[A-Za-z][A-Za-z0-9_]*-\d+\n)*[A-Za-z][A-Za-z0-9_]*-\d+")  # keys joined by newlines
_QUOTED = re.compile(rb'"[^"]*"')
_HEAD_BYTES = 1 << 20
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def read_jira_csv(path: str | PathLike) -> RawExport:
    """Read a Jira CSV export file into a :class:`~attn_team.io.RawExport`.

    Parameters
    ----------
    path : str or path-like
        The exported file (UTF-8 with or without BOM; cp1252 is accepted with a warning).

    Returns
    -------
    RawExport
        ``source`` is the file name. Pass it to :func:`attn_team.io.assemble`, or use
        :func:`attn_team.read_jira`, which does both.

    Raises
    ------
    JiraFormatError
        Naming the file, the line and row, the column and what was expected.
    """
    path = Path(path)
    data = read_export_bytes(path, expected="a Jira CSV export", allow_empty=True)
    data, begin, notes = _utf8_bytes(data, file=path)
    for msg in notes:
        warnings.warn(msg, AttnTeamWarning, stacklevel=2)
    holder = [data]  # handed over, so the parser can free the bytes once they are tokenised
    del data

    def reload() -> bytes:  # error messages after the bytes were freed (rare): the same bytes again
        return _utf8_bytes(read_export_bytes(path, expected="a Jira CSV export", allow_empty=True), file=path)[0]

    raw = _parse_utf8(holder, begin, source=path.name, file=path, reload=reload)
    raw.warnings[:0] = notes
    return raw


# -- helpers -------------------------------------------------------------------


# -- the parser ----------------------------------------------------------------


def parse_jira_csv(text: str, *, source: str, file=None) -> RawExport:
    """Parse the text of a Jira CSV export into a :class:`~attn_team.io.RawExport` (pure).

    Parameters
    ----------
    text : str
        The whole file, decoded (a leading BOM is ignored).
    source : str
        Name stored in ``items.source``.
    file : str or path-like, optional
        Named in error messages (defaults to ``source``).

    Returns
    -------
    RawExport

    Raises
    ------
    JiraFormatError
        For an empty text, binary data, a header that is not Jira's (no issue-key column,
        or another delimiter than the comma), a row with more or fewer cells than the header,
        an unterminated quoted cell (truncated file), an empty, malformed or duplicate issue
        key, an unreadable date or story-point number.

    Examples
    --------
    >>> raw = parse_jira_csv("Issue key,Summary,Sprint,Sprint\\nA-1,Hello,S1,S2\\n", source="x.csv")
    >>> raw.issues[0]["key"], raw.issues[0]["sprints"]
    ('A-1', ['S1', 'S2'])
    """
    file = source if file is None else file
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text or text.isspace():
        raise JiraFormatError("empty file; expected a Jira CSV export with a header row", file=file, line=1)
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise JiraFormatError("binary data (NUL character); expected a text CSV export from Jira", file=file, line=line)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates
        raise JiraFormatError(f"invalid character {text[exc.start]!r} at offset {exc.start}; expected text", file=file) from None
    holder = [data]
    del data
    return _parse_utf8(holder, 0, source=source, file=file, reload=lambda: text.encode("utf-8"))


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while building many small containers.

    The parser creates no reference cycles; without the pause CPython re-scans the
    growing lists of records again and again (about a third of the parse time).
    The previous state is restored on exit, also on errors.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _parse_utf8(holder: list[bytes], begin: int, *, source: str, file, reload) -> RawExport:
    """:func:`parse_jira_csv` on UTF-8 bytes (``holder``: a one-item list the bytes are taken from,
    so they can be freed half way; ``begin``: offset after a BOM; ``reload()``: the same bytes
    again, for the messages of errors found after they were freed)."""
    with _gc_paused():
        return _parse_body(holder, begin, source=source, file=file, reload=reload)


def _parse_body(holder: list[bytes], begin: int, *, source: str, file, reload) -> RawExport:
    data = holder.pop()
    # -- header ------------------------------------------------------------------
    head = data[begin:begin + _HEAD_BYTES].decode("utf-8", errors="ignore")  # a cut character at the end is dropped
    buf = io.StringIO(head, newline="")
    reader = csv.reader(buf)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        raise JiraFormatError(f"unreadable header ({exc}); expected a comma-separated Jira header row", file=file, line=1) from None
    header_lines = reader.line_num
    for pos, h in enumerate(header):
        if "\n" in h or "\r" in h:  # a quote opened in the header and closed (if ever) lines later
            raise JiraFormatError(
                f"header cell {pos + 1} opens a quote that is not closed on the header line ({h[:40]!r}...): "
                "expected one header line of column names, each quote closed", file=file, line=1, field=h.split("\n")[0][:40] or None,
            )
    consumed = buf.tell()
    if consumed >= len(head) and len(data) - begin > _HEAD_BYTES:
        raise JiraFormatError(f"the header row is longer than {_HEAD_BYTES} bytes; expected Jira's CSV header", file=file, line=1)
    start = begin + len(head[:consumed].encode("utf-8"))
    ncols = len(header)
    names = [canonical_header(h) for h in header]
    lower = [n.casefold() for n in names]

    single: dict[str, list[int]] = {}
    multi: dict[str, list[int]] = {}
    links: dict[tuple[str, str], list[int]] = {}
    for pos, name in enumerate(lower):
        if name in _SINGLE:
            single.setdefault(_SINGLE[name], []).append(pos)
        elif name in _MULTI:
            multi.setdefault(_MULTI[name], []).append(pos)
        else:
            m = _LINK.match(names[pos])
            if m:
                links.setdefault((m.group(1).lower(), m.group(2).strip()), []).append(pos)
    if "key" not in single:
        first = header[0] if header else ""
        for d, dname in _DELIMITERS.items():
            if ncols <= 2 and d in first and first.count(d) >= 2:
                raise JiraFormatError(
                    f"the header looks {dname}-separated ({first[:60]!r}...); expected Jira's comma-separated CSV",
                    file=file, line=1,
                )
        shown = ", ".join(repr(h[:40]) for h in header[:6]) + (", ..." if ncols > 6 else "")
        raise JiraFormatError(
            f"no issue-key column; expected a Jira CSV export whose header has {KEY_COLUMN!r} "
            f"(or a translation of it, see attn_team.io._locale), found {shown}",
            file=file, line=1, field=KEY_COLUMN,
        )
    dup_single = {f: p for f, p in single.items() if len(p) > 1 and f not in ("story_points", "team_field", "parent")}
    for f, p in dup_single.items():  # e.g. two "Issue key" columns: keep the first, say so
        log.info("%s: column %r appears %d times; the first is used", file, header[p[0]], len(p))

    # -- body: pandas' C tokenizer, converting only the columns we use --------------------
    usecols = sorted({p for ps in single.values() for p in ps}
                     | {p for ps in multi.values() for p in ps}
                     | {p for ps in links.values() for p in ps})
    body = io.BytesIO(data)  # shares the bytes, no copy
    body.seek(start)

    def body_text() -> str:  # error paths only
        return (reload() if data is None else data)[start:].decode("utf-8", errors="replace")

    # cells per record, counted before pandas builds its columns (so the two copies never coexist):
    # separators outside quoted cells, per line
    stripped = _QUOTED.sub(b"", memoryview(data)[start:])
    counts = _separators_per_line(stripped)
    del stripped
    try:
        df = pd.read_csv(
            body, header=None, names=list(range(ncols)), usecols=usecols, encoding="utf-8",
            dtype=object, na_filter=False, engine="c", skip_blank_lines=True,
            skipinitialspace=False, quotechar='"', doublequote=True, sep=",",
        )
    except pd.errors.EmptyDataError:
        df = pd.DataFrame({p: pd.Series([], dtype=object) for p in usecols})
    except (pd.errors.ParserError, ValueError, csv.Error, OverflowError, MemoryError) as exc:
        msg = str(exc)
        m = re.search(r"EOF inside string starting at row (\d+)", msg)
        if m:
            row = int(m.group(1)) + 1
            line = _line_of_row(body_text(), row)
            raise JiraFormatError(
                "a quoted cell is never closed (file truncated?); expected a closing '\"'",
                file=file, line=None if line is None else line + header_lines, row=row,
            ) from None
        bad = _first_bad_row(body_text(), ncols)
        if bad:
            row, line, n = bad
            raise JiraFormatError(f"{n} cells, expected {ncols} (one per header column)", file=file, line=line + header_lines, row=row) from None
        raise JiraFormatError(f"unreadable CSV ({msg.strip()[:200]}); expected Jira's comma-separated export", file=file) from None

    n = len(df)
    if n:
        # every record must have as many cells as the header
        if len(counts) != n or (counts != ncols - 1).any():
            bad = _first_bad_row(body_text(), ncols)
            if bad:
                row, line, got = bad
                last = " (the file looks truncated)" if row == n and got < ncols else ""
                raise JiraFormatError(
                    f"{got} cells, expected {ncols} (one per header column){last}",
                    file=file, line=line + header_lines, row=row,
                )
    # tokenised and checked: free the file's bytes (a later error re-reads them to name its line)
    data = body = counts = None  # noqa: F841 - also drops them from body_text's closure
    raw = RawExport(source=source)
    if n == 0:
        return raw
    cols = Columns(df, single=single, multi=multi, header=header, file=file, body_text=body_text,
                   header_lines=header_lines, key_re=_KEY_RE, people={})
    keys_arr = _checked_keys(cols, header[single["key"][0]])
    issues: dict = {"key": keys_arr.tolist(), "project": cols.project(keys_arr), "description": cols.description()}
    issues["story_points"] = cols.story_points()
    for field, kind, source_field in FIELDS:  # the declarative table (attn_team.io._csv_columns)
        issues[field] = cols.read(kind, source_field)
    issues["watchers"] = cols.watchers()
    issues["commenters"] = cols.commenters()
    issues["parent_key"] = cols.parents(keys_arr, raw)
    issues["epic_key"] = cols.epics(keys_arr, issues["parent_key"], raw)
    raw.links.extend(cols.links(links, keys_arr, OUTWARD_PHRASES))
    del df, cols.df
    raw.issues = IssueColumns(pd.DataFrame({c: issues[c] for c in _ISSUE_ORDER}))  # columns as they are: no dict per row
    raw.people = cols.people
    log.debug("%s: %d issues, %d links", file, n, len(raw.links))
    return raw


#: column order of the issues handed to assemble (as before the table: assemble reads by name)
_ISSUE_ORDER = ("key", "project", "type", "status", "status_category", "priority", "summary", "description",
                "labels", "components", "fix_versions", "assignee", "reporter", "watchers", "commenters",
                "parent_key", "epic_key", "story_points", "created", "updated", "resolved", "sprints", "team_field")


def _checked_keys(cols: Columns, key_name: str) -> np.ndarray:
    """The stripped issue keys; the first empty, malformed or repeated key is an error naming its row."""
    keys_arr = _stripped(cols.col("key"))
    n = len(keys_arr)
    empty = keys_arr == ""
    if empty.any():
        row = int(np.flatnonzero(empty)[0]) + 1
        raise cols.fail("empty issue key; expected a key such as 'PROJ-12'", row, key_name)
    key_list = keys_arr.tolist()
    joined = "\n".join(key_list)
    if joined.count("\n") != n - 1 or not _ALL_KEYS.fullmatch(joined):  # one pass in C; row by row to name the bad one
        row = next(i for i, k in enumerate(key_list, 1) if not _KEY_RE.match(k))
        raise cols.fail(f"invalid issue key {key_list[row - 1][:40]!r}; expected a key such as 'PROJ-12'", row, key_name)
    dup = pd.Series(keys_arr, dtype=object).duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0]) + 1
        first = key_list.index(key_list[row - 1]) + 1
        raise cols.fail(f"duplicate issue key {key_list[row - 1]!r} (first at row {first}); expected each issue once",
                        row, key_name)
    return keys_arr
