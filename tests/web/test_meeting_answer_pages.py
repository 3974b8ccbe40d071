"""A meeting's answer pages in a real browser at 375 and 1280 px, on a real fleet: the reader opens the
answer link from the invitation the worker sent through the sandbox (the answer preselected, nothing
saved), presses the button, and sees where they stand; an admin signs in through the emailed link
and reads the answers page (counts, the list, the access needs, the message to the people coming, its
error state). axe-core finds no WCAG 2.2 A/AA violation on any of them; screenshots go to
test-artifacts/screenshots/<viewport>/meeting-answer-*.png."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import MeetingAnswer, Network, Topic
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.london_times import LONDON
from notifier.domain.sources import AdminRole
from notifier.services.admin import admin_tokens
from notifier.services.admin.invitations import invite_admin
from tests.support.fleet import FLEET_SECRET_KEY
from tests.support.seeding import subscriber
from tests.web.conftest import Site, axe_violations, check_page, screenshot

WIDTHS = {"phone": 375, "desktop": 1280}
ADMIN = "ada.answers@cabinetoffice.gov.uk"
READERS = {"phone": "pat.phone@justice.gov.uk", "desktop": "dev.desktop@justice.gov.uk"}
ANSWER_LINK = r"http://127\.0\.0\.1:\d+/meetings/answer/[A-Za-z0-9_.\-]+\?choice=yes"
SIGN_IN_LINK = r"http://127\.0\.0\.1:\d+/admin/sign-in/[A-Za-z0-9_.\-]+"


@pytest.fixture(scope="module")
def meeting_id(site: Site) -> int:
    """Two readers of the events topic, an admin, and a meeting with one place and a question."""
    engine = make_engine(site.database_url)
    with unit_of_work(sessionmaker(bind=engine, expire_on_commit=False)) as uow:
        network = uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()
        events = uow.session.scalars(
            select(Topic).where(Topic.network_id == network.id, Topic.slug == "events")
        ).one()
        for email in READERS.values():
            subscriber(uow.session, network, email, [events])
        ada = invite_admin(
            uow.session, network, email=ADMIN, name="Ada Answers", role=AdminRole.ADMIN, invited_by="cli",
            hash_key=FLEET_SECRET_KEY, now=utcnow(),
        )  # fmt: skip
        editor = admin_tokens.issue_token(
            uow.session, network, role=AdminRole.EDITOR, label="pages", holder_email=ADMIN, created_by=ada
        ).secret
    engine.dispose()
    start = (datetime.now(LONDON) + timedelta(days=9)).replace(hour=18, minute=0, second=0, microsecond=0)
    body = {
        "title": "Network forum",
        "start": start.replace(tzinfo=None).isoformat(),
        "end": (start + timedelta(hours=1, minutes=30)).replace(tzinfo=None).isoformat(),
        "location": "Room 3, 1 Horse Guards Road",
        "topics": ["events"],
        "capacity": 1,
        "access_question": "Do you have any access needs?",
    }
    made = httpx.post(
        f"{site.url}/admin/api/networks/alpha/meetings",
        json=body,
        headers={"Authorization": f"Bearer {editor}"},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _new_page(browser: Browser, width: str) -> Page:
    context = browser.new_context(
        viewport={"width": WIDTHS[width], "height": 900}, is_mobile=width == "phone"
    )
    return context.new_page()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_answer_page_and_the_admin_answers_page(
    site: Site, meeting_id: int, browser: Browser, width: str
) -> None:
    page = _new_page(browser, width)
    link = site.wait_for_email(READERS[width], ANSWER_LINK)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Network forum")
    expect(page.get_by_label("Yes, I will come")).to_be_checked()  # preselected; nothing saved yet
    check_page(page, f"meeting-answer-open-{width}")
    page.get_by_label("Do you have any access needs? (optional)").fill("A seat near the door")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your answer has been saved")
    check_page(page, f"meeting-answer-saved-{width}")

    admin = _signed_in(site, browser, width)
    admin.goto(f"{site.url}/admin/alpha/meetings/{meeting_id}/answers")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Network forum")
    expect(admin.locator("main")).to_contain_text("A seat near the door")
    _no_violations(admin, f"meeting-answers-admin-{width}")
    admin.get_by_label("Message", exact=True).fill("The room has changed to the ground floor.")
    admin.locator("form[action$='/answers/message'] button").click()  # no subject: refused, kept
    expect(admin.locator(".govuk-error-summary")).to_contain_text("Give a subject")
    expect(admin.get_by_label("Message", exact=True)).to_have_value(
        "The room has changed to the ground floor."
    )
    _no_violations(admin, f"meeting-answers-admin-error-{width}")
    admin.context.close()
    page.context.close()
    with unit_of_work(sessionmaker(bind=make_engine(site.database_url))) as uow:
        saved = uow.session.scalars(select(MeetingAnswer.access_needs)).all()
    assert "A seat near the door" in saved


def _no_violations(page: Page, name: str) -> None:
    violations = axe_violations(page)
    screenshot(page, name)
    assert not violations, f"{name}: {violations}"


def _signed_in(site: Site, browser: Browser, width: str) -> Page:
    """The admin signs in through the link in the newest sign-in email."""
    page = _new_page(browser, width)
    before = len(site.sandbox.outbox(to=ADMIN))
    page.goto(f"{site.url}/admin/alpha")
    page.get_by_label("Work email address").fill(ADMIN)
    page.get_by_role("button", name="Email me a sign-in link").click()
    deadline = time.monotonic() + 30
    while len(site.sandbox.outbox(to=ADMIN)) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    page.goto(site.wait_for_email(ADMIN, SIGN_IN_LINK))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dashboard")
    return page
