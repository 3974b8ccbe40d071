"""Sending chunks on both databases with a scripted gateway: every outcome recorded once, correctly."""

from __future__ import annotations

from collections import deque

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.statuses import ConsentSource, DeliveryStatus, MessageStatus, SubscriptionEndReason
from notifier.gateway.base import OutcomeKind
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.delivery.sending import Sender, SendingConfig, Step
from notifier.services.sources.publishing import announce
from notifier.services.subscribers.subscriptions import unsubscribe
from tests.support.fakes import RecordingQueue, ScriptedGateway, UnlimitedLimiter
from tests.support.seeding import network_with_topics, subscriber
from tests.support.settings import make_settings

SETTINGS = make_settings(
    secret_key="x" * 40,
    public_base_url="https://notifier.example.gov.uk",
    one_click_base_url="https://notifier.example.gov.uk",
)


def _message_with(sessions: sessionmaker[Session], count: int) -> tuple[int, RecordingQueue]:
    queue = RecordingQueue()
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        for i in range(count):
            subscriber(uow.session, network, f"person{i}@dept.gov.uk", [news])
        message = announce(
            uow, queue, network, news, subject="Forum on Tuesday", body="Come along.\n\nAll welcome."
        )
        message_id = message.id
    fan_out_next_batch(sessions, queue, message_id, batch_size=1000, chunk_size=1000)
    return message_id, queue


def _sender(sessions: sessionmaker[Session], gateway: ScriptedGateway, grace: float = 0.0) -> Sender:
    return Sender(
        sessions,
        gateway,
        UnlimitedLimiter(),
        TemplateComposer.from_settings(SETTINGS),
        SendingConfig(ambiguous_grace_seconds=grace),
        sleep=lambda _: None,
    )


def _statuses(sessions: sessionmaker[Session], message_id: int) -> list[DeliveryStatus]:
    with unit_of_work(sessions) as uow:
        return list(uow.session.scalars(select(Delivery.status).where(Delivery.message_id == message_id)))


def _chunk(queue: RecordingQueue) -> tuple[int, int, int]:
    message_id, first, last, _ = next(s for s in queue.sends if s[1])
    return message_id, first, last


def test_every_delivery_is_sent_once_with_its_reference_and_unsubscribe_url(
    sessions: sessionmaker[Session],
) -> None:
    message_id, queue = _message_with(sessions, 5)
    gateway = ScriptedGateway()
    sender = _sender(sessions, gateway)
    report = sender.send_chunk(*_chunk(queue))
    again = sender.send_chunk(*_chunk(queue))  # a redelivered task finds nothing to claim
    assert report.steps[Step.ACCEPTED] == 5 and not again.steps[Step.ACCEPTED]
    assert len(gateway.sent) == 5
    assert len({r.reference for r in gateway.sent}) == 5
    assert all(
        r.one_click_unsubscribe_url and r.one_click_unsubscribe_url.startswith("https://")
        for r in gateway.sent
    )
    assert all("@" not in r.reference for r in gateway.sent)
    assert (
        "Unsubscribe" in gateway.sent[0].body and gateway.sent[0].subject == "Alpha Network: Forum on Tuesday"
    )
    assert _statuses(sessions, message_id) == [DeliveryStatus.ACCEPTED] * 5
    with unit_of_work(sessions) as uow:
        assert uow.session.get_one(Message, message_id).status is MessageStatus.DONE


def test_an_unsubscribe_after_fan_out_stops_the_email(sessions: sessionmaker[Session]) -> None:
    _, queue = _message_with(sessions, 3)
    with unit_of_work(sessions) as uow:
        person = uow.session.scalars(
            select(Subscriber).where(Subscriber.email == "person1@dept.gov.uk")
        ).one()
        unsubscribe(
            uow.session,
            uow.session.get_one(Network, person.network_id),
            person,
            topic_id=None,
            source=ConsentSource.ONE_CLICK,
            reason=SubscriptionEndReason.ONE_CLICK,
            now=utcnow(),
        )
    gateway = ScriptedGateway()
    report = _sender(sessions, gateway).send_chunk(*_chunk(queue))
    assert report.steps[Step.SKIPPED] == 1 and report.steps[Step.ACCEPTED] == 2
    assert "person1@dept.gov.uk" not in {r.email_address for r in gateway.sent}


