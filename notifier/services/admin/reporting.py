"""A message's progress, in the terms an admin uses (queued, sent, delivered, failed), and stopping a
message that is still going out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from notifier.db.models import Message, Topic
from notifier.domain.statuses import DeliveryStatus, MessageStatus
from notifier.repositories import messages as message_repo
from notifier.services.common import audit
from notifier.services.common.scope import NetworkScope

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


# The admin API's view of messages, and stopping one ----------------------------------------------


def message_list(scope: NetworkScope, limit: int) -> list[tuple[Message, MessageProgress]]:
    query = scope.rows(Message).order_by(Message.id.desc()).limit(limit)
    return [(m, _progress(scope, m)) for m in scope.session.scalars(query)]


def _progress(scope: NetworkScope, message: Message) -> MessageProgress:
    progress = message_progress(scope.session, message.id)
    assert progress is not None  # the message was just read
    return progress


def message_with_progress(scope: NetworkScope, message_id: int) -> tuple[Message, MessageProgress]:
    message = scope.get(Message, message_id, what="message")
    return message, _progress(scope, message)


class NotCancellable(ValueError):
    """The message has finished (or was cancelled already): what Notify has taken cannot be recalled."""


def cancel_message(
    scope: NetworkScope, message_id: int, *, actor: str, now: datetime
) -> tuple[Message, MessageProgress]:
    """Stop a message: what is still queued is skipped; the audit names who stopped it."""
    message = scope.get(Message, message_id, what="message")
    live = {MessageStatus.PENDING, MessageStatus.FANNING_OUT, MessageStatus.SENDING}
    session = scope.session
    if not message_repo.set_message_status(
        session, message.id, MessageStatus.CANCELLED, now, only_from=live, note="cancelled by an admin"
    ):
        raise NotCancellable(f"is {message.status.value} and cannot be cancelled")
    message_repo.skip_queued(session, message.id, reason="message cancelled", at=now)
    audit.record(session, scope.network_id, actor, "message.cancel", "message", message.id)
    session.refresh(message)
    return message, _progress(scope, message)
