"""The journeys work without JavaScript (GOV.UK's progressive enhancement): subscribe, confirm, change
preferences and unsubscribe, and a request to join. Each page gets the branding check and a screenshot;
axe runs on the same pages in the JavaScript runs (it cannot run where the page's scripts are off)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import VIEWPORTS, Site, check_page, csp_violations, watch_csp
from tests.web.test_subscriber_journey import CONFIRM_LINK

EMAIL = "nojs.reader@justice.gov.uk"


@pytest.fixture
def page_without_js(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False, **VIEWPORTS["phone"])  # type: ignore[arg-type]
    opened = context.new_page()
    watch_csp(opened)  # Chromium's console still reports what the policy refuses
    yield opened
    violations = list(csp_violations(opened))
    context.close()
    assert not violations, violations


def test_subscribe_confirm_and_unsubscribe_without_javascript(site: Site, page_without_js: Page) -> None:
    page = page_without_js
    page.goto(f"{site.url}/subscribe/alpha")
    page.get_by_label("Full name", exact=True).fill("Noor Script")
    page.get_by_label("Work email address", exact=True).fill(EMAIL)
    page.get_by_label("News", exact=True).check()
    page.get_by_label("As soon as something is published").check()
    page.get_by_label("I agree to Alpha Network").check()
    check_page(page, "nojs-01-subscribe", axe=False)
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(site.wait_for_email(EMAIL, CONFIRM_LINK))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Subscription confirmed")
    check_page(page, "nojs-02-confirmed", axe=False)
    page.get_by_role("link", name="Manage your email preferences").click()
    page.get_by_label("Events", exact=True).check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Events")
    check_page(page, "nojs-03-preferences", axe=False)
    page.get_by_role("button", name="Unsubscribe from all emails").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("You have unsubscribed")
    check_page(page, "nojs-04-unsubscribed", axe=False)


def test_the_join_form_without_javascript_asks_how_often_but_needs_no_answer(
    site: Site, page_without_js: Page
) -> None:
    page = page_without_js
    page.goto(f"{site.url}/join/alpha")
    expect(page.get_by_label("Once a week, in a summary")).to_be_visible()  # nothing hides it
    check_page(page, "nojs-05-join", axe=False)
    page.get_by_label("Full name", exact=True).fill("Noor Script")
    page.get_by_label("Work email address", exact=True).fill("nojs.joiner@justice.gov.uk")
    page.get_by_label("I work for a central government department").check()
    page.get_by_label("I agree to Alpha Network").check()
    page.get_by_role("button", name="Request to join").click()
    expect(page.locator("main")).to_contain_text("confirm your request to join Alpha Network")
