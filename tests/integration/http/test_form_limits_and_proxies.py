"""The contact form is limited per client like sign-up, and X-Forwarded-For is believed only from the
proxies an operator names (none by default, not even loopback)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import ContactEnquiry
from notifier.db.session import unit_of_work
from tests.integration.subscribers.forms import csrf_from
from tests.support.seeding import network_with_topics
from tests.support.webapp import WebApp, web_app


def _web(sessions: sessionmaker[Session], **settings: object) -> WebApp:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha")
    return web_app(sessions, subscribe_rate_limit=3, **settings)


def _enquire(web: WebApp, n: int, forwarded_for: str | None = None) -> int:
    form = {
        "name": f"Casey {n}",
        "email": f"casey{n}@example.org",
        "message": "When is the next meeting?",
        "csrf_token": csrf_from(web.client, "/contact/alpha"),
    }
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return web.client.post("/contact/alpha", data=form, headers=headers, follow_redirects=False).status_code


def _stored(web: WebApp) -> int:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalar(select(func.count()).select_from(ContactEnquiry)) or 0


def test_the_contact_form_is_rate_limited_per_client(sessions: sessionmaker[Session]) -> None:
    web = _web(sessions)
    answers = [_enquire(web, n) for n in range(4)]
    assert answers == [303, 303, 303, 429]
    refused = web.client.post(
        "/contact/alpha", data={"csrf_token": csrf_from(web.client, "/contact/alpha")}, follow_redirects=False
    )
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "600"
    assert "too many attempts to send a message" in refused.text
    assert _stored(web) == 3


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(sessions: sessionmaker[Session]) -> None:
    untrusting = _web(sessions)
    # By default a client cannot pose as many by sending a new X-Forwarded-For each time.
    answers = [_enquire(untrusting, n, forwarded_for=f"203.0.113.{n}") for n in range(4)]
    assert answers == [303, 303, 303, 429]

    behind_proxy = web_app(sessions, subscribe_rate_limit=3, trusted_proxies="testclient")
    # Behind a named proxy each forwarded client has its own allowance (the test client is the proxy).
    answers = [_enquire(behind_proxy, n, forwarded_for=f"198.51.100.{n}") for n in range(4)]
    assert answers == [303, 303, 303, 303]
    assert [_enquire(behind_proxy, 9, forwarded_for="198.51.100.1") for _ in range(3)] == [303, 303, 429]
