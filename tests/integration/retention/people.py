"""A person with something in every table that can hold them, and a check that they are gone."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifier.db.base import Base, utcnow
from notifier.db.models import (
    ContactEnquiry,
    DataRequest,
    Delivery,
    Meeting,
    MeetingInvitee,
    Membership,
    Message,
    Network,
    Signup,
    Subscriber,
    Topic,
)
from notifier.domain.retention import DATA_REQUEST_DEADLINE
from notifier.domain.rights import DataRequestKind, DataRequestOrigin, DataRequestStatus
from notifier.domain.sources import MeetingStatus
from notifier.domain.statuses import (
    ConsentSource,
    DeliveryStatus,
    Frequency,
    Lane,
    MembershipStatus,
    MessageStatus,
    SubscriberStatus,
)
from notifier.services.subscribers.subscriptions import add_confirmed_subscriber
from tests.support.seeding import HASH_KEY


def person(session: Session, network: Network, topics: list[Topic], email: str, name: str) -> Subscriber:
    """A confirmed subscriber (consent ledger, subscriptions) with a membership, a meeting invitation,
    a waiting sign-up, a bulk and a transactional email, and a closed data request."""
    now = _now()
    subscriber = add_confirmed_subscriber(
        session,
        network,
        email=email,
        name=name,
        department="Department of Tests",
        topics=topics,
        frequency=Frequency.IMMEDIATE,
        source=ConsentSource.ADMIN,
        hash_key=HASH_KEY,
        now=now,
    )
    session.add(
        Membership(
            network_id=network.id,
            subscriber_id=subscriber.id,
            status=MembershipStatus.CANCELLED,
            eligibility_statement=f"{name} works in tests",
            requested_at=now,
            closed_at=now,
        )
    )
    session.add(
        Signup(
            network_id=network.id,
            subscriber_id=subscriber.id,
            topic_ids=[topics[0].id],
            frequency=Frequency.WEEKLY,
            name=name,
            source=ConsentSource.FORM,
            notice_version="v1",
            created_at=now,
            expires_at=now + timedelta(days=7),
            confirmed_at=now,
        )
    )
    meeting = Meeting(
        network_id=network.id,
        uid=f"meeting-{uuid.uuid4()}",
        title="Steering group",
        start_at=now + timedelta(days=3),
        end_at=now + timedelta(days=3, hours=1),
        status=MeetingStatus.SCHEDULED,
        reminder_minutes=60,
    )
    session.add(meeting)
    session.flush()
    session.add(MeetingInvitee(network_id=network.id, meeting_id=meeting.id, subscriber_id=subscriber.id))
    email_to(session, subscriber, Lane.BULK, topic=topics[0], context={"subject": "News", "body": "Hello"})
    email_to(session, subscriber, Lane.TRANSACTIONAL, context={"greeting": f"Dear {name}"})
    session.add(
        DataRequest(
            network_id=network.id,
            subscriber_id=subscriber.id,
            kind=DataRequestKind.ACCESS,
            origin=DataRequestOrigin.ADMIN,
            status=DataRequestStatus.COMPLETED,
            details={"note": name},
            received_at=now,
            deadline_at=DATA_REQUEST_DEADLINE.after(now),
            completed_at=now,
        )
    )
    session.flush()
    return subscriber


def email_to(
    session: Session,
    subscriber: Subscriber,
    lane: Lane,
    *,
    topic: Topic | None = None,
    context: dict[str, Any] | None = None,
) -> Delivery:
    """An email Notify accepted and delivered (its own copy lives from now)."""
    now = _now()
    message = Message(
        network_id=subscriber.network_id,
        topic_id=topic.id if topic else None,
        email_kind="announcement" if lane is Lane.BULK else "confirm_subscription",
        lane=lane,
        status=MessageStatus.DONE,
        context=context or {},
    )
    session.add(message)
    session.flush()
    delivery = Delivery(
        network_id=subscriber.network_id,
        message_id=message.id,
        subscriber_id=subscriber.id,
        status=DeliveryStatus.DELIVERED,
        notify_id=f"00000000-0000-4000-8000-{message.id:012d}",
        created_at=now,
        updated_at=now,
        accepted_at=now,
        completed_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


def pending_person(session: Session, network: Network, topic: Topic, email: str, name: str) -> Subscriber:
    now = _now()
    subscriber = Subscriber(
        network_id=network.id,
        email=email,
        email_hash=f"hash-of-{email}",
        name=name,
        status=SubscriberStatus.PENDING,
        created_at=now,
    )
    session.add(subscriber)
    session.flush()
    session.add(
        Signup(
            network_id=network.id,
            subscriber_id=subscriber.id,
            topic_ids=[topic.id],
            frequency=Frequency.IMMEDIATE,
            name=name,
            source=ConsentSource.FORM,
            notice_version="v1",
            created_at=now,
            expires_at=now + timedelta(days=7),
        )
    )
    session.flush()
    return subscriber


def enquiry(session: Session, network: Network, email: str, name: str) -> ContactEnquiry:
    row = ContactEnquiry(network_id=network.id, name=name, email=email, message=f"Question from {name}")
    session.add(row)
    session.flush()
    return row


def traces(session: Session, subscriber_id: int, *needles: str) -> list[str]:
    """Every place in the database that still points at the person or holds one of the needles."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(sa.select(table)).mappings():
            if "subscriber_id" in row and row["subscriber_id"] == subscriber_id:
                found.append(f"{table.name}.subscriber_id")
            if table.name == "subscriber" and row["id"] == subscriber_id:
                found.append("subscriber")
            text = " ".join(str(value) for value in row.values())
            found.extend(f"{table.name}: {needle}" for needle in needles if needle.lower() in text.lower())
    return found


def _now() -> datetime:
    return utcnow()
