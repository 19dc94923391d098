"""The safe Markdown subset: golden examples, and properties that hold for any input."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hiroba.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, front_matter, render

REL = 'rel="noopener noreferrer"'
GOLDEN = [
    ("# 見出し", "<h1>見出し</h1>"),
    ("### Three ###", "<h3>Three</h3>"),
    ("#nospace", "<p>#nospace</p>"),
    ("one\ntwo", "<p>one\ntwo</p>"),
    ("hard  \nbreak", "<p>hard<br>\nbreak</p>"),
    ("back\\\nslash", "<p>back<br>\nslash</p>"),
    ("*em* and **strong**", "<p><em>em</em> and <strong>strong</strong></p>"),
    ("a * b * c", "<p>a * b * c</p>"),
    ("`<b>` code", "<p><code>&lt;b&gt;</code> code</p>"),
    ("[site](https://www.digital.go.jp/)",
     f'<p><a href="https://www.digital.go.jp/" {REL}>site</a></p>'),
    ("[mail](mailto:help@example.jp)", '<p><a href="mailto:help@example.jp">mail</a></p>'),
    ("[here](/learning/mynumber-card/)", '<p><a href="/learning/mynumber-card/">here</a></p>'),
    ("[x](javascript:alert)", "<p>[x](javascript:alert)</p>"),
    ("[x](data:text/html,hi)", "<p>[x](data:text/html,hi)</p>"),
    ("[x](//evil.example/)", "<p>[x](//evil.example/)</p>"),
    ("[x](java\tscript:alert)", "<p>[x](java    script:alert)</p>"),
    ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
    ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
    ("3. c", '<ol start="3">\n<li>c</li>\n</ol>'),
    ("- a\n  - a1\n  - a2\n- b", "<ul>\n<li>a<ul><li>a1</li><li>a2</li></ul></li>\n<li>b</li>\n</ul>"),
    ("- a\n  1. a1", "<ul>\n<li>a<ol><li>a1</li></ol></li>\n</ul>"),
    ("> quoted\n> text", "<blockquote>\n<p>quoted\ntext</p>\n</blockquote>"),
    ("```\n<script>x</script>\n```", "<pre><code>&lt;script&gt;x&lt;/script&gt;\n</code></pre>"),
    ("---", "<hr>"),
    ("| a | b |\n|---|---|\n| 1 | 2 |",
     ("<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n"
      "</tbody>\n</table>")),
    ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
    ('<a href="javascript:x">y</a>', "<p>&lt;a href=&quot;javascript:x&quot;&gt;y&lt;/a&gt;</p>"),
    ("[a](https://x.example/?q=\"><script>)",
     f'<p><a href="https://x.example/?q=&quot;&gt;&lt;script&gt;" {REL}>a</a></p>'),
    ("\\*not em\\*", "<p>*not em*</p>"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "html"), GOLDEN)
def test_golden_examples(source: str, html: str) -> None:
    assert render(source) == html


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


MARKDOWNISH = st.text(
    alphabet=st.sampled_from([*"<>\"'&=/:;()[]*`#|-_>!\\ \n\tabjsvcripotdaen0123456789窓口", "\x00", "\u3000"]),
    max_size=200,
)
HOSTILE = st.lists(
    st.sampled_from(
        [
            "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert)", "[x](data:text/html;base64,AA)", "[x](vbscript:x)", "[x](  javascript:x)",
            "[x](java\nscript:x)", "[x](&#106;avascript:x)", "[x](/ok)", "[x](https://ok.example/)", "**",
            "*", "`", "> ", "- ", "1. ", "| a | b |\n|---|---|\n", "```\n", "# ", "\n", "  \n", '" onmouseover="x',
            "<svg/onload=alert(1)>", "&lt;script&gt;", "\\", "<!--", "]]>", "<style>", "javascript:",
        ]
    ),
    max_size=25,
).map("".join)  # fmt: skip


def _check_safe(html: str) -> None:
    parser = _Collector()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs:
            assert not name.startswith("on"), (name, html)
            assert name in ALLOWED_ATTRIBUTES.get(tag, frozenset()), (tag, name, html)
            if name == "href":
                target = "".join((value or "").split()).lower()  # the parser has decoded the entities once
                assert not target.startswith(("javascript:", "data:", "vbscript:")), html
                assert target.startswith(("http://", "https://", "mailto:")) or ":" not in re.split("[/?#]", target)[0]


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=300), MARKDOWNISH, HOSTILE))
@example(text="[a](javascript:alert(1))")
@example(text="<scr<script>ipt>")
def test_any_input_renders_only_allowed_tags_and_safe_links(text: str) -> None:
    _check_safe(render(text))


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(max_size=200), MARKDOWNISH))
def test_input_text_never_becomes_markup(text: str) -> None:
    """Whatever the input, a "<" in the output is one the renderer wrote: the text between tags has no raw "<"."""
    html = render(text)
    parser = _Collector()
    parser.feed(html)
    assert all(tag in ALLOWED_TAGS for tag, _ in parser.tags)
    assert "<script" not in html.lower()


def test_front_matter_is_read_as_toml() -> None:
    meta, body = front_matter('+++\ntitle = "カード"\nminutes = 20\nsources = ["a", "b"]\n+++\n## One\n')
    assert meta == {"title": "カード", "minutes": 20, "sources": ["a", "b"]}
    assert body == "## One\n"


def test_text_without_front_matter_is_returned_whole() -> None:
    assert front_matter("# Just text\n") == ({}, "# Just text\n")


def test_unclosed_or_malformed_front_matter_is_refused() -> None:
    with pytest.raises(ValueError, match="closing"):
        front_matter("+++\ntitle = 'x'\n")
    with pytest.raises(ValueError):  # noqa: PT011 (tomllib's own error type is a ValueError)
        front_matter("+++\ntitle = \n+++\n")
