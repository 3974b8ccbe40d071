"""A small, deliberately suspicious model of how GOV.UK Notify and mail clients read an email body.

Notify renders with mistune 0.8.4 and its own grammar (`^` insets, `•` bullets, bullets without a
space, no emphasis or code spans). This model is stricter than that grammar: any line that *could*
open a block (heading, list, inset, rule, code, fence, setext underline, table) counts as one, and
link, auto-link and placeholder syntax is looked for at every position rather than only where
mistune's text rule stops. Text the model calls inert is inert in Notify.

One construct is left out on purpose: mistune's angle auto-link `<scheme:...>`. Notify HTML-escapes
`<` in the HTML part before markdown runs, so it cannot form there, and the plain-text part renders it
as its bare text, which is no link (and the escaping keeps mail clients from linking that text).

It also models the two steps around markdown that matter: Notify decodes HTML character references
in the body before markdown (so `&#91;` would become `[`), and mail clients turn anything that looks
like a domain in the shown text into a link.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

ZERO_WIDTH_SPACE = "\u200b"
# mistune 0.8.4's inline escape rule.
ESCAPABLE = frozenset("\\`*_{}[]()#+-.!~|>")

_BLOCK_OPENERS = {
    "heading": re.compile(r" *#"),
    "list": re.compile(r" *(?:[•*+-]|\d+\.)"),
    "inset": re.compile(r" *\^"),
    "quote": re.compile(r" *>"),
    "code": re.compile(r" {4}"),
    "fence": re.compile(r" *(?:`{3}|~{3})"),
    "rule": re.compile(r" {0,3}(?:[-*_] *){3,}$"),
    "definition": re.compile(r" *\[[^\]]*\]:"),
}
_SETEXT_UNDERLINE = re.compile(r" *(?:=+|-+) *$")
_HEADING = re.compile(r" *(#{1,6}) *(.+?) *#* *")
_OUR_LINK = re.compile(r"!?\[([^\[\]]*)\]\(([^\s()]*)\)")
_URL_START = re.compile(r"https?://", re.IGNORECASE)
_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{0,31});?")
# What mail clients auto-link in shown text: a scheme, or a name dot name (a domain).
_CLIENT_LINKABLE = re.compile(r"[a-z][a-z0-9+.-]*://|[\w-]\.[^\W\d_]", re.IGNORECASE)


@dataclass(frozen=True)
class Structure:
    kind: str
    line: int
    detail: str = ""


@dataclass(frozen=True)
class Link:
    text: str
    url: str


def preprocess(markdown: str) -> str:
    """mistune's preprocessing: \\r and U+2424 become newlines, tabs become four spaces."""
    markdown = re.sub(r"\r\n|\r", "\n", markdown).expandtabs(4).replace("\u2424", "\n")
    return re.sub(r"^ +$", "", markdown, flags=re.MULTILINE)


def unescape(text: str) -> str:
    """Resolve mistune's backslash escapes, left to right."""
    shown, index = [], 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text) and text[index + 1] in ESCAPABLE:
            shown.append(text[index + 1])
            index += 2
        else:
            shown.append(text[index])
            index += 1
    return "".join(shown)


def visible(text: str) -> str:
    """The characters a reader sees: escapes resolved, zero-width spaces gone, and `&amp;` and
    `&lpar;`/`&rpar;` (which Notify keeps in its HTML part and decodes once in its plain-text part) an `&`
    and a parenthesis."""
    shown = unescape(text).replace(ZERO_WIDTH_SPACE, "")
    return shown.replace("&lpar;", "(").replace("&rpar;", ")").replace("&amp;", "&")


def _inline_structures(line: str, number: int) -> tuple[list[Structure], list[Link]]:
    structures: list[Structure] = []
    links: list[Link] = []
    index = 0
    while index < len(line):
        rest = line[index:]
        if rest[0] == "\\" and len(rest) > 1 and rest[1] in ESCAPABLE:
            index += 2
            continue
        if link := _OUR_LINK.match(rest):
            links.append(Link(text=link.group(1), url=link.group(2)))
            index += len(link.group(0))
            continue
        for kind, found in (
            ("placeholder", rest.startswith("((") or rest.startswith("))")),
            ("url", bool(_URL_START.match(rest))),
            ("bracket", rest[0] == "["),
            ("table", rest[0] == "|"),
        ):
            if found:
                structures.append(Structure(kind, number, rest[:40]))
        index += 1
    return structures, links


def parse(markdown: str) -> tuple[list[Structure], list[Link]]:
    """Every block opener and inline construct in the body, and every well-formed link."""
    structures: list[Structure] = []
    links: list[Link] = []
    lines = preprocess(markdown).split("\n")
    for number, line in enumerate(lines):
        for kind, opener in _BLOCK_OPENERS.items():
            if opener.match(line):
                structures.append(Structure(kind, number, line[:40]))
        if number and lines[number - 1].strip() and _SETEXT_UNDERLINE.match(line):
            structures.append(Structure("setext heading", number, line[:40]))
        found, line_links = _inline_structures(line, number)
        structures += found
        links += line_links
    if _CHARACTER_REFERENCE.search(_kept_references_removed(markdown)):
        structures.append(Structure("character reference", 0, markdown[:40]))
    return structures, links


def client_linkable(markdown: str) -> list[str]:
    """What a mail client would auto-link in the shown text, outside the links we built."""
    without_links = _OUR_LINK.sub(lambda link: link.group(1), markdown)
    return _CLIENT_LINKABLE.findall(unescape(without_links))


def heading_text(line: str) -> str:
    """The text a `#` heading line shows, after mistune drops the marker and trailing `#`s."""
    match = _HEADING.fullmatch(line)
    assert match is not None, f"not a heading: {line!r}"
    return visible(match.group(2))


def decodes_character_references(markdown: str) -> bool:
    """Whether Notify would turn a character reference into another character (`&amp;`, written
    for an `&`, decodes to the `&` itself, once)."""
    rest = _kept_references_removed(markdown)
    return html.unescape(rest) != rest


def _kept_references_removed(markdown: str) -> str:
    # Each kept reference becomes a space, not nothing: removed outright, `&&amp;lt` would join its
    # neighbours into a reference (`&lt`) the email never holds.
    return markdown.replace("&amp;", " ").replace("&lpar;", " ").replace("&rpar;", " ")


def linkable_in_text(text: str) -> list[str]:
    """What a mail client would auto-link in plain text as typed."""
    return _CLIENT_LINKABLE.findall(text)
