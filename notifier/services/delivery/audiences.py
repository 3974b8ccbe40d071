"""Who a message would reach, counted before it is sent: the web admin's check pages and the email
asking for approval show it ("what will be sent, to how many"). The same rules as fan-out: active
subscriptions of active subscribers whose address is not suppressed (immediate ones only, except for
urgent email, which goes at once to every frequency), plus named invitees, each person once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import Subscriber, Subscription, Suppression, Topic
from notifier.domain.statuses import Frequency, SubscriberStatus


@dataclass(frozen=True)
class AudienceCount:
    by_topic: list[tuple[str, int]]  # topic name, its reachable subscribers
    invitees: int
    people: int  # everyone reached, each person once


def count_audience(
    session: Session,
    network_id: int,
    topic_ids: Sequence[int],
    invitee_ids: Sequence[int],
    *,
    urgent: bool = False,
) -> AudienceCount:
    """`urgent`: a kind in domain.sources.URGENT_EMAIL_KINDS (meetings, announcements)."""
    suppressed = select(Suppression.email_hash).where(Suppression.network_id == network_id)
    reachable = set()
    by_topic = []
    for topic in session.scalars(
        select(Topic).where(Topic.network_id == network_id, Topic.id.in_(topic_ids))
    ):
        ids = set(
            session.scalars(
                select(Subscription.subscriber_id)
                .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
                .where(
                    Subscription.topic_id == topic.id,
                    Subscription.ended_at.is_(None),
                    Subscription.frequency.in_(list(Frequency) if urgent else [Frequency.IMMEDIATE]),
                    Subscriber.status == SubscriberStatus.ACTIVE,
                    Subscriber.email_hash.not_in(suppressed),
                )
            )
        )
        by_topic.append((topic.name, len(ids)))
        reachable |= ids
    reachable |= set(invitee_ids)
    return AudienceCount(by_topic, len(set(invitee_ids)), len(reachable))
