"""The steering group's web admin in a real browser on a real fleet (web, worker and beat, the Notify
sandbox), on a network that requires sign-off: every admin signs in through the link read from the
sandbox outbox; an editor drafts an announcement, an approver signs it off, it sends and its funnel
shows the sandbox's receipts; an admin's meeting invitation waits until the approver approves it on
its check page; a CSV import with a bad line stores nothing; a rights request is exported and closed; the
settings pages set a routing rule, the brand and the network's own Notify service (checked, then let
go, its key never shown or logged); another network's admin gets 404 on every page; axe-core finds no
WCAG 2.2 A/AA violation on any admin page. Screenshots go to test-artifacts/screenshots/admin-*.png.
The fleet runs in fleet mode (PostgreSQL, Redis) because beat must start the approved announcement."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from notifier.config import PROJECT_ROOT
from notifier.db.base import utcnow
from notifier.db.models import DataRequest, Subscriber
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.rights import DataRequestKind, DataRequestStatus
from notifier.domain.sources import AdminRole
from notifier.repositories import networks as network_repo
from notifier.services.admin.invitations import invite_admin
from notifier.services.privacy import rights
from notifier.services.privacy.rights import RightsContext
from tests.support.databases import PostgresDatabases, flushed_redis_url
from tests.support.fakes import RecordingQueue
from tests.support.fleet import fleet_env, free_port, running_fleet
from tests.support.sandbox import start_sandbox
from tests.support.seeding import network_with_topics, subscriber
from tests.support.settings import make_settings
from tests.web.conftest import Site, csp_violations, screenshot, watch_csp

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SIGN_IN_LINK = re.compile(r"http://127\.0\.0\.1:\d+/admin/sign-in/[A-Za-z0-9_.\-]+")
ADA, EDDIE, ALICE, BOB = (
    "ada.admin@cabinetoffice.gov.uk",
    "eddie.editor@justice.gov.uk",
    "alice.approver@hmrc.gov.uk",
    "bob.beta@dwp.gov.uk",
)
READERS = ["reader.one@hmrc.gov.uk", "reader.two@dwp.gov.uk", "temp-fail@simulator.notify"]


@dataclass
class AdminSite:
    site: Site
    request_id: int
    person_id: int
    checked: list[str]

    @property
    def url(self) -> str:
        return self.site.url


def _seed(database_url: str) -> tuple[int, int]:
    engine = make_engine(database_url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    key = "integration-test-secret-key-0123456789"  # fleet_env's NOTIFIER_SECRET_KEY: the same hashes
    with unit_of_work(sessions) as uow:
        alpha, (news, _events) = network_with_topics(uow.session, "alpha", ["news", "events"], sign_off=True)
        beta, _ = network_with_topics(uow.session, "beta", ["news"])
        for email in READERS:
            subscriber(uow.session, alpha, email, [news])
        for network, email, role, name in (
            (alpha, ADA, AdminRole.ADMIN, "Ada Admin"),
            (alpha, EDDIE, AdminRole.EDITOR, "Eddie Editor"),
            (alpha, ALICE, AdminRole.APPROVER, "Alice Approver"),
            (beta, BOB, AdminRole.ADMIN, "Bob Beta"),
        ):
            invite_admin(
                uow.session,
                network,
                email=email,
                name=name,
                role=role,
                invited_by="cli",
                hash_key=key,
                now=utcnow(),
            )
        person = uow.session.scalars(select(Subscriber).where(Subscriber.email == READERS[0])).one()
        person.name = "Reader One"
        context = RightsContext.from_settings(make_settings(secret_key=key))
        request = rights.request_from_preferences(
            uow, RecordingQueue(), context, person, DataRequestKind.ACCESS, {}, utcnow()
        )
        ids = request.id, person.id
    engine.dispose()
    return ids


@pytest.fixture(scope="module")
def admin_site(postgres: PostgresDatabases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminSite]:
    """Fleet mode: PostgreSQL, Redis as broker and limiter (its own database number), the sandbox."""
    var_dir = tmp_path_factory.mktemp("admin-web")
    database_url = postgres.create()
    redis_url = flushed_redis_url()
    request_id, person_id = _seed(database_url)
    web_port, token = free_port(), secrets.token_urlsafe(16)
    callback = ["--callback-url", f"http://127.0.0.1:{web_port}/notify/receipts", "--callback-token", token]
    try:
        with start_sandbox(*callback, "--rate-limit", "100000") as sandbox:
            env = fleet_env(
                database_url=database_url,
                broker_url=redis_url,
                redis_url=redis_url,
                var_dir=var_dir,
                sandbox_env=sandbox.env,
                web_port=web_port,
                callback_token=token,
                extra={"NOTIFIER_EVENT_SOURCES_INTERVAL_SECONDS": "1"},
            )
            with running_fleet(env, var_dir / "logs", web_port) as fleet:
                site = Site(fleet, sandbox, env["NOTIFIER_SECRET_KEY"], "", database_url)
                yield AdminSite(site, request_id, person_id, [])
    finally:
        postgres.drop(database_url)


def check_accessibility(page: Page, checked: list[str]) -> None:
    """axe-core (npm's copy, evaluated as the test's own script) finds no WCAG 2.2 A/AA violation on
    this page, and the page's Content-Security-Policy has refused nothing so far."""
    assert not csp_violations(page), f"{page.url}: the page's policy refused {csp_violations(page)}"
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        WCAG_22_AA,
    )
    summary = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert not violations, f"{page.url}: {summary}"
    path = urlsplit(page.url).path
    checked.append(re.sub(r"^/admin/sign-in/[^/]+$", "/admin/sign-in/LINK", re.sub(r"/\d+", "/N", path)))


