"""Linear-time scanners behind the markup converters (``_markup.py``).

A regex such as ``\\[~([^\\]\\s|]+)\\]`` is quadratic on text like ``"[~x" * n``: every ``[~``
scans to the end of the text and fails. Each function here gives exactly the result of
the regex operation named in its docstring (the tests compare both on fuzzed and real
text) while looking at every character a bounded number of times: the next occurrence of
a terminator is searched once and remembered (:class:`NextMatch`), and a start that must
fail for the same reason as the one before it is skipped.
"""

from __future__ import annotations

import re
from typing import Callable

__all__ = ["NextMatch", "replace_spans", "sub_before_last", "literal_blocks", "first_code_open", "mentions", "citations", "drop_at_line_start", "drop_at_line_start_scan"]


class NextMatch:
    """``pattern.search(text, pos)`` for growing ``pos``, each search result reused while it is still ahead.

    The leftmost match at or after ``pos`` is the same for every ``pos`` between the position the last
    search started from and the start of the match it found (and none stays none), so a scan of
    growing positions searches each part of the text once.
    """

    __slots__ = ("_pattern", "_text", "_from", "_match")

    def __init__(self, pattern: re.Pattern, text: str) -> None:
        self._pattern, self._text = pattern, text
        self._from = -1
        self._match: re.Match | None = None

    def __call__(self, pos: int) -> re.Match | None:
        m = self._match
        if self._from < 0 or pos < self._from or (m is not None and m.start() < pos):
            m = self._match = self._pattern.search(self._text, pos)
            self._from = pos
        return m


def replace_spans(text: str, spans) -> str:
    """``text`` with each ``(start, end, new)`` of ``spans`` (in order, not overlapping) put in place of ``text[start:end]``."""
    out: list[str] = []
    pos = 0
    for start, end, new in spans:
        out.append(text[pos:start])
        out.append(new)
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def sub_before_last(pattern: re.Pattern, repl, text: str, closer: str) -> str:
    """``pattern.sub(repl, text)`` for a pattern whose every match ends with ``closer`` (and no lookahead).

    No match can reach past the last ``closer``, so the text after it is left out of the
    search: a start there would scan to the end and fail.
    """
    cut = text.rfind(closer)
    if cut < 0:
        return text
    cut += len(closer)
    return pattern.sub(repl, text[:cut]) + text[cut:]


# -- {code}/{noformat} blocks ---------------------------------------------------------------
_OPEN_NAME = re.compile(r"\{(code|noformat)", re.I)
_BRACE = re.compile(r"\}")
_CLOSE = {"code": re.compile(r"\{code\}", re.I), "noformat": re.compile(r"\{noformat\}", re.I)}


def _opener_end(text: str, m: re.Match, next_brace: NextMatch) -> int:
    """End of ``\\{(code|noformat)(?::[^}]*)?\\}`` at ``m`` (its name matched), or -1.

    ``[^}]*`` stops at the first ``}``, and giving characters back only puts a non-``}`` before the
    required ``}``: the opener is unique, so no backtracking choice is left to try.
    """
    e = m.end()
    c = text[e:e + 1]
    if c == "}":
        return e + 1
    if c == ":":
        b = next_brace(e)
        return b.end() if b is not None else -1
    return -1


def literal_blocks(text: str, keep: Callable[[str], str]) -> str:
    r"""``re.sub(r"\{(code|noformat)(?::[^}]*)?\}(.*?)\{\1\}", lambda m: keep(m.group(2)), text, flags=re.S | re.I)``."""
    return replace_spans(text, _literal_block_spans(text, keep))


def _literal_block_spans(text: str, keep: Callable[[str], str]):
    m = _OPEN_NAME.search(text)
    if m is None:  # most texts: no block, nothing to set up
        return
    next_brace = NextMatch(_BRACE, text)
    closers = {name: NextMatch(pat, text) for name, pat in _CLOSE.items()}
    while m is not None:
        end = _opener_end(text, m, next_brace)
        close = closers[m.group(1).lower()](end) if end >= 0 else None
        if close is None:  # no block starts here; the next candidate is one character on
            m = _OPEN_NAME.search(text, m.start() + 1)
            continue
        yield m.start(), close.end(), keep(text[end:close.start()])
        m = _OPEN_NAME.search(text, close.end())


def first_code_open(text: str) -> tuple[int, int] | None:
    """``(m.start(), m.end())`` of ``re.search(r"\\{(code|noformat)(?::[^}]*)?\\}", text, re.I)``, or None."""
    if _OPEN_NAME.search(text) is None:
        return None
    next_brace = NextMatch(_BRACE, text)
    start = 0
    while True:
        m = _OPEN_NAME.search(text, start)
        if m is None:
            return None
        end = _opener_end(text, m, next_brace)
        if end >= 0:
            return m.start(), end
        start = m.start() + 1


# -- [~user] mentions ------------------------------------------------------------------------
_MENTION_OPEN = re.compile(r"\[~")
_ACCOUNT_ID = re.compile(r"accountid:", re.I)
_MENTION_STOP = re.compile(r"[\]\s|]")


def mentions(text: str):
    """``(start, end, id)`` of each match of ``re.finditer(r"\\[~(?:accountid:)?([^\\]\\s|]+)\\]", text, re.I)``.

    The id runs to the first ``]``, blank or ``|``; from every ``[~`` inside that run it ends at the
    same character, so when that is not a ``]`` the whole run is skipped.
    """
    stop = NextMatch(_MENTION_STOP, text)
    start = 0
    while True:
        m = _MENTION_OPEN.search(text, start)
        if m is None:
            return
        p = m.end()
        s = stop(p)
        if s is None:
            return  # no "]" ahead: nothing further can match
        q = s.start()
        if text[q] == "]" and q > p:
            prefixed = _ACCOUNT_ID.match(text, p, q)
            ident = text[p + 10:q] if prefixed is not None and q > p + 10 else text[p:q]
            yield m.start(), q + 1, ident
            start = q + 1
        else:
            start = q  # every "[~" before q stops at q as well


