"""The markup converters in linear time: same output as the regexes they replace, no hang on adversarial text.

The reference is the converter as it was before the linear scanners (``attn_team/io/_scan.py``):
the same ``_markup`` module with each scanner swapped back for the regex operation its docstring
names. Both run on fuzzed markup and on the real texts of ``../shared/data/text-corpus``.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attn_team.io import _markup, _scan
from attn_team.io._markup import html_to_text, wiki_mentions, wiki_to_text

# The regexes the scanners replace, exactly as they were.
_LITERAL_BLOCK = re.compile(r"\{(code|noformat)(?::[^}]*)?\}(.*?)\{\1\}", re.S | re.I)
_CODE_OPEN = re.compile(r"\{(code|noformat)(?::[^}]*)?\}", re.I)
_MENTION = re.compile(r"\[~(?:accountid:)?([^\]\s|]+)\]", re.I)
_CITATION = re.compile(r"\?\?(\S(?:.*?\S)?)\?\?")
_IMAGE = re.compile(r"!(?=[^\s!])[^!\n]*?\.(?:png|jpe?g|gif|bmp|svg|webp|tiff?)(?:\|[^!\n]*)?!", re.I)
_IMAGE_URL = re.compile(r"!https?://[^!\s]+(?:\|[^!\n]*)?!", re.I)

_REGEX_FORMS = {
    "literal_blocks": lambda text, keep: _LITERAL_BLOCK.sub(lambda m: keep(m.group(2)), text),
    "first_code_open": lambda text: (lambda m: m and (m.start(), m.end()))(_CODE_OPEN.search(text)),
    "mentions": lambda text: ((m.start(), m.end(), m.group(1)) for m in _MENTION.finditer(text)),
    "citations": lambda text: _CITATION.sub(r"\1", text),
    "drop_at_line_start": lambda pattern, text: pattern.sub("\n", text),
    "sub_before_last": lambda pattern, repl, text, closer: pattern.sub(repl, text),
    "_drop_mentions": lambda text: _MENTION.sub("", text),
    "_IMAGE": _IMAGE,
    "_IMAGE_URL": _IMAGE_URL,
}


@contextlib.contextmanager
def _regex_markup():
    """``_markup`` with its linear scanners swapped for the regexes (the converters as they were)."""
    saved = {name: getattr(_markup, name) for name in _REGEX_FORMS}
    try:
        for name, value in _REGEX_FORMS.items():
            setattr(_markup, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(_markup, name, value)


class _PlainParser(_markup._TextParser):
    """The text parser on html.parser's own (quadratic) searches."""

    goahead = HTMLParser.goahead
    parse_comment = HTMLParser.parse_comment
    parse_marked_section = HTMLParser.parse_marked_section


def _regex_html_to_text(s: str) -> str:
    """html_to_text as it was: the raw string through html.parser, the regex strip as the fallback."""
    if not isinstance(s, str) or not s:
        return ""
    p = _PlainParser()
    try:
        p.feed(s)
        p.close()
    except Exception:
        return _markup._tidy(_markup.html.unescape(re.sub(r"<[^>]*>", " ", s)))
    return re.sub(r"\n{2,}", "\n", _markup._tidy("".join(p.parts)))


def _regex_wiki(s):
    with _regex_markup():
        return wiki_to_text(s), wiki_mentions(s)


_WIKI_CHARS = list("ab x*_-+^~?!{}[]|#\\:.=\n\t ") + ["{code", "{code:", "{noformat}", "{code}", "{panel:", "{quote}",
                                                     "[~", "accountid:", "h1.", "bq.", "??", "----", ".png", "|", "http://", "{{", "}}"]
_HTML_CHARS = list("<>/ab=\"' &;#\n") + ["<a ", "<!--", "-->", "<![", "CDATA[", "if ", "]]>", "]>", "<?", "</", "<p>", "<br/>",
                                         "<script>", "</script>", "&lt;", "&amp", "<img alt=x>", "<td>", "<!doctype"]


def _adf_docs():
    text = st.sampled_from(["a", " b ", "\n", "c  d", "\t", ""])
    leaf = st.builds(lambda t: {"type": "text", "text": t}, text)
    return st.recursive(leaf, lambda c: st.builds(lambda t, kids: {"type": t, "content": kids},
                                                   st.sampled_from(["tableCell", "tableHeader", "paragraph", "tableRow", "doc", "x"]),
                                                   st.lists(c, max_size=3)), max_leaves=12)


