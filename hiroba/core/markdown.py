"""Safe Markdown: a small subset rendered to HTML, with no input HTML ever passed through. Django-free.

`render(text)` understands ATX headings, paragraphs with hard line breaks (two trailing spaces or a backslash),
ordered and unordered lists with one level of nesting, block quotes, fenced code, inline code, *emphasis* and
**strong**, links, GFM pipe tables and horizontal rules. Anything else, raw HTML included, comes out as escaped text.

Safety is by construction: every piece of input text is escaped before it reaches the output, and the only tags
and attributes written are the renderer's own (`ALLOWED_TAGS`, `ALLOWED_ATTRIBUTES`). A link's target must be
http, https, mailto or a relative reference; any other link is shown as the text it was typed as. External links
carry rel="noopener noreferrer". So no sanitiser is needed after it.

`front_matter(text)` splits off TOML front matter between two `+++` lines.
"""

from __future__ import annotations

import re
import tomllib
from html import escape
from typing import Any

ALLOWED_TAGS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "ul", "ol", "li", "blockquote", "pre", "code", "em", "strong"}
    | {"a", "table", "thead", "tbody", "tr", "th", "td", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": frozenset({"href", "rel"}), "ol": frozenset({"start"})}
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
MAX_QUOTE_DEPTH = 3
ESCAPABLE = frozenset("\\`*_[]()#+-.!|>~")

_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_RULE = re.compile(r" {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)$")
_ITEM = re.compile(r"( *)([-*+]|\d{1,9}[.)])[ \t]+(.*)$")
_QUOTE = re.compile(r" {0,3}> ?(.*)$")
_DELIMITER_CELL = re.compile(r":?-+:?")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def _e(text: str) -> str:
    return escape(text, quote=True)


# ---------------------------------------------------------------- inline


def safe_href(url: str) -> tuple[str, bool] | None:
    """(the target, is it external) for an allowed link target, or None. No white space, control characters or
    backslashes at all (browsers drop or rewrite them, which is how `java\\tscript:` tricks work)."""
    if not url or any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in url):
        return None
    if url.startswith("//"):
        return None  # protocol-relative: another host, with a scheme we did not see
    scheme = _SCHEME.match(url)
    if scheme is None:
        # A relative reference; RFC 3986 forbids a colon in its first segment (it would read as a scheme).
        return None if ":" in re.split(r"[/?#]", url, maxsplit=1)[0] else (url, False)
    name = scheme.group(1).lower()
    if name not in SAFE_SCHEMES:
        return None
    return url, name in {"http", "https"}


def _find_closing(text: str, start: int, marker: str) -> int:
    """Index of the next `marker` at or after `start` that closes a non-empty span, or -1."""
    j = text.find(marker, start)
    while j != -1:
        inner = text[start:j]
        if inner.strip() and not inner[0].isspace() and not inner[-1].isspace():
            return j
        j = text.find(marker, j + 1)
    return -1


def _link(text: str, i: int) -> tuple[str, str, int] | None:
    """At text[i] == "[": (label, target, index after the link) for `[label](target)`, or None."""
    close = text.find("]", i + 1)
    if close == -1 or close + 1 >= len(text) or text[close + 1] != "(":
        return None
    end = text.find(")", close + 2)
    if end == -1:
        return None
    label = text[i + 1 : close]
    if not label.strip() or "[" in label:
        return None
    return label, text[close + 2 : end].strip(), end + 1


def _code_span(text: str, i: int) -> tuple[str, int]:
    run = len(text[i:]) - len(text[i:].lstrip("`"))
    fence = "`" * run
    j = text.find(fence, i + run)
    if j != -1 and text[i + run : j].strip():
        return f"<code>{_e(text[i + run : j].strip())}</code>", j + run
    return _e(fence), i + run


