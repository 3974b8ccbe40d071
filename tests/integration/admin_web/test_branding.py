"""The admin pages wear the network's own brand, as its public pages do: no crown, GOV.UK logotype or
GDS Transport font unless the deployment is on GOV.UK."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Network
from notifier.db.session import unit_of_work
from notifier.domain.branding import branding_from
from notifier.domain.sources import AdminRole
from tests.integration.admin_web.support import invite, make_admin_web, sign_in
from tests.integration.http.test_page_branding import GOVUK_MARKS
from tests.support.seeding import network_with_topics

ALICE = "alice.admin@dept.gov.uk"
PAGES = (
    *("", "/members", "/announcements", "/meetings", "/requests", "/team", "/audit"),
    *("/settings", "/settings/site", "/settings/branding", "/settings/notify"),
)


def test_admin_pages_wear_the_network_brand_and_no_govuk_marks(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "alpha")
        network.settings = {**network.settings, "brand_colour": "#5b2c86"}
        colour = branding_from(uow.session.get_one(Network, network.id).settings).colour
    web = make_admin_web(sessions)
    invite(web, "alpha", ALICE, AdminRole.ADMIN, name="Alice Admin")
    signed_out = web.browser().get("/admin/alpha/sign-in")
    admin = sign_in(web, "alpha", ALICE)
    pages = {"/admin/alpha/sign-in": signed_out.text}
    for page in PAGES:
        response = admin.get(f"/admin/alpha{page}")
        assert response.status_code == 200, (page, response.status_code)
        pages[f"/admin/alpha{page}"] = response.text
    for path, html in pages.items():
        for mark in GOVUK_MARKS:
            assert mark not in html, f"{path} shows {mark!r}"
        assert 'class="govuk-generic-header"' in html, path
        assert f"background-color: {colour}" in html, path
        assert "/brand/frontend.min.css" in html, path
        assert 'href="/accessibility?network=alpha"' in html and 'href="/cookies?network=alpha"' in html, path


def test_the_deployment_setting_restores_the_govuk_brand_on_admin_pages(
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha")
    web = make_admin_web(sessions, govuk_brand=True)
    html = web.browser().get("/admin/alpha/sign-in").text
    assert "govuk-header__logotype" in html and "govuk-generic-header" not in html
