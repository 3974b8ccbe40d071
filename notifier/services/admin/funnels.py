"""A message's funnel as the steering group reads it: queued, sent to Notify, delivered, failed by
reason, skipped by reason; and its sends per minute. Also the bulk messages in flight and recent."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import Message, Topic
from notifier.domain.statuses import DeliveryStatus, Lane, MessageStatus
from notifier.repositories import messages as message_repo

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
    counted: Counter[str] = Counter()
    for (status, reason), count in message_repo.reason_counts(session, message_id, statuses).items():
        label = status.value.replace("_", " ")
        counted[f"{label}: {reason}" if reason else label] += count
    return dict(sorted(counted.items(), key=lambda item: (-item[1], item[0])))


def message_funnel(session: Session, network_id: int, message_id: int) -> Funnel | None:
    """The message's funnel, from its stored deliveries and those folded into tallies."""
    message = session.get(Message, message_id)
    if message is None or message.network_id != network_id:
        return None
    counts = message_repo.delivery_counts(session, message_id)
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
        per_minute=message_repo.accepted_per_minute(session, message_id),
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
