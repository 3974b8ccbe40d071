"""Every route the app has (found from the app itself), every static file and every refusal carries the
headers a browser enforces: a Content-Security-Policy running only the app's own scripts and styles,
no framing, nosniff and a same-origin Referrer-Policy; HSTS only in production over https. Each page's
inline scripts and styles carry that response's nonce, and no markup has a style attribute."""

from __future__ import annotations

import re

import httpx2
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Environment
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.web.app import create_app
from notifier.web.routes import admin_web
from notifier.web.security_headers import HSTS
from tests.integration.admin_web.support import AdminWeb, invite, make_admin_web, sign_in
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics

ADMIN = "ada.admin@cabinetoffice.gov.uk"
VALUES = {"slug": "alpha", "network_slug": "alpha", "fmt": "csv", "path": "govuk-frontend.min.js"}
NONCE = re.compile(r"'nonce-([A-Za-z0-9_\-]+)'")
INLINE = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN)
    return admin_web


def _nonce(policy: str) -> str:
    found = NONCE.search(policy)
    assert found, policy
    return found.group(1)


def assert_guarded(answer: httpx2.Response, what: str) -> None:
    headers = answer.headers
    policy = headers.get("content-security-policy", "")
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy, (what, policy)
    for kind in ("script-src", "style-src"):
        sources = re.search(rf"{kind} ([^;]*)", policy)
        assert sources and sources.group(1).split()[0] == "'self'", (what, policy)
        assert sources.group(1).split()[1:] == [f"'nonce-{_nonce(policy)}'"], policy
    assert headers.get("x-frame-options") == "DENY", what
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") == "same-origin", what
    assert "strict-transport-security" not in headers, what  # not in dev or test
    if headers.get("content-type", "").startswith("text/html"):
        _assert_page_keeps_the_policy(answer.text, _nonce(policy), what)


def _assert_page_keeps_the_policy(html: str, nonce: str, what: str) -> None:
    for tag, attributes in INLINE.findall(html):
        if tag.lower() == "script" and " src=" in attributes:
            assert re.search(r'src="/', attributes), (what, attributes)  # this app's own files only
            continue
        assert f'nonce="{nonce}"' in attributes, (what, tag, attributes)
    assert not STYLE_ATTRIBUTE.search(html), (what, STYLE_ATTRIBUTE.search(html))


def _get_routes(client: TestClient) -> list[str]:
    """Every GET route: the published ones (the app's OpenAPI) and the admin pages (not published)."""
    templates = [
        path
        for path, operations in client.get("/openapi.json").json()["paths"].items()
        if "get" in operations
    ]
    for router in admin_web.ROUTERS:
        templates += [r.path for r in router.routes if isinstance(r, APIRoute) and "GET" in (r.methods or ())]
    return sorted({re.sub(r"\{(\w+)(:\w+)?\}", lambda m: VALUES.get(m.group(1), "1"), t) for t in templates})


def test_every_get_route_and_every_kind_of_answer_carries_the_headers(web: AdminWeb) -> None:
    admin, anonymous = sign_in(web, "alpha", ADMIN), web.browser()
    paths = _get_routes(anonymous)
    assert len(paths) >= 60, paths
    pages = 0
    for path in paths:
        client = admin if path.startswith("/admin/alpha") else anonymous
        answer = client.get(path, follow_redirects=False)
        assert_guarded(answer, f"GET {path} -> {answer.status_code}")
        pages += answer.headers.get("content-type", "").startswith("text/html") and answer.status_code == 200
    assert pages >= 30, pages  # the signed-in admin pages and the public ones really rendered
    for path in (
        "/govuk/govuk-frontend.min.js",
        "/brand/frontend.min.css",
        "/assets/images/favicon.ico",
        "/no-such-page",
        "/subscribe/alpha?network=%FF",  # refused by the request guard
    ):
        assert_guarded(anonymous.get(path), path)
    assert_guarded(anonymous.post("/hooks/alpha/content", content=b"{}"), "unsigned hook")
    assert_guarded(anonymous.get("/admin/api/networks/alpha/messages"), "API without a token")
    assert_guarded(admin.post("/admin/alpha/team", data={}), "admin form without CSRF")


def test_hsts_only_in_production_over_https(sessions: sessionmaker[Session]) -> None:
    base = make_admin_web(sessions).settings
    for environment, public, expected in (
        (Environment.PRODUCTION, "https://notifier.example.gov.uk", HSTS),
        (Environment.PRODUCTION, "http://notifier.internal", None),
        (Environment.TEST, "https://notifier.example.gov.uk", None),
    ):
        settings = base.model_copy(update={"environment": environment, "public_base_url": public})
        client = TestClient(create_app(settings, RecordingQueue(), sessions))
        assert client.get("/healthz").headers.get("strict-transport-security") == expected, (
            environment,
            public,
        )