def visit(page: Page, admin: AdminSite, path: str, shot: str) -> None:
    page.goto(admin.url + path)
    expect(page.locator("h1")).to_be_visible()
    check_accessibility(page, admin.checked)
    screenshot(page, f"admin-{shot}")


def _links(admin: AdminSite, email: str) -> set[str]:
    return {
        m.group(0) for e in admin.site.sandbox.outbox(to=email) if (m := SIGN_IN_LINK.search(str(e["body"])))
    }


def sign_in(page: Page, admin: AdminSite, slug: str, email: str, shot: str | None = None) -> str:
    """Sign in through the emailed link read from the sandbox outbox; the link used."""
    seen = _links(admin, email)
    page.goto(f"{admin.url}/admin/{slug}")  # not signed in: the network's sign-in page
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in to")
    if shot:
        check_accessibility(page, admin.checked)
        screenshot(page, f"admin-{shot}-sign-in")
    page.get_by_label("Work email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    if shot:
        check_accessibility(page, admin.checked)
    deadline = time.monotonic() + 30
    while not (fresh := _links(admin, email) - seen):
        assert time.monotonic() < deadline, admin.site.fleet.logs()
        time.sleep(0.2)
    (link,) = fresh
    page.goto(link)
    if shot:
        check_accessibility(page, admin.checked)
        screenshot(page, f"admin-{shot}-use-link")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dashboard")
    return link


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").first.click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")


