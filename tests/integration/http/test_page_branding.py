"""Every page wears the network's own brand: no crown, GOV.UK logotype, Royal Arms, GOV.UK icons or GDS
Transport font unless the deployment says it is on GOV.UK; titles read "Page – Network" once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.session import unit_of_work
from notifier.services.admin.branding import set_branding
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.subscribers.signups import ConfirmLinks, ConfirmRef
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import WebApp, web_app

# What only the GOV.UK brand may show: the words, the crown and logotype (header and footer), the Royal
# Arms (the footer's crest), GOV.UK's icons and the GDS Transport font.
GOVUK_MARKS = (
    "GOV.UK",
    "govuk-logo",
    "govuk-header__logotype",
    "govuk-crest",
    "govuk-icon",
    "favicon",
    "GDS Transport",
    "Crown copyright",
)


def _pages(web: WebApp, ref: SubscriberRef) -> dict[str, str]:
    """Every page a person can reach, by path, with the network it belongs to ('' for none)."""
    links = LinkBuilder.from_settings(web.settings)
    unsubscribe = links.unsubscribe_url(ref).removeprefix("http://testserver")
    manage = links.manage_url(ref).removeprefix("http://testserver")
    secret = web.settings.secret_key.get_secret_value()
    confirm = ConfirmLinks.build(secret, "", 7).url(ConfirmRef(ref.network_id, ref.subscriber_id, 999))
    return {
        # Links cut short in a mail client: the page still shows whose they were.
        f"{unsubscribe.rsplit('.', 1)[0]}.cut": "Alpha Network",
        f"{manage.rsplit('.', 1)[0]}.cut": "Alpha Network",
        f"{confirm.rsplit('.', 1)[0]}.cut": "Alpha Network",
        "/": "",
        "/subscribe/": "",
        "/join": "",
        "/accessibility": "",
        "/cookies": "",
        "/accessibility?network=alpha": "Alpha Network",
        "/cookies?network=alpha": "Alpha Network",
        "/subscribe/alpha": "Alpha Network",
        "/join/alpha": "Alpha Network",
        "/subscribe/alpha/check-email": "Alpha Network",
        "/contact/alpha": "Alpha Network",
        "/contact/alpha/sent": "Alpha Network",
        "/unsubscribe/new-link/alpha": "Alpha Network",
        "/unsubscribe/new-link/alpha/sent": "Alpha Network",
        unsubscribe: "Alpha Network",
        manage: "Alpha Network",
        f"{manage}/rights": "Alpha Network",
        f"{manage}/rights/rectify": "Alpha Network",
        "/contact/alpha/no-such-page": "Alpha Network",
        "/no-such-page": "",
        "/subscribe/no-such-network": "",
        "/unsubscribe/damaged": "",
        "/preferences/damaged": "",
        "/confirm/damaged": "",
        "/rights/verify/damaged": "",
        "/meetings/damaged": "",
    }


@pytest.fixture
def branded(sessions: sessionmaker[Session]) -> tuple[sessionmaker[Session], SubscriberRef]:
    with unit_of_work(sessions) as uow:
        network, (news, _) = network_with_topics(uow.session, "alpha", ["news", "events"])
        set_branding(network, colour="#5b2c86", logo_url="https://alpha.example.gov.uk/logo.png")
        person = subscriber(uow.session, network, "a@dept.gov.uk", [news])
        ref = SubscriberRef(network.id, person.id, news.id)
    return sessions, ref


def _title(html: str) -> str:
    found = re.search(r"<title[^>]*>(.*?)</title>", html, re.S)
    assert found, "page has no <title>"
    return found.group(1).strip()


def test_no_page_wears_the_govuk_brand_by_default(
    branded: tuple[sessionmaker[Session], SubscriberRef],
) -> None:
    sessions, ref = branded
    web = web_app(sessions)
    for path, network_name in _pages(web, ref).items():
        response = web.client.get(path)
        assert response.headers["content-type"].startswith("text/html"), (path, response.text[:200])
        html = response.text
        for mark in GOVUK_MARKS:
            assert mark not in html, f"{path} shows {mark!r}"
        assert 'class="govuk-generic-header"' in html.replace(
            "govuk-generic-header ", "govuk-generic-header"
        ), path
        title = _title(html)
        site = network_name or "Staff network emails"
        assert title.endswith(f" – {site}"), (path, title)
        assert title.count(site) == 1, (path, title)
        if network_name:
            assert "background-color: #5b2c86" in html, path
            assert 'src="https://alpha.example.gov.uk/logo.png"' in html, path
            assert 'href="/contact/alpha"' in html, path
        assert 'href="/accessibility' in html and 'href="/cookies' in html, path
    stylesheet = web.client.get("/brand/frontend.min.css")
    assert stylesheet.status_code == 200 and "govuk-generic-header" in stylesheet.text
    assert "GDS Transport" not in stylesheet.text and "@font-face" not in stylesheet.text


def test_the_deployment_setting_restores_the_govuk_brand(
    branded: tuple[sessionmaker[Session], SubscriberRef],
) -> None:
    sessions, ref = branded
    web = web_app(sessions, govuk_brand=True)
    for path, network_name in _pages(web, ref).items():
        html = web.client.get(path).text
        assert "govuk-header__logotype" in html and "govuk-footer__crown" in html, path
        assert "govuk-generic-header" not in html and "/govuk/govuk-frontend.min.css" in html, path
        assert _title(html).endswith(f" – {network_name or 'Staff network emails'} – GOV.UK"), path


def test_unknown_api_paths_still_answer_json(
    branded: tuple[sessionmaker[Session], SubscriberRef],
) -> None:
    sessions, _ = branded
    web = web_app(sessions)
    response = web.client.get("/admin/api/networks/alpha/nothing-here")
    assert response.status_code == 404 and response.headers["content-type"] == "application/json"
    page = web.client.get("/no-such-page")
    assert page.status_code == 404 and "Page not found" in page.text
