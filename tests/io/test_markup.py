"""Jira rich text -> plain text: wiki markup, Atlassian Document Format, HTML."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attn_team.io._markup import adf_to_text, html_to_text, wiki_mentions, wiki_to_text


def _p(*inline):
    return {"type": "paragraph", "content": list(inline)}


def _t(text, marks=None):
    node = {"type": "text", "text": text}
    if marks:
        node["marks"] = [{"type": m} for m in marks]
    return node


def _doc(*blocks):
    return {"type": "doc", "version": 1, "content": list(blocks)}


class TestWikiToText:
    @pytest.mark.parametrize(
        "markup, expected",
        [
            ("h1. Token refresh", "Token refresh"),
            ("h3.Heading without space", "Heading without space"),
            ("bq. quoted line", "quoted line"),
            ("a *bold* word", "a bold word"),
            ("an _italic_ word", "an italic word"),
            ("-struck- +under+ ^sup^ ~sub~ ??cite??", "struck under sup sub cite"),
            ("use {{monospace}} here", "use monospace here"),
            ("see [the docs|https://example.com/docs] now", "see the docs now"),
            ("go to [https://example.com]", "go to https://example.com"),
            ("{color:#ff0000}red words{color}", "red words"),
            ("shot !screen.png|thumbnail! here", "shot here"),
            ("ok (y) done (/)", "ok done"),
            ("line one\\\\line two", "line one\nline two"),
            ("escaped \\*star\\*", "escaped *star*"),
        ],
    )
    def test_inline(self, markup, expected):
        assert wiki_to_text(markup) == expected

    def test_words_inside_identifiers_are_kept(self):
        assert wiki_to_text("call snake_case_name and a-b-c and 2*3*4") == "call snake_case_name and a-b-c and 2*3*4"

    def test_code_block_kept_verbatim(self):
        text = wiki_to_text("Before\n{code:java}\nint x = *p * 2; // _keep_ [a|b]\n{code}\nAfter")
        assert text == "Before\n\nint x = *p * 2; // _keep_ [a|b]\n\nAfter"

    def test_noformat_and_unclosed_code(self):
        assert "raw *text*" in wiki_to_text("{noformat}raw *text*{noformat}")
        assert wiki_to_text("x\n{code}\nrest *kept*").endswith("rest *kept*")

    def test_quote_and_panel_keep_words_and_title(self):
        text = wiki_to_text("{quote}quoted words{quote}\n{panel:title=Release notes|borderStyle=dashed}panel body{panel}")
        assert text.split("\n") == ["quoted words", "", "Release notes", "panel body"]

    def test_table(self):
        assert wiki_to_text("||Team||Owner||\n|Payments|Ann|") == "Team Owner\nPayments Ann"

    def test_bullets_and_numbers(self):
        assert wiki_to_text("* one\n** two\n# three\n- four") == "one\ntwo\nthree\nfour"

    def test_bold_at_line_start_is_not_a_bullet(self):
        assert wiki_to_text("*Note:* read this") == "Note: read this"

    def test_mentions_dropped_from_text_and_listed(self):
        s = "ping [~accountid:712020:00000000-0000-0000-0000-000000000007] and [~jdoe]"
        assert wiki_to_text(s) == "ping and"
        assert wiki_mentions(s) == ["712020:00000000-0000-0000-0000-000000000007", "jdoe"]

    @pytest.mark.parametrize("value", [None, "", 3, ["h1. x"]])
    def test_non_text_gives_empty(self, value):
        assert wiki_to_text(value) == ""

    def test_crlf(self):
        assert wiki_to_text("h2. A\r\n* b\r\n") == "A\nb"

    @pytest.mark.parametrize(
        "markup, expected",
        [
            # a line-start match that ends in a newline is followed by another one at the next line start
            ("- a\n- \n- b", "a\nb"),
            ("* \n# x", "x"),
            ("----\n\n\n----\nend", "end"),
            ("h1.\nh2. Title", "Title"),
            # one emoticon pass: the lookbehind of ":)" sees the text before "(y)" was removed
            ("a(y):) b", "a b"),
            ("x:) (y):D", "x:)"),
            ("*a* _b_ x*y* ~c~", "a b x*y* c"),
            ("a-b -c- d", "a-b c d"),
            ("p  q\t r \n  s\u2003\n\n\n\nt ", "p q r\ns\n\nt"),
        ],
    )
    def test_line_starts_emoticons_and_blanks(self, markup, expected):
        assert wiki_to_text(markup) == expected


class TestAdfToText:
    def test_paragraphs_and_hard_break(self):
        doc = _doc(_p(_t("Hello "), _t("world", ["strong"]), {"type": "hardBreak"}, _t("next")), _p(_t("second")))
        assert adf_to_text(doc) == "Hello world\nnext\nsecond"

    def test_heading_list_code_mention(self):
        doc = _doc(
            {"type": "heading", "attrs": {"level": 2}, "content": [_t("Plan")]},
            {"type": "bulletList", "content": [
                {"type": "listItem", "content": [_p(_t("first"))]},
                {"type": "listItem", "content": [_p(_t("ask "), {"type": "mention", "attrs": {"id": "abc", "text": "@Ann Lee"}})]},
            ]},
            {"type": "orderedList", "content": [{"type": "listItem", "content": [_p(_t("step"))]}]},
            {"type": "codeBlock", "attrs": {"language": "python"}, "content": [_t("x = 1\ny = 2")]},
        )
        assert adf_to_text(doc) == "Plan\nfirst\nask Ann Lee\nstep\nx = 1\ny = 2"

    def test_table(self):
        row = lambda *cells, kind="tableCell": {"type": "tableRow", "content": [{"type": kind, "content": [_p(_t(c))]} for c in cells]}  # noqa: E731
        doc = _doc({"type": "table", "content": [row("Team", "Owner", kind="tableHeader"), row("Payments", "Ann")]})
        assert adf_to_text(doc) == "Team Owner\nPayments Ann"

    def test_cards_emoji_status_date_and_media(self):
        doc = _doc(_p(
            {"type": "inlineCard", "attrs": {"url": "https://example.com/x"}},
            _t(" "),
            {"type": "emoji", "attrs": {"shortName": ":smile:", "text": "😄"}},
            _t(" "),
            {"type": "status", "attrs": {"text": "BLOCKED"}},
            _t(" "),
            {"type": "date", "attrs": {"timestamp": "1709251200000"}},
        ), {"type": "mediaSingle", "content": [{"type": "media", "attrs": {"id": "x", "type": "file"}}]})
        assert adf_to_text(doc) == "https://example.com/x 😄 BLOCKED 2024-03-01"

    def test_unknown_nodes_contribute_their_children(self):
        doc = _doc({"type": "futureNode", "content": [_p(_t("kept"))]}, {"type": "weirdLeaf", "text": "leaf text"})
        assert adf_to_text(doc) == "kept\nleaf text"

    @pytest.mark.parametrize("value", [None, 3, {"type": "doc", "content": "not a list"}, {"content": [None, 1, "x"]}])
    def test_malformed_gives_empty(self, value):
        assert adf_to_text(value) == ""

    def test_string_is_wiki(self):
        assert adf_to_text("h1. Title") == "Title"

    def test_very_deep_tree_does_not_recurse_forever(self):
        node = _t("deep")
        for _ in range(5000):
            node = {"type": "blockquote", "content": [node]}
        assert adf_to_text(_doc(node)) == ""  # beyond the depth limit: dropped, not a RecursionError


class TestHtmlToText:
    def test_blocks_entities_and_lists(self):
        assert html_to_text("<p>Fix &amp; test&nbsp;it</p><ul><li>one</li><li>two</li></ul>") == "Fix & test it\none\ntwo"

    def test_user_hover_link_keeps_display_name(self):
        s = ('<p><a href="https://example.atlassian.net/secure/ViewProfile.jspa?accountId=1" class="user-hover" '
             'rel="1" rel="noreferrer">Person 001</a> whats the status?</p>')
        assert html_to_text(s) == "Person 001 whats the status?"

    def test_script_and_style_dropped_broken_html_tolerated(self):
        assert html_to_text("<style>p{}</style><script>alert(1)</script><b>bold<i>unclosed") == "boldunclosed"

    def test_table_and_br(self):
        assert html_to_text("<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>a<br/>b") == "A B\n1 2\na\nb"

    @pytest.mark.parametrize("value", [None, "", 5])
    def test_non_text_gives_empty(self, value):
        assert html_to_text(value) == ""


_adf_nodes = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(max_size=10),
              st.fixed_dictionaries({"type": st.sampled_from(["text", "mention", "emoji", "date", "hardBreak", "x"]),
                                     "text": st.one_of(st.text(max_size=10), st.integers()),
                                     "attrs": st.one_of(st.none(), st.dictionaries(st.sampled_from(["text", "url", "timestamp", "title"]), st.one_of(st.text(max_size=8), st.integers())))})),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.fixed_dictionaries({"type": st.sampled_from(["doc", "paragraph", "table", "tableCell", "listItem", "panel", "zzz"]),
                               "content": st.one_of(st.lists(children, max_size=4), children)}),
    ),
    max_leaves=30,
)


class TestTotal:
    """The converters never raise on any input of their type."""

    @settings(max_examples=200, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("ab *_-+^~?{}[]|!#\\:.h1\n()=ycodequote\x00\x01")), max_size=80))
    def test_wiki(self, s):
        out = wiki_to_text(s)
        assert isinstance(out, str) and "\x00" not in out

    @settings(max_examples=200, deadline=None)
    @given(_adf_nodes)
    def test_adf(self, doc):
        assert isinstance(adf_to_text(doc), str)

    @settings(max_examples=200, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("<>/ab=\"'&;#x p li br script")), max_size=80))
    def test_html(self, s):
        assert isinstance(html_to_text(s), str)
