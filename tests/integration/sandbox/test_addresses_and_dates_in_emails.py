"""What a reader of an announcement or a site page's email sees, as Notify renders it (the sandbox's
renderer of Notify's markdown): web addresses typed in the text are links, an `&` is an `&`, and no
invisible character is left in anything a reader could copy. Dates print in the site's zone, and a
date-only event is a day."""

from __future__ import annotations

from datetime import UTC, datetime

from notifier.rendering.contexts import AnnouncementEmail, ContentEmail, EventDetails
from notifier.rendering.emails import EmailKind, render_email
from notifier.rendering.markdown import ZERO_WIDTH_SPACE
from notify_sandbox.rendering.message import html_body, plain_text_body
from notify_sandbox.rendering.templating import Values
from tests.unit.rendering.samples import ORIGINS, SITE, footer

BODY = (
    "Q&A with R&D on Tuesday.\n\n"
    "Book at https://forms.example.gov.uk/r/abc_def?x=1&y=2. Slides (https://example.gov.uk/slides)."
)


def rendered(body: str) -> tuple[str, str]:
    values = Values({"body": body})
    return html_body("((body))", values), plain_text_body("((body))", values)


def test_an_announcement_shows_its_addresses_as_links_and_its_ampersands_as_typed() -> None:
    email = render_email(
        EmailKind.ANNOUNCEMENT,
        AnnouncementEmail(network_name="LGBT+ Network", subject="Forum", body=BODY, footer=footer()),
        allowed_origins=ORIGINS,
    )
    html, text = rendered(email.body)
    assert ZERO_WIDTH_SPACE not in email.body and ZERO_WIDTH_SPACE not in html + text
    assert 'href="https://forms.example.gov.uk/r/abc_def?x=1&amp;y=2"' in html
    assert ">https://forms.example.gov.uk/r/abc_def?x=1&amp;y=2</a>." in html
    assert 'href="https://example.gov.uk/slides">https://example.gov.uk/slides</a>).' in html
    assert "Q&amp;A with R&amp;D on Tuesday." in html  # the browser shows "Q&A with R&D"
    assert "Q&A with R&D on Tuesday." in text
    assert "https://forms.example.gov.uk/r/abc_def?x=1&y=2. Slides (https://example.gov.uk/slides)." in text


def test_a_typed_character_reference_is_shown_not_decoded() -> None:
    email = render_email(
        EmailKind.ANNOUNCEMENT,
        AnnouncementEmail(
            network_name="LGBT+ Network",
            subject="x",
            body="&#91;x&#93;&#40;y&#41; and &amp;",
            footer=footer(),
        ),
        allowed_origins=ORIGINS,
    )
    html, text = rendered(email.body)
    assert "&amp;#91;x&amp;#93;&amp;#40;y&amp;#41; and &amp;amp;" in html
    assert "&#91;x&#93;&#40;y&#41; and &amp;" in text
    assert "<a " not in html.split("Manage your email preferences")[0].rsplit("<p", 1)[0]


def test_a_page_email_prints_dates_in_the_site_zone_and_a_date_only_event_as_a_day() -> None:
    # 10 July 2022 in Los Angeles is already 11 July in London and UTC after 5pm.
    published = datetime(2022, 7, 11, 2, 30, tzinfo=UTC)
    email = render_email(
        EmailKind.CONTENT,
        ContentEmail(
            network_name="LGBT+ Network",
            title="Picnic",
            url=f"{SITE}/2022/07/10/picnic/",
            footer=footer(),
            published=published,
            excerpt="See https://example.gov.uk/map & bring food.",
            event=EventDetails(start=datetime(2022, 7, 10, 7, 0, tzinfo=UTC), all_day=True),
            zone="America/Los_Angeles",
        ),
        allowed_origins=ORIGINS,
    )
    html, text = rendered(email.body)
    assert "Published Sunday 10 July 2022" in text
    assert "Date and time: Sunday 10 July 2022\n" in text and "midnight" not in text
    assert 'href="https://example.gov.uk/map"' in html and "&amp; bring food" in html
    assert ZERO_WIDTH_SPACE not in text
