"""Subscribers, their subscriptions, the consent ledger and suppressions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from notifier.db.models import ConsentEvent, Subscriber, Subscription, Suppression
from notifier.domain.statuses import SubscriberStatus, SubscriptionEndReason, SuppressionReason


def get_subscriber(session: Session, network_id: int, subscriber_id: int) -> Subscriber | None:
    return session.scalars(
        select(Subscriber).where(Subscriber.network_id == network_id, Subscriber.id == subscriber_id)
    ).one_or_none()


def get_subscriber_by_email(session: Session, network_id: int, email: str) -> Subscriber | None:
    return session.scalars(
        select(Subscriber).where(Subscriber.network_id == network_id, Subscriber.email == email)
    ).one_or_none()


def active_subscription(session: Session, subscriber_id: int, topic_id: int) -> Subscription | None:
    return session.scalars(
        select(Subscription).where(
            Subscription.subscriber_id == subscriber_id,
            Subscription.topic_id == topic_id,
            Subscription.ended_at.is_(None),
        )
    ).one_or_none()


def active_subscriptions(session: Session, subscriber_id: int) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription).where(
                Subscription.subscriber_id == subscriber_id, Subscription.ended_at.is_(None)
            )
        )
    )


def end_subscriptions(
    session: Session,
    subscriber_id: int,
    reason: SubscriptionEndReason,
    at: datetime,
    *,
    topic_id: int | None = None,
) -> list[int]:
    """End the subscriber's active subscriptions (one topic or all); returns the topic ids ended."""
    ended = [s for s in active_subscriptions(session, subscriber_id) if topic_id in (None, s.topic_id)]
    for subscription in ended:
        subscription.ended_at = at
        subscription.ended_reason = reason
    session.flush()
    return [s.topic_id for s in ended]


def mark_left_if_nothing_active(session: Session, subscriber: Subscriber, at: datetime) -> bool:
    """Start the retention clock once no active subscription remains."""
    if subscriber.status is SubscriberStatus.LEFT or active_subscriptions(session, subscriber.id):
        return False
    subscriber.status = SubscriberStatus.LEFT
    subscriber.left_at = at
    return True


def add_consent_event(session: Session, event: ConsentEvent) -> None:
    session.add(event)


def is_suppressed(session: Session, network_id: int, email_hash: str) -> bool:
    return bool(
        session.scalar(
            select(exists().where(Suppression.network_id == network_id, Suppression.email_hash == email_hash))
        )
    )


def suppression_reason(session: Session, network_id: int, email_hash: str) -> SuppressionReason | None:
    """Why the address is suppressed (one row per address), or None when it is not."""
    return session.scalar(
        select(Suppression.reason).where(
            Suppression.network_id == network_id, Suppression.email_hash == email_hash
        )
    )


def add_suppression(session: Session, suppression: Suppression) -> bool:
    """Insert unless the address is already suppressed; True when a row was added."""
    if is_suppressed(session, suppression.network_id, suppression.email_hash):
        return False
    session.add(suppression)
    session.flush()
    return True


def count_temporary_failure(session: Session, subscriber_id: int) -> int:
    session.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber_id)
        .values(consecutive_temporary_failures=Subscriber.consecutive_temporary_failures + 1)
    )
    return int(
        session.scalar(
            select(Subscriber.consecutive_temporary_failures).where(Subscriber.id == subscriber_id)
        )
        or 0
    )


def reset_temporary_failures(session: Session, subscriber_id: int) -> None:
    session.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber_id, Subscriber.consecutive_temporary_failures != 0)
        .values(consecutive_temporary_failures=0)
    )
