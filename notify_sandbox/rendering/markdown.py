"""Notify's email markdown subset (facts §8.2), rendered to the HTML part and to the plain-text part.

Notify runs mistune 0.8.4 with its own grammar overrides; this module reproduces that behaviour,
quirks included, because notifier's escaping is judged against it:
- headings: `#` is the big heading (<h2>), `##` the small one (<h3>); deeper levels are paragraphs;
  `Text` over a line of `=` or `-` is a heading too;
- lists start at `*`, `-`, `•` or `1.` at the start of a block even with no space after the marker;
  inside a paragraph only `* `, `- `, `+ ` or `1. ` (with the space) start a new block;
- `^` starts an inset (blockquote); `---`, `***`, `___` are rules;
- `[text](url)` links, bare http(s) URLs become links, `![alt](src)` images vanish;
- backslash escapes of markdown punctuation give the literal character;
- bold, italics, strikethrough and code are not supported (left as text);
- one newline is a line break.
The input is expected to be escaped already for the HTML part (templating.fill with escape=True).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from notify_sandbox.rendering.markdown_output import HtmlOutput, Output, TextOutput

_BULLET = r"(?:[•*-]|\d+\.)"
_HRULE = re.compile(r" {0,3}[-*_](?: *[-*_]){2,} *(?:\n+|$)")
_HEADING = re.compile(r" *(#{1,6}) *([^\n]+?) *#* *(?:\n+|$)")
_LHEADING = re.compile(r"([^\n]+)\n *(=|-)+ *(?:\n+|$)")
_QUOTE = re.compile(r"(?: *\^[^\n]+(?:\n[^\n]+)*\n*)+")
_QUOTE_MARK = re.compile(r"^ *\^ ?", re.M)
_LIST_BLOCK = re.compile(
    rf"( *)({_BULLET})[\s\S]+?"
    r"(?:\n+(?=\1?(?:[-*_] *){3,}(?:\n+|$))"  # a rule ends the list
    rf"|\n{{2,}}(?! )(?!\1{_BULLET} )\n*"  # a blank line, then neither indent nor a same-level item
    r"|\s*$)"
)
_LIST_ITEM = re.compile(rf"^(( *){_BULLET}[^\n]*(?:\n(?!\2{_BULLET})[^\n]*)*)", re.M)
_LIST_MARK = re.compile(rf"^ *{_BULLET}")
# What ends a paragraph: the grammar mistune compiled before Notify's overrides (so `- x` with a
# space, or `> x`, but not `•x` or `^ x`).
_INTERRUPT = (
    r" *(?:[*+-]|\d+\.) [\s\S]| {0,3}[-*_](?: *[-*_]){2,} *(?:\n|$)"
    r"| *#{1,6} *[^\n]|[^\n]+\n *(?:=|-)+ *(?:\n|$)| *>[^\n]"
)
_PARAGRAPH = re.compile(rf"((?:[^\n]+\n?(?!{_INTERRUPT}))+)\n*")
_NEWLINES = re.compile(r"\n+")
_TEXT_LINE = re.compile(r"[^\n]+")

_ESCAPE = re.compile(r"\\([\\`*{}\[\]()#+\-.!_>~|])")
_AUTOLINK = re.compile(r"<([^ >]+(@|:)[^ >]+)>")
_URL = re.compile(r"(https?://[^\s<]+[^<.,:\"')\]\s])")
_LINK_INSIDE = r"(?:\[[^^\]]*\]|[^\[\]]|\](?=[^\[]*\]))*"
_LINK = re.compile(rf"!?\[({_LINK_INSIDE})\]\(\s*(<)?([\s\S]*?)(?(2)>)(?:\s+['\"]([\s\S]*?)['\"])?\s*\)")
_LINEBREAK = re.compile(r" *\n(?!\s*$)")
_INLINE_TEXT = re.compile(r"[\s\S]+?(?=[\\<!\[_*`~]|https?://| *\n|$)")
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")


@dataclass
class Block:
    kind: str  # paragraph, heading, rule, quote, list, text
    text: str = ""
    level: int = 0
    ordered: bool = False
    children: list[Block] = field(default_factory=list)
    items: list[ListItem] = field(default_factory=list)


@dataclass
class ListItem:
    blocks: list[Block]
    loose: bool


def _preprocess(text: str) -> str:
    text = re.sub(r"\r\n|\r", "\n", text).expandtabs(4).replace("\u00a0", " ").replace("\u2424", "\n")
    return re.sub(r"^ +$", "", text, flags=re.M)


def parse(text: str) -> list[Block]:
    return _parse_blocks(_preprocess(text), in_list=False)


def _parse_blocks(text: str, *, in_list: bool) -> list[Block]:
    blocks: list[Block] = []
    position = 0
    while position < len(text):
        block, position = _next_block(text, position, in_list=in_list)
        if block is not None:
            blocks.append(block)
    return blocks


def _rule_block(match: re.Match[str]) -> Block:
    return Block("rule")


def _heading_block(match: re.Match[str]) -> Block:
    return Block("heading", match.group(2), level=len(match.group(1)))


def _underlined_heading_block(match: re.Match[str]) -> Block:
    return Block("heading", match.group(1), level=1 if match.group(2) == "=" else 2)


def _quote_block(match: re.Match[str]) -> Block:
    inner = _QUOTE_MARK.sub("", match.group(0))
    return Block("quote", children=_parse_blocks(inner, in_list=False))


def _list_match_block(match: re.Match[str]) -> Block:
    return _list_block(match.group(0), ordered="." in match.group(2))


def _paragraph_block(match: re.Match[str]) -> Block:
    return Block("paragraph", match.group(1).rstrip("\n"))


def _text_block(match: re.Match[str]) -> Block:
    return Block("text", match.group(0))


def _blank(match: re.Match[str]) -> None:
    return None


BlockRule = tuple[re.Pattern[str], Callable[[re.Match[str]], Block | None]]
# Tried in order, as mistune does; list items use a smaller set (no `#` headings, no paragraphs).
_TOP_LEVEL_RULES: tuple[BlockRule, ...] = (
    (_NEWLINES, _blank),
    (_HRULE, _rule_block),
    (_HEADING, _heading_block),
    (_LHEADING, _underlined_heading_block),
    (_QUOTE, _quote_block),
    (_LIST_BLOCK, _list_match_block),
    (_PARAGRAPH, _paragraph_block),
    (_TEXT_LINE, _text_block),
)
_LIST_ITEM_RULES: tuple[BlockRule, ...] = (
    (_NEWLINES, _blank),
    (_LHEADING, _underlined_heading_block),
    (_HRULE, _rule_block),
    (_QUOTE, _quote_block),
    (_LIST_BLOCK, _list_match_block),
    (_TEXT_LINE, _text_block),
)


def _next_block(text: str, pos: int, *, in_list: bool) -> tuple[Block | None, int]:
    for pattern, build in _LIST_ITEM_RULES if in_list else _TOP_LEVEL_RULES:
        if match := pattern.match(text, pos):
            return build(match), match.end()
    raise AssertionError("every position starts a blank or a non-empty line")


def _list_block(source: str, *, ordered: bool) -> Block:
    raw_items = [m.group(1) for m in _LIST_ITEM.finditer(source)]
    items: list[ListItem] = []
    next_is_loose = False
    for index, raw in enumerate(raw_items):
        content = _LIST_MARK.sub("", raw, count=1)
        if "\n " in content:
            marker_width = len(raw) - len(content)
            content = re.sub(rf"^ {{1,{marker_width}}}", "", content, flags=re.M)
        loose = next_is_loose or bool(re.search(r"\n\n(?!\s*$)", content))
        if index != len(raw_items) - 1 and content:
            next_is_loose = content.endswith("\n")
            loose = loose or next_is_loose
        items.append(ListItem(_parse_blocks(content, in_list=True), loose))
    return Block("list", ordered=ordered, items=items)


def render(text: str, output: Output) -> str:
    return "".join(_render_block(block, output) for block in parse(text))


def render_html(text: str) -> str:
    return render(text, HtmlOutput())


def render_plain_text(text: str) -> str:
    return render(text, TextOutput())


def _render_block(block: Block, output: Output) -> str:
    if block.kind in ("paragraph", "text"):
        return output.paragraph(render_inline(block.text, output))
    if block.kind == "heading":
        return output.heading(render_inline(block.text, output), block.level)
    if block.kind == "rule":
        return output.rule()
    if block.kind == "quote":
        return output.quote("".join(_render_block(child, output) for child in block.children))
    body = "".join(output.list_item(_render_item(item, output)) for item in block.items)
    return output.list(body, ordered=block.ordered)


def _render_item(item: ListItem, output: Output) -> str:
    """Tight items: consecutive text lines form one inline run; loose items: runs become paragraphs."""
    parts: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            inline = render_inline("\n".join(run), output)
            parts.append(output.paragraph(inline) if item.loose else inline)
            run.clear()

    for block in item.blocks:
        if block.kind == "text":
            run.append(block.text)
            continue
        flush()
        parts.append(_render_block(block, output))
    flush()
    return "".join(parts)


def render_inline(text: str, output: Output, *, in_link: bool = False) -> str:
    parts: list[str] = []
    pos = 0
    while pos < len(text):
        piece, pos = _next_inline(text, pos, output, in_link=in_link)
        parts.append(piece)
    return "".join(parts)


def _next_inline(text: str, pos: int, output: Output, *, in_link: bool) -> tuple[str, int]:
    for pattern, render_match in _IN_LINK_RULES if in_link else _INLINE_RULES:
        if match := pattern.match(text, pos):
            return render_match(match, output), match.end()
    raise AssertionError("plain text matches at least one character anywhere")


def _escape(match: re.Match[str], output: Output) -> str:
    return output.escaped(match.group(1))


def _autolink(match: re.Match[str], output: Output) -> str:
    return output.autolink(match.group(1), is_email=match.group(2) == "@")


def _url(match: re.Match[str], output: Output) -> str:
    return output.autolink(match.group(1), is_email=False)


def _url_in_link(match: re.Match[str], output: Output) -> str:
    return output.text(match.group(1))


def _link(match: re.Match[str], output: Output) -> str:
    if match.group(0).startswith("!"):
        return ""  # images are removed
    content = render_inline(match.group(1), output, in_link=True)
    return output.link(_safe_link(match.group(3)), match.group(4), content)


def _linebreak(match: re.Match[str], output: Output) -> str:
    return output.linebreak()


def _text(match: re.Match[str], output: Output) -> str:
    return output.text(match.group(0))


InlineRule = tuple[re.Pattern[str], Callable[[re.Match[str], Output], str]]
_INLINE_RULES: tuple[InlineRule, ...] = (
    (_ESCAPE, _escape),
    (_AUTOLINK, _autolink),
    (_URL, _url),
    (_LINK, _link),
    (_LINEBREAK, _linebreak),
    (_INLINE_TEXT, _text),
)
# Inside a link's text: no nested links, and URLs stay text.
_IN_LINK_RULES: tuple[InlineRule, ...] = (
    (_ESCAPE, _escape),
    (_URL, _url_in_link),
    (_LINEBREAK, _linebreak),
    (_INLINE_TEXT, _text),
)


def _safe_link(link: str) -> str:
    lowered = link.strip().lower()
    return "" if lowered.startswith(_UNSAFE_SCHEMES) else link
