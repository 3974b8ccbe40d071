"""Refusals that must not cost a person what they typed, or answer 500: a form whose CSRF check fails
comes back holding the answers under a fresh token (one button sends them again), in the network's
frame; a forged link or a typed-in number no row can have is a page, never a server error."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Signup, Subscriber
from notifier.db.session import unit_of_work
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.web.app import create_app
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber
from tests.support.settings import make_settings
from tests.support.webapp import WEB_SECRET_KEY, WebApp

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
ANSWERS = {
    "name": "Pat Lee",
    "email": "pat.lee@justice.gov.uk",
    "department": "Ministry of Justice & Co <HQ>",
    "topics": ["news", "events"],
    "frequency": "weekly",
    "consent": "yes",
}


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> WebApp:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news", "events"])
    settings = make_settings(
        secret_key=WEB_SECRET_KEY,
        public_base_url="http://127.0.0.1:8000",
        one_click_base_url="https://testserver",
    )
    queue = RecordingQueue()
    return WebApp(TestClient(create_app(settings, queue, sessions)), queue, settings, sessions)


def _signups(web: WebApp) -> int:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalar(select(func.count()).select_from(Signup)) or 0


def test_a_form_refused_for_its_token_comes_back_holding_the_answers(web: WebApp) -> None:
    refused = web.client.post("/subscribe/alpha", data={**ANSWERS, "csrf_token": "forged"})
    assert refused.status_code == 400 and "timed out" in refused.text
    assert "Alpha Network" in refused.text  # the network's frame, not the deployment's
    assert _signups(web) == 0 and not web.queue.sends
    fields = [(name, html.unescape(value)) for name, value in HIDDEN.findall(refused.text)]
    kept = [(name, value) for name, value in fields if name != "csrf_token"]
    assert kept == [
        (name, value)
        for name, values in ANSWERS.items()
        for value in ([values] if isinstance(values, str) else values)
    ]
    (fresh,) = [value for name, value in fields if name == "csrf_token"]
    resent: dict[str, list[str]] = {}
    for name, value in fields:
        resent.setdefault(name, []).append(value)
    again = web.client.post("/subscribe/alpha", data=resent, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/subscribe/alpha/check-email"
    assert fresh != "forged" and _signups(web) == 1


def test_a_browser_without_the_cookie_gets_one_with_the_page(web: WebApp) -> None:
    web.client.cookies.clear()
    refused = web.client.post("/contact/alpha", data={"name": "Pat", "message": "Hello", "csrf_token": "x"})
    assert refused.status_code == 400 and "notifier_csrf" in refused.headers.get("set-cookie", "")
    assert '<input type="hidden" name="message" value="Hello">' in refused.text


def test_a_forged_link_naming_a_network_no_row_can_have_is_a_page(web: WebApp) -> None:
    forged = URLSafeTimedSerializer("someone else's key").dumps({"n": 2**64, "s": 1})
    for path in (f"/preferences/{forged}", f"/unsubscribe/{forged}", f"/confirm/{forged}"):
        assert web.client.get(path).status_code == 400, path
    assert web.client.post(f"/unsubscribe/{forged}", content=b"List-Unsubscribe=One-Click").status_code == 400


@pytest.mark.parametrize("typed", ["²", "99999999999999999999", "-1", "news"])
def test_topic_numbers_typed_into_the_preferences_forms_are_refused_as_pages(web: WebApp, typed: str) -> None:
    with unit_of_work(web.sessions) as uow:
        network, topics = network_with_topics(uow.session, "beta", ["news"])
        person = subscriber(uow.session, network, "pat.beta@justice.gov.uk", topics)
        ref = SubscriberRef(network.id, person.id)
    link = f"/preferences/{LinkBuilder.from_settings(web.settings).manage_token(ref)}"
    page = web.client.get(link)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    saved = web.client.post(
        link, data={"topics": typed, "frequency": "immediate", "csrf_token": token.group(1)}
    )
    assert saved.status_code == 400 and "Select at least one topic" in saved.text
    stopped = web.client.post(f"{link}/unsubscribe", data={"topic": typed, "csrf_token": token.group(1)})
    assert stopped.status_code == 404
    with unit_of_work(web.sessions) as uow:
        assert uow.session.get(Subscriber, person.id) is not None
