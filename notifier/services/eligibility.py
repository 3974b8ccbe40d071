"""Who may receive a message right now: the send-time re-check of consent and suppression."""

from __future__ import annotations

from sqlalchemy.orm import Session

from notifier.db.models import Message, Subscriber
from notifier.domain.statuses import Lane, SubscriberStatus
from notifier.repositories import subscribers as subscriber_repo


def ineligibility_reason(session: Session, message: Message, subscriber: Subscriber | None) -> str | None:
    """None when the subscriber may get this message now; otherwise why not (no personal data)."""
    if subscriber is None:
        return "subscriber erased"
    if subscriber_repo.is_suppressed(session, subscriber.network_id, subscriber.email_hash):
        return "address suppressed"
    if message.lane is Lane.TRANSACTIONAL:
        # Confirmations go to people who have not confirmed yet; nothing else is needed.
        return None
    if subscriber.status is not SubscriberStatus.ACTIVE:
        return f"subscriber {subscriber.status.value}"
    if (
        message.topic_id is not None
        and subscriber_repo.active_subscription(session, subscriber.id, message.topic_id) is None
    ):
        return "no active subscription to the topic"
    return None
