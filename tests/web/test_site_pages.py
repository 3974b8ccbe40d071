"""The pages around the journeys, in a real browser at both widths: the start page and bare paths, the
accessibility statement, the cookies page, the contact form, "Page not found" and a damaged unsubscribe
link; each checked with axe and the branding rule."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.conftest import Site, check_page, viewport


def test_start_page_footer_pages_and_contact_form(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/subscribe/")  # a bare path answers a page, not JSON
    expect(page.get_by_role("heading", level=1)).to_have_text("Get emails from a staff network")
    page.goto(f"{site.url}/")
    check_page(page, "30-start")
    page.get_by_role("link", name="Subscribe to emails from Alpha Network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subscribe to emails from Alpha Network")

    page.locator("footer").get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    expect(page.locator(".govuk-generic-header")).to_contain_text("Alpha Network")
    assert page.title() == "Accessibility statement – Alpha Network"
    check_page(page, "31-accessibility")
    page.locator("footer").get_by_role("link", name="Cookies").click()
    expect(page.get_by_role("rowheader", name="notifier_csrf")).to_be_visible()
    check_page(page, "32-cookies")

    page.locator("footer").get_by_role("link", name="Contact Alpha Network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact Alpha Network")
    expect(page.locator("main#main-content")).to_have_count(1)
    check_page(page, "33-contact")
    page.get_by_role("link", name="Skip to main content").focus()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page, "34-contact-errors")
    page.get_by_label("Your name").fill("Alex Doe")
    page.get_by_label("Email address").fill(f"alex.{viewport(page)}@justice.gov.uk")
    page.get_by_label("Your message").fill("When is the next meeting?")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Message sent")
    check_page(page, "35-contact-sent")


def test_not_found_and_damaged_links_keep_a_way_forward(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/no-such-page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, "40-not-found")
    page.goto(f"{site.url}/contact/alpha/no-such-page")
    expect(page.locator(".govuk-generic-header")).to_contain_text("Alpha Network")
    expect(page.locator("main").get_by_role("link", name="contact Alpha Network")).to_be_visible()
    check_page(page, "41-not-found-in-network")
    page.goto(f"{site.url}/unsubscribe/damaged")
    expect(page.get_by_role("heading", level=1)).to_have_text("This unsubscribe link is not complete")
    check_page(page, "42-unsubscribe-damaged")
