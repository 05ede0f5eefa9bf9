"""Bytes to text and rows to lines for the CSV reader (``_csv.py``).

Decoding (UTF-8, UTF-16 with BOM, the cp1252 fallback) and the slow walks with :mod:`csv`
that name the row and line of a problem once the fast path has found one.
"""

from __future__ import annotations

import codecs
import csv
import io

import numpy as np

from ..errors import JiraFormatError

__all__ = ["decode_jira_bytes"]


def decode_jira_bytes(data: bytes, *, file=None) -> tuple[str, list[str]]:
    """Decode a CSV file's bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252.

    Returns the text and a list of warning messages (the cp1252 fallback).

    Raises
    ------
    JiraFormatError
        For an empty file, binary data (NUL bytes) or bytes that are neither UTF-8 nor cp1252.
    """
    notes: list[str] = []
    if not data or data.isspace():
        raise JiraFormatError("empty file; expected a Jira CSV export with a header row", file=file, line=1)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), notes
        except UnicodeDecodeError as exc:
            raise JiraFormatError(f"invalid UTF-16 text at byte {exc.start}; expected a UTF-8 Jira CSV export", file=file) from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise JiraFormatError(
            f"binary data (NUL byte at offset {nul}); expected a text CSV export from Jira",
            file=file, line=data.count(b"\n", 0, nul) + 1,
        )
    try:
        return data.decode("utf-8-sig"), notes
    except UnicodeDecodeError as exc:
        bad = exc.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise JiraFormatError(
            f"not text: byte 0x{data[exc.start]:02x} at offset {exc.start} is neither UTF-8 nor cp1252; expected a Jira CSV export",
            file=file, line=data.count(b"\n", 0, exc.start) + 1,
        ) from None
    line = data.count(b"\n", 0, bad) + 1
    msg = (f"{file or 'input'}: not UTF-8 (byte 0x{data[bad]:02x} at offset {bad}, line {line}); "
           f"read as Windows cp1252, check accented characters")
    notes.append(msg)
    return text, notes


def _utf8_bytes(data: bytes, *, file=None) -> tuple[bytes, int, list[str]]:
    """The file as UTF-8 bytes, the offset after a BOM, and warnings (the cp1252 fallback).

    UTF-8 is validated in slices, so no decoded copy of a large file is kept.
    """
    if not data or data.isspace():
        raise JiraFormatError("empty file; expected a Jira CSV export with a header row", file=file, line=1)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data.find(b"\x00") >= 0:
        text, notes = decode_jira_bytes(data, file=file)  # UTF-16, or the NUL-byte error
        return text.encode("utf-8"), 0, notes
    begin = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 22
    try:
        for i in range(begin, len(data), step):
            decoder.decode(data[i:i + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        text, notes = decode_jira_bytes(data, file=file)  # cp1252, with a warning, or an error
        return text.encode("utf-8"), 0, notes
    return data, begin, []


def _line_of_row(data: str, row: int) -> int | None:
    """Physical line (1-based, in the whole file) where data row ``row`` starts; ``data`` starts after the header."""
    reader = csv.reader(io.StringIO(data, newline=""))
    n = 0
    last = 0
    try:
        for rec in reader:
            if not rec:
                last = reader.line_num
                continue
            n += 1
            if n == row:
                return last + 1
            last = reader.line_num
    except csv.Error:
        return None
    return None


def _first_bad_row(data: str, ncols: int) -> tuple[int, int, int] | None:
    """(row, line, n_cells) of the first data row whose length differs from ``ncols``."""
    reader = csv.reader(io.StringIO(data, newline=""))
    n = 0
    last = 0
    for rec in reader:
        if rec:
            n += 1
            if len(rec) != ncols:
                return n, last + 1, len(rec)
        last = reader.line_num
    return None


def _separators_per_line(stripped: bytes) -> np.ndarray:
    """Commas per non-blank line of CSV text whose quoted cells were removed.

    (``bytes.count`` per line: faster here than NumPy segment sums, which need
    an 8-byte counter per character.)
    """
    return np.fromiter((ln.count(b",") for ln in stripped.split(b"\n") if ln.strip(b"\r")), dtype=np.int64)