def _anchor(text: str, i: int) -> tuple[str, int] | None:
    found = _link(text, i)
    if found is None:
        return None
    label, target, after = found
    href = safe_href(target)
    if href is None:
        return _e(text[i:after]), after  # shown as typed, never as a link
    url, external = href
    rel = ' rel="noopener noreferrer"' if external else ""
    return f'<a href="{_e(url)}"{rel}>{inline(label, links=False)}</a>', after


def _emphasis(text: str, i: int, *, links: bool) -> tuple[str, int] | None:
    if text.startswith("**", i):
        j = _find_closing(text, i + 2, "**")
        if j == -1:
            return "**", i + 2
        return f"<strong>{inline(text[i + 2 : j], links=links)}</strong>", j + 2
    j = _find_closing(text, i + 1, "*")
    if j != -1 and not text.startswith("**", j):
        return f"<em>{inline(text[i + 1 : j], links=links)}</em>", j + 1
    return None


def inline(text: str, *, links: bool = True) -> str:
    """One line (or paragraph) of inline Markdown as HTML. Everything not recognised is escaped."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        piece: tuple[str, int] | None = None
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in ESCAPABLE:
            piece = _e(text[i + 1]), i + 2
        elif ch == "`":
            piece = _code_span(text, i)
        elif ch == "[" and links:
            piece = _anchor(text, i)
        elif ch == "*":
            piece = _emphasis(text, i, links=links)
        html, i = piece if piece is not None else (_e(ch), i + 1)
        out.append(html)
    return "".join(out)


def _paragraph_lines(lines: list[str]) -> str:
    parts: list[str] = []
    for k, line in enumerate(lines):
        last = k == len(lines) - 1
        hard = not last and (line.endswith("  ") or (line.endswith("\\") and not line.endswith("\\\\")))
        body = line.rstrip()
        if hard and body.endswith("\\"):
            body = body[:-1]
        parts.append(inline(body.strip()) + ("<br>" if hard else ""))
    return "\n".join(parts)


# ---------------------------------------------------------------- blocks


def _split_row(line: str) -> list[str]:
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells: list[str] = []
    current: list[str] = []
    k = 0
    while k < len(row):
        if row[k] == "\\" and k + 1 < len(row) and row[k + 1] == "|":
            current.append("|")
            k += 2
            continue
        if row[k] == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(row[k])
        k += 1
    cells.append("".join(current).strip())
    return cells


def _is_delimiter(line: str) -> bool:
    if "-" not in line:
        return False
    cells = _split_row(line)
    return all(_DELIMITER_CELL.fullmatch(c) for c in cells)


def _starts_table(lines: list[str], i: int) -> bool:
    return (
        "|" in lines[i]
        and i + 1 < len(lines)
        and _is_delimiter(lines[i + 1])
        and len(_split_row(lines[i])) == len(_split_row(lines[i + 1]))
    )


def _table(lines: list[str], i: int) -> tuple[str, int]:
    head = _split_row(lines[i])
    width = len(head)
    out = ["<table>", "<thead>", "<tr>", *(f"<th>{inline(c)}</th>" for c in head), "</tr>", "</thead>"]
    i += 2
    body: list[str] = []
    while i < len(lines) and lines[i].strip() and "|" in lines[i]:
        cells = (_split_row(lines[i]) + [""] * width)[:width]
        body.extend(["<tr>", *(f"<td>{inline(c)}</td>" for c in cells), "</tr>"])
        i += 1
    if body:
        out.extend(["<tbody>", *body, "</tbody>"])
    out.append("</table>")
    return "\n".join(out), i


def _list(lines: list[str], i: int) -> tuple[str, int]:
    """A list and its nested lists (one level). Items are (text lines, nested items); an item's continuation lines
    (indented, not a marker) join its text."""
    first = _ITEM.match(lines[i])
    assert first is not None  # noqa: S101 (the caller checked)
    base = len(first.group(1))
    ordered = first.group(2)[0].isdigit()
    start = int(first.group(2)[:-1]) if ordered else 1
    items: list[tuple[list[str], list[tuple[bool, list[list[str]]]]]] = []
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            break
        m = _ITEM.match(line)
        if m is not None and len(m.group(1)) <= base + 1:
            if m.group(2)[0].isdigit() != ordered:
                break
            items.append(([m.group(3)], []))
        elif m is not None and items:
            nested_ordered = m.group(2)[0].isdigit()
            nested = items[-1][1]
            if not nested or nested[-1][0] != nested_ordered:
                nested.append((nested_ordered, []))
            nested[-1][1].append([m.group(3)])
        elif items and (line.startswith(" ") or not _starts_block(lines, i)):
            target = items[-1][1][-1][1][-1] if items[-1][1] else items[-1][0]
            target.append(line.strip())
        else:
            break
        i += 1
    tag = "ol" if ordered else "ul"
    opening = f'<ol start="{start}">' if ordered and start != 1 else f"<{tag}>"
    out = [opening]
    for text, nested in items:
        inner = [_paragraph_lines(text)]
        for nested_ordered, nested_items in nested:
            nested_tag = "ol" if nested_ordered else "ul"
            inner.append(
                f"<{nested_tag}>"
                + "".join(f"<li>{_paragraph_lines(t)}</li>" for t in nested_items)
                + f"</{nested_tag}>"
            )
        out.append(f"<li>{''.join(inner)}</li>")
    out.append(f"</{tag}>")
    return "\n".join(out), i


def _starts_block(lines: list[str], i: int) -> bool:
    line = lines[i]
    return bool(
        _HEADING.match(line)
        or _RULE.match(line)
        or _FENCE.match(line)
        or _QUOTE.match(line)
        or _ITEM.match(line)
        or _starts_table(lines, i)
    )


def _blocks(lines: list[str], depth: int) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if fence := _FENCE.match(line):
            marker = fence.group(1)
            code: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(marker[0] * len(marker)):
                code.append(lines[i])
                i += 1
            i += 1  # the closing fence (or the end)
            out.append("<pre><code>" + _e("\n".join(code)) + ("\n" if code else "") + "</code></pre>")
            continue
        if heading := _HEADING.match(line):
            level = len(heading.group(1))
            out.append(f"<h{level}>{inline((heading.group(2) or '').strip())}</h{level}>")
            i += 1
            continue
        if _RULE.match(line):
            out.append("<hr>")
            i += 1
            continue
        if _QUOTE.match(line) and depth < MAX_QUOTE_DEPTH:
            quoted: list[str] = []
            while i < len(lines) and (q := _QUOTE.match(lines[i])):
                quoted.append(q.group(1))
                i += 1
            out.append("<blockquote>\n" + "\n".join(_blocks(quoted, depth + 1)) + "\n</blockquote>")
            continue
        if _ITEM.match(line):
            html, i = _list(lines, i)
            out.append(html)
            continue
        if _starts_table(lines, i):
            html, i = _table(lines, i)
            out.append(html)
            continue
        paragraph = [line]
        i += 1
        while i < len(lines) and lines[i].strip() and not _starts_block(lines, i):
            paragraph.append(lines[i])
            i += 1
        out.append(f"<p>{_paragraph_lines(paragraph)}</p>")
    return out


def render(text: str) -> str:
    """The Markdown subset as HTML. Safe for any input: nothing the input says is ever emitted as markup."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd").expandtabs(4).split("\n")
    return "\n".join(_blocks(lines, 0))


# ---------------------------------------------------------------- front matter


def front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(the TOML table between the leading `+++` lines, the rest). Without front matter: ({}, text).
    Malformed TOML raises ValueError (tomllib.TOMLDecodeError)."""
    normalised = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not normalised.startswith("+++\n"):
        return {}, text
    end = normalised.find("\n+++", 3)
    while end != -1 and normalised[end + 4 : end + 5] not in ("\n", ""):
        end = normalised.find("\n+++", end + 1)
    if end == -1:
        raise ValueError("front matter: no closing +++ line")
    meta = tomllib.loads(normalised[4 : end + 1])
    return meta, normalised[end + 5 :]
