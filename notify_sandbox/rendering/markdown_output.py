"""The two outputs of Notify's email markdown: the HTML part and the plain-text part (facts §8.2)."""

from __future__ import annotations

import html
import itertools
import re
from typing import Protocol
from urllib.parse import quote, unquote

LINK_STYLE = "word-wrap: break-word; color: #1D70B8;"
TEXT_STYLE = "font-size: 19px; line-height: 25px; color: #0B0C0C;"
COLUMN_WIDTH = 65
_ITEM_MARK = "\x00item\x00"  # stands for a list marker until the list knows its numbering


def sanitised_href(link: str) -> str:
    """Quote a bare URL for an href as Notify does, so that a `"` cannot leave the attribute."""
    return quote(unquote(link), safe=":/?#=&;")


class Output(Protocol):
    def paragraph(self, text: str) -> str: ...
    def heading(self, text: str, level: int) -> str: ...
    def rule(self) -> str: ...
    def quote(self, text: str) -> str: ...
    def list(self, body: str, *, ordered: bool) -> str: ...
    def list_item(self, text: str) -> str: ...
    def text(self, text: str) -> str: ...
    def escaped(self, character: str) -> str: ...
    def linebreak(self) -> str: ...
    def link(self, href: str, title: str | None, content: str) -> str: ...
    def autolink(self, link: str, *, is_email: bool) -> str: ...


class HtmlOutput:
    """Inline-styled HTML as Notify sends it. Text arrives HTML-escaped already."""

    def paragraph(self, text: str) -> str:
        return f'<p style="Margin: 0 0 20px 0; {TEXT_STYLE}">{text}</p>' if text.strip() else ""

    def heading(self, text: str, level: int) -> str:
        if level == 1:
            return (
                '<h2 style="Margin: 0 0 15px 0; padding: 10px 0 0 0; font-size: 27px; line-height: 35px; '
                f'font-weight: bold; color: #0B0C0C;">{text}</h2>'
            )
        if level == 2:
            return (
                '<h3 style="Margin: 0 0 15px 0; padding: 10px 0 0 0; font-size: 19px; line-height: 25px; '
                f'font-weight: bold; color: #0B0C0C;">{text}</h3>'
            )
        return self.paragraph(text)

    def rule(self) -> str:
        return '<hr style="border: 0; height: 1px; background: #B1B4B6; Margin: 30px 0 30px 0;">'

    def quote(self, text: str) -> str:
        # As recorded from Notify: the margin is on a wrapping div, and the style strings are Notify's
        # own (no colour, no space before `padding`).
        return (
            '<div style="Margin: 0 0 20px 0;"><blockquote style="Margin: 0; border-left: 10px solid #B1B4B6;'
            f'padding: 15px 0 0.1px 15px; font-size: 19px; line-height: 25px;">{text}</blockquote></div>'
        )

    def list(self, body: str, *, ordered: bool) -> str:
        tag, style = ("ol", "decimal") if ordered else ("ul", "disc")
        return (
            '<table role="presentation" style="padding: 0 0 20px 0;"><tr>'
            '<td style="font-family: Helvetica, Arial, sans-serif;">'
            f'<{tag} style="Margin: 0 0 0 20px; padding: 0; list-style-type: {style};">{body}</{tag}>'
            "</td></tr></table>"
        )

    def list_item(self, text: str) -> str:
        # Notify's list item style has no space after `font-size: 19px;`.
        return (
            '<li style="Margin: 5px 0 5px; padding: 0 0 0 5px; font-size: 19px;line-height: 25px; '
            f'color: #0B0C0C;">{text.strip()}</li>'
        )

    def text(self, text: str) -> str:
        return text

    def escaped(self, character: str) -> str:
        return html.escape(character, quote=False)

    def linebreak(self) -> str:
        return "<br>"  # as Notify writes it

    def link(self, href: str, title: str | None, content: str) -> str:
        href = href.replace('"', "&quot;")
        title_attribute = f' title="{title.replace(chr(34), "&quot;")}"' if title else ""
        return f'<a style="{LINK_STYLE}" href="{href}"{title_attribute}>{content}</a>'

    def autolink(self, link: str, *, is_email: bool) -> str:
        if is_email:
            return link
        return f'<a style="{LINK_STYLE}" href="{sanitised_href(link)}">{link}</a>'


class TextOutput:
    """The plain-text part: underlined headings, `•` or numbered items, `text: url` links."""

    def paragraph(self, text: str) -> str:
        return f"\n\n{text}" if text.strip() else ""

    def heading(self, text: str, level: int) -> str:
        if level in (1, 2):
            underline = ("=" if level == 1 else "-") * COLUMN_WIDTH
            return f"\n\n\n{text}\n{underline}"
        return self.paragraph(text)

    def rule(self) -> str:
        return self.paragraph("".join(itertools.islice(itertools.cycle("=-"), COLUMN_WIDTH)))

    def quote(self, text: str) -> str:
        return text

    def list(self, body: str, *, ordered: bool) -> str:
        numbers = itertools.count(1)
        return "\n" + re.sub(_ITEM_MARK, lambda _: f"{next(numbers)}." if ordered else "•", body)

    def list_item(self, text: str) -> str:
        return f"\n{_ITEM_MARK} {text.strip()}"

    def text(self, text: str) -> str:
        return text

    def escaped(self, character: str) -> str:
        return character

    def linebreak(self) -> str:
        return "\n"

    def link(self, href: str, title: str | None, content: str) -> str:
        return f"{content}{f' ({title})' if title else ''}: {href}"

    def autolink(self, link: str, *, is_email: bool) -> str:
        return link
