"""Subscribing and unsubscribing, with every change of consent appended to the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from notifier.db.models import ConsentEvent, Network, Subscriber, Subscription, Topic
from notifier.domain.emails import keyed_email_hash
from notifier.domain.statuses import (
    ConsentAction,
    ConsentSource,
    Frequency,
    SubscriberStatus,
    SubscriptionEndReason,
)
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.subscribers.addresses import checked_work_email


def add_confirmed_subscriber(
    session: Session,
    network: Network,
    *,
    email: str,
    name: str,
    department: str,
    topics: Sequence[Topic],
    frequency: Frequency,
    source: ConsentSource,
    hash_key: str,
    now: datetime,
    reason: str | None = None,
) -> Subscriber:
    """Add (or re-activate) a subscriber whose consent is already established, e.g. by an admin;
    `reason` is why an admin recorded it on the person's behalf, kept with each consent record."""
    address = checked_work_email(network, email)
    if not name.strip():
        raise ValueError("name: enter the subscriber's name")
    subscriber = subscriber_repo.get_subscriber_by_email(session, network.id, address)
    if subscriber is None:
        subscriber = Subscriber(
            network_id=network.id,
            email=address,
            email_hash=keyed_email_hash(hash_key, address),
            name=name.strip(),
            department=department.strip(),
            status=SubscriberStatus.ACTIVE,
            created_at=now,
            confirmed_at=now,
        )
        session.add(subscriber)
        session.flush()
    else:
        subscriber.name, subscriber.department = name.strip(), department.strip()
        subscriber.status, subscriber.left_at = SubscriberStatus.ACTIVE, None
        subscriber.confirmed_at = subscriber.confirmed_at or now
    for topic in topics:
        subscribe_to_topic(
            session, network, subscriber, topic, frequency=frequency, source=source, now=now, reason=reason
        )
    return subscriber


def subscribe_to_topic(
    session: Session,
    network: Network,
    subscriber: Subscriber,
    topic: Topic,
    *,
    frequency: Frequency,
    source: ConsentSource,
    now: datetime,
    notice_version: str | None = None,
    reason: str | None = None,
) -> None:
    """Subscribe (or change the frequency); `notice_version` is the notice the person was shown, when
    it may differ from the network's current one (a sign-up confirmed after the notice changed). A new
    frequency ends the old row as `frequency_changed` (still subscribed) and records `changed`."""
    current = subscriber_repo.active_subscription(session, subscriber.id, topic.id)
    if current is not None and current.frequency is frequency:
        return
    if current is not None:  # a new frequency: the old row becomes history
        current.ended_at, current.ended_reason = now, SubscriptionEndReason.FREQUENCY_CHANGED
        session.flush()
    session.add(
        Subscription(
            network_id=network.id,
            subscriber_id=subscriber.id,
            topic_id=topic.id,
            frequency=frequency,
            started_at=now,
        )
    )
    action = ConsentAction.GRANTED if current is None else ConsentAction.CHANGED
    _record_consent(
        session,
        network,
        subscriber,
        topic_id=topic.id,
        action=action,
        source=source,
        now=now,
        notice_version=notice_version,
        reason=reason,
    )


def unsubscribe(
    session: Session,
    network: Network,
    subscriber: Subscriber,
    *,
    topic_id: int | None,
    source: ConsentSource,
    reason: SubscriptionEndReason,
    now: datetime,
) -> list[int]:
    """End one topic's subscription (or all); idempotent. Returns the topic ids that ended now."""
    ended = subscriber_repo.end_subscriptions(session, subscriber.id, reason, now, topic_id=topic_id)
    for ended_topic in ended:
        _record_consent(
            session,
            network,
            subscriber,
            topic_id=ended_topic,
            action=ConsentAction.WITHDRAWN,
            source=source,
            now=now,
        )
    subscriber_repo.mark_left_if_nothing_active(session, subscriber, now)
    return ended


def _record_consent(
    session: Session,
    network: Network,
    subscriber: Subscriber,
    *,
    topic_id: int | None,
    action: ConsentAction,
    source: ConsentSource,
    now: datetime,
    notice_version: str | None = None,
    reason: str | None = None,
) -> None:
    subscriber_repo.add_consent_event(
        session,
        ConsentEvent(
            network_id=network.id,
            subscriber_id=subscriber.id,
            topic_id=topic_id,
            action=action,
            source=source,
            notice_version=notice_version or network.privacy_notice_version,
            occurred_at=now,
            reason=reason,
        ),
    )