class TestSameAsRegexes:
    @settings(max_examples=300, deadline=None)
    @given(_adf_docs())
    def test_adf_nested_cells(self, doc):
        """Cells inside cells collapse their blanks once, at the outermost cell: the same text as at every level."""
        assert _markup._adf_text(doc, cells_once=True) == _markup._adf_text(doc, cells_once=False)

    @settings(max_examples=600, deadline=None)
    @given(st.lists(st.sampled_from(_WIKI_CHARS), max_size=40).map("".join))
    def test_wiki(self, s):
        assert (wiki_to_text(s), wiki_mentions(s)) == _regex_wiki(s)

    @settings(max_examples=600, deadline=None)
    @given(st.lists(st.sampled_from(_HTML_CHARS), max_size=40).map("".join))
    def test_html(self, s):
        assert html_to_text(s) == _regex_html_to_text(s)

    @settings(max_examples=500, deadline=None)
    @given(st.lists(st.sampled_from(["\n", " ", "\t", "\n\n", " " * 70, "x", "-", "----", "*", "# ", "h1.", "bq.", "H2. "]),
                    max_size=30).map("".join))
    def test_line_start_scan(self, s):
        """The scan the converter switches to on long blank runs (which short fuzzed text never has)."""
        for pattern in (_markup._HEADING, _markup._BULLET, _markup._HR):
            assert _scan.drop_at_line_start_scan(pattern, "\n" + s) == pattern.sub("\n", "\n" + s)

    @pytest.mark.parametrize("s", [
        "??a???", "??x ??x", "??a\nb??", "?????", "??ab??cd??",
        "[~accountid:]", "[~accountid:x] [~a|b] [~]", "{CODE}x{code} {code:a}b{Code}", "{code:x{noformat}y{noformat}",
        "<a <a <a", "<![x <a", "<![CDATA[ <a", "<p>a</p><![if <b", "x > <!-- <a", "<script>a > <b",
    ])
    def test_edge_cases(self, s):
        assert (wiki_to_text(s), wiki_mentions(s)) == _regex_wiki(s)
        assert html_to_text(s) == _regex_html_to_text(s)


def test_real_texts_give_the_same_output(shared_data):
    """Every title and description of the text corpus (24k real issues) converts as before."""
    path = shared_data / "text-corpus" / "tawosi_issues.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    texts = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.extend(t for t in (row.get("title"), row.get("description")) if isinstance(t, str) and t)
    assert len(texts) > 20_000
    new = [(wiki_to_text(t), wiki_mentions(t)) for t in texts]
    with _regex_markup():
        old = [(wiki_to_text(t), wiki_mentions(t)) for t in texts]
    assert sum(a != b for a, b in zip(new, old)) == 0
    html_like = [t for t in texts if "<" in t]
    assert html_like  # the corpus has pasted HTML and XML
    assert [html_to_text(t) for t in html_like] == [_regex_html_to_text(t) for t in html_like]


# The patterns of issue 10 that took minutes (each repeated to 1 MB).
ADVERSARIAL = {
    "wiki": ["{{", "{code:", "{panel:", "[~x", "\n ", "??x ", "!a.png|", "{code:}", "\n*"],
    "html": ["<a ", "<!-- >", "<![CDATA[", "</a ", "<?"],
}



def test_adversarial_megabyte_finishes():
    """A hang guard, not a speed test: 1 MB of each pattern must convert within a generous limit."""
    script = textwrap.dedent(f"""
        from attn_team.io._markup import adf_to_text, wiki_to_text, html_to_text, wiki_mentions
        from attn_team.io._json import parse_jira_json
        from attn_team.io._xml import parse_jira_xml
        n = 1_000_000
        for unit in {ADVERSARIAL["wiki"]!r}:
            s = "x h1." + unit * (n // len(unit))
            wiki_to_text(s); wiki_mentions(s)
        wiki_to_text("h1." + "\\n" * n + "y")
        for unit in {ADVERSARIAL["html"]!r}:
            html_to_text(unit * (n // len(unit)))
        node = {{"type": "text", "text": "word " * (n // 5)}}
        for _ in range(95):
            node = {{"type": "tableCell", "content": [node]}}
        adf_to_text({{"type": "doc", "content": [node]}})
        issues = [{{"key": f"A-{{i}}", "fields": {{"summary": "s", "description": "{{{{" * 16000}}}} for i in range(20)]
        parse_jira_json([("hang-guard.json", {{"issues": issues}})])
        legacy = "com.atlassian.greenhopper.service.sprint.Sprint@1[" * (n // 50)
        parse_jira_json([("hang-guard-sprint.json", {{"names": {{"customfield_10020": "Sprint"}},
                          "issues": [{{"key": "A-1", "fields": {{"customfield_10020": [legacy]}}}}]}})])
        item = "<item><key>A-1</key><summary>s</summary><description>" + "&lt;a " * (n // 6) + "</description></item>"
        parse_jira_xml("<rss><channel>" + item + "</channel></rss>", source="hang-guard.xml")
        print("done")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "done"

