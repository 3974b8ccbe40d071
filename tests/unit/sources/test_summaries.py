"""Summaries a person would write, on messy page bodies of our own (tests/fixtures/summaries): the
first paragraph that says something, never a greeting, a table of contents, a heading alone or a
lead-in cut at its ":"; kramdown, Liquid and HTML gone, `_emphasis_` and `:shortcodes:` handled, a
list kept short. A front-matter excerpt comes first; a page of any size makes a small list entry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifier.services.sources.content_hook import PageFields, read_page
from notifier.services.sources.jekyll.config import read_config
from notifier.services.sources.jekyll.documents import read_documents
from notifier.services.sources.plaintext import body_summary
from notifier.services.sources.site_publish import list_entry

FIXTURES = Path(__file__).parents[2] / "fixtures" / "summaries"
EXPECTED = {
    "greeting.md": "Our spring forum is on Tuesday and everyone is welcome.",
    "kramdown-toc.md": "The steering group met to agree the plan.",
    "theme-toc.md": "Nominations for co-chair close on Friday.",
    "heading-alone.md": "A month of talks, walks and a quiz.",
    "lead-in.md": (
        "Here is what we heard at the forum:\n- more flexible working\n- a buddy scheme\n"
        "- fewer meetings\n- better kitchens\n- a quiet room\n- and 2 more"
    ),
    "comments-and-html.md": "Join us at the Hub for tea & cake, snake_case stays.",
}


@pytest.mark.parametrize(("name", "summary"), EXPECTED.items())
def test_the_summary_is_what_a_person_would_quote(name: str, summary: str) -> None:
    assert body_summary((FIXTURES / name).read_text(encoding="utf-8")) == summary


def test_every_fixture_has_its_expected_summary() -> None:
    assert {p.name for p in FIXTURES.glob("*.md")} == set(EXPECTED)


def test_a_front_matter_excerpt_comes_first_and_the_body_summary_is_the_fallback() -> None:
    def excerpt(front_matter: dict[str, object]) -> str:
        fields = PageFields.merge({"title": "T", **front_matter}, {}, "x")
        page = read_page(
            url="https://x.example/p", collection="posts", layout="", revision="r", fields=fields,
            body=None, summary="From the body.",
        )  # fmt: skip
        return page.item.excerpt

    assert excerpt({"excerpt": "Written _by hand_ :tada:"}) == "Written by hand"
    assert excerpt({}) == "From the body."


def test_a_300_kb_page_makes_a_small_entry(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("url: https://x.example\ntimezone: UTC\n", encoding="utf-8")
    words = "A long paragraph about the network's year. " * 7000
    (root / "_posts" / "2025-01-02-big.md").write_text(
        f"---\ntitle: Big\n---\nThe year in one page.\n\n{words}\n", encoding="utf-8"
    )
    assert (root / "_posts" / "2025-01-02-big.md").stat().st_size > 300_000
    config = read_config(root)
    (doc,) = read_documents(config, now=datetime.now(UTC))
    entry = list_entry(config, doc, "https://x.example/2025/01/02/big.html")
    assert entry["summary"] == "The year in one page." and "body" not in entry
    assert len(str(entry)) < 2_000
