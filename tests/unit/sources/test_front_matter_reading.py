"""Front matter read as Jekyll (Ruby's YAML) reads it, and page bodies turned into plain text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notifier.cli.hook import Permalink, build_request, page_url
from notifier.domain.statuses import Frequency
from notifier.services.sources import frontmatter as fm
from notifier.services.sources.content_hook import PageFields, read_page
from notifier.services.sources.digests import latest_period
from notifier.services.sources.plaintext import body_summary, markup_to_text


@pytest.mark.parametrize(
    ("written", "expected_utc"),
    [
        ("2025-03-05", "2025-03-05T00:00:00+00:00"),  # a date alone: London midnight (GMT in March)
        ("'2025-06-05'", "2025-06-04T23:00:00+00:00"),  # quoted: still London midnight (BST)
        ("2025-06-05 18:30:00 +0100", "2025-06-05T17:30:00+00:00"),  # Jekyll's own format
        ("2025-06-05 18:30:00 +01:00", "2025-06-05T17:30:00+00:00"),
        ("2025-06-05 18:30", "2025-06-05T17:30:00+00:00"),  # no zone: London time
        ("2025-06-05T18:30:00Z", "2025-06-05T18:30:00+00:00"),
        ('"5 June 2025 18:30"', "2025-06-05T17:30:00+00:00"),
        ("2025-06-05 18:30 BST", "2025-06-05T17:30:00+00:00"),
    ],
)
def test_dates_as_sites_write_them(written: str, expected_utc: str) -> None:
    data = fm.load_front_matter(f"date: {written}\n")
    value = fm.datetime_value(data, "date", "front_matter.date")
    assert value is not None and value.astimezone(UTC).isoformat() == expected_utc


@pytest.mark.parametrize("written", ["next tuesday", "2025-13-40", "[2025]", "{a: 1}", "99999-01-01"])
def test_a_bad_date_names_the_field(written: str) -> None:
    data = fm.load_front_matter(f"date: {written}\n")
    with pytest.raises(fm.FieldProblem) as caught:
        fm.datetime_value(data, "date", "front_matter.date")
    assert caught.value.field == "front_matter.date"


def test_yaml_1_1_booleans_duplicates_and_word_lists() -> None:
    data = fm.load_front_matter("published: no\npreview: yes\ntags: news  events\ntitle: a\ntitle: b\n")
    assert fm.bool_value(data, "published", "published", default=True) is False
    assert fm.bool_value(data, "preview", "preview", default=False) is True
    assert fm.list_value(data, "tags", "tags") == ["news", "events"]
    assert data["title"] in {"a", "b"}


@pytest.mark.parametrize(
    "text", ["title: [unclosed", "- a list\n- not a mapping", "a: !!python/object:os.system x"]
)
def test_malformed_front_matter_is_refused_with_the_field(text: str) -> None:
    with pytest.raises(fm.FieldProblem) as caught:
        fm.load_front_matter(text)
    assert caught.value.field == "front_matter"


def test_bodies_lose_comments_liquid_kramdown_and_html() -> None:
    body = (
        "<!-- TODO: check the room with facilities -->\n"
        "{% include banner.html title=page.title %}\n"
        "## Our **spring** forum {#forum}\n\n"
        "Join us at [the Hub](https://example.gov.uk/hub) for {{ page.title }} &amp; tea.\n"
        "{: .govuk-body-l}\n\n"
        "{% comment %}secret note{% endcomment %}{::comment}also secret{:/comment}\n"
        "* <strong>Talks</strong>\n"
        "![A photo](/img/x.png)\n"
    )
    text = markup_to_text(body)
    for leaked in ("TODO", "{%", "{{", "{:", "secret", "<strong>", "https://", "**", "##", "&amp;"):
        assert leaked not in text
    assert "Join us at the Hub for & tea." in text
    assert body_summary(body) == "Join us at the Hub for & tea."


def test_page_urls_follow_jekyll_defaults(tmp_path: Path) -> None:
    site = "https://network.example.gov.uk"
    post = Path("_posts/2025-03-05-spring-forum.md")
    assert (
        page_url(site, post, {"categories": "News"}, Permalink.DATE)
        == f"{site}/news/2025/03/05/spring-forum.html"
    )
    assert page_url(site, post, {}, Permalink.PRETTY) == f"{site}/2025/03/05/spring-forum/"
    assert page_url(site, Path("_events/agm.md"), {}, Permalink.PRETTY) == f"{site}/events/agm/"
    assert (
        page_url(site, Path("about.md"), {"permalink": "/about-us/"}, Permalink.DATE) == f"{site}/about-us/"
    )
    source = tmp_path / "_minutes" / "2025-03-steering.md"
    source.parent.mkdir()
    source.write_text("---\ntitle: Minutes\nlayout: minutes\n---\nBody\n", encoding="utf-8")
    request = build_request(source, site, Permalink.PRETTY)
    assert request["collection"] == "minutes" and request["layout"] == "minutes"
    assert request["front_matter"] == "title: Minutes\nlayout: minutes" and request["body"] == "Body\n"


@pytest.mark.parametrize(
    ("now_utc", "frequency", "start_utc", "end_utc"),
    [
        (
            "2026-03-03T08:30:00+00:00",
            Frequency.DAILY,
            "2026-03-02T08:00:00+00:00",
            "2026-03-03T08:00:00+00:00",
        ),
        (
            "2026-03-03T07:59:00+00:00",
            Frequency.DAILY,
            "2026-03-01T08:00:00+00:00",
            "2026-03-02T08:00:00+00:00",
        ),
        # Summer: 08:00 London is 07:00 UTC; across the clock change the day is 23 hours long.
        (
            "2026-03-30T07:30:00+00:00",
            Frequency.DAILY,
            "2026-03-29T07:00:00+00:00",
            "2026-03-30T07:00:00+00:00",
        ),
        (
            "2026-03-11T12:00:00+00:00",
            Frequency.WEEKLY,
            "2026-03-02T08:00:00+00:00",
            "2026-03-09T08:00:00+00:00",
        ),
        (
            "2026-03-09T07:00:00+00:00",
            Frequency.WEEKLY,
            "2026-02-23T08:00:00+00:00",
            "2026-03-02T08:00:00+00:00",
        ),
    ],
)
def test_digest_periods_end_at_eight_in_london(
    now_utc: str, frequency: Frequency, start_utc: str, end_utc: str
) -> None:
    period = latest_period(frequency, datetime.fromisoformat(now_utc))
    assert (period.start.isoformat(), period.end.isoformat()) == (start_utc, end_utc)
    assert period.end - period.start <= timedelta(days=7)


def test_the_hook_merges_category_and_tag_as_jekyll_does() -> None:
    matter = fm.load_front_matter(
        "title: x\ncategory: Staff News\ncategories: [A, b]\ntag: solo\ntags: a b\n"
    )
    page = read_page(
        url="https://a.example.gov.uk/x/",
        collection="posts",
        layout="",
        revision="1",
        fields=PageFields.merge(matter, {}, "source"),
        body=None,
    )
    assert page.item.categories == ["A", "b", "Staff News"]  # the singular is one category, not split
    assert page.item.tags == ["solo"]  # Jekyll: a `tag` replaces `tags`
