"""Delivery receipts on both databases: forward-only, idempotent, feeding suppression."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Subscriber, Suppression
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus, NotifyStatus, SubscriberStatus, SuppressionReason
from notifier.repositories import deliveries as delivery_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.delivery.receipts import Receipt, UnknownReceipt, apply_receipt
from notifier.services.sources.publishing import announce
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber


def _accepted_delivery(sessions: sessionmaker[Session], email: str = "a@dept.gov.uk") -> tuple[int, str]:
    queue = RecordingQueue()
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        subscriber(uow.session, network, email, [news])
        message_id = announce(uow, queue, network, news, subject="S", body="B").id
    fan_out_next_batch(sessions, queue, message_id, batch_size=10, chunk_size=10)
    with unit_of_work(sessions) as uow:
        delivery_id = uow.session.scalars(select(Delivery.id)).one()
        assert delivery_repo.claim(uow.session, delivery_id, utcnow())
        delivery_repo.transition(uow.session, delivery_id, DeliveryStatus.ACCEPTED, utcnow(), notify_id="n-1")
    return delivery_id, "n-1"


def _apply(
    sessions: sessionmaker[Session], delivery_id: int, status: NotifyStatus, notify_id: str = "n-1"
) -> bool:
    with unit_of_work(sessions) as uow:
        return apply_receipt(
            uow.session, Receipt(notify_id, str(delivery_id), status), now=utcnow(), temporary_failure_limit=3
        )


def test_delivered_receipt_is_applied_once(sessions: sessionmaker[Session]) -> None:
    delivery_id, _ = _accepted_delivery(sessions)
    assert _apply(sessions, delivery_id, NotifyStatus.DELIVERED)
    assert not _apply(sessions, delivery_id, NotifyStatus.DELIVERED)
    with unit_of_work(sessions) as uow:
        assert uow.session.get_one(Delivery, delivery_id).status is DeliveryStatus.DELIVERED


def test_permanent_failure_suppresses_and_ends_subscriptions(sessions: sessionmaker[Session]) -> None:
    delivery_id, _ = _accepted_delivery(sessions)
    assert _apply(sessions, delivery_id, NotifyStatus.PERMANENT_FAILURE)
    with unit_of_work(sessions) as uow:
        person = uow.session.scalars(select(Subscriber)).one()
        suppression = uow.session.scalars(select(Suppression)).one()
        assert suppression.reason is SuppressionReason.PERMANENT_FAILURE
        assert suppression.email_hash == person.email_hash and "@" not in suppression.detail
        assert person.status is SubscriberStatus.LEFT and person.left_at is not None
        assert subscriber_repo.active_subscriptions(uow.session, person.id) == []


def test_a_receipt_for_someone_elses_reference_is_refused(sessions: sessionmaker[Session]) -> None:
    delivery_id, _ = _accepted_delivery(sessions)
    with pytest.raises(UnknownReceipt):
        _apply(sessions, delivery_id, NotifyStatus.DELIVERED, notify_id="someone-else")
    with pytest.raises(UnknownReceipt):
        _apply(sessions, delivery_id + 1000, NotifyStatus.DELIVERED)


def test_receipts_for_forwarded_enquiries_are_acknowledged_and_change_nothing(
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as uow:
        receipt = Receipt("n-9", "enquiry-12", NotifyStatus.DELIVERED)
        assert apply_receipt(uow.session, receipt, now=utcnow(), temporary_failure_limit=3) is False
