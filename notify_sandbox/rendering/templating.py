"""Notify's template language (facts §8.1): `((placeholders))`, `((flag??text))`, lists, loose names,
and the "nice typography" applied to subjects and rendered bodies."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\(\(([^()]+)\)\)")
CONDITIONAL_SEPARATOR = "??"
TRUTHY_WORDS = frozenset({"yes", "y", "true", "t", "1", "include", "show"})

_WHITESPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t]+([,.])")
_SPACED_HYPHEN = re.compile(r"\s+[-\u2013\u2014]{1,3}\s+")
_GOVUK = re.compile(r"(^|\s)(#|\*|\^)?(GOV)\.(UK)(?!/|\?|#)", re.IGNORECASE)
_HTML_TAG = re.compile(r"(<[^>]*>)")
_EMAIL_WITH_SMART_QUOTES = re.compile(r"[\w.\-\u2018\u2019]+@[\w\-]+(\.[\w\-]+)+")
_KEPT_ENTITIES = (("&nbsp;", "\x00n"), ("&amp;", "\x00a"), ("&lpar;", "\x00l"), ("&rpar;", "\x00r"))
_CHARREF_STRICT = re.compile(r"&(#[0-9]+;|#[xX][0-9a-fA-F]+;|[^\t\n\f <&#;]{1,32};)")


def loose_key(name: str) -> str:
    """Names match ignoring case, spaces, underscores and hyphens: `First name` = `first_name`."""
    return "".join(c for c in name.lower() if c not in " _-\t\n")


def placeholder_name(body: str) -> str:
    return body.split(CONDITIONAL_SEPARATOR, 1)[0].strip()


def placeholder_names(*texts: str | None) -> list[str]:
    """Names as written, in order of first appearance (the subject before the body)."""
    return list(_placeholder_names(texts))


@functools.lru_cache(maxsize=256)
def _placeholder_names(texts: tuple[str | None, ...]) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for text in texts:
        for match in PLACEHOLDER.finditer(text or ""):
            names.setdefault(placeholder_name(match.group(1)), None)
    return tuple(names)


class Values:
    """Personalisation looked up loosely; None counts as missing."""

    def __init__(self, personalisation: Mapping[str, Any] | None) -> None:
        self._values = {loose_key(k): v for k, v in (personalisation or {}).items()}

    def get(self, name: str) -> Any:
        return self._values.get(loose_key(name))

    def has(self, name: str) -> bool:
        return self.get(name) is not None

    def missing(self, names: list[str]) -> list[str]:
        return [name for name in names if not self.has(name)]


def escape_html(value: str) -> str:
    """Notify's escape: undo strict entities, escape &, < and >, but keep &nbsp; &amp; &lpar; &rpar;."""
    for entity, stand_in in _KEPT_ENTITIES:
        value = value.replace(entity, stand_in)
    value = _CHARREF_STRICT.sub(lambda m: html.unescape(m.group(0)), value)
    value = html.escape(value, quote=False)
    for entity, stand_in in _KEPT_ENTITIES:
        value = value.replace(stand_in, entity)
    return value


def _format_value(value: Any, *, markdown_lists: bool) -> str:
    if isinstance(value, list):
        items = [
            str(item)
            for item in value
            if (isinstance(item, str) and item.strip()) or isinstance(item, int | float)
        ]
        if not markdown_lists:
            return ", ".join(items)
        return "\n\n" + "\n".join(f"* {item}" for item in items) if items else ""
    return str(value)


def fill(text: str, values: Values, *, escape: bool = False, markdown_lists: bool = True) -> str:
    """Replace every placeholder present in `values`; missing ones are left as written.

    With `escape`, the template text and the values are HTML-escaped (for the HTML part); markdown
    inside values is left alone and is still rendered afterwards, as in Notify.
    """
    parts: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        literal = text[position : match.start()]
        parts.append(escape_html(literal) if escape else literal)
        parts.append(_replacement(match, values, escape=escape, markdown_lists=markdown_lists))
        position = match.end()
    tail = text[position:]
    parts.append(escape_html(tail) if escape else tail)
    return "".join(parts)


def _replacement(match: re.Match[str], values: Values, *, escape: bool, markdown_lists: bool) -> str:
    body = match.group(1)
    value = values.get(placeholder_name(body))
    if value is None:
        return escape_html(match.group(0)) if escape else match.group(0)
    if CONDITIONAL_SEPARATOR in body:
        shown = body.split(CONDITIONAL_SEPARATOR, 1)[1]
        text = shown if str(value).strip().lower() in TRUTHY_WORDS else ""
    else:
        text = _format_value(value, markdown_lists=markdown_lists)
    return escape_html(text) if escape else text


def unlink_govuk(text: str) -> str:
    """Put a zero-width space in GOV.UK so mail clients do not make it a link."""
    return _GOVUK.sub(lambda m: f"{m.group(1)}{m.group(2) or ''}{m.group(3)}.\u200b{m.group(4)}", text)


def _smart_quotes(text: str) -> str:
    """Curly quotes: opening after a space, bracket or the start, closing (or apostrophe) otherwise."""
    if '"' not in text and "'" not in text:
        return text
    out: list[str] = []
    previous = ""
    for character in text:
        if character in "\"'":
            opening = previous == "" or previous.isspace() or previous in "([{\u2014\u2013-"
            if character == '"':
                out.append("\u201c" if opening else "\u201d")
            else:
                out.append("\u2018" if opening else "\u2019")
        else:
            out.append(character)
        previous = character
    return "".join(out)


def _smart_quotes_outside_tags(value: str) -> str:
    """Apply smart quotes to text only: never inside tags, nor inside links (as smartypants skips <a>)."""
    pieces = _HTML_TAG.split(value)
    in_link = False
    for index, piece in enumerate(pieces):
        if index % 2:  # a tag
            lowered = piece.lower()
            in_link = lowered.startswith("<a ") or lowered == "<a>" or (in_link and lowered != "</a>")
            continue
        if not in_link:
            pieces[index] = _smart_quotes(piece)
    return "".join(pieces)


def _plain_quotes_in_addresses(value: str) -> str:
    return _EMAIL_WITH_SMART_QUOTES.sub(
        lambda m: m.group(0).replace("\u2018", "'").replace("\u2019", "'"), value
    )


def nice_typography(value: str) -> str:
    value = _WHITESPACE_BEFORE_PUNCTUATION.sub(r"\1", value)
    value = _smart_quotes_outside_tags(value)
    value = _plain_quotes_in_addresses(value)
    return _SPACED_HYPHEN.sub(" \u2013 ", value)


def one_line(value: str) -> str:
    for character in "\u00a0":
        value = value.replace(character, " ")
    for character in "\u180e\u200b\u200c\u200d\u2060\ufeff":
        value = value.replace(character, "")
    return " ".join(value.split())


def render_subject(subject: str, values: Values) -> str:
    return one_line(nice_typography(fill(subject, values, markdown_lists=False)))