def test_the_steering_group_works_in_the_browser(admin_site: AdminSite, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    watch_csp(page)
    admin = admin_site

    # An editor drafts, previews and submits an announcement; the stolen link fails a second time.
    used_link = sign_in(page, admin, "alpha", EDDIE, shot="01-editor")
    visit(page, admin, "/admin/alpha", "02-dashboard")
    visit(page, admin, "/admin/alpha/announcements/new", "03-write")
    page.get_by_label("News", exact=True).check()
    page.get_by_label("Subject").fill("Annual general meeting")
    page.get_by_label("Announcement").fill("Hello all,\n\nThe AGM is on 3 March. Please come.")
    live = page.frame_locator("#preview-html")  # drawn as the editor types, by Notify's renderer
    expect(live.locator("body")).to_contain_text("Hello all,")
    expect(live.locator("p").first).to_have_css("font-size", "19px")  # Notify's styles, through the CSSOM
    page.get_by_role("button", name="Preview").click()  # and without JavaScript, the button
    expect(page.locator("#preview-body")).to_contain_text("The AGM is on 3 March")
    expect(page.frame_locator("#preview-html").locator("body")).to_contain_text("The AGM is on 3 March")
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-04-preview")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annual general meeting")
    announcement_url = page.url
    check_accessibility(page, admin.checked)
    expect(page.locator("#audience-people")).to_have_text("3")  # the three readers of News, before submitting
    page.get_by_role("link", name="Change the draft").click()  # a draft changes until it is submitted
    expect(page.get_by_label("News", exact=True)).to_be_checked()
    check_accessibility(page, admin.checked)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The draft was changed")
    page.get_by_role("button", name="Send a test to me").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("test")
    admin.site.wait_for_email(EDDIE, r"The AGM is on 3 March")
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Submitted")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # an editor cannot approve
    expect(page.get_by_role("button", name="Change the send time")).to_have_count(1)
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-05-submitted")
    forced = page.request.post(announcement_url + "/approve", form={"csrf_token": _csrf(page)})
    assert forced.status == 403
    stolen = browser.new_context().new_page()
    stolen.goto(used_link)
    expect(stolen.get_by_role("heading", level=1)).to_have_text("This sign-in link has already been used")
    stolen.context.close()
    sign_out(page)

    # An approver signs it off; beat sends it; its funnel shows the sandbox's receipts.
    sign_in(page, admin, "alpha", ALICE)
    expect(page.locator("main")).to_contain_text("1 announcement to approve")
    visit(page, admin, "/admin/alpha/announcements", "06-announcements")
    page.goto(announcement_url)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Approved")
    funnel_link = page.get_by_role("link", name="See the whole funnel")
    deadline = time.monotonic() + 60
    while funnel_link.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    funnel_link.click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (
            page.locator("#funnel-delivered").inner_text() == "2"
            and page.locator("#funnel-failed").inner_text() == "1"
        ):
            break
        time.sleep(0.5)
        page.reload()
    expect(page.locator("#funnel-sent")).to_have_text("3")
    expect(page.locator("#funnel-delivered")).to_have_text("2")
    expect(page.locator("#funnel-failed")).to_have_text("1")
    expect(page.locator("svg[role=img]")).to_have_count(1)
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-07-funnel")
    sign_out(page)

    # The admin: members, a person, the CSV export, an import with a bad line, a rights request.
    sign_in(page, admin, "alpha", ADA, shot="08-admin")
    visit(page, admin, "/admin/alpha/members?everyone=true", "09-members")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this list as CSV").click()
    assert "reader.one@hmrc.gov.uk" in Path(download.value.path()).read_text()
    visit(page, admin, f"/admin/alpha/people/{admin.person_id}", "10-person")
    expect(page.locator("main")).to_contain_text("Consent history")
    people_before = _people(admin)
    visit(page, admin, "/admin/alpha/import", "11-import")
    csv_file = FilePayload(
        name="people.csv",
        mimeType="text/csv",
        buffer=b"email,name\nnew.person@hmrc.gov.uk,New Person\nbad-address,Kim\n",
    )
    page.get_by_label("File", exact=True).set_input_files(files=[csv_file])
    page.get_by_label("News", exact=True).check()
    page.get_by_role("button", name="Check and import").click()  # says it is uploading and checking
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Nothing was imported: 1 line needs correcting"
    )
    expect(page.locator("#problems")).to_contain_text("3")
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-12-import-refused")
    assert _people(admin) == people_before

    visit(page, admin, "/admin/alpha/requests", "13-requests")
    visit(page, admin, f"/admin/alpha/requests/{admin.request_id}", "14-request")
    with page.expect_download() as bundle:
        page.get_by_role("link", name="Download the export bundle (JSON)").click()
    assert "reader.one@hmrc.gov.uk" in Path(bundle.value.path()).read_text()
    page.get_by_role("button", name="Verify and act on it").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Verified")
    expect(page.locator("main")).to_contain_text("copy of the data made available")
    assert _request_status(admin) is DataRequestStatus.COMPLETED
    visit(page, admin, "/admin/alpha/requests/new", "14b-record-a-request")
    visit(page, admin, "/admin/alpha/team", "15-team")
    page.get_by_role("button", name=re.compile(r"^Remove ")).first.click()  # asks first, on its own page
    expect(page.locator("h1")).to_contain_text("from the team?")
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-15c-team-remove")
    page.get_by_role("link", name="Cancel").click()
    for path, shot in (
        ("/admin/alpha/team/review", "15b-team-review"),
        ("/admin/alpha/settings/sign-off", "20b-settings-sign-off"),
        ("/admin/alpha/audit", "16-audit"),
        ("/admin/alpha/retention", "17-retention"),
        ("/admin/alpha/sessions", "18-sessions"),
        ("/admin/alpha/settings", "20-settings"),
        ("/admin/alpha/memberships", "21-requests-to-join"),
        ("/admin/alpha/people/new", "22-add-person"),
        ("/admin/alpha/suppressions", "23-suppressions"),
        ("/admin/alpha/meetings", "24-meetings"),
        ("/admin/alpha/meetings/new", "25-arrange-meeting"),
    ):
        visit(page, admin, path, shot)
    page.get_by_label("Title").fill("Steering group")
    day = (datetime.now(ZoneInfo("Europe/London")) + timedelta(days=60)).date()  # always to come
    page.get_by_label("Starts (UK time)").fill(f"{day} 18:00")
    page.get_by_label("Ends (UK time)").fill(f"{day} 19:00")
    page.get_by_label("Location (optional if there is an online link)").fill("102 Petty France")
    page.get_by_label("News", exact=True).check()
    page.get_by_role("button", name="Check what will be sent").click()
    expect(page.locator("#audience-people")).to_have_text("3")  # the three readers of News
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-26-meeting-check")
    expect(page.locator("#sign-off")).to_contain_text("waits until someone else with the approver role")
    page.get_by_role("button", name="Ask for approval").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Waiting for approval")
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-27-meeting")
    meeting_path = page.url.removeprefix(admin.url).split("?")[0]
    check_path = page.get_by_role("link", name="Check it").get_attribute("href")
    assert check_path is not None
    sign_out(page)
    # The approver checks the invitation, as Notify will show it, and approves it.
    sign_in(page, admin, "alpha", ALICE)
    visit(page, admin, "/admin/alpha/approvals", "35-approvals")
    page.goto(admin.url + check_path)
    expect(page.locator("#audience-people")).to_have_text("3")
    expect(page.locator("#preview-body")).to_contain_text("Steering group")
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-36-approval-check")
    page.get_by_role("button", name="Approve and send").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Approved")
    admin.site.wait_for_email(READERS[0], r"Steering group")
    sign_out(page)
    sign_in(page, admin, "alpha", ADA)
    page.goto(admin.url + meeting_path)
    # The meeting moves from News to Events: its three readers are told they need not attend.
    page.get_by_role("link", name="Change who is invited").click()
    check_accessibility(page, admin.checked)
    page.get_by_label("News", exact=True).uncheck()
    page.get_by_label("Events", exact=True).check()
    page.get_by_label("Why, for the people taken off (optional)").fill("It is now for events volunteers.")
    page.get_by_role("button", name="Check what will be sent").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("requires sign-off")  # a note is words
    page.get_by_label("Why, for the people taken off (optional)").fill("")
    page.get_by_role("button", name="Check what will be sent").click()
    expect(page.locator("#audience-withdrawn")).to_have_text("3")
    expect(page.locator("#audience-invited")).to_have_text("0")
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-34-meeting-audience-check")
    page.get_by_role("button", name="Change who is invited and send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Steering group")
    admin.site.wait_for_email(READERS[0], r"no longer need to attend")
    own_key = _settings_by_area(page, admin)
    alpha_pages = [
        "/admin/alpha",
        "/admin/alpha/announcements",
        "/admin/alpha/announcements/new",
        announcement_url.removeprefix(admin.url),
        "/admin/alpha/members",
        "/admin/alpha/members.csv",
        f"/admin/alpha/people/{admin.person_id}",
        "/admin/alpha/import",
        "/admin/alpha/requests",
        f"/admin/alpha/requests/{admin.request_id}",
        f"/admin/alpha/requests/{admin.request_id}/export.json",
        "/admin/alpha/team",
        "/admin/alpha/audit",
        "/admin/alpha/audit.csv",
        "/admin/alpha/retention",
        "/admin/alpha/sessions",
        "/admin/alpha/settings",
        "/admin/alpha/memberships",
        "/admin/alpha/people/new",
        "/admin/alpha/suppressions",
        "/admin/alpha/meetings",
        "/admin/alpha/meetings/new",
        "/admin/alpha/settings/site",
        "/admin/alpha/settings/branding",
        "/admin/alpha/settings/notify",
        "/admin/alpha/settings/notify/clear",
        "/admin/alpha/settings/sign-off",
        "/admin/alpha/approvals",
        check_path,
        "/admin/alpha/team/review",
        "/admin/alpha/team.csv",
        meeting_path,
        meeting_path + "/audience",
    ]
    sign_out(page)

    # Another network's admin gets 404 on every page of the first.
    sign_in(page, admin, "beta", BOB)
    for path in alpha_pages:
        response = page.request.get(admin.url + path, max_redirects=0)
        assert response.status == 404, (path, response.status)
    page.goto(admin.url + "/admin/alpha/members")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-19-other-network-404")

    # Every admin POST without a session is refused.
    anonymous = httpx.Client(base_url=admin.url)
    for path in (
        "/admin/alpha/sign-out",
        announcement_url.removeprefix(admin.url) + "/approve",
        "/admin/alpha/team",
    ):
        assert anonymous.post(path, data={"csrf_token": "x"}).status_code == 403, path
    assert not csp_violations(page), csp_violations(page)
    context.close()
    logs = (child.log_path.read_text(errors="replace") for child in admin.site.fleet.supervisor.children)
    assert all(own_key[-36:] not in log for log in logs)  # the key's secret part
    assert set(admin.checked) == {"/admin/sign-in/LINK"} | {
        f"/admin/alpha{path}"
        for path in (
            "",
            "/sign-in",
            "/sign-in/check-email",
            "/approvals",
            "/approvals/N",
            "/team/review",
            "/settings/sign-off",
            "/announcements",
            "/announcements/new",
            "/announcements/N",
            "/announcements/N/edit",
            "/messages/N",
            "/members",
            "/people/N",
            "/import",
            "/requests",
            "/requests/N",
            "/requests/new",
            "/team",
            "/team/N/remove",
            "/audit",
            "/retention",
            "/sessions",
            "/settings",
            "/memberships",
            "/people/new",
            "/suppressions",
            "/meetings",
            "/meetings/new",
            "/meetings/N",
            "/meetings/N/audience",
            "/settings/site",
            "/settings/branding",
            "/settings/notify",
            "/settings/notify/check",
            "/settings/notify/clear",
        )
    }


