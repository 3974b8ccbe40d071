"""Readable plain text from a Jekyll page body or excerpt: Markdown, Kramdown, Liquid and HTML go.

The email templates escape whatever is left, so this only has to make the text read well; it never
has to make it safe. Comments (HTML, Liquid, Kramdown) are dropped with their content, and so are
emoji shortcodes (`:wave:`). `body_summary` picks what a person would quote from a page: its first
paragraph that says something (not a greeting, a table-of-contents placeholder or a heading alone),
with the list a lead-in ending in ":" introduces, kept as a short list.
"""

from __future__ import annotations

import html
import re

_DROP_WITH_CONTENT = [
    re.compile(r"<!--.*?(-->|$)", re.DOTALL),
    re.compile(r"{%-?\s*comment\s*-?%}.*?({%-?\s*endcomment\s*-?%}|$)", re.DOTALL),
    re.compile(r"{::comment}.*?({:/comment}|$)", re.DOTALL),
    re.compile(r"<(script|style)\b.*?(</\1\s*>|$)", re.DOTALL | re.IGNORECASE),
    re.compile(r"^```.*?(^```|\Z)", re.DOTALL | re.MULTILINE),
    re.compile(r"^~~~.*?(^~~~|\Z)", re.DOTALL | re.MULTILINE),
]
_DROP = [
    re.compile(r"{%.*?(%}|$)", re.DOTALL),  # Liquid tags
    re.compile(r"{{.*?(}}|$)", re.DOTALL),  # Liquid output
    re.compile(r"{::[^}]*/?}"),  # Kramdown extensions such as {::options ... /}
    re.compile(r"{:[^}]*}"),  # Kramdown attribute lists {: .class #id}
    re.compile(r"{#[\w:.-]*}"),  # Kramdown header ids {#top}
    re.compile(r"^[ \t]*\[[^\]]+\]:[ \t]*\S+.*$", re.MULTILINE),  # link definitions
    re.compile(r"\[\^[^\]]*\]"),  # footnote markers
    re.compile(r"</?[A-Za-z][^<>]*>"),  # HTML tags
    re.compile(r"^[ \t]*([*_-])([ \t]*\1){2,}[ \t]*$", re.MULTILINE),  # rules
]
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\[[^\]]*\]")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]*(.*?)[ \t]*#*[ \t]*$", re.MULTILINE)
_HEADING_LINE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t].*$|^.+\n[ \t]*(=+|-+)[ \t]*$", re.MULTILINE)
_QUOTE_OR_LIST = re.compile(r"^[ \t]{0,3}(>[ \t]?|[*+-][ \t]+|\d+[.)][ \t]+)", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|`|~~)(?=\S)(.+?)(?<=\S)\1")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![\w\\])_(?=\S)(.+?)(?<=\S)_(?!\w)")
_SHORTCODE = re.compile(r"(?<![\w:]):[a-z][a-z0-9_+-]*:(?![\w:])")
_LIST_ITEM = re.compile(r"^[ \t]{0,3}([*+-]|\d+[.)])[ \t]+(.*)$")
_KRAMDOWN_BLOCK_ATTRIBUTES = re.compile(r"^[ \t]*{:[^}\n]*}[ \t]*$", re.MULTILINE)
_BOLD_LINE = re.compile(r"(\*\*|__)[^\n]+\1:?")
_GREETING = re.compile(
    r"^(hey|hi|hiya|hello|dear|greetings|welcome|good (morning|afternoon|evening)|happy \w+)\b", re.I
)
_TABLE_OF_CONTENTS = re.compile(r"^(toc|contents|table of contents)\b[^.]{0,40}$", re.I)
SUMMARY_LIMIT = 600
LIST_ITEMS = 5
GREETING_WORDS = 5
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def markup_to_text(text: str) -> str:
    """Paragraphs of plain text separated by blank lines; markup and comments removed."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    for pattern in _DROP_WITH_CONTENT:
        text = pattern.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(lambda m: m.group(1) or m.group(2), text)
    for pattern in _DROP:
        text = pattern.sub("", text)
    text = _HEADING.sub(r"\1", text)
    text = _QUOTE_OR_LIST.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _UNDERSCORE_EMPHASIS.sub(r"\1", text)
    text = _SHORTCODE.sub("", text)
    text = html.unescape(text)
    text = re.sub(r"</?[A-Za-z][^<>]*>", "", text)  # tags that were written as entities
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    paragraphs = _BLANK_LINES.split("\n".join(lines).strip())
    return "\n\n".join(" ".join(p.split("\n")) for p in paragraphs if p.strip())


def body_summary(body: str, limit: int = SUMMARY_LIMIT) -> str:
    """The first block of the body that says something, as plain text; a lead-in ending in ":" comes
    with what it introduces (a list as a short list); cut at a word when it is very long."""
    blocks = _blocks(body)
    for index, block in enumerate(blocks):
        text = _block_text(block)
        if not text or _says_nothing(block, text):
            continue
        if text.endswith(":") and index + 1 < len(blocks):
            text = f"{text}\n{_block_text(blocks[index + 1])}".rstrip()
        return _cut(text, limit)
    return ""


def _blocks(body: str) -> list[str]:
    """Blank-line separated blocks of the body, a list that follows a line of text split from it."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    for pattern in (*_DROP_WITH_CONTENT, *_DROP[:2], _KRAMDOWN_BLOCK_ATTRIBUTES):  # comments, Liquid
        body = pattern.sub("", body)
    blocks: list[str] = []
    for block in re.split(r"\n[ \t]*\n", body):
        lines = [line for line in block.split("\n") if line.strip()]
        first_item = next((i for i, line in enumerate(lines) if _LIST_ITEM.match(line)), None)
        if first_item:  # text, then a list: a lead-in and its list
            blocks += ["\n".join(lines[:first_item]), "\n".join(lines[first_item:])]
        elif lines:
            blocks.append("\n".join(lines))
    return blocks


def _block_text(block: str) -> str:
    items = [_LIST_ITEM.match(line) for line in block.split("\n")]
    if not any(items):
        return markup_to_text(block).replace("\n\n", " ")
    texts = [one_line(m.group(2)) for m in items if m and one_line(m.group(2))]
    shown = [f"- {text}" for text in texts[:LIST_ITEMS]]
    if len(texts) > LIST_ITEMS:
        shown.append(f"- and {len(texts) - LIST_ITEMS} more")
    return "\n".join(shown)


def _says_nothing(block: str, text: str) -> bool:
    """A heading alone, a greeting, or a table of contents (kramdown's `* TOC` or a theme's text)."""
    if _HEADING_LINE.fullmatch(block.strip()) or _BOLD_LINE.fullmatch(block.strip()):
        return True
    words = text.split()
    if _GREETING.match(text) and len(words) <= GREETING_WORDS:
        return True
    return bool(_TABLE_OF_CONTENTS.match(text.removeprefix("- ")))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def one_line(text: str) -> str:
    """A title or a short field: plain text on one line."""
    return " ".join(markup_to_text(text).split())
