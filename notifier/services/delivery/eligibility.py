"""Who may receive a message right now: the send-time re-check of consent and suppression."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import Message, Subscriber, Subscription, Suppression
from notifier.domain.statuses import Lane, SubscriberStatus
from notifier.rendering.emails import EmailKind
from notifier.repositories import digests as digest_repo
from notifier.repositories import subscribers as subscriber_repo


@dataclass(frozen=True)
class Prefetched:
    """The facts the re-check needs for a group of subscribers, read with two queries for the group."""

    suppressed_hashes: frozenset[str]
    subscribed_ids: frozenset[int]  # those with an active subscription to the message's topic


def prefetch(session: Session, message: Message, subscribers: Collection[Subscriber]) -> Prefetched:
    hashes = {s.email_hash for s in subscribers}
    ids = [s.id for s in subscribers]
    suppressed: Iterable[str] = (
        session.scalars(
            select(Suppression.email_hash).where(
                Suppression.network_id == message.network_id, Suppression.email_hash.in_(hashes)
            )
        )
        if hashes
        else []
    )
    # Every active subscription of these people, the topic picked out here: the query can then only be
    # served by uq_subscription_active (subscriber first), never by walking the whole topic in the
    # fan-out index, which PostgreSQL prefers for a topic it has no statistics for yet (8 ms, not 0.05).
    subscribed = (
        {
            subscriber_id
            for subscriber_id, topic_id in session.execute(
                select(Subscription.subscriber_id, Subscription.topic_id).where(
                    Subscription.subscriber_id.in_(ids), Subscription.ended_at.is_(None)
                )
            )
            if topic_id == message.topic_id
        }
        if ids and message.topic_id is not None
        else set()
    )
    return Prefetched(frozenset(suppressed), frozenset(subscribed))


def ineligibility_reason(
    session: Session, message: Message, subscriber: Subscriber | None, known: Prefetched | None = None
) -> str | None:
    """None when the subscriber may get this message now; otherwise why not (no personal data).

    `known` carries a group's suppressions and subscriptions read at once; without it, each is queried.
    """
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
    if not asked_for and _suppressed(session, subscriber, known):
        return "address suppressed"
    if message.lane is Lane.TRANSACTIONAL:
        # Confirmations go to people who have not confirmed yet; nothing else is needed.
        return None
    if subscriber.status is not SubscriberStatus.ACTIVE:
        return f"subscriber {subscriber.status.value}"
    return _audience_reason(session, message, subscriber, known)


def _suppressed(session: Session, subscriber: Subscriber, known: Prefetched | None) -> bool:
    if known is not None:
        return subscriber.email_hash in known.suppressed_hashes
    return subscriber_repo.is_suppressed(session, subscriber.network_id, subscriber.email_hash)


def _subscribed(session: Session, subscriber: Subscriber, topic_id: int, known: Prefetched | None) -> bool:
    if known is not None:
        return subscriber.id in known.subscribed_ids
    return subscriber_repo.active_subscription(session, subscriber.id, topic_id) is not None


def _audience_reason(
    session: Session, message: Message, subscriber: Subscriber, known: Prefetched | None
) -> str | None:
    if message.topic_id is not None and not _subscribed(session, subscriber, message.topic_id, known):
        return "no active subscription to the topic"
    if message.email_kind == EmailKind.DIGEST and not digest_repo.items_for(session, message, subscriber.id):
        return "nothing left for this digest"  # unsubscribed from its topics since the run
    return None
