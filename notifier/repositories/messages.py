"""Events and the messages made from them."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from notifier.db.models import Delivery, Event, Message
from notifier.domain.statuses import DeliveryStatus, MessageStatus
from notifier.repositories import delivery_tallies as tallies
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
    """Deliveries per status: the rows stored and those folded into tallies."""
    rows = session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.message_id == message_id)
        .group_by(Delivery.status)
    )
    return Counter({status: count for status, count in rows}) + tallies.counts(session, message_id)


def reason_counts(
    session: Session, message_id: int, statuses: tuple[DeliveryStatus, ...]
) -> Counter[tallies.Reason]:
    """Deliveries in `statuses` per (status, failure reason), stored and folded."""
    rows = session.execute(
        select(Delivery.status, Delivery.failure_reason, func.count())
        .where(Delivery.message_id == message_id, Delivery.status.in_(statuses))
        .group_by(Delivery.status, Delivery.failure_reason)
    )
    stored = Counter({(status, reason): count for status, reason, count in rows})
    return stored + tallies.reasons(session, message_id, statuses)


def accepted_per_minute(session: Session, message_id: int) -> list[tuple[datetime, int]]:
    """Deliveries Notify accepted in each minute (UTC), stored and folded."""
    stored = Counter(
        tallies.minute_of(accepted)
        for accepted in session.scalars(
            select(Delivery.accepted_at).where(
                Delivery.message_id == message_id, Delivery.accepted_at.is_not(None)
            )
        )
    )
    minutes = stored + tallies.accepted_minutes(session, message_id)
    return sorted((minute, count) for minute, count in minutes.items() if minute is not None)


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
    counted: Counter[str] = Counter()
    for (status, reason), count in reason_counts(session, message_id, statuses).items():
        counted[reason or status.value] += count
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))


def failed_before_notify(session: Session, message_id: int, statuses: tuple[DeliveryStatus, ...]) -> int:
    """Deliveries in `statuses` that Notify never accepted (no Notify id): composing failed, Notify
    refused the request, or the sender gave up."""
    stored = session.scalar(
        select(func.count()).where(
            Delivery.message_id == message_id, Delivery.status.in_(statuses), Delivery.notify_id.is_(None)
        )
    )
    return (stored or 0) + tallies.never_reached_notify(session, message_id, statuses)


def skip_queued(session: Session, message_id: int, *, reason: str, at: datetime) -> int:
    """Every still-queued delivery of the message ends skipped, with the reason; how many."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.message_id == message_id, Delivery.status == DeliveryStatus.QUEUED)
        .values(status=DeliveryStatus.SKIPPED, failure_reason=reason, updated_at=at, completed_at=at)
    )
    return affected(result)
