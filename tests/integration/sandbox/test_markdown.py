"""Unit tests of the sandbox's Notify-markdown renderer and template language (pure functions)."""

from __future__ import annotations

import pytest

from notify_sandbox.rendering.markdown import render_html, render_plain_text
from notify_sandbox.rendering.message import html_body, plain_text_body
from notify_sandbox.rendering.templating import (
    Values,
    fill,
    nice_typography,
    placeholder_names,
    render_subject,
)

RULE_TEXT = "=-" * 32 + "="


def text(source: str) -> str:
    return plain_text_body(source, Values({}))


def html(source: str) -> str:
    return html_body(source, Values({}))


def test_headings_big_small_and_deeper_levels() -> None:
    rendered = html("# Big\n\n## Small\n\n### Deeper")
    assert "<h2 " in rendered and ">Big</h2>" in rendered
    assert "<h3 " in rendered and ">Small</h3>" in rendered
    assert ">Deeper</p>" in rendered and "###" not in rendered
    assert text("# Big\n\n## Small") == f"Big\n{'=' * 65}\n\n\nSmall\n{'-' * 65}\n"


def test_underlined_text_is_a_heading() -> None:
    assert ">Title</h2>" in html("Title\n===")
    assert ">Title</h3>" in html("Title\n---")


@pytest.mark.parametrize("marker", ["*", "-", "•"])
def test_bullets_with_each_marker(marker: str) -> None:
    source = f"{marker} one\n{marker} two"
    rendered = html(source)
    assert '<table role="presentation"' in rendered and "<ul " in rendered
    assert rendered.count("<li ") == 2 and ">one</li>" in rendered and ">two</li>" in rendered
    assert text(source) == "• one\n• two\n"


def test_numbered_list_renumbers_in_plain_text() -> None:
    rendered = html("1. first\n5. second")
    assert "<ol " in rendered and "list-style-type: decimal" in rendered
    assert text("1. first\n5. second") == "1. first\n2. second\n"


def test_nested_list_indented_two_spaces() -> None:
    rendered = html("* outer\n  * inner\n* after")
    assert rendered.count("<ul ") == 2
    assert rendered.index("inner") < rendered.index("after")
    assert text("* outer\n  * inner\n* after") == "• outer\n\n• inner\n• after\n"


def test_a_marker_needs_no_space_at_the_start_of_a_block_but_does_inside_a_paragraph() -> None:
    assert "<ul " in html("-5 degrees")
    assert "<ul " not in html("Cold:\n-5 degrees") and "Cold:<br>-5 degrees" in html("Cold:\n-5 degrees")
    assert "<ul " in html("Items:\n- one")


def test_caret_is_an_inset_and_greater_than_is_not() -> None:
    rendered = html("^ Important")
    assert (
        "<blockquote " in rendered
        and "border-left: 10px solid #B1B4B6" in rendered
        and "Important" in rendered
    )
    assert "<blockquote" not in html("> quoted")
    assert text("^ Important") == "Important\n"


def test_the_three_details_recorded_from_notifys_own_renderer() -> None:
    """List items, line breaks and insets exactly as HTML recorded from Notify has them."""
    item = (
        '<li style="Margin: 5px 0 5px; padding: 0 0 0 5px; font-size: 19px;line-height: 25px; '
        'color: #0B0C0C;">'
    )
    assert item in html("* one")
    assert "one<br>two" in html("one\ntwo") and "<br />" not in html("one\ntwo")
    assert html("^ Important").startswith(
        '<div style="Margin: 0 0 20px 0;"><blockquote style="Margin: 0; border-left: 10px solid #B1B4B6;'
        'padding: 15px 0 0.1px 15px; font-size: 19px; line-height: 25px;">'
    )
    assert html("^ Important").endswith("</blockquote></div>")


@pytest.mark.parametrize("rule", ["---", "***", "___", "- - -"])
def test_horizontal_rules(rule: str) -> None:
    assert "<hr " in html(f"Above\n\n{rule}\n\nBelow")
    assert text(f"Above\n\n{rule}\n\nBelow") == f"Above\n\n{RULE_TEXT}\n\nBelow\n"


def test_links_in_html_and_plain_text() -> None:
    source = "Read [the minutes](https://example.gov.uk/minutes) now"
    rendered = html(source)
    link_style = "word-wrap: break-word; color: #1D70B8;"
    assert f'<a style="{link_style}" href="https://example.gov.uk/minutes">the minutes</a>' in rendered
    assert text(source) == "Read the minutes: https://example.gov.uk/minutes now\n"


def test_bare_urls_become_links_without_trailing_punctuation() -> None:
    rendered = html("See https://example.gov.uk/a?b=1.")
    assert 'href="https://example.gov.uk/a?b=1">https://example.gov.uk/a?b=1</a>.' in rendered
    assert text("See https://example.gov.uk/a.") == "See https://example.gov.uk/a.\n"


