"""Events and the messages made from them."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import String, cast, func, select, update
from sqlalchemy.orm import Session

from notifier.db.models import Delivery, Event, Message
from notifier.domain.statuses import DeliveryStatus, MessageStatus
from notifier.repositories.rows import affected


def get_event_by_source_key(session: Session, network_id: int, source_key: str) -> Event | None:
    return session.scalars(
        select(Event).where(Event.network_id == network_id, Event.source_key == source_key)
    ).one_or_none()


def get_message(session: Session, message_id: int) -> Message | None:
    return session.get(Message, message_id)


def lock_message(session: Session, message_id: int) -> Message:
    """The message, re-read and locked until the transaction ends.

    FOR NO KEY UPDATE, not FOR UPDATE: a concurrent fan-out batch holds the row FOR KEY SHARE through
    its deliveries' foreign key, and FOR UPDATE would wait on it (and deadlock when it locks in turn).
    """
    return session.scalars(
        select(Message)
        .where(Message.id == message_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


def delivery_counts(session: Session, message_id: int) -> Counter[DeliveryStatus]:
    rows = session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.message_id == message_id)
        .group_by(Delivery.status)
    )
    return Counter({status: count for status, count in rows})


def has_unsent(session: Session, message_id: int) -> bool:
    """Whether any delivery of the message is still `queued` or `sending` (one index probe)."""
    unsent = select(Delivery.id).where(
        Delivery.message_id == message_id,
        Delivery.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING]),
    )
    return session.execute(unsent.limit(1)).first() is not None


def set_message_status(
    session: Session,
    message_id: int,
    status: MessageStatus,
    at: datetime,
    *,
    only_from: set[MessageStatus] | None = None,
    note: str | None = None,
) -> bool:
    """Conditional status change; False when the message was not in one of `only_from`."""
    statement = update(Message).where(Message.id == message_id)
    if only_from is not None:
        statement = statement.where(Message.status.in_(only_from))
    values: dict[str, object] = {"status": status, "updated_at": at}
    if note is not None:
        values["status_note"] = note
    if status is MessageStatus.DONE:
        values["completed_at"] = at
    return affected(session.execute(statement.values(**values))) == 1


def messages_in_status(session: Session, status: MessageStatus, *, updated_before: datetime) -> list[int]:
    return list(
        session.scalars(
            select(Message.id).where(Message.status == status, Message.updated_at < updated_before)
        )
    )


def finished_but_open(session: Session, *, limit: int) -> list[int]:
    """Messages still `sending` with no delivery left `queued` or `sending`: ready to be closed."""
    open_rows = (
        select(Delivery.id)
        .where(
            Delivery.message_id == Message.id,
            Delivery.status.in_((DeliveryStatus.QUEUED, DeliveryStatus.SENDING)),
        )
        .exists()
    )
    return list(
        session.scalars(
            select(Message.id).where(Message.status == MessageStatus.SENDING, ~open_rows).limit(limit)
        )
    )


def failure_reasons(
    session: Session, message_id: int, statuses: tuple[DeliveryStatus, ...]
) -> list[tuple[str, int]]:
    """(reason, count) of the message's deliveries in `statuses`, most frequent first; a row without a
    recorded reason (e.g. a failure Notify reported by receipt) counts under its status."""
    reason = func.coalesce(Delivery.failure_reason, cast(Delivery.status, String))
    rows = session.execute(
        select(reason, func.count())
        .where(Delivery.message_id == message_id, Delivery.status.in_(statuses))
        .group_by(reason)
        .order_by(func.count().desc(), reason)
    )
    return [(str(text), count) for text, count in rows]


def failed_before_notify(session: Session, message_id: int, statuses: tuple[DeliveryStatus, ...]) -> int:
    """Deliveries in `statuses` that Notify never accepted (no Notify id): composing failed, Notify
    refused the request, or the sender gave up."""
    return (
        session.scalar(
            select(func.count()).where(
                Delivery.message_id == message_id, Delivery.status.in_(statuses), Delivery.notify_id.is_(None)
            )
        )
        or 0
    )


def skip_queued(session: Session, message_id: int, *, reason: str, at: datetime) -> int:
    """Every still-queued delivery of the message ends skipped, with the reason; how many."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.message_id == message_id, Delivery.status == DeliveryStatus.QUEUED)
        .values(status=DeliveryStatus.SKIPPED, failure_reason=reason, updated_at=at, completed_at=at)
    )
    return affected(result)
