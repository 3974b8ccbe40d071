"""A message's progress, in the terms an admin uses: queued, sent, delivered, failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from notifier.db.models import Message, Topic
from notifier.domain.statuses import DeliveryStatus, MessageStatus
from notifier.repositories import messages as message_repo

RECEIPT_WAIT = timedelta(seconds=30)
FAILED = (
    DeliveryStatus.PERMANENT_FAILURE,
    DeliveryStatus.TEMPORARY_FAILURE,
    DeliveryStatus.TECHNICAL_FAILURE,
)


@dataclass(frozen=True)
class MessageProgress:
    message_id: int
    status: str
    topic: str
    counts: dict[str, int]
    note: str
    finished: bool
    failures: tuple[tuple[str, int], ...] = ()  # (reason, count), most frequent first

    @property
    def total(self) -> int:
        return self.counts["total"]


def message_progress(session: Session, message_id: int) -> MessageProgress | None:
    message = session.get(Message, message_id)
    if message is None:
        return None
    raw = message_repo.delivery_counts(session, message_id)
    failed = sum(raw[s] for s in FAILED)
    never_reached_notify = message_repo.failed_before_notify(session, message_id, FAILED) if failed else 0
    accepted_or_later = (
        raw[DeliveryStatus.ACCEPTED] + raw[DeliveryStatus.DELIVERED] + failed - never_reached_notify
    )
    counts = {
        "total": sum(raw.values()),
        "queued": raw[DeliveryStatus.QUEUED] + raw[DeliveryStatus.SENDING],
        "sent": accepted_or_later,  # accepted by Notify
        "delivered": raw[DeliveryStatus.DELIVERED],
        "failed": failed,
        "skipped": raw[DeliveryStatus.SKIPPED],
    }
    topic = session.get(Topic, message.topic_id) if message.topic_id else None
    finished = (
        message.status in (MessageStatus.DONE, MessageStatus.CANCELLED) and not raw[DeliveryStatus.ACCEPTED]
    )
    return MessageProgress(
        message_id=message.id,
        status=message.status.value,
        topic=topic.slug if topic else "-",
        counts=counts,
        note=message.status_note,
        finished=finished,
        failures=tuple(message_repo.failure_reasons(session, message_id, FAILED)) if counts["failed"] else (),
    )
