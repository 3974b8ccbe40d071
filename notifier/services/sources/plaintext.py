"""Readable plain text from a Jekyll page body or excerpt: Markdown, Kramdown, Liquid and HTML go.

The email templates escape whatever is left, so this only has to make the text read well; it never
has to make it safe. Comments (HTML, Liquid, Kramdown) are dropped with their content.
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
    text = html.unescape(text)
    text = re.sub(r"</?[A-Za-z][^<>]*>", "", text)  # tags that were written as entities
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    paragraphs = _BLANK_LINES.split("\n".join(lines).strip())
    return "\n\n".join(" ".join(p.split("\n")) for p in paragraphs if p.strip())


def first_paragraph(text: str, limit: int = 600) -> str:
    """Jekyll's default excerpt is the first paragraph; cut at a word if it is very long."""
    without_headings = _HEADING_LINE.sub("", text)
    paragraph = markup_to_text(without_headings).split("\n\n", 1)[0]
    if len(paragraph) <= limit:
        return paragraph
    return paragraph[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def one_line(text: str) -> str:
    """A title or a short field: plain text on one line."""
    return " ".join(markup_to_text(text).split())
