"""The subscribe, confirm and preference endpoints over HTTP, on both databases: double opt-in, CSRF,
the rate limit, not revealing known addresses, and one-click unsubscribe reaching an unsent delivery."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import ConsentEvent, Delivery, Message, Network, Signup, Subscriber, Topic
from notifier.db.session import unit_of_work
from notifier.domain.statuses import ConsentAction, ConsentSource, DeliveryStatus, Lane, SubscriberStatus
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.delivery.sending import Sender
from notifier.services.sources.publishing import announce
from notifier.web.app import create_app
from tests.integration.subscribers.forms import csrf_from, subscribe
from tests.support.fakes import RecordingQueue, ScriptedGateway, UnlimitedLimiter
from tests.support.seeding import network_with_topics
from tests.support.settings import make_settings
from tests.support.webapp import WEB_SECRET_KEY, WebApp

PUBLIC = "http://127.0.0.1:8000"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> WebApp:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news", "events"])
    settings = make_settings(
        secret_key=WEB_SECRET_KEY,
        public_base_url=PUBLIC,  # email links must be https or loopback
        one_click_base_url="https://testserver",
        subscribe_rate_limit=5,
    )
    queue = RecordingQueue()
    return WebApp(TestClient(create_app(settings, queue, sessions)), queue, settings, sessions)


def _send_queued(web: WebApp) -> ScriptedGateway:
    """Run the queued send tasks through the real Sender, with a gateway that records requests."""
    gateway = ScriptedGateway()
    sender = Sender(web.sessions, gateway, UnlimitedLimiter(), TemplateComposer.from_settings(web.settings))
    for message_id, first, last, _lane in web.queue.sends:
        sender.send_chunk(message_id, first, last)
    web.queue.sends.clear()
    return gateway


def _confirm_path(gateway: ScriptedGateway) -> str:
    (request,) = gateway.sent
    found = re.search(r"http://127\.0\.0\.1:8000(/confirm/[A-Za-z0-9_.\-]+)", request.body)
    assert found, request.body
    return found.group(1)


def test_double_opt_in_grants_consent_only_on_confirmation_and_only_once(web: WebApp) -> None:
    assert subscribe(web.client, "alpha").headers["location"] == "/subscribe/alpha/check-email"
    assert [lane for *_ids, lane in web.queue.sends] == [Lane.TRANSACTIONAL]
    with unit_of_work(web.sessions) as uow:
        person = uow.session.scalars(select(Subscriber)).one()
        message = uow.session.scalars(select(Message)).one()
        assert person.status is SubscriberStatus.PENDING
        assert message.topic_id is None and message.email_kind == "confirm_subscription"
        assert not uow.session.scalars(select(ConsentEvent)).all()  # an unconfirmed sign-up holds no consent
    gateway = _send_queued(web)
    assert (
        gateway.sent[0].one_click_unsubscribe_url is None
        and "Confirm your subscription" in gateway.sent[0].body
    )
    path = _confirm_path(gateway)
    assert web.client.get(path).status_code == 200  # a GET (a link scanner) confirms nothing
    with unit_of_work(web.sessions) as uow:
        assert uow.session.scalars(select(Subscriber)).one().status is SubscriberStatus.PENDING
    token = csrf_from(web.client, path)
    for _ in range(2):  # a double submit
        done = web.client.post(path, data={"csrf_token": token}, follow_redirects=True)
        assert done.status_code == 200 and "Subscription confirmed" in done.text
    with unit_of_work(web.sessions) as uow:
        grants = uow.session.scalars(select(ConsentEvent)).all()
        assert [(g.action, g.source, g.notice_version) for g in grants] == [
            (ConsentAction.GRANTED, ConsentSource.FORM, "v1")
        ]
        assert uow.session.scalars(select(Subscriber)).one().status is SubscriberStatus.ACTIVE


def test_a_known_address_gets_the_same_answer_and_a_repeat_sends_nothing_more(web: WebApp) -> None:
    first = subscribe(web.client, "alpha")
    again = subscribe(web.client, "alpha")  # the back button and a second press
    other = subscribe(web.client, "alpha", topics=["events"])
    assert first.status_code == again.status_code == other.status_code == 303
    assert first.headers["location"] == again.headers["location"] == other.headers["location"]
    assert len(web.queue.sends) == 2
    with unit_of_work(web.sessions) as uow:
        assert len(uow.session.scalars(select(Signup)).all()) == 2
        assert len(uow.session.scalars(select(Subscriber)).all()) == 1


def test_forms_without_a_valid_csrf_token_change_nothing(web: WebApp) -> None:
    data = {"name": "Pat", "email": "pat@justice.gov.uk", "topics": "news", "frequency": "immediate"}
    refused = web.client.post("/subscribe/alpha", data={**data, "consent": "yes", "csrf_token": "forged"})
    assert refused.status_code == 400 and "timed out" in refused.text
    assert not web.queue.sends


def test_the_subscribe_form_is_rate_limited_per_client(web: WebApp) -> None:
    answers = [subscribe(web.client, "alpha", email=f"p{i}@justice.gov.uk") for i in range(6)]
    assert [a.status_code for a in answers] == [303] * 5 + [429]
    assert answers[-1].headers["Retry-After"] == "600" and "too many attempts" in answers[-1].text
    assert len(web.queue.sends) == 5


def test_a_private_address_is_refused_with_a_clear_message(web: WebApp) -> None:
    refused = subscribe(web.client, "alpha", email="pat@gmail.com")
    assert refused.status_code == 400
    assert (
        "Enter a work email address. Alpha Network only accepts addresses ending in .gov.uk" in refused.text
    )
    assert not web.queue.sends


def test_one_click_reaches_a_delivery_already_fanned_out_but_not_sent(web: WebApp) -> None:
    subscribe(web.client, "alpha")
    path = _confirm_path(_send_queued(web))
    web.client.post(path, data={"csrf_token": csrf_from(web.client, path)})
    queue = RecordingQueue()
    with unit_of_work(web.sessions) as uow:
        person = uow.session.scalars(select(Subscriber)).one()
        network_id, person_id = person.network_id, person.id
        news = next(s for s in subscriber_repo.active_subscriptions(uow.session, person.id))
        message = announce(
            uow,
            queue,
            uow.session.get_one(Network, network_id),
            uow.session.get_one(Topic, news.topic_id),
            subject="Forum",
            body="Hello",
        )
        topic_id, message_id = news.topic_id, message.id
    fan_out_next_batch(web.sessions, queue, message_id, batch_size=100, chunk_size=100)
    one_click = LinkBuilder.from_settings(web.settings).one_click_unsubscribe_url(
        SubscriberRef(network_id, person_id, topic_id)
    )
    answer = web.client.post(
        one_click.removeprefix("https://testserver"),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        cookies={},
    )
    assert answer.status_code == 200
    gateway = ScriptedGateway()
    sender = Sender(web.sessions, gateway, UnlimitedLimiter(), TemplateComposer.from_settings(web.settings))
    for queued_message, first, last, _lane in queue.sends:
        sender.send_chunk(queued_message, first, last)
    assert gateway.sent == []
    with unit_of_work(web.sessions) as uow:
        (delivery,) = uow.session.scalars(select(Delivery).where(Delivery.message_id == message_id)).all()
        assert delivery.status is DeliveryStatus.SKIPPED


def test_settings_defaults_for_the_subscribers_side() -> None:
    settings = make_settings()
    assert settings.confirm_link_days == 7 and settings.temporary_failures_before_suppression == 3