def test_images_vanish_and_unsafe_link_schemes_are_emptied() -> None:
    assert "img" not in html("![alt](https://example.gov.uk/x.png)") and "alt" not in html(
        "![alt](https://x.uk/y)"
    )
    assert 'href=""' in html("[click](javascript:alert(1))")


def test_govuk_is_never_a_link() -> None:
    assert "GOV.\u200bUK" in html("Visit GOV.UK today")


@pytest.mark.parametrize(
    ("escaped", "literal"),
    [("\\[a\\](b)", "[a](b)"), ("\\*", "*"), ("\\#", "#"), ("\\-", "-"), ("1\\. x", "1. x"), ("\\\\", "\\")],
)
def test_backslash_escapes_give_the_literal_character(escaped: str, literal: str) -> None:
    rendered = html(escaped)
    assert literal in rendered
    assert "<a " not in rendered and "<ul" not in rendered and "<ol" not in rendered and "<h2" not in rendered
    assert text(escaped) == literal + "\n"


def test_caret_is_not_escapable_so_its_backslash_stays_but_the_inset_is_stopped() -> None:
    assert "<blockquote" not in html("\\^ x") and "\\^ x" in html("\\^ x")


def test_unsupported_markdown_stays_literal_inside_a_line() -> None:
    assert "Not **bold** _it_ `code` ~~gone~~" in render_html("Not **bold** _it_ `code` ~~gone~~\n")


def test_a_star_at_the_start_of_a_block_starts_a_list_even_for_bold() -> None:
    assert "<ul " in render_html("**bold**\n")


def test_single_newline_is_a_line_break_and_blank_line_a_paragraph() -> None:
    rendered = html("one\ntwo\n\nthree")
    assert "one<br>two</p>" in rendered and rendered.count("<p ") == 2
    assert text("one\ntwo\n\nthree") == "one\ntwo\n\nthree\n"


def test_html_in_values_is_escaped_in_the_html_part_only() -> None:
    values = Values({"name": "<b>Sam</b> & co"})
    assert "&lt;b&gt;Sam&lt;/b&gt; &amp; co" in html_body("Hi ((name))", values)
    assert "<b>" not in html_body("Hi ((name))", values)
    assert plain_text_body("Hi ((name))", values) == "Hi <b>Sam</b> & co\n"


def test_markdown_inside_values_is_still_rendered() -> None:
    rendered = html_body("((body))", Values({"body": "# Title\n\n[x](https://example.gov.uk)"}))
    assert "<h2 " in rendered and 'href="https://example.gov.uk"' in rendered


def test_render_plain_text_keeps_paragraph_spacing() -> None:
    assert render_plain_text("a\n\nb\n") == "\n\na\n\nb"


def test_placeholders_match_loosely_and_fill() -> None:
    values = Values({"FIRST-NAME": "Ana", "team_name": "Pride"})
    assert fill("Hi ((first name)) of ((Team Name))", values) == "Hi Ana of Pride"
    assert values.missing(placeholder_names("((first_name))", "((other))")) == ["other"]


def test_missing_and_none_values_are_missing_with_names_as_written() -> None:
    values = Values({"a": None})
    assert values.missing(placeholder_names("((Subject Line))", "((a)) ((b??yes))")) == [
        "Subject Line",
        "a",
        "b",
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("yes", True),
        ("Y", True),
        ("true", True),
        ("1", True),
        ("include", True),
        ("show", True),
        ("no", False),
        ("", False),
        (True, True),
        (False, False),
    ],
)
def test_conditional_placeholders(value: object, shown: bool) -> None:
    assert fill("A((extra??, and more))", Values({"extra": value})) == ("A, and more" if shown else "A")


def test_list_values_become_bullets() -> None:
    assert fill("Items:((items))", Values({"items": ["a", "", "b", 3]})) == "Items:\n\n* a\n* b\n* 3"
    assert fill("Items:((items))", Values({"items": []})) == "Items:"
    assert "<ul " in html_body("Items:((items))", Values({"items": ["a", "b"]}))


def test_non_string_values_are_converted() -> None:
    assert fill("((n)) ((f)) ((b))", Values({"n": 3, "f": 1.5, "b": True})) == "3 1.5 True"


def test_subject_gets_nice_typography_on_one_line() -> None:
    subject = render_subject("((s))", Values({"s": 'Sam\'s "news" - part 1 , again\nsecond line'}))
    assert subject == "Sam\u2019s \u201cnews\u201d \u2013 part 1, again second line"


def test_typography_leaves_tags_links_and_addresses_alone() -> None:
    source = '<a href="https://x.uk">it\'s</a> o\'neil@example.gov.uk said "hi"'
    assert (
        nice_typography(source)
        == "<a href=\"https://x.uk\">it's</a> o'neil@example.gov.uk said \u201chi\u201d"
    )
