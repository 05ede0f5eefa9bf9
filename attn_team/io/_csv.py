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
from ._csv_text import _first_bad_row, _line_of_row, _separators_per_line, _utf8_bytes, decode_jira_bytes
from ._dates import parse_jira_dates
from ._locale import EPIC_TYPE_NAMES, canonical_header

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


def _stripped(a: np.ndarray) -> np.ndarray:
    """``str.strip`` of every cell (cells read with ``na_filter=False`` are all str)."""
    return np.array([v.strip() for v in a.tolist()], dtype=object)


def _stripped_few(a: np.ndarray) -> np.ndarray:
    """:func:`_stripped` of a column with few distinct values (people): each distinct value stripped once."""
    codes, uniq = pd.factorize(a)
    return np.array([u.strip() for u in uniq.tolist()] + [""], dtype=object)[codes]


def _nonempty(a: np.ndarray) -> np.ndarray:
    """Cells that are not the empty string (cells read with ``na_filter=False`` are all str)."""
    return a != ""


def _none_if_empty(a: np.ndarray) -> list:
    a = np.asarray(a, dtype=object)
    return np.where(_nonempty(a), a, None).tolist()


def _lists(cols: list[np.ndarray], n: int) -> list[list[str]]:
    """Per row, the non-empty cells of the repeated columns ``cols``, in column order."""
    if not cols:
        return [[] for _ in range(n)]
    out = [[v] if v else [] for v in cols[0].tolist()]
    if len(cols) > 1:  # most rows fill only the first of the repeated columns
        more = np.logical_or.reduce([_nonempty(c) for c in cols[1:]])
        cells = [c.tolist() for c in cols]
        for i in np.flatnonzero(more).tolist():
            out[i] = [c[i] for c in cells if c[i]]
    return out


def _comment_author(cell: str) -> str:
    """The author of a CSV comment cell ``date;author;body`` ("" when there is none)."""
    i = cell.find(";")
    j = cell.find(";", i + 1) if i >= 0 else -1
    return cell[i + 1:j].strip() if j >= 0 else ""  # (no copy of the body, unlike split)


