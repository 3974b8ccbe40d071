"""The members' archive in a real browser on a real fleet (web, worker, beat, the Notify sandbox), at
375 and 1280 pixels: a person who joined after an announcement asks for a sign-in link, reads it from
the sandbox outbox, signs in, finds the announcement by a word in its body and reads it; a
members-only topic's item, another network's item and a withdrawn item are each a 404 for them; axe
finds no WCAG 2.2 A/AA violation and the pages' policy refuses nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.session import make_engine, unit_of_work
from notifier.repositories import networks as network_repo
from notifier.repositories.archive import item_by_key
from notifier.services.archive.management import withdraw
from notifier.services.common.scope import network_by_slug
from notifier.services.sources import publishing
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber
from tests.web.conftest import Site, check_page, csp_violations, watch_csp

WIDTHS = {
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    "wide": {"viewport": {"width": 1280, "height": 900}},
}
READERS = {"phone": "archive.phone@justice.gov.uk", "wide": "archive.wide@justice.gov.uk"}
BODY = "The steering group will hold a zeppelin-themed summer party on the roof."


@dataclass
class Items:
    found: int
    members_only: int
    other_network: int
    withdrawn: int


def _announce(sessions: sessionmaker[Session], slug: str, topic_slug: str, subject: str, body: str) -> int:
    """Sent through the publishing service (its fan-out goes to a recording queue: only the archive
    matters here); the archive item's id."""
    with unit_of_work(sessions) as uow:
        network = network_repo.get_network_by_slug(uow.session, slug)
        assert network is not None
        topic = network_repo.get_topic_by_slug(uow.session, network.id, topic_slug)
        assert topic is not None
        sent = publishing.announce(uow, RecordingQueue(), network, topic, subject=subject, body=body)
        item = item_by_key(uow.session, network.id, f"event:{sent.event_id}")
        assert item is not None
        return item.id


@pytest.fixture(scope="module")
def items(site: Site) -> Items:
    engine = make_engine(site.database_url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "gamma", ["news"])
    found = _announce(sessions, "alpha", "news", "Summer party", BODY)
    members_only = _announce(sessions, "alpha", "business", "Treasurer's report", "Zeppelin budget.")
    other = _announce(sessions, "gamma", "news", "Gamma zeppelin news", "Not alpha's.")
    withdrawn = _announce(sessions, "alpha", "news", "Wrong zeppelin date", "Withdrawn later.")
    with unit_of_work(sessions) as uow:
        withdraw(
            network_by_slug(uow.session, "alpha"), withdrawn, reason="wrong date", actor="cli", now=utcnow()
        )
        alpha = network_repo.get_network_by_slug(uow.session, "alpha")
        assert alpha is not None
        news = network_repo.get_topic_by_slug(uow.session, alpha.id, "news")
        assert news is not None
        for reader in READERS.values():  # they join after the announcements
            subscriber(uow.session, alpha, reader, [news])
    engine.dispose()
    return Items(found, members_only, other, withdrawn)


@pytest.fixture(params=list(WIDTHS))
def wide_or_phone(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    context = browser.new_context(java_script_enabled=True, **WIDTHS[request.param])  # type: ignore[arg-type]
    opened = context.new_page()
    watch_csp(opened)
    yield request.param, opened
    violations = list(csp_violations(opened))
    context.close()
    assert not violations, violations


def test_a_reader_signs_in_finds_and_reads_and_sees_nothing_else(
    site: Site, items: Items, wide_or_phone: tuple[str, Page]
) -> None:
    width, page = wide_or_phone
    reader = READERS[width]
    page.goto(f"{site.url}/archive/alpha")
    expect(page).to_have_url(re.compile(r"/archive/alpha/sign-in$"))
    check_page(page, f"archive-{width}-sign-in")
    page.get_by_label("Email address").fill(reader)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    check_page(page, f"archive-{width}-sent")

    link = site.wait_for_email(reader, r"http://127\.0\.0\.1:\d+/archive/alpha/sign-in/[A-Za-z0-9_.\-]+")
    page.goto(link)
    check_page(page, f"archive-{width}-confirm")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Past emails")).to_be_visible()
    check_page(page, f"archive-{width}-list")

    page.get_by_label("Search past emails").fill("zeppelin")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("main a[href*='/items/']")
    expect(results).to_have_count(1)
    expect(page.locator("mark").first).to_have_text(re.compile("zeppelin", re.IGNORECASE))
    check_page(page, f"archive-{width}-search")
    results.first.click()
    expect(page.get_by_role("heading", name="Summer party", level=1)).to_be_visible()
    email = page.frame_locator("#archive-email")
    expect(email.get_by_text(re.compile("zeppelin-themed summer party"))).to_be_visible()
    check_page(page, f"archive-{width}-item")

    for hidden in (items.members_only, items.other_network, items.withdrawn):
        answer = page.goto(f"{site.url}/archive/alpha/items/{hidden}")
        assert answer is not None and answer.status == 404, hidden
    answer = page.goto(f"{site.url}/archive/gamma/items/{items.other_network}")
    assert answer is not None and answer.url.endswith("/archive/gamma/sign-in")
    check_page(page, f"archive-{width}-other-network")
