"""A real fleet (`notifier web`, worker and beat on SQLite and the embedded broker) talking to a real
sandbox, and Debian's chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.orm import sessionmaker

from notifier.db.base import utcnow
from notifier.db.session import make_engine, unit_of_work
from notifier.services.admin.branding import set_branding
from notifier.services.admin.networks import create_topic
from tests.support.databases import SqliteTemplate
from tests.support.fleet import Fleet, fleet_env, free_port, running_fleet
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.seeding import network_with_topics

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Every WCAG 2.0, 2.1 and 2.2 success criterion at levels A and AA that axe-core checks.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BRAND_COLOUR = "#5b2c86"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1024, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Site:
    fleet: Fleet
    sandbox: RunningSandbox
    secret_key: str
    webhook_secret: str
    database_url: str

    @property
    def url(self) -> str:
        return self.fleet.web_url

    def wait_for_email(self, to: str, pattern: str, timeout: float = 30) -> str:
        """The first link matching `pattern` in the newest email to `to` that has one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.sandbox.outbox(to=to):
                found = re.search(pattern, str(entry["body"]))
                if found:
                    return found.group(0)
            time.sleep(0.2)
        raise AssertionError(f"no email to {to} matching {pattern}\n{self.fleet.logs()}")


@pytest.fixture(scope="module")
def site(sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    var_dir = tmp_path_factory.mktemp("web")
    database_url = sqlite_template.create(var_dir)
    engine = make_engine(database_url)
    with unit_of_work(sessionmaker(bind=engine, expire_on_commit=False)) as uow:
        network, _ = network_with_topics(uow.session, "alpha", ["news", "events"])
        create_topic(uow.session, network, slug="business", name="Network business", members_only=True)
        set_branding(network, colour=BRAND_COLOUR)  # the pages wear the network's colour, not GOV.UK's
        webhook_secret = network.webhook_secret
    engine.dispose()
    # Each journey runs at two widths from one address; the form's rate limit is tested elsewhere.
    with sqlite_site(
        var_dir, database_url, {"NOTIFIER_SUBSCRIBE_RATE_LIMIT": "1000"}, webhook_secret
    ) as site:
        yield site


@contextmanager
def sqlite_site(
    var_dir: Path, database_url: str, extra: dict[str, str], webhook_secret: str = ""
) -> Iterator[Site]:
    """The fleet on SQLite and the embedded broker, with a sandbox that sends it receipts."""
    web_port, token = free_port(), secrets.token_urlsafe(16)
    callback = ["--callback-url", f"http://127.0.0.1:{web_port}/notify/receipts", "--callback-token", token]
    with start_sandbox(*callback, "--rate-limit", "100000") as sandbox:
        env = fleet_env(
            database_url=database_url,
            broker_url=f"sqla+sqlite:///{var_dir / 'broker.db'}",
            redis_url=None,
            var_dir=var_dir,
            sandbox_env=sandbox.env,
            web_port=web_port,
            callback_token=token,
            extra=extra,
        )
        with running_fleet(env, var_dir / "logs", web_port) as fleet:
            yield Site(fleet, sandbox, env["NOTIFIER_SECRET_KEY"], webhook_secret, database_url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is not installed: run `bash scripts/services.sh`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


# Every violation of the pages' Content-Security-Policy, as the page's own event reports it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => window.reportCspViolation(
  `${e.effectiveDirective} refused ${e.blockedURI || "inline"} at ${e.documentURI}`))
"""
_VIOLATIONS: dict[int, list[str]] = {}


def csp_violations(page: Page) -> list[str]:
    """What the page's Content-Security-Policy refused so far (its events and Chromium's console)."""
    return _VIOLATIONS.setdefault(id(page), [])


def watch_csp(page: Page) -> None:
    found = csp_violations(page)

    def report(violation: str) -> None:
        found.append(violation)

    page.expose_function("reportCspViolation", report)
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: found.append(message.text) if "Content Security Policy" in message.text else None,
    )


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """The journey on a phone and on a desktop, with every CSP violation recorded."""
    context = browser.new_context(java_script_enabled=True, **VIEWPORTS[request.param])  # type: ignore[arg-type]
    opened = context.new_page()
    watch_csp(opened)
    yield opened
    violations = _VIOLATIONS.pop(id(opened), [])
    context.close()
    assert not violations, violations


def viewport(page: Page) -> str:
    size = page.viewport_size
    return "phone" if size is not None and size["width"] < 641 else "desktop"


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core (npm, evaluated in the page as the test's own script: the page's policy refuses a
    script tag it did not write) against WCAG 2.2 A and AA."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_22_AA,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def assert_network_brand(page: Page) -> None:
    """The branding rule: the network's Generic header, no crown, GOV.UK logotype, Royal Arms, GOV.UK
    words or GDS Transport font; footer links to the accessibility statement and cookies page."""
    header = page.locator(".govuk-generic-header")
    expect(header).to_have_count(1)
    if "Alpha Network" in header.inner_text():
        expect(header).to_have_css("background-color", "rgb(91, 44, 134)")  # BRAND_COLOUR
    for forbidden in (
        ".govuk-header__logotype",
        ".govuk-logo",
        ".govuk-footer__crown",
        ".govuk-footer__copyright-logo",
    ):
        expect(page.locator(forbidden)).to_have_count(0)
    assert "GOV.UK" not in page.content()
    font = page.evaluate("getComputedStyle(document.querySelector('main')).fontFamily")
    assert "Transport" not in font, font
    footer = page.locator("footer")
    expect(footer.get_by_role("link", name="Accessibility statement")).to_have_count(1)
    expect(footer.get_by_role("link", name="Cookies")).to_have_count(1)


def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot in test-artifacts/screenshots/ for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def check_page(page: Page, name: str, *, axe: bool = True) -> None:
    """Every page a journey reaches: branding rule, axe (no WCAG 2.2 A/AA violation), and a screenshot
    in test-artifacts/screenshots/<viewport>/ for review. axe needs the page's JavaScript, so a run with
    JavaScript off passes axe=False: the same pages are checked by the runs with it on."""
    assert_network_brand(page)
    assert not csp_violations(page), f"{name}: the page's policy refused {csp_violations(page)}"
    violations = axe_violations(page) if axe else []
    directory = SCREENSHOTS / viewport(page)
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
    assert not violations, f"{name} at {viewport(page)} ({page.url}): {violations}"


def fill_meeting_form(page: Page, title: str) -> None:
    """The arrange-a-meeting form, for News readers, 40 days on (always to come), then checked."""
    start = (utcnow() + timedelta(days=40)).strftime("%Y-%m-%d 18:00")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Starts (UK time)").fill(start)
    page.get_by_label("Ends (UK time)").fill(start.replace("18:00", "19:00"))
    page.get_by_label("Location (optional if there is an online link)").fill("102 Petty France")
    page.get_by_label("News", exact=True).check()
    page.get_by_role("button", name="Check what will be sent").click()
