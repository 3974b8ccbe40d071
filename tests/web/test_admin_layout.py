"""Every admin page fits a phone, in Debian's chromium on a real fleet (web, worker and beat on SQLite
with the embedded broker, the Notify sandbox), with axe-core on every page at 375 and 1280 pixels wide:
- an enquiry sent through the public contact form of a network with no steering-group address waits
  in the admin's Enquiries page and an admin is emailed (read from the sandbox outbox);
- an Excel (.xlsx) and an OpenDocument (.ods) file imported through the admin form, built here with
  openpyxl and odfpy: the people asked to confirm, and those whose consent is recorded, are members;
- a walk through the admin menu and every kind of page, with the data each one shows (an enquiry, a
  sent announcement and its funnel, a meeting and its pages, a data-subject request, a person, a
  meeting waiting for sign-off on a second network): no page is wider than the viewport (tables
  scroll inside their own focusable region), and the charts' text is in the page's font.
Screenshots go to test-artifacts/screenshots/<viewport>/layout-*.png."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Subscriber
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.rights import DataRequestKind
from notifier.domain.sources import AdminRole
from notifier.services.admin.invitations import invite_admin
from notifier.services.privacy import rights
from notifier.services.privacy.rights import RightsContext
from tests.support.databases import SqliteTemplate
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber
from tests.support.settings import make_settings
from tests.unit.subscribers.test_import_limits import ods, xlsx
from tests.web.conftest import (
    SCREENSHOTS,
    Site,
    axe_violations,
    csp_violations,
    fill_meeting_form,
    sqlite_site,
    watch_csp,
)

FLEET_KEY = "integration-test-secret-key-0123456789"  # fleet_env's NOTIFIER_SECRET_KEY: the same hashes
ADA = "ada.admin@cabinetoffice.gov.uk"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/admin/sign-in/[A-Za-z0-9_.\-]+")
READERS = ["reader.one@hmrc.gov.uk", "reader.two@dwp.gov.uk", "perm-fail@simulator.notify"]
WIDTHS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
# Every kind of admin page the walk must reach (ids as N).
PAGE_KINDS = {
    f"/admin/{slug}{path}"
    for slug, path in [
        ("alpha", ""),
        ("alpha", "/approvals"),
        ("alpha", "/announcements"),
        ("alpha", "/announcements/new"),
        ("alpha", "/announcements/N"),
        ("alpha", "/messages/N"),
        ("alpha", "/meetings"),
        ("alpha", "/meetings/new"),
        ("alpha", "/meetings/N"),
        ("alpha", "/meetings/N/edit"),
        ("alpha", "/meetings/N/audience"),
        ("alpha", "/meetings/N/answers"),
        ("alpha", "/archive"),
        ("alpha", "/members"),
        ("alpha", "/people/N"),
        ("alpha", "/people/new"),
        ("alpha", "/import"),
        ("alpha", "/memberships"),
        ("alpha", "/suppressions"),
        ("alpha", "/enquiries"),
        ("alpha", "/enquiries/N"),
        ("alpha", "/requests"),
        ("alpha", "/requests/N"),
        ("alpha", "/team"),
        ("alpha", "/team/review"),
        ("alpha", "/settings"),
        ("alpha", "/settings/site"),
        ("alpha", "/settings/branding"),
        ("alpha", "/settings/notify"),
        ("alpha", "/settings/notify/clear"),
        ("alpha", "/settings/sign-off"),
        ("alpha", "/audit"),
        ("alpha", "/retention"),
        ("alpha", "/sessions"),
        ("alpha", "/nothing-here"),
        ("beta", "/meetings/new"),
        ("beta", "/meetings/N"),
        ("beta", "/approvals"),
        ("beta", "/approvals/N"),
    ]
} | {"/admin", "/admin/check-email", "/admin/sign-in/LINK"}


# The outermost elements that reach past the viewport (for the failure message).
WIDER = """() => {
  const edge = document.documentElement.clientWidth + 1
  const past = e => e.getBoundingClientRect().right > edge
  return [...document.querySelectorAll("body *")]
    .filter(e => past(e) && !past(e.parentElement))
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} ${e.getBoundingClientRect().right}px`)
}"""


@pytest.fixture(scope="module")
def fleet(sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Alpha has no steering-group address and no sign-off; beta requires sign-off. Ada is admin of
    both; alpha's readers include one whose address the sandbox fails for good; one reader has asked
    for a copy of their data."""
    var_dir = tmp_path_factory.mktemp("admin-layout")
    database_url = sqlite_template.create(var_dir)
    engine = make_engine(database_url)
    with unit_of_work(sessionmaker(bind=engine, expire_on_commit=False)) as uow:
        alpha, (news, _events) = network_with_topics(uow.session, "alpha", ["news", "events"])
        beta, _ = network_with_topics(uow.session, "beta", ["news"], sign_off=True)
        for email in READERS:
            subscriber(uow.session, alpha, email, [news])
        for network in (alpha, beta):
            invite_admin(uow.session, network, email=ADA, name="Ada Admin", role=AdminRole.ADMIN,
                         invited_by="cli", hash_key=FLEET_KEY, now=utcnow())  # fmt: skip
        person = uow.session.scalars(select(Subscriber).where(Subscriber.email == READERS[0])).one()
        person.name, person.department = "Reader One", "HM Revenue and Customs"
        context = RightsContext.from_settings(make_settings(secret_key=FLEET_KEY))
        rights.request_from_preferences(
            uow, RecordingQueue(), context, person, DataRequestKind.ACCESS, {}, utcnow()
        )
    engine.dispose()
    with sqlite_site(
        var_dir,
        database_url,
        {
            "NOTIFIER_ADMIN_SIGN_IN_ADDRESS_LIMIT": "50",  # each width signs in again
            "NOTIFIER_SUBSCRIBE_RATE_LIMIT": "1000",  # the contact form, from one address
            "NOTIFIER_EVENT_SOURCES_INTERVAL_SECONDS": "1",  # announcements and admin alerts
        },
    ) as site:
        yield site


@pytest.fixture(params=list(WIDTHS))
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=WIDTHS[request.param])  # type: ignore[arg-type]
    opened = context.new_page()
    watch_csp(opened)
    yield opened
    context.close()


def _width(page: Page) -> str:
    return "phone" if _pixels(page) < 641 else "desktop"


def _pixels(page: Page) -> int:
    size = page.viewport_size
    assert size is not None
    return size["width"]


def fits(page: Page, name: str, seen: set[str] | None = None) -> None:
    """No wider than the viewport, no axe violation (WCAG 2.2 A/AA), nothing the page's policy refused;
    a screenshot for review; the page's kind (ids as N) added to `seen`."""
    viewport = _pixels(page)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= viewport, f"{name} ({page.url}) is {wide}px wide at {viewport}px: {page.evaluate(WIDER)}"
    assert not csp_violations(page), f"{name}: the page's policy refused {csp_violations(page)}"
    violations = axe_violations(page)
    directory = SCREENSHOTS / _width(page)
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"layout-{name}.png"), full_page=True)
    assert not violations, f"{name} at {viewport}px ({page.url}): {violations}"
    if seen is not None:
        path = re.sub(r"/\d+", "/N", urlsplit(page.url).path)
        seen.add(re.sub(r"^/admin/sign-in/[^/]+$", "/admin/sign-in/LINK", path))


def visit(page: Page, site: Site, path: str, seen: set[str]) -> None:
    page.goto(site.url + path)
    expect(page.locator("h1")).to_be_visible()
    fits(page, path.strip("/").replace("/", "-").replace("?", "-") or "admin", seen)


def send_enquiry(page: Page, site: Site, name: str) -> None:
    """The public contact form, as a person uses it."""
    page.goto(f"{site.url}/contact/alpha")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill("casey@example.org")
    page.get_by_label("Your message").fill("When is the AGM?\n\nThanks")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator("main")).to_contain_text(
        "We have kept your message for the Alpha Network steering group"
    )
    expect(page.locator("main")).not_to_contain_text("on its way")


def test_an_enquiry_with_no_steering_group_address_reaches_the_admin(fleet: Site, browser: Browser) -> None:
    """Once, at 375 pixels (admins are told again only an hour later); the walk below sees the
    Enquiries pages at both widths."""
    context = browser.new_context(viewport=WIDTHS["phone"])  # type: ignore[arg-type]
    page = context.new_page()
    watch_csp(page)
    send_enquiry(page, fleet, "Casey Contact")
    fits(page, "contact-sent-phone")
    told = fleet.wait_for_email(
        ADA, r"1 message from the contact form waiting in Enquiries[^\n]*", timeout=60
    )
    assert "Casey" not in told  # counts only
    sign_in(page, fleet, "phone", set())
    page.goto(f"{fleet.url}/admin/alpha/enquiries")
    expect(page.locator("main")).to_contain_text("Waiting: no steering-group address is set")
    fits(page, "enquiries-phone")
    page.get_by_role("link", name="Casey Contact").first.click()
    expect(page.locator("main")).to_contain_text("When is the AGM?")
    fits(page, "enquiry-phone")
    context.close()


def import_file(page: Page, site: Site, upload: FilePayload, *, topic: str, reason: str = "") -> None:
    """The admin import form; `reason` records consent on the people's behalf, else each is asked."""
    page.goto(f"{site.url}/admin/alpha/import")
    page.get_by_label("File", exact=True).set_input_files(files=[upload])
    page.get_by_label(topic, exact=True).check()
    if reason:
        page.get_by_label("They have already agreed: record their consent now").check()
        page.get_by_label("If they have already agreed: why you are recording their consent for them").fill(
            reason
        )
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Imported 2 rows")


def test_spreadsheets_import_and_every_admin_page_fits_the_screen(fleet: Site, page: Page) -> None:
    width, seen = _width(page), set[str]()
    send_enquiry(page, fleet, f"Sam at {width} width")
    sign_in(page, fleet, width, seen)
    visit(page, fleet, "/admin/alpha", seen)
    _chart_text_in_the_pages_font(page)
    # The menu's links (behind its "Menu" button on a phone).
    menu: list[str] = page.locator("nav[aria-label='Admin pages'] a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert len(menu) >= 11 and "/admin/alpha/audit" in menu, menu
    for href in menu:
        visit(page, fleet, href, seen)

    # Imports: an .xlsx whose people are asked to confirm, an .ods whose consent is recorded.
    xlsx_people = [f"xlsx.{n}.{width}@hmrc.gov.uk" for n in (1, 2)]
    ods_people = [f"ods.{n}.{width}@dwp.gov.uk" for n in (1, 2)]
    rows: list[list[object]] = [["email", "name", "department"]]
    sheet = xlsx(rows + [[email, f"Excel Person {n}", "HMRC"] for n, email in enumerate(xlsx_people)])
    import_file(page, fleet, FilePayload(name="people.xlsx", mimeType=XLSX, buffer=sheet), topic="News")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 asked by email to confirm")
    fits(page, f"import-xlsx-{width}", seen)
    document = ods(
        [["email", "name", "department"]] + [[e, f"Ods Person {n}", "DWP"] for n, e in enumerate(ods_people)]
    )
    upload = FilePayload(name="people.ods", mimeType=ODS, buffer=document)
    import_file(page, fleet, upload, topic="Events", reason="They signed the sheet at the launch event.")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 subscribed")
    page.goto(f"{fleet.url}/admin/alpha/members?who=pending")
    for email in xlsx_people:
        expect(page.locator("main")).to_contain_text(email)
    fits(page, f"members-pending-{width}", seen)
    page.goto(f"{fleet.url}/admin/alpha/members")
    for email in ods_people:
        expect(page.locator("main")).to_contain_text(email)
    page.get_by_role("link", name="Reader One").click()
    expect(page.locator("main")).to_contain_text("Consent history")
    fits(page, f"person-{width}", seen)

    _announcement_pages(page, fleet, width, seen)
    _meeting_pages(page, fleet, width, seen)
    visit(page, fleet, "/admin/alpha/enquiries", seen)
    page.get_by_role("link", name=f"Sam at {width} width").click()
    fits(page, f"enquiry-{width}", seen)
    page.goto(f"{fleet.url}/admin/alpha/requests")
    page.get_by_role("link", name=re.compile(r"^Request \d+$")).first.click()
    fits(page, f"request-{width}", seen)
    for path in (
        "/admin/alpha/people/new",
        "/admin/alpha/import",
        "/admin/alpha/memberships",
        "/admin/alpha/suppressions",
        "/admin/alpha/team/review",
        "/admin/alpha/settings/site",
        "/admin/alpha/settings/branding",
        "/admin/alpha/settings/sign-off",
        "/admin/alpha/retention",
        "/admin/alpha/nothing-here",
    ):
        visit(page, fleet, path, seen)
    _own_notify_service(page, fleet, width, seen)
    _waiting_for_sign_off(page, fleet, width, seen)
    assert seen == PAGE_KINDS, (sorted(PAGE_KINDS - seen), sorted(seen - PAGE_KINDS))


def sign_in(page: Page, site: Site, width: str, seen: set[str]) -> None:
    """At /admin, through the link read from the sandbox outbox; each page on the way checked."""

    def links() -> set[str]:
        return {m.group(0) for e in site.sandbox.outbox(to=ADA) if (m := LINK.search(str(e["body"])))}

    before = links()
    page.goto(f"{site.url}/admin")
    fits(page, f"sign-in-{width}", seen)
    page.get_by_label("Work email address").fill(ADA)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    fits(page, f"check-email-{width}", seen)
    deadline = time.monotonic() + 30
    while not (fresh := links() - before):
        assert time.monotonic() < deadline, site.fleet.logs()
        time.sleep(0.2)
    (link,) = fresh
    page.goto(link)
    fits(page, f"use-link-{width}", seen)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your networks")
    fits(page, f"your-networks-{width}", seen)


def _chart_text_in_the_pages_font(page: Page) -> None:
    """The dashboard's chart labels: the page's font, and dark enough (the colours are checked against
    WCAG in tests/unit/test_admin_charts.py; here, what the browser really draws)."""
    labels = page.locator("svg.app-chart text")
    assert labels.count() >= 4
    drawn = labels.first.evaluate("t => [getComputedStyle(t).fontFamily, getComputedStyle(t).fill]")
    main = page.evaluate("getComputedStyle(document.querySelector('main')).fontFamily")
    assert drawn == [main, "rgb(11, 12, 12)"], (drawn, main)


def _announcement_pages(page: Page, site: Site, width: str, seen: set[str]) -> None:
    """A draft, scheduled to send at once; beat sends it; its funnel."""
    subject = f"Annual general meeting ({width})"
    page.goto(f"{site.url}/admin/alpha/announcements/new")
    fits(page, f"announcement-new-{width}", seen)
    page.get_by_label("News", exact=True).check()
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Announcement").fill("Hello all,\n\nThe AGM is on 3 March. Please come.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(subject)
    fits(page, f"announcement-draft-{width}", seen)
    page.get_by_role("button", name="Schedule").click()
    funnel = page.get_by_role("link", name="See the whole funnel")
    deadline = time.monotonic() + 60
    while funnel.count() == 0:
        assert time.monotonic() < deadline, site.fleet.logs()
        time.sleep(0.5)
        page.reload()
    fits(page, f"announcement-sent-{width}", seen)
    funnel.click()
    deadline = time.monotonic() + 60
    # The two readers' receipts (the address the sandbox fails is failed once, then suppressed).
    while page.locator("#funnel-delivered").inner_text() != "2":
        assert time.monotonic() < deadline, site.fleet.logs()
        time.sleep(0.5)
        page.reload()
    fits(page, f"funnel-{width}", seen)


def _arrange_meeting(page: Page, site: Site, slug: str, title: str, seen: set[str], width: str) -> None:
    page.goto(f"{site.url}/admin/{slug}/meetings/new")
    fits(page, f"{slug}-meeting-new-{width}", seen)
    fill_meeting_form(page, title)
    expect(page.locator("#audience-people")).to_be_visible()
    fits(page, f"{slug}-meeting-check-{width}")


def _meeting_pages(page: Page, site: Site, width: str, seen: set[str]) -> None:
    title = f"Steering group ({width})"
    _arrange_meeting(page, site, "alpha", title, seen, width)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    fits(page, f"meeting-{width}", seen)
    expect(page.locator("main")).to_contain_text("1 day before")
    meeting = urlsplit(page.url).path
    for link, name in (
        ("Change the meeting", "meeting-edit"),
        ("Change who is invited", "meeting-audience"),
        ("See who is coming", "meeting-answers"),
    ):
        page.goto(site.url + meeting)
        page.get_by_role("link", name=link).click()
        expect(page.locator("h1")).to_be_visible()
        fits(page, f"{name}-{width}", seen)


def _own_notify_service(page: Page, site: Site, width: str, seen: set[str]) -> None:
    """The network's own Notify service set, so that the page to stop using it exists; then let go."""
    visit(page, site, "/admin/alpha/settings/notify", seen)
    page.get_by_label("Live key").fill(site.sandbox.key("live"))
    page.get_by_label("Live", exact=True).check()
    page.get_by_label("Template id").fill(site.sandbox.template_id)
    page.get_by_role("button", name="Save Notify service").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Saved")
    fits(page, f"settings-notify-saved-{width}", seen)
    visit(page, site, "/admin/alpha/settings/notify/clear", seen)
    page.get_by_role("button", name="Stop using the network's own service").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("deployment's Notify service")


def _waiting_for_sign_off(page: Page, site: Site, width: str, seen: set[str]) -> None:
    """On beta, which requires sign-off, Ada's invitation waits: its approval page, as the asker sees it."""
    _arrange_meeting(page, site, "beta", f"Forum ({width})", seen, width)
    page.get_by_role("button", name="Ask for approval").click()
    expect(page.locator("#waiting-approval")).to_contain_text("waiting for approval")
    fits(page, f"beta-meeting-{width}", seen)
    visit(page, site, "/admin/beta/approvals", seen)
    page.get_by_role("link", name=f"Forum ({width})").click()
    expect(page.locator("#decision")).to_contain_text("nobody approves their own")
    fits(page, f"beta-approval-{width}", seen)
