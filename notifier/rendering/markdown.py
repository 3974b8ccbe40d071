"""Escaping outside text for GOV.UK Notify's email markdown, and building the only links we emit.

Notify reads a body with mistune 0.8.4 plus its own grammar changes: `^` starts an inset, `•`, `*`, `-`
and `1.` start a list even without a following space, `#` makes a heading, a line of `=` or `-` under
text makes a heading, `---` a rule, `[text](url)` a link and a bare `http(s)://` an auto-link. mistune
turns a backslash before any of ``\\ ` * _ { } [ ] ( ) # + - . ! ~ |`` into the bare character, so those
are escaped wherever they appear; escaped parentheses also mean `((` and `))` never reach Notify, so no
value can form a placeholder. The characters it cannot escape (`^`, `•`, `=`) only matter at the start
of a line, where a zero-width space in front of them stops the block rule from matching.

`<` and `>` are not backslash-escaped: Notify HTML-escapes them before markdown runs, so `\\>` would
show its backslash (a `>` starting a line gets the zero-width space instead). That same step decodes
character references such as `&#91;`, so an `&` that could start one is written `&amp;`: Notify keeps
`&amp;` as it is in the HTML part and its plain-text part decodes it, so both show the `&` typed.

Web addresses (`http://` and `https://`, as Notify's own auto-link rule finds them) stay links: they
are written as they are (Notify's rule takes the whole address before any other markdown, so nothing
in it needs escaping; only the second of two parentheses is written `&lpar;` or `&rpar;`, so that no
placeholder can form), and the punctuation that ends a sentence after them is left unescaped, since
Notify would otherwise take the escaping backslash into the address. No invisible character is added
to an address or after an `&`, so what a reader copies is what was typed.
That is for text a person wrote as paragraphs (announcements, summaries, agendas:
`escape_notify_block`). A one-line value (a title, a name, a place: `escape_notify_inline`) is
defanged as Notify defangs "GOV.UK": a zero-width space after the `:` of `://` and after a dot
inside a name, so neither Notify nor a mail client links it.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit, urlunsplit

ZERO_WIDTH_SPACE = "\u200b"

# mistune 0.8.4's inline escape rule: a backslash before one of these shows just the character.
BACKSLASH_ESCAPED = frozenset("\\`*_{}[]()#+-.!~|")

# Line starts a backslash cannot neutralise (inset, bullet, setext underline) or should not (a `>`
# quote: Notify HTML-escapes `>` first, so `\>` would show its backslash). A zero-width space can.
_GUARDED_LINE_STARTS = ("^", "•", "=", ">")

# mistune splits lines on these (it maps \r and U+2424 to \n); Python's splitlines adds the rest.
_LINE_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u2424]")
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
_CHARACTER_REFERENCE_START = re.compile(r"&(?=[#A-Za-z0-9])")
_SCHEME_SEPARATOR = re.compile(r":(?=//)")
_DOT_INSIDE_A_NAME = re.compile(r"(?<=[\w-])\.(?=[^\W\d_])")
# Notify's bare-URL rule (mistune's `url`), and what it leaves after an address: sentence punctuation.
_WEB_ADDRESS = re.compile(r"(https?://[^\s<>]+[^<>.,:\"')\]\s])([.,:\"')\]]*)")
_BLANK_LINE_RUNS = re.compile(r"\n{3,}")
_ASCII_SPACE_OR_CONTROL = re.compile("[\x00-\x20\x7f]")

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"https": 443, "http": 80}
_HOST_NAME = re.compile(r"[a-z0-9.\-]+")
# Path, query and fragment characters kept as they are; the rest (brackets, quotes, spaces...) are
# percent-encoded so nothing in a URL can close the markdown link or the HTML attribute around it.
_URL_SAFE = "/:?#@!$&*+,;=%~"


class TrustedMarkdown(str):
    """Markdown this service composed itself (links it built, text it already escaped).

    Like markupsafe.Markup: the environment's finalize hook and the escape functions pass it through
    untouched. Any str operation on it returns a plain str, which is escaped again: that is the safe side.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"TrustedMarkdown({str.__repr__(self)})"


def _normalise_line_breaks(value: str) -> str:
    value = _CONTROL_CHARACTERS.sub("", value).replace("\t", " ")
    return _LINE_BREAKS.sub("\n", value)


def _escape_text(text: str) -> str:
    text = _CHARACTER_REFERENCE_START.sub("&amp;", text)
    return "".join("\\" + ch if ch in BACKSLASH_ESCAPED else ch for ch in text)


def _escape_address(match: re.Match[str]) -> str:
    """A web address as a link Notify makes itself, and the punctuation after it left bare (an
    escaping backslash there would join the address)."""
    address = _CHARACTER_REFERENCE_START.sub("&amp;", match.group(1))
    return _no_placeholder(address) + _no_placeholder(match.group(2))


def _no_placeholder(text: str) -> str:
    """The second of two parentheses as `&lpar;` or `&rpar;`, which Notify keeps as they are (as it
    does for its own placeholders) in its HTML part and decodes in its plain-text part."""
    return text.replace("((", "(&lpar;").replace("))", ")&rpar;")


