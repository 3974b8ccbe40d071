"""Messages whose delivery rows are written directly rather than by topic fan-out (digests, a
meeting's invitees, one-person transactional emails): their rows, and their sends once committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from notifier.db.models import Delivery, Message, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.statuses import DeliveryStatus, Lane, MessageStatus
from notifier.rendering.emails import EmailKind
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.fanout import chunk_ranges


def enqueue_sends(uow: UnitOfWork, queue: TaskQueue, message: Message, chunk_size: int) -> None:
    first, last = uow.session.execute(
        select(func.min(Delivery.id), func.max(Delivery.id)).where(Delivery.message_id == message.id)
    ).one()
    message_id, lane = message.id, message.lane
    ranges = chunk_ranges(first, last, chunk_size) if first is not None and last is not None else []
    ranges.append((0, 0))  # a final pass closes the message once every chunk is done

    def enqueue() -> None:
        for low, high in ranges:
            queue.enqueue_send(message_id, low, high, lane)

    uow.after_commit(enqueue)


def queue_one_email(
    uow: UnitOfWork,
    queue: TaskQueue,
    subscriber: Subscriber,
    kind: EmailKind,
    context: dict[str, Any],
    *,
    now: datetime,
) -> Message:
    """One email to one person on the transactional lane (confirmations, verifications, test sends).

    The message and its single delivery are written in the caller's unit of work; the send is
    enqueued once they are committed. Returns the message.
    """
    message = Message(
        network_id=subscriber.network_id,
        topic_id=None,
        email_kind=kind.value,
        lane=Lane.TRANSACTIONAL,
        status=MessageStatus.SENDING,
        context=context,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(message)
    uow.session.flush()
    delivery = Delivery(
        network_id=subscriber.network_id,
        message_id=message.id,
        event_id=None,
        subscriber_id=subscriber.id,
        status=DeliveryStatus.QUEUED,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(delivery)
    uow.session.flush()
    message_id, delivery_id = message.id, delivery.id
    uow.after_commit(lambda: queue.enqueue_send(message_id, delivery_id, delivery_id, Lane.TRANSACTIONAL))
    return message