# -- ??citations?? ---------------------------------------------------------------------------
_QQ = re.compile(r"\?\?")
_QQ_END = re.compile(r"\S\?\?")
_NON_BLANK = re.compile(r"\S")
_NEWLINE = re.compile(r"\n")


def citations(text: str) -> str:
    r"""``re.sub(r"\?\?(\S(?:.*?\S)?)\?\?", r"\1", text)``.

    From the opening ``??`` at ``s`` the regex first tries the longer form, which ends at the first
    ``\S??`` that starts at ``s + 3`` or later on the same line, then ``??x??``; both searches are
    remembered, so a line of ``"??x "`` costs one pass, not one per ``??``.
    """
    return replace_spans(text, _citation_spans(text))


def _citation_spans(text: str):
    m = _QQ.search(text)
    if m is None:
        return
    end_at = NextMatch(_QQ_END, text)
    newline = NextMatch(_NEWLINE, text)
    while m is not None:
        g = m.end()
        close = -1
        if _NON_BLANK.match(text, g):
            e = end_at(g + 1)
            nl = newline(g + 1)
            if e is not None and (nl is None or nl.start() > e.start()):
                close = e.start() + 1
            elif text.startswith("??", g + 1):
                close = g + 1
        if close < 0:
            m = _QQ.search(text, m.start() + 1)
            continue
        yield m.start(), close + 2, text[g:close]
        m = _QQ.search(text, close + 2)


# -- patterns anchored at line starts ----------------------------------------------------------
_BLANK_RUN = re.compile(r"\s*")
# A newline followed by 64 blanks: without one, the regex retries at most 64 characters per newline.
_LONG_BLANKS = re.compile(r"\n\s{64}")


def drop_at_line_start(pattern: re.Pattern, text: str) -> str:
    r"""``pattern.sub("\n", text)`` for ``pattern = \n(?:\s*X...)...`` where X cannot match a blank.

    The regex itself runs unless the text has a long run of blanks after a newline; then
    :func:`drop_at_line_start_scan` gives the same in linear time.
    """
    if _LONG_BLANKS.search(text) is None:
        return pattern.sub("\n", text)
    return drop_at_line_start_scan(pattern, text)


def drop_at_line_start_scan(pattern: re.Pattern, text: str) -> str:
    r"""``pattern.sub("\n", text)`` (see :func:`drop_at_line_start`), trying one newline per run of blanks.

    ``\s*`` from any newline of a run of blanks ends where the run ends, and X must match there (a
    shorter ``\s*`` leaves a blank for X): every newline of the run matches the same way, so only
    its first newline is tried.
    """
    return replace_spans(text, _line_start_spans(pattern, text))


def _line_start_spans(pattern: re.Pattern, text: str):
    nl = text.find("\n")
    while nl >= 0:
        m = pattern.match(text, nl)
        if m is None:
            nl = text.find("\n", _BLANK_RUN.match(text, nl).end())
            continue
        yield nl, m.end(), "\n"
        nl = text.find("\n", m.end())


# -- HTML ------------------------------------------------------------------------------------
# A name token as _markupbase._scan_name reads it, and the keywords its marked sections accept.
_DECL_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*\s*")
_SECTION_NAMES = {"temp", "cdata", "ignore", "include", "rcdata", "if", "else", "endif"}
_SECTION_OPEN = re.compile(r"<!\[")


def _marked_section_raises(text: str, i: int) -> bool:
    """Whether html.parser raises (AssertionError) on the ``<![`` at ``i``: no name after it, or an unknown one."""
    j = i + 3
    if j == len(text):
        return False
    m = _DECL_NAME.match(text, j)
    if m is None:
        return True
    return m.end() != len(text) and m.group().strip().lower() not in _SECTION_NAMES


def escape_html_tail(s: str) -> str:
    """``s`` with every ``<`` after its last ``>`` written ``&lt;``: the same text to :class:`html.parser.HTMLParser`.

    With no ``>`` ahead no tag, comment or declaration can end, so the parser gives each as text,
    but only after scanning to the end of the input for its end: quadratic for ``"<a " * n``. The
    one ``<`` it does not give as text, a ``<![`` it raises on, stays as it is.
    """
    cut = s.rfind(">") + 1
    if "<" not in s[cut:]:
        return s
    tail = s[cut:]
    raw = [m.start() for m in _SECTION_OPEN.finditer(tail) if _marked_section_raises(s, cut + m.start())] if "<![" in tail else []
    if raw:
        parts, pos = [], 0
        for i in raw:
            parts.append(tail[pos:i].replace("<", "&lt;"))
            parts.append("<")
            pos = i + 1
        parts.append(tail[pos:].replace("<", "&lt;"))
        return s[:cut] + "".join(parts)
    return s[:cut] + tail.replace("<", "&lt;")


def strip_tags(s: str) -> str:
    """``re.sub(r"<[^>]*>", " ", s)``: each match runs from a ``<`` to the first ``>`` after it."""
    return replace_spans(s, _tag_spans(s))


def _tag_spans(s: str):
    lt = s.find("<")
    while lt >= 0:
        gt = s.find(">", lt)
        if gt < 0:
            return
        yield lt, gt + 1, " "
        lt = s.find("<", gt + 1)