def _escape_line(line: str, *, links: bool = True) -> str:
    if not links:  # a title, name or place: an address in it is shown, never linked
        line = _SCHEME_SEPARATOR.sub(":" + ZERO_WIDTH_SPACE, line)
        line = _DOT_INSIDE_A_NAME.sub("." + ZERO_WIDTH_SPACE, line)
    pieces, start = [], 0
    for match in _WEB_ADDRESS.finditer(line):
        pieces += [_escape_text(line[start : match.start()]), _escape_address(match)]
        start = match.end()
    escaped = "".join([*pieces, _escape_text(line[start:])])
    if escaped.startswith(_GUARDED_LINE_STARTS):
        escaped = ZERO_WIDTH_SPACE + escaped
    if escaped.endswith("#"):
        # A heading drops trailing #s, even escaped ones: keep ours by not ending the line with one.
        escaped += ZERO_WIDTH_SPACE
    return escaped


def escape_notify_markdown(value: str, *, links: bool = True) -> TrustedMarkdown:
    """Neutralise Notify markdown in an outside value, keeping its line breaks.

    Each line is trimmed (four leading spaces would make a code block), control characters are
    dropped and tabs become spaces. TrustedMarkdown comes back unchanged.
    """
    if isinstance(value, TrustedMarkdown):
        return value
    lines = _normalise_line_breaks(str(value)).split("\n")
    return TrustedMarkdown("\n".join(_escape_line(line.strip(), links=links) for line in lines))


def escape_notify_inline(value: str) -> TrustedMarkdown:
    """One line of inert markdown for titles, names, locations: newlines become spaces, trimmed."""
    if isinstance(value, TrustedMarkdown):
        return value
    return escape_notify_markdown(" ".join(_normalise_line_breaks(str(value)).split()), links=False)


def escape_notify_block(value: str) -> TrustedMarkdown:
    """Inert markdown for multi-paragraph text (announcement bodies, agendas, excerpts).

    Paragraphs and line breaks stay; runs of blank lines become one and spaces inside a line collapse.
    """
    if isinstance(value, TrustedMarkdown):
        return value
    lines = [" ".join(line.split()) for line in _normalise_line_breaks(str(value)).split("\n")]
    text = _BLANK_LINE_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
    return escape_notify_markdown(text)


def plain_text_line(value: str) -> str:
    """A value for the subject line, which Notify does not read as markdown: one trimmed line."""
    return " ".join(_normalise_line_breaks(str(value)).split())


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise ValueError(f"not an http(s) URL with a host: {host or url!r}")
    return scheme, host, parts.port or _DEFAULT_PORTS[scheme]


def is_loopback_host(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_plain_host(host: str) -> bool:
    if _HOST_NAME.fullmatch(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def allowed_origin_set(allowed_origins: Iterable[str]) -> frozenset[tuple[str, str, int]]:
    """Parse the origins links may point at; http is accepted only for a loopback host (dev mode)."""
    return _parse_origins(tuple(allowed_origins))


@functools.lru_cache(maxsize=256)
def _parse_origins(allowed_origins: tuple[str, ...]) -> frozenset[tuple[str, str, int]]:
    # Cached: every link in every email checks against the same few origins.
    origins = set()
    for allowed in allowed_origins:
        scheme, host, port = _origin(allowed)
        if scheme != "https" and not is_loopback_host(host):
            raise ValueError(f"allowed origins must be https (http only on a loopback host): {host}")
        origins.add((scheme, host, port))
    return frozenset(origins)


def _has_space_or_control(url: str) -> bool:
    if url.isascii():  # the usual case, in one regex scan: ASCII's spaces and controls are 0-32 and 127
        return _ASCII_SPACE_OR_CONTROL.search(url) is not None
    return any(ch.isspace() or not ch.isprintable() for ch in url)


def safe_link_url(url: str, *, allowed_origins: Iterable[str]) -> str:
    """The URL, percent-encoded where markdown or HTML would care, if its origin is allowed.

    Raises ValueError naming the URL's host for anything else: another host, a non-https scheme
    (http only for loopback hosts), user info, or whitespace and control characters.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if _has_space_or_control(url):
        raise ValueError(f"link URL contains whitespace or control characters (host {host!r})")
    if "@" in parts.netloc or not _is_plain_host(host):
        raise ValueError(f"link URL has user info or an unusual host: {host!r}")
    scheme, host, port = _origin(url)
    if scheme != "https" and not is_loopback_host(host):
        raise ValueError(f"link URL must be https: {host}")
    if (scheme, host, port) not in allowed_origin_set(allowed_origins):
        raise ValueError(f"link URL points at a host that is not allowed: {host}")
    return urlunsplit(
        (
            scheme,
            parts.netloc,
            quote(parts.path, safe=_URL_SAFE),
            quote(parts.query, safe=_URL_SAFE),
            quote(parts.fragment, safe=_URL_SAFE),
        )
    )


def link(text: str, url: str, *, allowed_origins: Iterable[str]) -> TrustedMarkdown:
    """`[text](url)` for an https URL on an allowed origin, with `text` escaped.

    Square brackets in the text become round ones: mistune ends link text at a bracket even when it is
    escaped, which would leave the whole link as literal markdown.
    """
    if not isinstance(text, TrustedMarkdown):
        text = escape_notify_inline(text.replace("[", "(").replace("]", ")"))
    if not text.replace(ZERO_WIDTH_SPACE, "").strip():
        raise ValueError("link text is empty")
    href = safe_link_url(url, allowed_origins=allowed_origins)
    return TrustedMarkdown(f"[{text}]({href})")