def _settings_by_area(page: Page, admin: AdminSite) -> str:
    """A routing rule, the network's brand (refused once), and the network's own Notify service set,
    checked and let go, all through the browser; the key typed, which the pages never show."""
    visit(page, admin, "/admin/alpha/settings/site", "28-settings-site")
    rule = page.locator("form[action='/admin/alpha/settings/site/rules']")
    rule.get_by_label("Category", exact=True).check()
    rule.get_by_label("Its name").fill("Staff News")
    rule.get_by_label("Events", exact=True).check()
    rule.get_by_role("button", name="Save rule").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Rule saved")
    expect(page.locator("#rules")).to_contain_text("Staff News")
    check_accessibility(page, admin.checked)

    visit(page, admin, "/admin/alpha/settings/branding", "29-settings-branding")
    page.get_by_label("Header colour").fill("#ffdd00")
    page.get_by_role("button", name="Save branding").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("contrast")
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-30-settings-branding-refused")
    page.get_by_label("Header colour").fill("#5b2c86")
    page.get_by_role("button", name="Save branding").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Branding saved")
    expect(page.locator(".govuk-generic-header")).to_have_css("background-color", "rgb(91, 44, 134)")

    visit(page, admin, "/admin/alpha/settings/notify", "31-settings-notify")
    own_key = admin.site.sandbox.key("live")
    page.get_by_label("Live key").fill(own_key)
    page.get_by_label("Live", exact=True).check()
    page.get_by_label("Template id").fill(admin.site.sandbox.template_id)
    page.get_by_role("button", name="Save Notify service").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Saved")
    page.get_by_role("button", name="Check connection").click()
    expect(page.locator("#check-result")).to_contain_text("accepted the key")
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-32-settings-notify-checked")
    assert own_key[-36:] not in page.content()
    page.get_by_role("link", name="Stop using the network's own service").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Stop using")
    check_accessibility(page, admin.checked)
    screenshot(page, "admin-33-settings-notify-stop")
    page.get_by_role("button", name="Stop using the network's own service").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("deployment's Notify service")
    return own_key


def _csrf(page: Page) -> str:
    value = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert value
    return value


def _people(admin: AdminSite) -> int:
    engine = make_engine(admin.site.database_url)
    try:
        with unit_of_work(sessionmaker(bind=engine)) as uow:
            network = network_repo.get_network_by_slug(uow.session, "alpha")
            assert network is not None
            return len(
                uow.session.scalars(select(Subscriber.id).where(Subscriber.network_id == network.id)).all()
            )
    finally:
        engine.dispose()


def _request_status(admin: AdminSite) -> DataRequestStatus:
    engine = make_engine(admin.site.database_url)
    try:
        with unit_of_work(sessionmaker(bind=engine)) as uow:
            return uow.session.get_one(DataRequest, admin.request_id).status
    finally:
        engine.dispose()
