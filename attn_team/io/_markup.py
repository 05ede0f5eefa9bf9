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

import html
import re
from html.parser import HTMLParser
from typing import Any

__all__ = ["wiki_to_text", "adf_to_text", "html_to_text", "wiki_mentions"]


def _tidy(text: str, *, keep_indent: bool = False) -> str:
    """Strip trailing spaces, collapse runs of blanks and of empty lines (whole-text regexes, not per line)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if keep_indent:
        text = re.sub(r"[^\S\n]+\n", "\n", text)
    else:
        text = _BLANKS.sub(" ", text)
        text = _AROUND_NL.sub("\n", text)
    text = _MANY_NL.sub("\n\n", text)
    return text.strip("\n").strip()


_BLANKS = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")  # single spaces are left alone (no work)
_AROUND_NL = re.compile(r"[^\S\n]*\n[^\S\n]*")
_MANY_NL = re.compile(r"\n{3,}")


# --------------------------------------------------------------------------------------
# Jira wiki markup
# --------------------------------------------------------------------------------------

# {code}, {code:java}, {code:title=x|borderStyle=solid}, {noformat} ... blocks whose body is literal.
_LITERAL_BLOCK = re.compile(r"\{(code|noformat)(?::[^}]*)?\}(.*?)\{\1\}", re.S | re.I)
# {panel:title=Notes|bgColor=#fff}, {quote}, {color:red}, {anchor:x}, {expand:title} ... tags (open or close).
_MACRO = re.compile(r"\{(panel|quote|color|anchor|expand|section|column|tip|info|note|warning|toc|status)(?::([^}]*))?\}", re.I)
_MENTION = re.compile(r"\[~(?:accountid:)?([^\]\s|]+)\]", re.I)
_LINK = re.compile(r"\[([^\[\]|\n]*)\|([^\[\]\n]*)\]")
_BARE_LINK = re.compile(r"\[((?:https?|ftp|mailto|file):[^\[\]\n|]*|#[^\[\]\n|]*|\^[^\[\]\n|]*)\]", re.I)
_IMAGE = re.compile(r"!(?=[^\s!])[^!\n]*?\.(?:png|jpe?g|gif|bmp|svg|webp|tiff?)(?:\|[^!\n]*)?!", re.I)
_IMAGE_URL = re.compile(r"!https?://[^!\s]+(?:\|[^!\n]*)?!", re.I)
_HEADING = re.compile(r"^\s*(?:h[1-6]|bq)\.\s*", re.M | re.I)
_BULLET = re.compile(r"^\s*(?:[*#\-]+)\s+", re.M)
_TABLE_CELL = re.compile(r"\|\|?")
_HR = re.compile(r"^\s*-{4,}\s*$", re.M)
_EMOTICON = re.compile(r"\((?:[yni/x!?+\-*]|on|off|flag|flagoff)\)|(?<!\w)[:;]-?[)(PDp](?!\w)")
# Inline phrase markup; the opening and closing marks must touch the words and not sit inside a word.
# (marker that must be present, pattern, replacement): a pattern runs only when its marker is in the text
_PHRASES = [
    ("{{", re.compile(r"\{\{(.+?)\}\}", re.S), r"\1"),  # {{monospace}}
    ("??", re.compile(r"\?\?(\S(?:.*?\S)?)\?\?"), r"\1"),  # ??citation??
    ("*", re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *bold*
    ("_", re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"),  # _italic_
    ("+", re.compile(r"(?<![\w+])\+(?=\S)([^+\n]+?)(?<=\S)\+(?![\w+])"), r"\1"),  # +underline+
    ("^", re.compile(r"(?<![\w^])\^(?=\S)([^^\n]+?)(?<=\S)\^(?![\w^])"), r"\1"),  # ^superscript^
    ("~", re.compile(r"(?<![\w~\[])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), r"\1"),  # ~subscript~
    ("-", re.compile(r"(?<![\w\-])-(?=[^\s\-])([^\-\n]+?)(?<=[^\s\-])-(?![\w\-])"), r"\1"),  # -strike-
]
_PLACEHOLDER = "\x00{}\x00"


def wiki_mentions(s: str) -> list[str]:
    """User ids mentioned as ``[~accountid:...]`` or ``[~username]`` in wiki markup, in order."""
    if not isinstance(s, str):
        return []
    out: list[str] = []
    for m in _MENTION.finditer(s):
        if m.group(1) not in out:
            out.append(m.group(1))
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
    text = s.replace("\x00", "").replace("\x01", "")  # our placeholder marks
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    literals: list[str] = []

    def _keep(m: re.Match) -> str:
        literals.append(m.group(2).strip("\n"))
        return "\n" + _PLACEHOLDER.format(len(literals) - 1) + "\n"

    text = _LITERAL_BLOCK.sub(_keep, text)
    # An unclosed {code} keeps the rest literally.
    m = re.search(r"\{(code|noformat)(?::[^}]*)?\}", text, re.I)
    if m:
        literals.append(text[m.end():].strip("\n"))
        text = text[: m.start()] + "\n" + _PLACEHOLDER.format(len(literals) - 1)

    def _macro(m: re.Match) -> str:
        name, params = m.group(1).lower(), m.group(2)
        if name in ("panel", "expand") and params:
            title = re.search(r"(?:^|\|)title=([^|]*)", params)
            if title:
                return "\n" + title.group(1) + "\n"
            if name == "expand":
                return "\n" + params + "\n"
        return "\n" if name in ("panel", "quote", "expand", "section", "column", "tip", "info", "note", "warning") else ""

    text = text.replace("\\\\", "\n")  # \\ line break
    escaped: list[str] = []

    def _escape(m: re.Match) -> str:
        escaped.append(m.group(1))
        return "\x01" + str(len(escaped) - 1) + "\x01"

    if "\\" in text:
        text = re.sub(r"\\([^\w\s\\])", _escape, text)  # \* \{ \[ escapes: literal characters
    # each pattern runs only when its marker character occurs (most descriptions have few)
    if "{" in text:
        text = _MACRO.sub(_macro, text)
    if "[" in text:
        text = _MENTION.sub("", text)
        text = _LINK.sub(lambda m: m.group(1).strip() or m.group(2).strip(), text)
        text = _BARE_LINK.sub(lambda m: m.group(1).lstrip("#^"), text)
    if "!" in text:
        text = _IMAGE.sub("", text)
        text = _IMAGE_URL.sub("", text)
    if "----" in text:
        text = _HR.sub("", text)
    low = text.lower()
    if "bq." in low or any(h in low for h in ("h1.", "h2.", "h3.", "h4.", "h5.", "h6.")):
        text = _HEADING.sub("", text)
    if text.lstrip()[:1] in ("*", "#", "-") or "\n*" in text or "\n#" in text or "\n-" in text or "\n " in text or "\n\t" in text:
        text = _BULLET.sub("", text)
    for marker, pat, rep in _PHRASES:
        if marker in text:
            text = pat.sub(rep, text)
    if "(" in text or ":" in text or ";" in text:
        text = _EMOTICON.sub("", text)
    # table rows: ||head||head|| and |cell|cell|
    if "|" in text:
        text = "\n".join(_TABLE_CELL.sub(" ", ln).strip() if ln.lstrip().startswith("|") else ln for ln in text.split("\n"))
    if escaped:
        text = re.sub("\x01(\\d+)\x01", lambda m: escaped[int(m.group(1))], text)
    text = text.replace("&nbsp;", " ")
    text = _tidy(text)
    if literals:
        text = re.sub("\x00(\\d+)\x00", lambda m: literals[int(m.group(1))], text)
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text.replace("\x00", "").replace("\x01", "")


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
    parts: list[str] = []

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
            start = len(parts)
            walk(node.get("content"), depth + 1)
            cell = re.sub(r"\s+", " ", "".join(parts[start:])).strip()
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


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

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
        p.feed(s)
        p.close()
    except Exception:  # html.parser is lenient; this only guards against pathological input
        return _tidy(html.unescape(re.sub(r"<[^>]*>", " ", s)))
    return re.sub(r"\n{2,}", "\n", _tidy("".join(p.parts)))
