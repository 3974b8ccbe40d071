"""The people a network holds, as its steering group sees them: everyone it sends email to (subscribers
and approved members) by default, narrowed by who they are (approved members, people asked to confirm,
people who left, restricted), by topic and how often, and searched by any part of a name, address or
department; and one person's whole record.

Search text is matched literally (`%`, `_` and `\\` escaped) and without regard to case, the same on
SQLite and PostgreSQL. The steering group holds these people's data already: searching by part of an
address ("hmrc") shows it nothing it could not read in the list. Viewing a person and exporting the
list are audited by the callers, with ids only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from notifier.db.models import ConsentEvent, Delivery, Membership, Message, Subscriber, Subscription, Topic
from notifier.domain.statuses import (
    ConsentAction,
    Frequency,
    MembershipStatus,
    SubscriberStatus,
    SubscriptionEndReason,
)
from notifier.services.common.scope import NetworkScope

PAGE_SIZE = 50
EXPORT_BATCH = 1000
QUERY_MAX = 320


class Who(StrEnum):
    """Whom the list shows: the default is everyone the network sends email to."""

    SUBSCRIBED = "subscribed"
    MEMBERS = "members"
    ASKED_TO_CONFIRM = "pending"
    LEFT = "left"
    RESTRICTED = "restricted"
    EVERYONE = "everyone"

    @property
    def label(self) -> str:
        return WHO_LABELS[self]


WHO_LABELS = {
    Who.SUBSCRIBED: "Everyone we send email to",
    Who.MEMBERS: "Approved members",
    Who.ASKED_TO_CONFIRM: "Asked to confirm by email",
    Who.LEFT: "Left (deleted 6 months after leaving)",
    Who.RESTRICTED: "Restricted (data kept, nothing sent)",
    Who.EVERYONE: "Everyone we hold",
}
STATUS_WORDS = {
    SubscriberStatus.ACTIVE: "Subscribed",
    SubscriberStatus.PENDING: "Asked to confirm",
    SubscriberStatus.LEFT: "Left",
    SubscriberStatus.RESTRICTED: "Restricted",
}
_WHO_STATUS = {
    Who.ASKED_TO_CONFIRM: SubscriberStatus.PENDING,
    Who.LEFT: SubscriberStatus.LEFT,
    Who.RESTRICTED: SubscriberStatus.RESTRICTED,
}


@dataclass(frozen=True)
class PeopleFilter:
    """What the members page asks for; unknown values fall back to the defaults."""

    query: str = ""
    who: Who = Who.SUBSCRIBED
    topic_id: int | None = None
    frequency: Frequency | None = None
    topic_slug: str = ""

    @classmethod
    def parse(
        cls, topics: Sequence[Topic], *, query: str = "", who: str = "", topic: str = "", frequency: str = ""
    ) -> PeopleFilter:
        by_slug = {t.slug: t.id for t in topics}
        return cls(
            query=" ".join(query.split())[:QUERY_MAX],
            who=Who(who) if who in Who._value2member_map_ else Who.SUBSCRIBED,
            topic_id=by_slug.get(topic),
            frequency=Frequency(frequency) if frequency in Frequency._value2member_map_ else None,
            topic_slug=topic if topic in by_slug else "",
        )

    def as_query(self) -> str:
        """The filter as a query string (for pagination and the CSV link); defaults left out."""
        fields = {
            "q": self.query,
            "who": "" if self.who is Who.SUBSCRIBED else self.who.value,
            "topic": self.topic_slug,
            "frequency": self.frequency.value if self.frequency else "",
        }
        return urlencode({k: v for k, v in fields.items() if v})


@dataclass(frozen=True)
class PersonRow:
    subscriber: Subscriber
    member_since: datetime | None

    @property
    def status(self) -> str:
        return STATUS_WORDS[self.subscriber.status]


@dataclass(frozen=True)
class PeoplePage:
    rows: list[PersonRow]
    total: int
    page: int
    pages: int


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search(query: str) -> ColumnElement[bool]:
    pattern = f"%{escape_like(query)}%"
    return or_(
        *(
            column.ilike(pattern, escape="\\")
            for column in (Subscriber.name, Subscriber.email, Subscriber.department)
        )
    )


def _subscribed(chosen: PeopleFilter) -> ColumnElement[bool]:
    """Has an active subscription to the topic and/or at the frequency asked for."""
    conditions = [Subscription.subscriber_id == Subscriber.id, Subscription.ended_at.is_(None)]
    if chosen.topic_id is not None:
        conditions.append(Subscription.topic_id == chosen.topic_id)
    if chosen.frequency is not None:
        conditions.append(Subscription.frequency == chosen.frequency)
    return exists().where(*conditions)


def _people_query(network_id: int, chosen: PeopleFilter) -> Select[Subscriber, datetime | None]:
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
    if chosen.who is Who.MEMBERS:
        statement = statement.where(Membership.id.is_not(None))
    elif chosen.who is Who.SUBSCRIBED:  # active, and something to send them: a topic or membership
        any_topic = exists().where(
            Subscription.subscriber_id == Subscriber.id, Subscription.ended_at.is_(None)
        )
        statement = statement.where(
            Subscriber.status == SubscriberStatus.ACTIVE, or_(any_topic, Membership.id.is_not(None))
        )
    elif chosen.who in _WHO_STATUS:
        statement = statement.where(Subscriber.status == _WHO_STATUS[chosen.who])
    if chosen.topic_id is not None or chosen.frequency is not None:
        statement = statement.where(_subscribed(chosen))
    if chosen.query:
        statement = statement.where(_search(chosen.query))
    return statement


def find_people(scope: NetworkScope, chosen: PeopleFilter, *, page: int = 1) -> PeoplePage:
    session = scope.session
    statement = _people_query(scope.network_id, chosen)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.execute(
        statement.order_by(Subscriber.name, Subscriber.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return PeoplePage([PersonRow(s, since) for s, since in rows], total, page, pages)


EXPORT_HEADER = ["name", "department", "email", "status", "member_since", "subscriber_since"]


def export_csv(
    session: Session, network_id: int, chosen: PeopleFilter, *, only: Sequence[int] | None = None
) -> Iterator[str]:
    """The list as CSV text, a batch of rows at a time (keyset on the id, so memory stays flat);
    `only` narrows it to the people an admin selected."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    last_id = 0
    statement = _people_query(network_id, chosen)
    if only is not None:
        statement = statement.where(Subscriber.id.in_(list(only)))
    while True:
        batch = session.execute(
            statement.where(Subscriber.id > last_id).order_by(Subscriber.id).limit(EXPORT_BATCH)
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


def selected_people(scope: NetworkScope, ids: Sequence[int]) -> list[Subscriber]:
    """The people an admin ticked, that are this network's, by name."""
    if not ids:
        return []
    chosen = scope.rows(Subscriber).where(Subscriber.id.in_(list(ids)))
    return list(scope.session.scalars(chosen.order_by(Subscriber.name, Subscriber.id)))


def safe_cell(value: str) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection): such text is quoted with '."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


ENDED_WORDS = {
    SubscriptionEndReason.UNSUBSCRIBED: "unsubscribed",
    SubscriptionEndReason.FREQUENCY_CHANGED: "changed how often (still subscribed)",
    SubscriptionEndReason.ONE_CLICK: "unsubscribed from their mail program",
    SubscriptionEndReason.SUPPRESSED: "their address stopped taking email",
    SubscriptionEndReason.ADMIN: "taken off by an admin",
    SubscriptionEndReason.MEMBERSHIP_ENDED: "membership ended",
}
CONSENT_WORDS = {
    ConsentAction.GRANTED: "agreed",
    ConsentAction.CHANGED: "changed how often",
    ConsentAction.WITHDRAWN: "withdrew",
}


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
    reason: str = ""  # why an admin recorded it on the person's behalf


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
            ENDED_WORDS[s.ended_reason] if s.ended_reason else None,
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
            CONSENT_WORDS[e.action],
            topics.get(e.topic_id, "-") if e.topic_id else "-",
            e.source.value,
            e.notice_version,
            e.reason or "",
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
