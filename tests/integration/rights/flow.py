"""Driving data-subject requests over HTTP as a browser without JavaScript would."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import DataRequest, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.rights import DataRequestStatus
from notifier.domain.statuses import Lane
from notifier.services.common.links import SubscriberRef
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.sending import Sender
from notifier.web.app import create_app
from tests.integration.retention import people
from tests.integration.subscribers.forms import csrf_from
from tests.support.fakes import ScriptedGateway, UnlimitedLimiter
from tests.support.seeding import network_with_topics
from tests.support.webapp import WebApp, web_app

BASE = "http://127.0.0.1"  # the rendering refuses plain-http links except on a loopback host
VERIFY_LINK = re.compile(r"http://127\.0\.0\.1(/rights/verify/[A-Za-z0-9_.\-]+)")


@dataclass
class Person:
    web: WebApp
    subscriber_id: int
    manage_path: str


def make_person(sessions: sessionmaker[Session]) -> Person:
    """Pat Lee, with something in every table, and Oli Other in the same network."""
    web = web_app(sessions)
    web.settings = web.settings.model_copy(update={"public_base_url": BASE})
    web.client = TestClient(create_app(web.settings, web.queue, sessions), base_url=BASE)
    with unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha", ["news", "events"])
        subscriber = people.person(uow.session, network, topics, "pat.lee@justice.gov.uk", "Pat Lee")
        people.person(uow.session, network, topics, "other@justice.gov.uk", "Oli Other")
        ref = SubscriberRef(network.id, subscriber.id)
    manage = web.client.app.state.links.manage_url(ref).removeprefix(BASE)  # type: ignore[attr-defined]
    return Person(web, ref.subscriber_id, manage)


def ask(person: Person, kind: str, **fields: str) -> str:
    """Make the request from the preference pages; return the path of the link that was emailed."""
    client = person.web.client
    assert f'href="{person.manage_path}/rights"' in client.get(person.manage_path).text
    form = {"kind": kind, "csrf_token": csrf_from(client, f"{person.manage_path}/rights")}
    response = client.post(f"{person.manage_path}/rights", data=form, follow_redirects=False)
    assert response.status_code == 303
    if kind == "rectification":
        assert response.headers["location"].endswith("/rights/rectify")
        fields["csrf_token"] = csrf_from(client, f"{person.manage_path}/rights/rectify")
        response = client.post(f"{person.manage_path}/rights/rectify", data=fields, follow_redirects=False)
        assert response.status_code == 303
    assert "Check your email" in client.get(response.headers["location"]).text
    return emailed_link(person)


def emailed_link(person: Person) -> str:
    """Send what was queued through the real Sender and read the link from the body Notify got."""
    web = person.web
    message_id, first, last, lane = web.queue.sends[-1]
    assert lane is Lane.TRANSACTIONAL and first == last
    gateway = ScriptedGateway()
    sender = Sender(web.sessions, gateway, UnlimitedLimiter(), TemplateComposer.from_settings(web.settings))
    sender.send_chunk(message_id, first, last)
    [sent] = gateway.sent
    assert sent.email_address == "pat.lee@justice.gov.uk"
    assert sent.one_click_unsubscribe_url is None
    found = VERIFY_LINK.search(sent.body)
    assert found, sent.body
    return found.group(1)


def confirm(person: Person, link: str) -> str:
    client = person.web.client
    page = client.get(link)
    assert "Confirm your request" in page.text
    with unit_of_work(person.web.sessions) as uow:  # nothing happens before the button is pressed
        assert uow.session.scalars(select(DataRequest.status).order_by(DataRequest.id.desc())).first() == (
            DataRequestStatus.AWAITING_VERIFICATION
        )
    form = {"csrf_token": csrf_from(client, link)}
    done = client.post(link, data=form, follow_redirects=True)
    assert done.status_code == 200
    return done.text


def subscriber(person: Person) -> Subscriber | None:
    with unit_of_work(person.web.sessions) as uow:
        return uow.session.get(Subscriber, person.subscriber_id)
