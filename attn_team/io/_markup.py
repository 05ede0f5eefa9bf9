"""Jira rich text -> plain text: wiki markup, Atlassian Document Format, HTML.

Every importer stores ``items.description`` as plain text so the embedding
layer sees words, not markup. Three dialects reach us:

* **wiki markup** (REST v2, CSV exports): ``h1.``, ``*bold*``, ``{code}``, ``[text|url]``, ...
* **Atlassian Document Format** (REST v3): a JSON tree of nodes.
* **HTML** (XML/RSS exports: ``<description>`` and ``<comment>`` bodies).

All three functions are total: any input of the declared type gives a string,
never an exception (unknown ADF nodes and unbalanced markup are tolerated).
"""

from __future__ import annotations

import _markupbase
import html
import operator
import re
from html.parser import HTMLParser
from typing import Any

from ._scan import NextMatch, citations, drop_at_line_start, escape_html_tail, first_code_open, literal_blocks, mentions, replace_spans, strip_tags, sub_before_last

__all__ = ["wiki_to_text", "adf_to_text", "html_to_text", "wiki_mentions"]


def _tidy(text: str, *, keep_indent: bool = False) -> str:
    """Strip trailing spaces, collapse runs of blanks and of empty lines (whole-text regexes and line strips)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if keep_indent:
        text = re.sub(r"[^\S\n]+\n", "\n", text)
        return _MANY_NL.sub("\n\n", text).strip()
    # Each pass runs only when it can change something (plain text skips them all; single-character
    # `in` checks are the cheapest, a multi-character one costs about as much as a literal-first search).
    if "\t" in text or "\xa0" in text:
        text = _BLANKS.sub(" ", text)
    elif "  " in text:
        text = _SPACES.sub(" ", text)  # the same as _BLANKS when the only blanks are spaces
    if "\n" in text and _NEWLINE_WORK.search(text):
        # Strip each line: removes what [^\S\n]*\n[^\S\n]* -> \n removes (str.isspace() is re's \s), and
        # also the first line's leading and the last line's trailing blanks, which the final strip() removes.
        text = "\n".join([ln.strip() for ln in text.split("\n")])
        text = _MANY_NL.sub("\n\n", text)
    return text.strip()  # == .strip("\n").strip()


# A pattern that starts with a literal lets the `re` engine jump to the candidate positions; one that
# starts with a character class is still tested at every character, and one that starts with a repeat,
# a lookbehind or ^ gets a full match attempt at every position. Hence the literal-first (at least
# class-first) spellings here and below, each equivalent to the form in its comment.
_BLANKS = re.compile(r"[ \t\u00a0](?:[ \t\u00a0]+|(?<=[\t\u00a0]))")  # [ \t\u00a0]{2,}|[\t\u00a0]
_SPACES = re.compile(r"   *")  # two or more spaces
# whitespace just after or just before a newline, or three newlines in a row
_NEWLINE_WORK = re.compile(r"\n(?:[^\S\n]|(?<=[^\S\n]\n)|\n\n)")
_MANY_NL = re.compile(r"\n\n\n+")  # \n{3,}


# --------------------------------------------------------------------------------------
# Jira wiki markup
# --------------------------------------------------------------------------------------

# {code}, {code:java}, {code:title=x|borderStyle=solid}, {noformat} ... blocks whose body is literal:
# r"\{(code|noformat)(?::[^}]*)?\}(.*?)\{\1\}" (re.S | re.I), in linear time by _scan.literal_blocks.
# {panel:title=Notes|bgColor=#fff}, {quote}, {color:red}, {anchor:x}, {expand:title} ... tags (open or close).
_MACRO = re.compile(r"\{(panel|quote|color|anchor|expand|section|column|tip|info|note|warning|toc|status)(?::([^}]*))?\}", re.I)
# Mentions, r"\[~(?:accountid:)?([^\]\s|]+)\]" (re.I), are found in linear time by _scan.mentions.
_LINK = re.compile(r"\[([^\[\]|\n]*)\|([^\[\]\n]*)\]")
_BARE_LINK = re.compile(r"\[((?:https?|ftp|mailto|file):[^\[\]\n|]*|#[^\[\]\n|]*|\^[^\[\]\n|]*)\]", re.I)
# An image ends at the first "!" after its start on the same line; the lookahead (?=[^!\n]*!) says so once,
# so a "!" without a closing one fails before the parts between try every ".png|" on the line.
_IMAGE = re.compile(r"!(?=[^\s!])(?=[^!\n]*!)[^!\n]*?\.(?:png|jpe?g|gif|bmp|svg|webp|tiff?)(?:\|[^!\n]*)?!", re.I)
_IMAGE_URL = re.compile(r"!(?=[^!\n]*!)https?://[^!\s]+(?:\|[^!\n]*)?!", re.I)
_TABLE_CELL = re.compile(r"\|\|?")


def _at_line_start(body: str, flags: int = 0) -> re.Pattern:
    r"""``^(?:body)`` (re.M) spelled newline-first; use with :func:`_drop_at_line_start`.

    A match at a line start is a match right after a newline, so the pattern consumes that newline
    (the substitution puts it back). A match can end right after a newline (``\s`` spans lines);
    ``^(?:body)`` would then match again at the line start just past it: the repeated
    ``(?<=\n)(?:body)`` takes those chained matches too.
    """
    return re.compile(rf"\n(?:{body})(?:(?<=\n)(?:{body}))*", flags | re.M)


def _drop_at_line_start(pat: re.Pattern, text: str) -> str:
    r"""``re.sub(r"^(?:body)", "", text, flags=re.M)`` for ``pat = _at_line_start(body)``.

    The newline put in front stands in for the start of the text; :func:`_scan.drop_at_line_start`
    tries one newline per run of blanks, in linear time.
    """
    return drop_at_line_start(pat, "\n" + text)[1:]


_HEADING = _at_line_start(r"\s*(?:h[1-6]|bq)\.\s*", re.I)  # ^\s*(?:h[1-6]|bq)\.\s*  (re.M | re.I)
# A necessary condition for _HEADING to match, like "h1." ... "h6." or "bq." in text.lower() (under re.I,
# h, b and q match only their two ASCII cases) but one literal-first search instead of seven scans.
_HEADING_HINT = re.compile(r"\.(?<=h[1-6]\.|bq\.)", re.I)
_BULLET = _at_line_start(r"\s*(?:[*#\-]+)\s+")  # ^\s*(?:[*#\-]+)\s+  (re.M)
_HR = _at_line_start(r"\s*-{4,}\s*$")  # ^\s*-{4,}\s*$  (re.M)
# "(y)" ... and ":)" ";-P" ...; every alternative starts with its literal. One pass for all of them, not one
# per alternative: the lookbehind of ":)" must see the text before a "(y)" in front of it is removed.
_EMOTICON = re.compile(
    r"\((?:[yni/x!?+\-*]|on|off|flag|flagoff)\)"
    r"|:(?<!\w:)-?[)(PDp](?!\w)"  # (?<!\w):-?...
    r"|;(?<!\w;)-?[)(PDp](?!\w)"
)
_COLON_EMOTICON = re.compile(r":(?<!\w:)-?[)(PDp](?!\w)")  # literal-first: much faster to search than _EMOTICON
# Inline phrase markup; the opening and closing marks must touch the words and not sit inside a word.
# (marker that must be present, pattern): a pattern runs only when its marker character is in the text; each is
# replaced by its group 1. The opening mark comes first and the check of the character before it follows
# as a width-2 lookbehind: (?<![\w*]\*) after \* is (?<![\w*]) before it, also at the start of the text.
_PHRASES = [
    ("{", re.compile(r"\{\{(.+?)\}\}", re.S)),  # {{monospace}}
    ("?", re.compile(r"\?\?(\S(?:.*?\S)?)\?\?")),  # ??citation??
    ("*", re.compile(r"\*(?<![\w*]\*)(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")),  # *bold*
    ("_", re.compile(r"_(?<![\w_]_)(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")),  # _italic_
    ("+", re.compile(r"\+(?<![\w+]\+)(?=\S)([^+\n]+?)(?<=\S)\+(?![\w+])")),  # +underline+
    ("^", re.compile(r"\^(?<![\w^]\^)(?=\S)([^^\n]+?)(?<=\S)\^(?![\w^])")),  # ^superscript^
    ("~", re.compile(r"~(?<![\w~\[]~)(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")),  # ~subscript~
    ("-", re.compile(r"-(?<![\w\-]-)(?=[^\s\-])([^\-\n]+?)(?<=[^\s\-])-(?![\w\-])")),  # -strike-
]
_GROUP1 = operator.itemgetter(1)  # as the template r"\1", without re's per-call template handling
_ESCAPE = re.compile(r"\\([^\w\s\\])")
_MACRO_TITLE = re.compile(r"(?:^|\|)title=([^|]*)")
_ESCAPED_MARK = re.compile("\x01(\\d+)\x01")
_LITERAL_MARK = re.compile("\x00(\\d+)\x00")
_PLACEHOLDER = "\x00{}\x00"
_MACRO_BLOCKS = ("panel", "quote", "expand", "section", "column", "tip", "info", "note", "warning")


def _macro(m: re.Match) -> str:
    name, params = m.group(1).lower(), m.group(2)
    if name in ("panel", "expand") and params:
        title = _MACRO_TITLE.search(params)
        if title:
            return "\n" + title.group(1) + "\n"
        if name == "expand":
            return "\n" + params + "\n"
    return "\n" if name in _MACRO_BLOCKS else ""


def _drop_mentions(text: str) -> str:
    return replace_spans(text, ((start, end, "") for start, end, _ in mentions(text)))


def wiki_mentions(s: str) -> list[str]:
    """User ids mentioned as ``[~accountid:...]`` or ``[~username]`` in wiki markup, in order."""
    if not isinstance(s, str):
        return []
    out: list[str] = []
    for _, _, ident in mentions(s):
        if ident not in out:
            out.append(ident)
    return out


def wiki_to_text(s: str) -> str:
    """Plain text of a Jira wiki-markup string: keep the words, drop the markup.

    Handles ``{code}``/``{noformat}`` (body kept verbatim), ``{quote}``, ``{panel:title=..}``
    (title kept), ``{color}``, headings (``h1.``), ``bq.``, bold/italic/underline/strike/
    monospace, links ``[text|url]`` (text kept) and ``[url]``, images (dropped), user
    mentions ``[~accountid:...]`` (dropped; see :func:`wiki_mentions`), tables (cells
    separated by spaces), bullets and numbered lists, ``\\\\`` line breaks and ``\\`` escapes.

    Parameters
    ----------
    s : str
        Wiki markup. ``None`` and non-strings give ``""``.

    Returns
    -------
    str

    Examples
    --------
    >>> wiki_to_text("h1. Plan\\n* *Refresh* the [token|https://x.io] for [~accountid:5b1]")
    'Plan\\nRefresh the token for'
    """
    if not isinstance(s, str) or not s:
        return ""
    text = s
    if "\x00" in text or "\x01" in text:
        text = text.replace("\x00", "").replace("\x01", "")  # our placeholder marks
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    literals: list[str] = []
    escaped: list[str] = []
    # Each step runs only when its marker occurs (most descriptions have few); every guard is a
    # necessary condition for its patterns to match, except the bullet one (kept as it was).
    if "{" in text:

        def _keep(body: str) -> str:
            literals.append(body.strip("\n"))
            return "\n" + _PLACEHOLDER.format(len(literals) - 1) + "\n"

        text = literal_blocks(text, _keep)
        # An unclosed {code} keeps the rest literally.
        opened = first_code_open(text)
        if opened:
            literals.append(text[opened[1]:].strip("\n"))
            text = text[: opened[0]] + "\n" + _PLACEHOLDER.format(len(literals) - 1)
    if "\\" in text:
        text = text.replace("\\\\", "\n")  # \\ line break
        if "\\" in text:

            def _escape(m: re.Match) -> str:
                escaped.append(m.group(1))
                return "\x01" + str(len(escaped) - 1) + "\x01"

            text = _ESCAPE.sub(_escape, text)  # \* \{ \[ escapes: literal characters
    if "{" in text:
        text = sub_before_last(_MACRO, _macro, text, "}")  # every macro ends with "}"
    if "[" in text:
        if "[~" in text:
            text = _drop_mentions(text)
        text = _LINK.sub(lambda m: m.group(1).strip() or m.group(2).strip(), text)
        text = _BARE_LINK.sub(lambda m: m.group(1).lstrip("#^"), text)
    if "!" in text:
        text = _IMAGE.sub("", text)
        text = _IMAGE_URL.sub("", text)
    if "----" in text:
        text = _drop_at_line_start(_HR, text)
    if _HEADING_HINT.search(text):
        text = _drop_at_line_start(_HEADING, text)
    # Not a necessary condition (e.g. "\n\v- x" has a bullet): keep exactly this guard, the output depends on it.
    if "\n-" in text or "\n*" in text or "\n#" in text or "\n " in text or "\n\t" in text or text.lstrip()[:1] in ("*", "#", "-"):
        text = _drop_at_line_start(_BULLET, text)
    for marker, pat in _PHRASES:
        if marker in text:
            # {{monospace}} ends with "}}", ??citation?? has its own scan (_scan.citations); the other
            # phrases cannot cross their own mark or a line end
            if marker == "{":
                text = sub_before_last(pat, _GROUP1, text, "}}")
            elif marker == "?":
                text = citations(text)
            else:
                text = pat.sub(_GROUP1, text)
    if "(" in text or ";" in text:
        text = _EMOTICON.sub("", text)
    elif ":" in text:
        text = _COLON_EMOTICON.sub("", text)  # the only alternative of _EMOTICON that can match here
    # table rows: ||head||head|| and |cell|cell|
    if "|" in text:
        text = "\n".join(_TABLE_CELL.sub(" ", ln).strip() if ln.lstrip().startswith("|") else ln for ln in text.split("\n"))
    if escaped:
        text = _ESCAPED_MARK.sub(lambda m: escaped[int(m.group(1))], text)
    if "&" in text:
        text = text.replace("&nbsp;", " ")
    text = _tidy(text)
    if literals:
        text = _LITERAL_MARK.sub(lambda m: literals[int(m.group(1))], text)
        text = _MANY_NL.sub("\n\n", text).strip()
    if literals or escaped:  # otherwise no \x00 or \x01 is left
        text = text.replace("\x00", "").replace("\x01", "")
    return text


# --------------------------------------------------------------------------------------
# Atlassian Document Format
# --------------------------------------------------------------------------------------

_ADF_BLOCK = {
    "doc", "paragraph", "heading", "blockquote", "codeBlock", "panel", "bulletList", "orderedList",
    "listItem", "table", "tableRow", "rule", "mediaSingle", "mediaGroup", "expand", "nestedExpand",
    "taskList", "taskItem", "decisionList", "decisionItem", "blockCard", "embedCard", "bodiedExtension",
    "extension", "layoutSection", "layoutColumn",
}
_ADF_MAX_DEPTH = 200
_BLANK_RUN = re.compile(r"\s+")


def _adf_inline(node: dict) -> str:
    t = node.get("type")
    attrs = node.get("attrs") if isinstance(node.get("attrs"), dict) else {}
    if t == "text":
        v = node.get("text")
        return v if isinstance(v, str) else ""
    if t == "hardBreak":
        return "\n"
    if t == "mention":
        v = attrs.get("text")
        return v.lstrip("@") if isinstance(v, str) else ""
    if t == "emoji":
        v = attrs.get("text") or attrs.get("shortName")
        return v if isinstance(v, str) else ""
    if t in ("inlineCard", "blockCard", "embedCard"):
        v = attrs.get("url")
        return v if isinstance(v, str) else ""
    if t == "status":
        v = attrs.get("text")
        return v if isinstance(v, str) else ""
    if t == "date":
        v = attrs.get("timestamp")
        try:
            import datetime as _dt

            return _dt.datetime.fromtimestamp(int(v) / 1000, _dt.timezone.utc).date().isoformat()
        except (TypeError, ValueError, OverflowError, OSError):
            return ""
    return ""


def adf_to_text(doc: Any) -> str:
    """Plain text of an Atlassian Document Format tree (REST v3 rich text).

    Paragraphs, headings, code blocks, panels and list items become lines; table
    cells in a row are joined by spaces; ``hardBreak`` is a newline; mentions keep
    the display text; emoji, dates, status lozenges and cards keep their text or
    URL; media is dropped. Unknown node types contribute the text of their
    children. Malformed trees (wrong types, cycles of depth > 200) are tolerated.

    Parameters
    ----------
    doc : dict
        An ADF node (usually ``{"type": "doc", "version": 1, "content": [...]}``).
        A plain string is treated as wiki markup; anything else gives ``""``.

    Returns
    -------
    str

    Examples
    --------
    >>> adf_to_text({"type": "doc", "content": [{"type": "paragraph",
    ...     "content": [{"type": "text", "text": "Hello"}, {"type": "hardBreak"},
    ...                 {"type": "mention", "attrs": {"text": "@Ann"}}]}]})
    'Hello\\nAnn'
    """
    if isinstance(doc, str):
        return wiki_to_text(doc)
    if not isinstance(doc, (dict, list)):
        return ""
    return _adf_text(doc, cells_once=True)


def _adf_text(doc: dict | list, *, cells_once: bool) -> str:
    """The walk of :func:`adf_to_text`.

    A table cell's words become one run (blanks collapsed). With ``cells_once`` a cell inside a
    cell leaves that to the outermost one, which gives the same text (collapsing is idempotent)
    in one pass instead of one per level of nesting (up to 100 on 1 MB: 100 MB of work).
    """
    parts: list[str] = []
    in_cell = 0

    def walk(node: Any, depth: int) -> None:
        if depth > _ADF_MAX_DEPTH:
            return
        if isinstance(node, list):
            for child in node:
                walk(child, depth + 1)
            return
        if not isinstance(node, dict):
            return
        t = node.get("type")
        t = t if isinstance(t, str) else ""
        inline = _adf_inline(node)
        if inline:
            parts.append(inline)
        if t in ("tableCell", "tableHeader"):  # a cell is one run of words
            nonlocal in_cell
            if in_cell and cells_once:
                parts.append(" ")
                walk(node.get("content"), depth + 1)
                parts.append(" ")
                return
            start = len(parts)
            in_cell += 1
            walk(node.get("content"), depth + 1)
            in_cell -= 1
            cell = _BLANK_RUN.sub(" ", "".join(parts[start:])).strip()
            del parts[start:]
            parts.append(" " + cell + " ")
            return
        block = t in _ADF_BLOCK
        if block:
            parts.append("\n")
        if t in ("expand", "nestedExpand", "panel"):
            attrs = node.get("attrs") if isinstance(node.get("attrs"), dict) else {}
            if isinstance(attrs.get("title"), str):
                parts.append(attrs["title"] + "\n")
        content = node.get("content")
        if isinstance(content, list):
            walk(content, depth + 1)
        elif t not in ("text",) and isinstance(node.get("text"), str) and not inline:
            parts.append(node["text"])  # unknown leaf carrying text
        if block:
            parts.append("\n")

    walk(doc, 0)
    return re.sub(r"\n{2,}", "\n", _tidy("".join(parts)))


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

_HTML_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "pre", "blockquote", "hr", "dd", "dt", "dl", "section", "article", "header", "footer",
    "thead", "tbody", "tfoot", "caption", "figure", "figcaption",
}
_HTML_SKIP = {"script", "style", "head", "title", "template"}


def _ends_as_text() -> bool:
    """Whether html.parser gives an unclosed tag at the end of the input as text (as up to the 2025
    security releases of Python, which made it linear and drop the tag): what escape_html_tail assumes."""

    class Probe(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.data: list[str] = []

        def handle_data(self, data):  # noqa: D102
            self.data.append(data)

    p = Probe()
    p.feed("x<a ")
    p.close()
    return "".join(p.data) == "x<a "


_OLD_HTML_PARSER = _ends_as_text() and "parse_comment" not in vars(HTMLParser) and "parse_marked_section" not in vars(HTMLParser)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    # The searches for the end of a comment or a marked section, which html.parser repeats from every
    # "<!--" or "<![" to the end of the input when there is none, answered once per parse pass.
    # Only over the _markupbase methods they copy (html.parser up to the 2025 security releases).
    if _OLD_HTML_PARSER:
        def goahead(self, end):  # noqa: D102
            self._ends: dict[re.Pattern, NextMatch] = {}
            super().goahead(end)

        def _end_of(self, pattern: re.Pattern, pos: int) -> re.Match | None:
            found = self._ends.get(pattern)
            if found is None:
                found = self._ends[pattern] = NextMatch(pattern, self.rawdata)
            return found(pos)

        def parse_comment(self, i, report=1):  # noqa: D102 - _markupbase.ParserBase.parse_comment with a remembered search
            if self.rawdata[i:i + 4] != "<!--":
                raise AssertionError("unexpected call to parse_comment()")
            match = self._end_of(_markupbase._commentclose, i + 4)
            if not match:
                return -1
            if report:
                self.handle_comment(self.rawdata[i + 4: match.start(0)])
            return match.end(0)

        def parse_marked_section(self, i, report=1):  # noqa: D102 - as _markupbase's, with a remembered search
            sect_name, j = self._scan_name(i + 3, i)
            if j < 0:
                return j
            if sect_name in {"temp", "cdata", "ignore", "include", "rcdata"}:
                match = self._end_of(_markupbase._markedsectionclose, i + 3)  # ]]>
            elif sect_name in {"if", "else", "endif"}:
                match = self._end_of(_markupbase._msmarkedsectionclose, i + 3)  # ]>
            else:
                raise AssertionError(f"unknown status keyword {self.rawdata[i + 3:j]!r} in marked section")
            if not match:
                return -1
            if report:
                self.unknown_decl(self.rawdata[i + 3: match.start(0)])
            return match.end(0)

    def handle_starttag(self, tag, attrs):  # noqa: D102
        if tag in _HTML_SKIP:
            self._skip += 1
        elif tag in _HTML_BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_startendtag(self, tag, attrs):  # noqa: D102
        if tag in _HTML_BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):  # noqa: D102
        if tag in _HTML_SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _HTML_BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_data(self, data):  # noqa: D102
        if not self._skip:
            self.parts.append(re.sub(r"[ \t\r\n\u00a0]+", " ", data))


def html_to_text(s: str) -> str:
    """Plain text of an HTML fragment (XML/RSS descriptions and comments).

    Block elements (``p``, ``div``, ``br``, ``li``, headings, table rows, ...) become
    line breaks, table cells are separated by spaces, entities are unescaped,
    ``script``/``style`` content is dropped; broken HTML is tolerated.

    Parameters
    ----------
    s : str
        HTML. ``None`` and non-strings give ``""``.

    Returns
    -------
    str

    Examples
    --------
    >>> html_to_text("<p>Fix &amp; test</p><ul><li>one</li><li>two</li></ul>")
    'Fix & test\\none\\ntwo'
    """
    if not isinstance(s, str) or not s:
        return ""
    p = _TextParser()
    try:
        p.feed(escape_html_tail(s) if _OLD_HTML_PARSER else s)
        p.close()
    except Exception:  # html.parser is lenient; this only guards against pathological input
        return _tidy(html.unescape(strip_tags(s)))
    return re.sub(r"\n{2,}", "\n", _tidy("".join(p.parts)))
