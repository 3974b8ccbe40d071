"""Many subscribers at once, for chaos tests and benchmarks: set-based inserts, not a loop of services.

Rows look like what the subscription services store (active subscriber, confirmed, immediate
subscription); consent-ledger rows are left out because sending never reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from notifier.db.base import BigId, UTCDateTime, utcnow
from notifier.db.models import Subscriber, Subscription
from notifier.domain.statuses import Frequency, SubscriberStatus, SubscriptionEndReason
from tests.support.seeding import network_with_topics

ROWS_PER_STATEMENT = 5000


@dataclass(frozen=True)
class Audience:
    network_slug: str
    topic_slug: str
    network_id: int
    topic_id: int
    consenting: set[str]  # the addresses that must each receive exactly one email


def address(index: int, prefix: str = "member") -> str:
    return f"{prefix}{index}@dept.gov.uk"


def seed_audience(
    session: Session, slug: str, consenting: int, *, withdrawn: int = 0, prefix: str = "member"
) -> Audience:
    """A network with one topic, `consenting` subscribers and `withdrawn` who unsubscribed from it.

    Addresses are `{prefix}{n}@dept.gov.uk`: give two audiences in one sandbox different prefixes.
    """
    network, (topic,) = network_with_topics(session, slug)
    now = utcnow()
    total = consenting + withdrawn
    for start in range(0, total, ROWS_PER_STATEMENT):
        session.execute(
            insert(Subscriber),
            [
                {
                    "network_id": network.id,
                    "email": address(i, prefix),
                    "email_hash": f"bulk-{slug}-{i}",
                    "name": "Bulk Member",
                    "department": "Testing",
                    "status": SubscriberStatus.ACTIVE,
                    "created_at": now,
                    "confirmed_at": now,
                }
                for i in range(start, min(start + ROWS_PER_STATEMENT, total))
            ],
        )
    session.execute(
        insert(Subscription).from_select(
            ["network_id", "subscriber_id", "topic_id", "frequency", "started_at"],
            select(
                Subscriber.network_id,
                Subscriber.id,
                literal(topic.id, BigId),
                literal(Frequency.IMMEDIATE.value),
                literal(now, UTCDateTime()),
            ).where(Subscriber.network_id == network.id),
        )
    )
    _withdraw(session, network.id, [address(i, prefix) for i in range(consenting, total)])
    consenting_addresses = {address(i, prefix) for i in range(consenting)}
    return Audience(slug, topic.slug, network.id, topic.id, consenting_addresses)


def _withdraw(session: Session, network_id: int, emails: list[str]) -> None:
    if not emails:
        return
    ids = select(Subscriber.id).where(Subscriber.network_id == network_id, Subscriber.email.in_(emails))
    session.execute(
        update(Subscription)
        .where(Subscription.subscriber_id.in_(ids))
        .values(ended_at=utcnow(), ended_reason=SubscriptionEndReason.UNSUBSCRIBED)
    )
