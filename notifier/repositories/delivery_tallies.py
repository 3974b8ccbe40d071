"""Deliveries folded into per-message tallies (`delivery_tally`), and the tallies as reports read them.

A report of a message adds what these return to what its stored delivery rows say (repositories/
messages.py), so the message reads the same before and after its old rows are folded away.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from notifier.db.models import Delivery, DeliveryTally, Message
from notifier.domain.statuses import IN_FLIGHT_DELIVERY_STATUSES, DeliveryStatus
from notifier.repositories.rows import one_of

Reason = tuple[DeliveryStatus, str | None]


def fold(session: Session, *, cutoff: datetime, limit: int, now: datetime) -> int:
    """Fold up to `limit` settled deliveries created at or before the cutoff into tallies and delete
    them; returns how many were folded (fewer than `limit`: none are left).

    Found through their messages (a message is never younger than its deliveries) and
    ix_delivery_message_status, so a run reads old messages' rows, not the whole table. The rows are
    locked while they are counted, so a late receipt cannot change one between its count and its
    deletion."""
    old_messages = select(Message.id).where(Message.created_at <= cutoff)
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.network_id,
            Delivery.message_id,
            Delivery.status,
            Delivery.failure_reason,
            Delivery.notify_id.is_not(None),
            Delivery.accepted_at,
        )
        .where(
            Delivery.message_id.in_(old_messages),
            Delivery.created_at <= cutoff,
            Delivery.status.not_in(IN_FLIGHT_DELIVERY_STATUSES),
        )
        .limit(limit)
        .with_for_update()
    ).all()
    if not rows:
        return 0
    groups = Counter((*row[1:6], minute_of(row[6])) for row in rows)
    session.execute(
        insert(DeliveryTally),
        [
            {"network_id": network_id, "message_id": message_id, "status": status, "failure_reason": reason,
             "reached_notify": reached, "accepted_minute": minute, "deliveries": count, "folded_at": now}
            for (network_id, message_id, status, reason, reached, minute), count in groups.items()
        ],
    )  # fmt: skip
    session.execute(delete(Delivery).where(one_of(session, Delivery.id, [row[0] for row in rows])))
    return len(rows)


def minute_of(moment: datetime | None) -> datetime | None:
    """The minute a send was accepted in: what the funnel's sends per minute count by."""
    return None if moment is None else moment.replace(second=0, microsecond=0)


def counts(session: Session, message_id: int) -> Counter[DeliveryStatus]:
    rows = session.execute(
        select(DeliveryTally.status, func.sum(DeliveryTally.deliveries))
        .where(DeliveryTally.message_id == message_id)
        .group_by(DeliveryTally.status)
    )
    return Counter({status: int(total) for status, total in rows})


def reasons(session: Session, message_id: int, statuses: tuple[DeliveryStatus, ...]) -> Counter[Reason]:
    rows = session.execute(
        select(DeliveryTally.status, DeliveryTally.failure_reason, func.sum(DeliveryTally.deliveries))
        .where(DeliveryTally.message_id == message_id, DeliveryTally.status.in_(statuses))
        .group_by(DeliveryTally.status, DeliveryTally.failure_reason)
    )
    return Counter({(status, reason): int(total) for status, reason, total in rows})


def accepted_minutes(session: Session, message_id: int) -> Counter[datetime]:
    rows = session.execute(
        select(DeliveryTally.accepted_minute, func.sum(DeliveryTally.deliveries))
        .where(DeliveryTally.message_id == message_id, DeliveryTally.accepted_minute.is_not(None))
        .group_by(DeliveryTally.accepted_minute)
    )
    return Counter({minute: int(total) for minute, total in rows if minute is not None})


def never_reached_notify(session: Session, message_id: int, statuses: tuple[DeliveryStatus, ...]) -> int:
    total = session.scalar(
        select(func.sum(DeliveryTally.deliveries)).where(
            DeliveryTally.message_id == message_id,
            DeliveryTally.status.in_(statuses),
            DeliveryTally.reached_notify.is_(False),
        )
    )
    return int(total or 0)
