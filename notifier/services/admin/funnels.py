"""A message's funnel as the steering group reads it: queued, sent to Notify, delivered, failed by
reason, skipped by reason; and its sends per minute. Also the bulk messages in flight and recent."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifier.db.models import Delivery, Message, Topic
from notifier.domain.statuses import DeliveryStatus, Lane, MessageStatus

FAILED = (
    DeliveryStatus.PERMANENT_FAILURE,
    DeliveryStatus.TEMPORARY_FAILURE,
    DeliveryStatus.TECHNICAL_FAILURE,
)
IN_FLIGHT = (MessageStatus.PENDING, MessageStatus.FANNING_OUT, MessageStatus.SENDING)


@dataclass(frozen=True)
class Funnel:
    message: Message
    topic: str
    total: int
    queued: int  # not yet sent to Notify (queued or being sent)
    sent: int  # accepted by Notify, whatever happened next
    delivered: int
    failed: dict[str, int]  # by reason
    skipped: dict[str, int]  # by reason
    per_minute: list[tuple[datetime, int]]  # accepted by Notify in each minute (UTC)

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def _reasons(session: Session, message_id: int, statuses: tuple[DeliveryStatus, ...]) -> dict[str, int]:
    rows = session.execute(
        select(Delivery.status, Delivery.failure_reason, func.count())
        .where(Delivery.message_id == message_id, Delivery.status.in_(statuses))
        .group_by(Delivery.status, Delivery.failure_reason)
    )
    counted: Counter[str] = Counter()
    for status, reason, count in rows:
        label = status.value.replace("_", " ")
        counted[f"{label}: {reason}" if reason else label] += count
    return dict(counted.most_common())


def _per_minute(session: Session, message_id: int) -> list[tuple[datetime, int]]:
    minutes: Counter[datetime] = Counter(
        accepted.replace(second=0, microsecond=0)
        for accepted in session.scalars(
            select(Delivery.accepted_at).where(
                Delivery.message_id == message_id, Delivery.accepted_at.is_not(None)
            )
        )
        if accepted is not None
    )
    return sorted(minutes.items())


def message_funnel(session: Session, network_id: int, message_id: int) -> Funnel | None:
    message = session.get(Message, message_id)
    if message is None or message.network_id != network_id:
        return None
    counts: dict[DeliveryStatus, int] = dict.fromkeys(DeliveryStatus, 0)
    for status, count in session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.message_id == message_id)
        .group_by(Delivery.status)
    ):
        counts[status] = count
    topic = session.get(Topic, message.topic_id) if message.topic_id else None
    return Funnel(
        message=message,
        topic=topic.name if topic else "-",
        total=sum(counts.values()),
        queued=counts[DeliveryStatus.QUEUED] + counts[DeliveryStatus.SENDING],
        sent=counts[DeliveryStatus.ACCEPTED]
        + counts[DeliveryStatus.DELIVERED]
        + sum(counts[s] for s in FAILED),
        delivered=counts[DeliveryStatus.DELIVERED],
        failed=_reasons(session, message_id, FAILED),
        skipped=_reasons(session, message_id, (DeliveryStatus.SKIPPED,)),
        per_minute=_per_minute(session, message_id),
    )


def recent_messages(session: Session, network_id: int, limit: int = 20) -> list[Funnel]:
    """Bulk messages (not one-person transactional ones), in flight first, then the newest."""
    ids = session.scalars(
        select(Message.id)
        .where(Message.network_id == network_id, Message.lane != Lane.TRANSACTIONAL)
        .order_by(Message.status.in_(IN_FLIGHT).desc(), Message.id.desc())
        .limit(limit)
    ).all()
    funnels = [message_funnel(session, network_id, message_id) for message_id in ids]
    return [funnel for funnel in funnels if funnel is not None]
