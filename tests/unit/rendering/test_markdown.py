"""Escaping outside values for Notify markdown: inert for any text, and the reader sees it unchanged."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given

from notifier.rendering.markdown import (
    ZERO_WIDTH_SPACE,
    TrustedMarkdown,
    escape_notify_block,
    escape_notify_inline,
    escape_notify_markdown,
    plain_text_line,
)
from tests.unit.rendering.notify_markdown_model import (
    client_linkable,
    decodes_character_references,
    heading_text,
    linkable_in_text,
    parse,
    visible,
)
from tests.unit.rendering.strategies import hostile_text, printable_text

HOSTILE_EXAMPLES = [
    "[x](https://evil.example)",
    "# Heading",
    "((body))",
    "* item",
    "^ inset",
    "<script>alert(1)</script>",
    "https://evil.example/login",
    "evil.example",
    "www.evil.example",
    "line one\n# line two",
    "---",
    "Title\n===",
    "1. first",
    "• bullet",
    "    code",
    "```\nfenced\n```",
    "a | b\n--|--\n1 | 2",
    "[ref]: https://evil.example",
    "![img](https://evil.example/x.png)",
    "<https://evil.example>",
    "&#91;x&#93;&#40;https://evil.example&#41;",
    "Learn C#",
    "x\u2424# heading via U+2424",
    "x\r^ inset via carriage return",
]


def _inline_structures(markdown: str) -> list[str]:
    structures, links = parse(markdown)
    assert links == [], f"escaped text made a link: {links}"
    return [structure.kind for structure in structures]


CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")  # dropped by the escaper


def _collapsed(value: str) -> str:
    return " ".join(value.split()).replace(ZERO_WIDTH_SPACE, "")


@pytest.mark.parametrize("value", HOSTILE_EXAMPLES)
def test_hostile_examples_are_inert_everywhere_a_template_puts_them(value: str) -> None:
    escaped = escape_notify_inline(value)
    assert "\n" not in escaped
    assert _inline_structures(escaped) == []
    assert _inline_structures(f"Before {escaped} after") == []
    assert _inline_structures(f"# {escaped}") == ["heading"]
    assert _inline_structures(f"^ {escaped}") == ["inset"]
    assert _inline_structures(f"Text above\n{escaped}") == []
    assert client_linkable(escaped) == []
    assert not decodes_character_references(escaped)


@given(hostile_text)
@example("Title\n===")
@example("&amp;&#x5b;&lsqb")
@example("a-.example")
@example("&&AElig;")
def test_inline_escape_is_inert_for_any_text(value: str) -> None:
    escaped = escape_notify_inline(value)
    assert "\n" not in escaped
    for placed in (escaped, f"Before {escaped} after", f"Text above\n{escaped}\nText below"):
        assert _inline_structures(placed) == []
    assert client_linkable(escaped) == []
    assert not decodes_character_references(escaped)
    assert "((" not in escaped
    assert "))" not in escaped


@given(printable_text)
@example("Learn C#")
@example("## # #")
@example("\\")
def test_inline_escape_shows_the_original_characters(value: str) -> None:
    escaped = escape_notify_inline(value)
    expected = _collapsed(value)
    assert visible(escaped) == expected
    assert visible(f"Before {escaped} after") == f"Before {expected} after"
    if expected.strip():
        assert heading_text(f"# {escaped}") == expected


@given(hostile_text)
@example("para one\n\n\n\n# two\n---\n=\n    code\n^ inset")
@example("see https://evil.example/a_(b)). [x](https://evil.example) ((body))")
@example("A\x1bhttps://")
def test_block_escape_keeps_lines_but_no_markup(value: str) -> None:
    """No markup but the web addresses typed, which Notify links as they are shown."""
    escaped = escape_notify_block(value)
    assert isinstance(escaped, TrustedMarkdown)
    assert set(_inline_structures(escaped)) <= {"url"}
    assert set(_inline_structures(f"Text above\n{escaped}")) <= {"url"}
    assert "\n\n\n" not in escaped
    # What a client links is what the reader sees: the typed text without its control characters.
    assert set(client_linkable(escaped)) <= set(linkable_in_text(CONTROL_CHARACTERS.sub("", value)))
    assert not decodes_character_references(escaped)
    assert "((" not in escaped


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("See https://example.gov.uk/a_b?x=1&y=2.", "See https://example.gov.uk/a_b?x=1&amp;y=2."),
        ("(https://example.gov.uk/path)", "\\(https://example.gov.uk/path)"),
        ("Q&A at www.example.gov.uk", "Q&amp;A at www\\.example\\.gov\\.uk"),
        ("https://x.example/((body))", "https://x.example/(&lpar;body)&rpar;"),
    ],
)
def test_addresses_in_paragraphs_stay_links_with_nothing_invisible(text: str, escaped: str) -> None:
    assert escape_notify_block(text) == escaped
    assert ZERO_WIDTH_SPACE not in escaped


@given(printable_text)
def test_block_escape_shows_the_original_lines(value: str) -> None:
    lines = [" ".join(line.split()) for line in value.split("\n")]
    expected = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n").replace(ZERO_WIDTH_SPACE, "")
    assert visible(escape_notify_block(value)) == expected


def test_block_escape_keeps_paragraphs_and_line_breaks() -> None:
    body = "Hello all,\n\n\n\nThe AGM is on 3 March.\n  See you there!\r\nSam"
    assert escape_notify_block(body) == "Hello all,\n\nThe AGM is on 3 March\\.\nSee you there\\!\nSam"


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("# Heading", "\\# Heading"),
        ("* item", "\\* item"),
        ("- item", "\\- item"),
        ("1. item", "1\\. item"),
        ("^ inset", ZERO_WIDTH_SPACE + "^ inset"),
        ("• bullet", ZERO_WIDTH_SPACE + "• bullet"),
        ("===", ZERO_WIDTH_SPACE + "==="),
        ("---", "\\-\\-\\-"),
        ("((body))", "\\(\\(body\\)\\)"),
        ("[x](y)", "\\[x\\]\\(y\\)"),
        ("<script>", "<script>"),
        ("https://evil.example", f"https:{ZERO_WIDTH_SPACE}//evil\\.{ZERO_WIDTH_SPACE}example"),
        ("evil.example", f"evil\\.{ZERO_WIDTH_SPACE}example"),
        ("x-.example", f"x\\-\\.{ZERO_WIDTH_SPACE}example"),
        ("Room 4.12", "Room 4\\.12"),
        ("R&D, &#91; &amp;", "R&amp;D, &amp;\\#91; &amp;amp;"),
        ("Q & A", "Q & A"),
        ("Learn C#", f"Learn C\\#{ZERO_WIDTH_SPACE}"),
        ("a\\b", "a\\\\b"),
    ],
)
def test_escape_examples(value: str, escaped: str) -> None:
    assert escape_notify_inline(value) == escaped


def test_inline_folds_every_kind_of_line_break_and_drops_control_characters() -> None:
    value = " Title\r\nsecond\rthird\u2028fourth\u2424fifth\x0bsixth\x85seventh\tend\x00\x07 "
    assert escape_notify_inline(value) == "Title second third fourth fifth sixth seventh end"


def test_multiline_escape_trims_each_line_so_no_code_block_starts() -> None:
    assert escape_notify_markdown("    code\n\tindented\n^ x") == f"code\nindented\n{ZERO_WIDTH_SPACE}^ x"


def test_trusted_markdown_passes_through_and_plain_str_operations_lose_trust() -> None:
    trusted = TrustedMarkdown("[ours](https://site.example)")
    assert escape_notify_inline(trusted) is trusted
    assert escape_notify_block(trusted) is trusted
    assert escape_notify_markdown(trusted) is trusted
    combined = trusted + " # more"
    assert type(combined) is str
    assert escape_notify_inline(combined).startswith("\\[ours\\]")
    assert repr(trusted) == "TrustedMarkdown('[ours](https://site.example)')"


def test_plain_text_line_for_subjects_has_no_markdown_escapes() -> None:
    assert plain_text_line("  New:\n[x](https://evil.example) ((body))\t# 1. ") == (
        "New: [x](https://evil.example) ((body)) # 1."
    )
