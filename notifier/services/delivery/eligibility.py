"""Who may receive a message right now: the send-time re-check of consent and suppression."""

from __future__ import annotations

from sqlalchemy.orm import Session

from notifier.db.models import Message, Subscriber
from notifier.domain.statuses import Lane, SubscriberStatus
from notifier.rendering.emails import EmailKind
from notifier.repositories import digests as digest_repo
from notifier.repositories import subscribers as subscriber_repo


def ineligibility_reason(session: Session, message: Message, subscriber: Subscriber | None) -> str | None:
    """None when the subscriber may get this message now; otherwise why not (no personal data)."""
    if subscriber is None:
        return "subscriber erased"
    # A confirmation was asked for on the form just now: confirming is how a suppressed address comes back.
    asked_for = message.email_kind == EmailKind.CONFIRM_SUBSCRIPTION
    # So was a data request's verification, which must reach a person who objected (privacy/rights.py).
    asked_for = asked_for or message.email_kind == EmailKind.DATA_REQUEST_VERIFY
    # And a new address's confirmation: the hash checked below is the old address's anyway.
    asked_for = asked_for or message.email_kind == EmailKind.CONFIRM_EMAIL_CHANGE
    # And an admin's sign-in link, asked for on the sign-in page a moment ago.
    asked_for = asked_for or message.email_kind == EmailKind.ADMIN_SIGN_IN
    if not asked_for and subscriber_repo.is_suppressed(session, subscriber.network_id, subscriber.email_hash):
        return "address suppressed"
    if message.lane is Lane.TRANSACTIONAL:
        # Confirmations go to people who have not confirmed yet; nothing else is needed.
        return None
    if subscriber.status is not SubscriberStatus.ACTIVE:
        return f"subscriber {subscriber.status.value}"
    return _audience_reason(session, message, subscriber)


def _audience_reason(session: Session, message: Message, subscriber: Subscriber) -> str | None:
    if (
        message.topic_id is not None
        and subscriber_repo.active_subscription(session, subscriber.id, message.topic_id) is None
    ):
        return "no active subscription to the topic"
    if message.email_kind == EmailKind.DIGEST and not digest_repo.items_for(session, message, subscriber.id):
        return "nothing left for this digest"  # unsubscribed from its topics since the run
    return None
