"""A person's whole journey in a real browser: subscribe, confirm from the email in the sandbox outbox,
change preferences, unsubscribe from a later email's link; and the error paths along the way."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import httpx
import pytest
import time_machine
from playwright.sync_api import Page, expect

from notifier.services.sources import webhooks
from notifier.services.subscribers.signups import ConfirmLinks, ConfirmRef
from tests.support.settings import make_settings
from tests.web.conftest import Site, check_page, viewport

pytestmark = pytest.mark.dates

CONFIRM_LINK = r"http://127\.0\.0\.1:\d+/confirm/[A-Za-z0-9_.\-]+"
UNSUBSCRIBE_LINK = r"http://127\.0\.0\.1:\d+/unsubscribe/[A-Za-z0-9_.\-]+"


def _fill_subscribe_form(page: Page, email: str) -> None:
    page.get_by_label("Full name", exact=True).fill("Pat Lee")
    page.get_by_label("Work email address", exact=True).fill(email)
    page.get_by_label("Department or organisation (optional)").fill("Ministry of Justice")
    page.get_by_label("News", exact=True).check()
    page.get_by_label("As soon as something is published").check()
    page.get_by_label("I agree to Alpha Network").check()


def _publish(site: Site, title: str) -> None:
    body = json.dumps(
        {
            "url": f"https://alpha.example.gov.uk/news/{int(time.time() * 1000)}/",
            "title": title,
            "revision": "1",
        }
    ).encode()
    response = httpx.post(
        f"{site.url}/hooks/alpha/content",
        content=body,
        timeout=10,
        headers=webhooks.signed_headers(site.webhook_secret, body, now=time.time()),
    )
    assert response.status_code == 202, response.text


def test_subscribe_confirm_change_preferences_and_unsubscribe(site: Site, page: Page) -> None:
    email = f"pat.lee.{viewport(page)}@justice.gov.uk"
    page.goto(f"{site.url}/subscribe/alpha")
    expect(page.get_by_role("heading", level=1)).to_have_text("Subscribe to emails from Alpha Network")
    expect(page.locator(".govuk-generic-header")).to_contain_text("Alpha Network")
    assert page.title() == "Subscribe to emails – Alpha Network"
    expect(page.get_by_label("Network business")).to_have_count(0)  # members only: not on offer
    check_page(page, "01-subscribe")
    _fill_subscribe_form(page, email)
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_page(page, "02-check-your-email")

    confirm_link = site.wait_for_email(email, CONFIRM_LINK)
    page.goto(confirm_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your subscription")
    check_page(page, "03-confirm")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Subscription confirmed")
    check_page(page, "04-confirmed")
    page.go_back()  # the back button shows where things stand and confirms nothing twice
    page.goto(confirm_link)
    expect(page.locator(".govuk-panel__title")).to_have_text("You have already confirmed")

    page.get_by_role("link", name="Manage your email preferences").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your email preferences")
    check_page(page, "05-preferences")
    page.get_by_label("Events", exact=True).check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("saved")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Events")
    check_page(page, "06-preferences-saved")

    _publish(site, "Network forum: what we heard")
    unsubscribe_link = site.wait_for_email(email, UNSUBSCRIBE_LINK)
    page.goto(unsubscribe_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to unsubscribe?")
    check_page(page, "07-unsubscribe-confirm")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("You have unsubscribed")
    check_page(page, "08-unsubscribed")
    # The post went to both topics but reached Pat once, through one of them: that one has ended.
    left = "News" if page.get_by_text("emails about News").count() else "Events"
    kept = "Events" if left == "News" else "News"
    page.get_by_role("link", name="manage your email preferences").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text(kept)
    expect(page.locator(".govuk-summary-list")).not_to_contain_text(left)


def test_error_paths_empty_form_private_address_and_bad_links(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/subscribe/alpha")
    page.get_by_role("button", name="Subscribe").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your full name")
    expect(summary).to_contain_text("Enter your work email address")
    expect(summary).to_contain_text("Select at least one topic")
    expect(summary).to_contain_text("Confirm that you agree to the privacy notice")
    assert page.title().startswith("Error: ")
    check_page(page, "10-subscribe-empty-form")
    summary.get_by_role("link", name="Enter your full name").click()
    expect(page.get_by_label("Full name", exact=True)).to_be_focused()

    _fill_subscribe_form(page, "pat.lee@gmail.com")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("#email-error")).to_contain_text("only accepts addresses ending in .gov.uk")
    expect(page.get_by_label("Full name", exact=True)).to_have_value("Pat Lee")  # what they typed is kept
    check_page(page, "11-subscribe-private-address")

    page.goto(f"{site.url}/confirm/not-a-real-token")
    expect(page.get_by_role("heading", level=1)).to_have_text("This confirmation link is not valid")
    check_page(page, "12-confirm-forged-link")

    # Older than the longest link any sign-up gets (an import's, which the app's links allow for):
    # expired by its signature, whatever the sign-up it names.
    defaults = make_settings()
    longest = max(defaults.confirm_link_days, defaults.import_confirm_days)
    links = ConfirmLinks.build(site.secret_key, site.url, longest)
    with time_machine.travel(timedelta(days=-longest - 1), tick=False):
        old = links.url(ConfirmRef(1, 1, 1))
    page.goto(old)
    expect(page.get_by_role("heading", level=1)).to_have_text("This confirmation link has expired")
    check_page(page, "13-confirm-expired-link")


def test_join_form_shows_the_eligibility_statement(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/join/alpha")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request to join Alpha Network")
    expect(page.get_by_label("I work for a central government department")).to_be_visible()
    check_page(page, "19-join")
    page.get_by_label("Full name", exact=True).fill("Sam Roe")
    page.get_by_label("Work email address", exact=True).fill(f"sam.roe.{viewport(page)}@cabinetoffice.gov.uk")
    frequency = page.get_by_label("Once a week, in a summary")
    expect(frequency).to_be_hidden()  # asked only once a topic is ticked
    page.get_by_label("News", exact=True).check()
    frequency.check()
    page.get_by_label("I agree to Alpha Network").check()
    page.get_by_role("button", name="Request to join").click()
    expect(page.locator("#eligible-error")).to_contain_text("Confirm that you can join the network")
    check_page(page, "20-join-errors")
    page.get_by_label("I work for a central government department").check()
    page.get_by_role("button", name="Request to join").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text("confirm your request to join Alpha Network")
    check_page(page, "21-join-check-email")
    email = f"sam.roe.{viewport(page)}@cabinetoffice.gov.uk"
    page.goto(site.wait_for_email(email, CONFIRM_LINK))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your request to join")
    check_page(page, "22-join-confirm")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Request to join sent")
    check_page(page, "23-join-sent")
    [sent] = site.sandbox.outbox(to=email)
    assert str(sent["subject"]).startswith("Confirm your request to join")
