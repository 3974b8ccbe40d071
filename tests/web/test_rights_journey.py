"""Every data-subject request from the preference pages in a real browser, against a real fleet: the
verification email really goes through the worker and the sandbox, and its link is followed."""

from __future__ import annotations

import json
import re
import time

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Network, Subscriber, Topic
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.statuses import ConsentSource, Frequency, SubscriberStatus
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.common.tokens import TokenSigner
from notifier.services.subscribers.subscriptions import add_confirmed_subscriber
from tests.web.conftest import Site, check_page, viewport

VERIFY_LINK = re.compile(r"http://127\.0\.0\.1:\d+/rights/verify/[A-Za-z0-9_.\-]+")


def _seed(site: Site, email: str) -> tuple[sessionmaker, str]:  # type: ignore[type-arg]
    sessions = sessionmaker(bind=make_engine(site.database_url), expire_on_commit=False)
    with unit_of_work(sessions) as uow:
        network = uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()
        topics = list(
            uow.session.scalars(select(Topic).where(Topic.network_id == network.id, Topic.slug == "news"))
        )
        subscriber = add_confirmed_subscriber(
            uow.session,
            network,
            email=email,
            name="Robin Rights",
            department="Home Office",
            topics=topics,
            frequency=Frequency.IMMEDIATE,
            source=ConsentSource.ADMIN,
            hash_key=site.secret_key,
            now=utcnow(),
        )
        ref = SubscriberRef(network.id, subscriber.id)
    links = LinkBuilder(TokenSigner(site.secret_key), site.url, site.url, 86_400)
    return sessions, links.manage_url(ref)


def _email(page: Page) -> str:
    return f"robin.rights.{viewport(page)}@justice.gov.uk"


def _ask(site: Site, page: Page, manage_url: str, label: str) -> str:
    """Choose `label` on the rights page; return the verify link from the email that arrives."""
    before = len(site.sandbox.outbox(to=_email(page)))
    page.goto(manage_url)
    page.get_by_role("link", name="Get a copy of your data, correct it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    if label == "Correct your details":
        page.get_by_label("Full name").fill("Robin Wright")
        page.get_by_label("Department or organisation").fill("Cabinet Office")
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        entries = site.sandbox.outbox(to=_email(page))
        if len(entries) > before:
            found = VERIFY_LINK.search(str(entries[0]["body"]))
            assert found and label in str(entries[0]["body"])
            return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no verification email for {label}\n{site.fleet.logs()}")


def _confirm(page: Page, link: str, name: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your request")
    check_page(page, f"rights-{name}-confirm")
    page.get_by_role("button", name="Confirm your request").click()
    expect(page.locator(".govuk-panel__title")).to_be_visible()
    check_page(page, f"rights-{name}-done")


def _subscriber(sessions: sessionmaker, email: str) -> Subscriber | None:  # type: ignore[type-arg]
    with unit_of_work(sessions) as uow:
        return uow.session.scalars(select(Subscriber).where(Subscriber.email == email)).one_or_none()


def test_every_request_from_the_preference_pages(site: Site, page: Page) -> None:
    email = _email(page)
    sessions, manage_url = _seed(site, email)

    _confirm(page, _ask(site, page, manage_url, "Get a copy of your data"), "access")
    with page.expect_download() as download:
        page.get_by_role("link", name="Your data (JSON)").click()
    bundle = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert bundle["subscriber"]["email"] == email and bundle["subscriber"]["name"] == "Robin Rights"
    assert [c["action"] for c in bundle["consent_history"]] == ["granted"]

    _confirm(page, _ask(site, page, manage_url, "Correct your details"), "rectification")
    found = _subscriber(sessions, email)
    assert found is not None and (found.name, found.department) == ("Robin Wright", "Cabinet Office")

    _confirm(page, _ask(site, page, manage_url, "Stop us using your data for now"), "restriction")
    found = _subscriber(sessions, email)
    assert found is not None and found.status is SubscriberStatus.RESTRICTED
    expect(page.locator(".govuk-panel__title")).to_have_text("We have stopped using your data")
    page.goto(manage_url)
    expect(page.locator(".govuk-warning-text")).to_contain_text("You asked us to stop using your data")
    expect(page.get_by_role("link", name="ask us to use your data again")).to_be_visible()
    check_page(page, "rights-restriction-preferences")
    _confirm(page, _ask(site, page, manage_url, "Let us use your data again"), "lift")
    found = _subscriber(sessions, email)
    assert found is not None and found.status is SubscriberStatus.ACTIVE

    _confirm(page, _ask(site, page, manage_url, "Stop all emails"), "objection")
    found = _subscriber(sessions, email)
    assert found is not None and found.status is SubscriberStatus.LEFT
    expect(page.locator(".govuk-panel__title")).to_have_text("We have stopped all emails to you")
    page.goto(manage_url)
    expect(page.locator(".govuk-warning-text")).to_contain_text("You asked us to stop all emails")
    expect(page.locator("main")).not_to_contain_text("could not be delivered")
    check_page(page, "rights-objection-preferences")

    _confirm(page, _ask(site, page, manage_url, "Delete your data"), "erasure")
    expect(page.locator(".govuk-panel__title")).to_have_text("Your data has been deleted")
    expect(page.locator("main")).to_contain_text("We have deleted everything we hold about you")
    assert _subscriber(sessions, email) is None
    page.goto(manage_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is not valid")
