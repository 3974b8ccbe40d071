"""Every admin page route, found from the app itself (so a new page cannot slip through): a POST
without a session is refused, a GET without one goes to the sign-in page, and another network's
admin gets 404 on every one of them."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.web.routes.admin_web import ROUTERS
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics

PUBLIC_PREFIX = "/admin/{slug}/sign-in"  # the sign-in pages are for people without a session


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
        network_with_topics(uow.session, "beta", ["news"])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", "ada.admin@cabinetoffice.gov.uk", AdminRole.ADMIN)
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN)
    return admin_web


def _admin_routes() -> list[tuple[str, str]]:
    """Every route of the routers the app installs for the admin pages (admin_web.ROUTERS)."""
    values = {"slug": "alpha", "fmt": "csv"}
    found: list[tuple[str, str]] = []
    for router in ROUTERS:
        for route in router.routes:
            if not isinstance(route, APIRoute) or route.path.startswith(PUBLIC_PREFIX):
                continue
            path = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), route.path)
            found.extend((method, path) for method in sorted(route.methods or ()))
    return found


def test_every_admin_route_needs_a_session_of_its_own_network(web: AdminWeb) -> None:
    routes = _admin_routes()
    posts = [path for method, path in routes if method == "POST"]
    gets = [path for method, path in routes if method == "GET"]
    assert len(posts) >= 20 and len(gets) >= 20, routes
    anonymous = web.browser()
    for path in posts:
        refused = anonymous.post(path, data={"csrf_token": "x"}, follow_redirects=False)
        assert refused.status_code == 403, (path, refused.status_code)
    for path in gets:
        sent = anonymous.get(path, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == "/admin/alpha/sign-in", path
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    token = csrf_from(bob, "/admin/beta")
    for path in gets:
        assert bob.get(path, follow_redirects=False).status_code == 404, path
    for path in posts:
        assert bob.post(path, data={"csrf_token": token}, follow_redirects=False).status_code == 404, path
