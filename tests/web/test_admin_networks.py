"""One sign-in for every network, and sign-off by a second person, in Debian's chromium on a real fleet
(web, worker and beat on SQLite with the embedded broker, the Notify sandbox), at 375 and 1280 pixels
wide, with axe-core on every page: an admin of two networks asks for one link at `/admin`, signs in
once and reaches both; on the network that requires sign-off their meeting invitation waits, they
cannot approve it themselves, and the approver, signed in at `/admin` too, approves it on its check
page, after which the invitation arrives. Screenshots go to test-artifacts/screenshots/<viewport>/."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import sessionmaker

from notifier.db.base import utcnow
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.sources import AdminRole
from notifier.services.admin.invitations import invite_admin
from tests.support.databases import SqliteTemplate
from tests.support.seeding import network_with_topics, subscriber
from tests.web.conftest import SCREENSHOTS, Site, axe_violations, fill_meeting_form, sqlite_site

FLEET_KEY = "integration-test-secret-key-0123456789"  # fleet_env's NOTIFIER_SECRET_KEY: the same hashes
ADA, ALI = "ada.admin@cabinetoffice.gov.uk", "ali.approver@hmrc.gov.uk"
READER = "reader.one@dwp.gov.uk"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/admin/sign-in/[A-Za-z0-9_.\-]+")
WIDTHS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def fleet(sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    var_dir = tmp_path_factory.mktemp("admin-networks")
    database_url = sqlite_template.create(var_dir)
    engine = make_engine(database_url)
    with unit_of_work(sessionmaker(bind=engine, expire_on_commit=False)) as uow:
        alpha, (news,) = network_with_topics(uow.session, "alpha", ["news"], sign_off=True)
        beta, _ = network_with_topics(uow.session, "beta", ["news"])
        subscriber(uow.session, alpha, READER, [news])
        for network, email, role, name in (
            (alpha, ADA, AdminRole.ADMIN, "Ada Admin"),
            (beta, ADA, AdminRole.EDITOR, "Ada Admin"),
            (alpha, ALI, AdminRole.APPROVER, "Ali Approver"),
        ):
            invite_admin(uow.session, network, email=email, name=name, role=role, invited_by="cli",
                         hash_key=FLEET_KEY, now=utcnow())  # fmt: skip
    engine.dispose()
    each_width_signs_in_again = {"NOTIFIER_ADMIN_SIGN_IN_ADDRESS_LIMIT": "50"}
    with sqlite_site(var_dir, database_url, each_width_signs_in_again) as site:
        yield site


@pytest.fixture(params=list(WIDTHS))
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=WIDTHS[request.param])  # type: ignore[arg-type]
    opened = context.new_page()
    yield opened
    context.close()


def check_page(page: Page, name: str) -> None:
    """axe-core finds no WCAG 2.2 A/AA violation; a screenshot for review. (The admin pages name GOV.UK
    Notify, so the public pages' branding check is not theirs.)"""
    violations = axe_violations(page)
    directory = SCREENSHOTS / ("phone" if name.endswith("phone") else "desktop")
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
    assert not violations, f"{name} ({page.url}): {violations}"


def _links(site: Site, email: str) -> set[str]:
    return {m.group(0) for e in site.sandbox.outbox(to=email) if (m := LINK.search(str(e["body"])))}


def sign_in_once(page: Page, site: Site, email: str, width: str) -> None:
    """At /admin: one address, one emailed link, one session."""
    seen = _links(site, email)
    page.goto(f"{site.url}/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to your staff network's admin")
    check_page(page, f"networks-01-sign-in-{width}")
    page.get_by_label("Work email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_page(page, f"networks-02-check-email-{width}")
    deadline = time.monotonic() + 30
    while not (fresh := _links(site, email) - seen):
        assert time.monotonic() < deadline, site.fleet.logs()
        time.sleep(0.2)
    (link,) = fresh
    page.goto(link)
    check_page(page, f"networks-03-use-link-{width}")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your networks")


def test_one_sign_in_reaches_both_networks_and_a_second_person_approves(fleet: Site, page: Page) -> None:
    width = "phone" if (page.viewport_size or {}).get("width", 0) < 641 else "desktop"
    sign_in_once(page, fleet, ADA, width)
    networks = page.locator("#networks")
    expect(networks.get_by_role("link")).to_have_count(2)
    check_page(page, f"networks-04-your-networks-{width}")
    networks.get_by_role("link", name="Beta Network").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dashboard")
    expect(page.locator(".app-admin-bar")).to_contain_text("Ada Admin (editor)")
    check_page(page, f"networks-05-beta-{width}")
    page.get_by_role("link", name="Your networks").click()
    page.locator("#networks").get_by_role("link", name="Alpha Network").click()
    expect(page.locator(".app-admin-bar")).to_contain_text("Ada Admin (admin)")  # the same session

    # On alpha, which requires sign-off, Ada's invitation waits for someone else.
    title = f"Forum at {width} width"
    page.goto(f"{fleet.url}/admin/alpha/meetings/new")
    fill_meeting_form(page, title)
    expect(page.locator("#sign-off")).to_contain_text("requires sign-off")
    check_page(page, f"networks-06-check-{width}")
    page.get_by_role("button", name="Ask for approval").click()
    expect(page.locator("#waiting-approval")).to_contain_text("waiting for approval")
    check_page(page, f"networks-07-waiting-{width}")
    page.get_by_role("link", name="Check it").click()
    expect(page.get_by_role("button", name="Approve and send")).to_have_count(0)  # not her own
    expect(page.locator("#decision")).to_contain_text("nobody approves their own")
    check_page(page, f"networks-08-own-request-{width}")
    check_url = page.url
    page.get_by_role("button", name="Sign out").first.click()

    sign_in_once(page, fleet, ALI, width)
    page.goto(check_url)
    expect(page.locator("#audience-people")).to_have_text("1")
    expect(page.locator("#asked-by")).to_contain_text("Ada Admin (admin)")
    check_page(page, f"networks-09-approval-check-{width}")
    page.get_by_role("button", name="Approve and send").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Approved")
    check_page(page, f"networks-10-approved-{width}")
    fleet.wait_for_email(READER, re.escape(title))