def _merge_people(people: dict[str, str], ids: np.ndarray, names: np.ndarray) -> None:
    both = _nonempty(ids) & _nonempty(names)
    if both.any():
        # the first row's display name of an id wins; duplicates dropped in C, few people are left
        found = pd.DataFrame({"id": ids[both], "name": names[both]}, dtype=object).drop_duplicates("id")
        for i, nm in zip(found["id"].tolist(), found["name"].tolist()):
            people.setdefault(i.strip(), nm.strip())


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

    def col(field: str) -> np.ndarray | None:
        ps = single.get(field)
        return None if not ps else df[ps[0]].to_numpy(dtype=object)

    def first_nonempty(field: str) -> np.ndarray | None:
        ps = single.get(field)
        if not ps:
            return None
        out = df[ps[0]].to_numpy(dtype=object).copy()
        for p in ps[1:]:
            other = df[p].to_numpy(dtype=object)
            take = ~_nonempty(out) & _nonempty(other)
            out[take] = other[take]
        return out

    def line_of(row: int) -> int | None:
        line = _line_of_row(body_text(), row)
        return None if line is None else line + header_lines

    def fail(msg: str, row: int, field: str) -> JiraFormatError:
        return JiraFormatError(msg, file=file, line=line_of(row), row=row, field=field)

    key_name = header[single["key"][0]]
    keys_arr = _stripped(col("key"))
    raw = RawExport(source=source)
    if n == 0:
        return raw
    empty = keys_arr == ""
    if empty.any():
        row = int(np.flatnonzero(empty)[0]) + 1
        raise fail("empty issue key; expected a key such as 'PROJ-12'", row, key_name)
    key_list = keys_arr.tolist()
    joined = "\n".join(key_list)
    if joined.count("\n") != n - 1 or not _ALL_KEYS.fullmatch(joined):  # one pass in C; row by row to name the bad one
        row = next(i for i, k in enumerate(key_list, 1) if not _KEY_RE.match(k))
        raise fail(f"invalid issue key {key_list[row - 1][:40]!r}; expected a key such as 'PROJ-12'", row, key_name)
    dup = pd.Series(keys_arr, dtype=object).duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0]) + 1
        first = key_list.index(key_list[row - 1]) + 1
        raise fail(f"duplicate issue key {key_list[row - 1]!r} (first at row {first}); expected each issue once", row, key_name)

    # -- plain strings --------------------------------------------------------------
    def strings(field: str) -> list:
        c = first_nonempty(field) if field in ("team_field",) else col(field)
        if c is None:
            return [None] * n
        if field == "summary":
            c = np.array([v.replace("\r\n", "\n") for v in c.tolist()], dtype=object)
        return _none_if_empty(c)

    project = col("project")
    if project is None or not _nonempty(project).all():
        prefix = np.array([k.rsplit("-", 1)[0] for k in keys_arr.tolist()], dtype=object)
        project = prefix if project is None else np.where(_nonempty(project), project, prefix)

    # -- description: wiki markup -> plain text --------------------------------------------
    desc = col("description")
    if desc is None:
        descriptions = [None] * n
    else:
        try:
            from ._markup import wiki_to_text
        except ImportError:  # pragma: no cover - the markup module ships with the package
            wiki_to_text = None
        codes, uniq = pd.factorize(desc)
        uniq = [u.replace("\r\n", "\n") if "\r" in u else u for u in uniq.tolist()]
        conv = [(wiki_to_text(u) if wiki_to_text else u) if u else None for u in uniq]
        conv = [c if c else None for c in conv]
        descriptions = [conv[c] for c in codes.tolist()]

    # -- people: prefer account ids, keep display names ---------------------------------------
    people: dict[str, str] = {}

    def person(kind: str) -> list:
        ids, names_ = col(f"{kind}_id"), col(f"{kind}_name")
        ids = None if ids is None else _stripped_few(ids)
        names_ = None if names_ is None else _stripped_few(names_)
        if ids is None and names_ is None:
            return [None] * n
        if ids is None:
            return _none_if_empty(names_)
        if names_ is None:
            return _none_if_empty(ids)
        _merge_people(people, ids, names_)
        return _none_if_empty(np.where(_nonempty(ids), ids, names_))

    assignee = person("assignee")
    reporter = person("reporter")

    def mcols(field: str) -> list[np.ndarray]:
        return [df[p].to_numpy(dtype=object) for p in multi.get(field, [])]

    w_ids, w_names = mcols("watchers_id"), mcols("watchers_name")
    if w_ids:
        for a, b in zip(w_ids, w_names):
            _merge_people(people, a, b)
        w = [np.where(_nonempty(a), a, b) if b is not None else a
             for a, b in zip(w_ids, w_names + [None] * (len(w_ids) - len(w_names)))]
        watchers = _lists(w, n)
    else:
        watchers = _lists(w_names, n)

    # "date;author;body": the author of each comment, each author once per item
    authors = [np.array([_comment_author(v) if v else "" for v in c.tolist()], dtype=object) for c in mcols("comments")]
    commenters = [list(dict.fromkeys(w)) if len(w) > 1 else w for w in _lists(authors, n)]

    labels = _lists(mcols("labels"), n)
    components = _lists(mcols("components"), n)
    fix_versions = _lists(mcols("fix_versions"), n)
    sprints = _lists(mcols("sprints"), n)

    # -- story points ---------------------------------------------------------------------
    sp = first_nonempty("story_points")
    if sp is None:
        points = [None] * n
    else:
        codes, uniq = pd.factorize(sp)  # a handful of distinct values: each converted once
        s = [u.strip() for u in uniq.tolist()]
        num = pd.to_numeric(pd.Series([u.replace(",", ".") for u in s], dtype=object), errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(((np.array(s, dtype=object) != "") & np.isnan(num)) | np.isinf(num))
        if len(bad):
            row = int(np.flatnonzero(np.isin(codes, bad))[0]) + 1
            shown = s[codes[row - 1]]
            what = "not a finite number" if np.isinf(num[codes[row - 1]]) else "not a number"
            raise fail(f"story points {shown[:30]!r} is {what}; expected e.g. '3' or '0.5'", row, "Story Points")
        points = pd.Series(num[codes] if len(num) else np.full(n, np.nan)).astype("Float64")

    # -- dates ------------------------------------------------------------------------------
    def dates(field: str) -> pd.Series:
        c = col(field)
        if c is None:
            return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")).dt.tz_localize("UTC")
        hname = header[single[field][0]]
        try:
            s = parse_jira_dates(c, file=file, field=hname)
        except JiraFormatError as exc:
            raise fail(exc.reason, exc.row, hname) from None
        return s

    created, updated, resolved = dates("created"), dates("updated"), dates("resolved")

    # -- parent and epic --------------------------------------------------------------------
    parent = [None] * n
    has_parent = np.zeros(n, dtype=bool)
    pk = col("parent_key")
    if pk is not None:
        pk = _stripped(pk)
        has_parent = _nonempty(pk)
        parent = _none_if_empty(pk)
    pid = col("parent")
    if pid is not None:  # a key or an issue id; only where "Parent key" gave nothing
        by_id = None
        unresolved = 0
        for i in np.flatnonzero(_nonempty(pid) & ~has_parent).tolist():
            v = pid[i].strip()
            if not v:
                continue
            if _KEY_RE.match(v):
                parent[i] = v
                continue
            if by_id is None:  # built only when some parent is named by id
                ids = col("issue_id")
                by_id = {} if ids is None else {str(x).strip(): k for x, k in zip(ids.tolist(), keys_arr.tolist()) if x}
            if v in by_id:
                parent[i] = by_id[v]
            else:
                unresolved += 1
        if unresolved:
            msg = (f"{file}: {unresolved} row(s) name a parent by id that is not in this export "
                   f"and there is no 'Parent key' column; their parent is left empty")
            raw.warnings.append(msg)
            warnings.warn(msg, AttnTeamWarning, stacklevel=4)
    types = col("type")
    if types is None:
        is_epic = np.zeros(n, dtype=bool)
    else:
        codes, uniq = pd.factorize(types)
        is_epic = np.array([t.strip().casefold() in EPIC_TYPE_NAMES for t in uniq.tolist()] + [False], dtype=bool)[codes]
    el = col("epic_link")
    epic = [None] * n if el is None else _none_if_empty(_stripped(el))
    if el is not None:  # Epic Link holds a key, or (some Server exports) the epic's id or Epic Name
        odd = [i for i, v in enumerate(epic) if v and not _KEY_RE.match(v)]
        if odd:
            names_col = col("epic_name")
            by_name = {} if names_col is None else {v.strip(): k for v, k in zip(names_col.tolist(), keys_arr.tolist()) if v.strip()}
            ids_col = col("issue_id")
            by_id_e = {} if ids_col is None else {v.strip(): k for v, k in zip(ids_col.tolist(), keys_arr.tolist()) if v.strip()}
        unknown = 0
        for i in odd:
            epic[i] = by_id_e.get(epic[i]) or by_name.get(epic[i])
            unknown += epic[i] is None
        if unknown:
            msg = (f"{file}: {unknown} row(s) have an Epic Link that is neither an issue key nor the id or "
                   f"Epic Name of an epic in this export; their epic is left empty")
            raw.warnings.append(msg)
            warnings.warn(msg, AttnTeamWarning, stacklevel=4)
    # nearest epic ancestor (within the export) for items without an Epic Link
    todo = [i for i in range(n) if parent[i] and not epic[i] and not is_epic[i]]
    index = {k: i for i, k in enumerate(keys_arr.tolist())} if todo else {}
    for _ in range(3):  # epic > story > sub-task: a few hops are enough
        changed = False
        for i in todo:
            if epic[i]:
                continue
            p = parent[i]
            j = index.get(p)
            if j is None:
                continue
            e = p if is_epic[j] else epic[j]
            if e:
                epic[i] = e
                changed = True
        if not changed:
            break

    # -- links ------------------------------------------------------------------------------
    for (direction, ltype), ps in links.items():
        label = OUTWARD_PHRASES.get(ltype.casefold())
        for p in ps:
            c = df[p].to_numpy(dtype=object)
            for i in np.flatnonzero(_nonempty(c)).tolist():
                other = c[i].strip()
                if not other:
                    continue
                src, dst = (keys_arr[i], other) if direction == "outward" else (other, keys_arr[i])
                raw.links.append({"source_key": src, "target_key": dst, "link_type": ltype, "label": label})

    # -- records ----------------------------------------------------------------------------
    # no error can be raised from here on: free the column arrays first
    plain = {f: strings(f) for f in ("type", "status", "status_category", "priority", "summary", "team_field")}
    del df
    cols = {
        "key": keys_arr.tolist(),
        "project": project.tolist(),
        "type": plain["type"],
        "status": plain["status"],
        "status_category": plain["status_category"],
        "priority": plain["priority"],
        "summary": plain["summary"],
        "description": descriptions,
        "labels": labels,
        "components": components,
        "fix_versions": fix_versions,
        "assignee": assignee,
        "reporter": reporter,
        "watchers": watchers,
        "commenters": commenters,
        "parent_key": parent,
        "epic_key": epic,
        "story_points": points,
        "created": created,
        "updated": updated,
        "resolved": resolved,
        "sprints": sprints,
        "team_field": plain["team_field"],
    }
    raw.issues = IssueColumns(pd.DataFrame(cols))  # columns as they are: no dict per row
    raw.people = people
    log.debug("%s: %d issues, %d links", file, n, len(raw.links))
    return raw