@pytest.mark.parametrize("kind", [OutcomeKind.THROTTLED, OutcomeKind.RETRYABLE])
def test_retryable_outcomes_release_the_row_and_ask_for_a_retry(
    sessions: sessionmaker[Session], kind: OutcomeKind
) -> None:
    message_id, queue = _message_with(sessions, 2)
    gateway = ScriptedGateway(script=deque([kind]))
    sender = _sender(sessions, gateway)
    report = sender.send_chunk(*_chunk(queue))
    assert report.steps[Step.RELEASED] == 1 and report.retry_in_seconds
    assert sorted(_statuses(sessions, message_id)) == [DeliveryStatus.ACCEPTED, DeliveryStatus.QUEUED]
    sender.send_chunk(*_chunk(queue))
    assert _statuses(sessions, message_id) == [DeliveryStatus.ACCEPTED] * 2


def test_an_ambiguous_send_is_settled_by_reference_and_never_sent_twice(
    sessions: sessionmaker[Session],
) -> None:
    message_id, queue = _message_with(sessions, 1)
    gateway = ScriptedGateway(script=deque([OutcomeKind.AMBIGUOUS]))
    sender = _sender(sessions, gateway)
    first = sender.send_chunk(*_chunk(queue))
    assert first.steps[Step.UNSETTLED] == 1 and first.retry_in_seconds is not None
    assert _statuses(sessions, message_id) == [DeliveryStatus.SENDING]
    second = sender.send_chunk(*_chunk(queue))  # finds it at Notify by reference
    assert second.steps[Step.ACCEPTED] == 1
    assert len(gateway.sent) == 1
    with unit_of_work(sessions) as uow:
        delivery = uow.session.scalars(select(Delivery)).one()
        assert delivery.notify_id == gateway.held[str(delivery.id)]


def test_an_ambiguous_send_that_never_arrived_is_sent_again(sessions: sessionmaker[Session]) -> None:
    message_id, queue = _message_with(sessions, 1)
    gateway = ScriptedGateway(script=deque([OutcomeKind.AMBIGUOUS]))
    sender = _sender(sessions, gateway)
    sender.send_chunk(*_chunk(queue))
    gateway.held.clear()  # Notify never stored it
    settle = sender.send_chunk(*_chunk(queue))
    assert settle.steps[Step.RELEASED] == 1
    sender.send_chunk(*_chunk(queue))
    assert _statuses(sessions, message_id) == [DeliveryStatus.ACCEPTED]
    assert len(gateway.sent) == 2


def test_permanent_rejection_is_recorded_with_its_reason(sessions: sessionmaker[Session]) -> None:
    _, queue = _message_with(sessions, 1)
    _sender(sessions, ScriptedGateway(script=deque([OutcomeKind.PERMANENT]))).send_chunk(*_chunk(queue))
    with unit_of_work(sessions) as uow:
        delivery = uow.session.scalars(select(Delivery)).one()
    assert (
        delivery.status is DeliveryStatus.TECHNICAL_FAILURE
        and delivery.failure_reason == "scripted permanent"
    )


def test_the_daily_limit_pauses_the_message_until_midnight(sessions: sessionmaker[Session]) -> None:
    message_id, queue = _message_with(sessions, 3)
    report = _sender(sessions, ScriptedGateway(script=deque([OutcomeKind.DAILY_LIMIT]))).send_chunk(
        *_chunk(queue)
    )
    assert report.steps[Step.PAUSED] == 1 and report.retry_in_seconds
    assert _statuses(sessions, message_id) == [DeliveryStatus.QUEUED] * 3
    with unit_of_work(sessions) as uow:
        message = uow.session.get_one(Message, message_id)
        assert "daily sending limit" in message.status_note
