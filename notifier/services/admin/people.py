"""The people a network holds, as its steering group sees them: the members list the privacy notice
promises (name, department, member since), everyone else held, and one person's whole record.

Searching is by part of a name, or by an exact address (never a partial one, so the list cannot be
used to fish for who is subscribed). Viewing a person and exporting the list are audited by the web
routes, with ids only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from notifier.db.models import ConsentEvent, Delivery, Membership, Message, Subscriber, Subscription, Topic
from notifier.domain.emails import normalise_email
from notifier.domain.statuses import MembershipStatus

PAGE_SIZE = 50
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class PersonRow:
    subscriber: Subscriber
    member_since: datetime | None


@dataclass(frozen=True)
class PeoplePage:
    rows: list[PersonRow]
    total: int
    page: int
    pages: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _people_query(network_id: int, *, query: str, members_only: bool) -> Select[Subscriber, datetime | None]:
    open_membership = and_(
        Membership.subscriber_id == Subscriber.id,
        Membership.network_id == Subscriber.network_id,
        Membership.status == MembershipStatus.APPROVED,
        Membership.closed_at.is_(None),
    )
    statement = (
        select(Subscriber, Membership.decided_at)
        .outerjoin(Membership, open_membership)
        .where(Subscriber.network_id == network_id)
    )
    if members_only:
        statement = statement.where(Membership.id.is_not(None))
    query = query.strip()
    if "@" in query:
        statement = statement.where(Subscriber.email == normalise_email(query))
    elif query:
        statement = statement.where(Subscriber.name.ilike(f"%{_escape_like(query)}%", escape="\\"))
    return statement


def find_people(
    session: Session, network_id: int, *, query: str = "", members_only: bool = True, page: int = 1
) -> PeoplePage:
    statement = _people_query(network_id, query=query, members_only=members_only)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.execute(
        statement.order_by(Subscriber.name, Subscriber.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return PeoplePage([PersonRow(s, since) for s, since in rows], total, page, pages)


def export_csv(
    session: Session, network_id: int, *, query: str = "", members_only: bool = True
) -> Iterator[str]:
    """The list as CSV text, a batch of rows at a time (keyset on the id, so memory stays flat)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "department", "email", "status", "member_since", "subscriber_since"])
    last_id = 0
    while True:
        batch = session.execute(
            _people_query(network_id, query=query, members_only=members_only)
            .where(Subscriber.id > last_id)
            .order_by(Subscriber.id)
            .limit(EXPORT_BATCH)
        ).all()
        for person, since in batch:
            writer.writerow(
                [
                    safe_cell(person.name),
                    safe_cell(person.department),
                    safe_cell(person.email),
                    person.status.value,
                    since.date().isoformat() if since else "",
                    person.created_at.date().isoformat(),
                ]
            )
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        if len(batch) < EXPORT_BATCH:
            return
        last_id = batch[-1][0].id


def safe_cell(value: str) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection): such text is quoted with '."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@dataclass(frozen=True)
class SubscriptionLine:
    topic: str
    frequency: str
    started_at: datetime
    ended_at: datetime | None
    ended_reason: str | None


@dataclass(frozen=True)
class ConsentLine:
    occurred_at: datetime
    action: str
    topic: str
    source: str
    notice_version: str


@dataclass(frozen=True)
class EmailLine:
    created_at: datetime
    kind: str
    topic: str
    status: str
    reason: str


@dataclass(frozen=True)
class PersonRecord:
    subscriber: Subscriber
    memberships: list[Membership]
    subscriptions: list[SubscriptionLine]
    consent: list[ConsentLine]
    emails: list[EmailLine]


def person_record(
    session: Session, network_id: int, subscriber_id: int, *, email_limit: int = 100
) -> PersonRecord | None:
    person = session.get(Subscriber, subscriber_id)
    if person is None or person.network_id != network_id:
        return None
    topics = {t.id: t.name for t in session.scalars(select(Topic).where(Topic.network_id == network_id))}
    subscriptions = [
        SubscriptionLine(
            topics.get(s.topic_id, "-"),
            s.frequency.value,
            s.started_at,
            s.ended_at,
            s.ended_reason.value if s.ended_reason else None,
        )
        for s in session.scalars(
            select(Subscription)
            .where(Subscription.subscriber_id == person.id)
            .order_by(Subscription.started_at.desc())
        )
    ]
    consent = [
        ConsentLine(
            e.occurred_at,
            e.action.value,
            topics.get(e.topic_id, "-") if e.topic_id else "-",
            e.source.value,
            e.notice_version,
        )
        for e in session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.subscriber_id == person.id)
            .order_by(ConsentEvent.id.desc())
        )
    ]
    emails = [
        EmailLine(
            d.created_at,
            m.email_kind,
            topics.get(m.topic_id, "-") if m.topic_id else "-",
            d.status.value,
            d.failure_reason or "",
        )
        for d, m in session.execute(
            select(Delivery, Message)
            .join(Message, Message.id == Delivery.message_id)
            .where(Delivery.network_id == network_id, Delivery.subscriber_id == person.id)
            .order_by(Delivery.id.desc())
            .limit(email_limit)
        )
    ]
    memberships = list(
        session.scalars(
            select(Membership).where(Membership.subscriber_id == person.id).order_by(Membership.id.desc())
        )
    )
    return PersonRecord(person, memberships, subscriptions, consent, emails)
