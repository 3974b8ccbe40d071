"""Digest queries: what each reader is owed (one INSERT ... SELECT of entries), who gets the digest
(one INSERT ... SELECT of deliveries), and what each reader's lists.

An item (a page or minutes) is owed to a reader when it came to a topic they were subscribed to at
the time and still are, it has been fanned out everywhere (so whoever takes email at once has their
delivery), and they have had it neither at once (a delivery of its event) nor in an earlier digest (an
entry). Each run takes what is owed to its readers then, so an item lands in exactly one email
whatever frequency the reader moves between: the next digest after a switch lists what they have not
had. Invitations, changes and cancellations went out at once; a digest with items also lists each
meeting they concerned, once, as it stands now.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from notifier.db.base import BigId, UTCDateTime
from notifier.db.models import (
    Delivery,
    DigestEntry,
    DigestRun,
    Event,
    Meeting,
    Message,
    Subscriber,
    Subscription,
)
from notifier.domain.sources import DIGEST_EMAIL_KINDS, DIGEST_MEETING_KINDS
from notifier.domain.statuses import EventKind, Frequency, MessageStatus
from notifier.repositories.deliveries import insert_queued, reachable_subscriber
from notifier.repositories.rows import affected

EXCERPT_CHARACTERS = 300
# How far back a run looks for what a reader is owed: past the longest period, so a reader who moves
# from weekly to daily gets the week's items in the next daily digest.
LOOKBACK = timedelta(days=14)
FANNED_OUT = (MessageStatus.SENDING, MessageStatus.DONE)
ENTRY_COLUMNS = ["network_id", "subscriber_id", "event_id", "message_id", "created_at"]


def get_run(
    session: Session, network_id: int, frequency: Frequency, period_start: datetime
) -> DigestRun | None:
    return session.scalars(
        select(DigestRun).where(
            DigestRun.network_id == network_id,
            DigestRun.frequency == frequency,
            DigestRun.period_start == period_start,
        )
    ).one_or_none()


def _earliest(session: Session, network_id: int, end: datetime) -> datetime:
    """Where a run's look back stops: LOOKBACK, or the end of the last run made before entries were
    recorded (what came before it was listed the old way)."""
    legacy = session.scalar(
        select(func.max(DigestRun.period_end)).where(
            DigestRun.network_id == network_id, DigestRun.lists_items.is_(False)
        )
    )
    return max(end - LOOKBACK, legacy) if legacy is not None else end - LOOKBACK


def _subscribed_when_it_came(reader: Any) -> Any:
    """The reader had a subscription of the topic (any frequency) when the message was made."""
    then = aliased(Subscription)
    return exists().where(
        then.subscriber_id == reader.subscriber_id,
        then.topic_id == reader.topic_id,
        then.started_at <= Message.created_at,
        or_(then.ended_at.is_(None), then.ended_at > Message.created_at),
    )


def _fanned_out_everywhere() -> Any:
    """Every message of the event has finished its fan-out: no one taking it at once is still waiting."""
    other = aliased(Message)
    return ~exists().where(other.event_id == Message.event_id, other.status.not_in(FANNED_OUT))


def _not_in_a_digest(reader: Any) -> Any:
    return ~exists().where(
        DigestEntry.subscriber_id == reader.subscriber_id, DigestEntry.event_id == Message.event_id
    )


def _insert_entries(session: Session, rows: Any) -> int:
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(DigestEntry)
    statement = insert.from_select(ENTRY_COLUMNS, rows).on_conflict_do_nothing()
    return affected(session.execute(statement, execution_options={"preserve_rowcount": True}))


def _entry_rows(message: Message, reader: Any, now: datetime, *conditions: Any) -> Any:
    return (
        select(
            literal(message.network_id, BigId),
            reader.subscriber_id,
            Message.event_id,
            literal(message.id, BigId),
            literal(now, UTCDateTime()),
        )
        .join(Message, and_(Message.topic_id == reader.topic_id, Message.network_id == message.network_id))
        .join(
            Subscriber,
            and_(Subscriber.id == reader.subscriber_id, Subscriber.network_id == message.network_id),
        )
        .where(
            reader.network_id == message.network_id,
            reader.ended_at.is_(None),
            _subscribed_when_it_came(reader),
            _fanned_out_everywhere(),
            _not_in_a_digest(reader),
            *reachable_subscriber(),
            *conditions,
        )
        .distinct()
    )


def record_entries(
    session: Session, message: Message, frequencies: Sequence[Frequency], end: datetime, now: datetime
) -> int:
    """Write the digest's entries: every item owed to readers with a subscription of `frequencies`,
    then, for those readers only, the meeting events on their topics of those frequencies not yet
    listed. Returns how many items (not meeting events) were entered."""
    reader = aliased(Subscription)
    window = (Message.created_at >= _earliest(session, message.network_id, end), Message.created_at < end)
    had_at_once = exists().where(
        Delivery.event_id == Message.event_id, Delivery.subscriber_id == reader.subscriber_id
    )
    items = _entry_rows(
        message,
        reader,
        now,
        reader.frequency.in_(frequencies),
        Message.email_kind.in_(DIGEST_EMAIL_KINDS),
        *window,
        ~had_at_once,
    )
    entered = _insert_entries(session, items)
    in_this_digest = aliased(DigestEntry)
    meetings = _entry_rows(
        message,
        reader,
        now,
        reader.frequency.in_([f for f in frequencies if f is not Frequency.IMMEDIATE]),
        Message.email_kind.in_(DIGEST_MEETING_KINDS),
        *window,
        exists().where(
            in_this_digest.message_id == message.id, in_this_digest.subscriber_id == reader.subscriber_id
        ),
    )
    _insert_entries(session, meetings)
    return entered


def insert_recipients(session: Session, message: Message, now: datetime) -> int:
    """One delivery per reader with an entry in this digest."""
    return insert_queued(
        session,
        message,
        DigestEntry.subscriber_id,
        DigestEntry.message_id == message.id,
        DigestEntry.network_id == message.network_id,
        now=now,
        distinct=True,
    )


def _entries(session: Session, message: Message, subscriber_id: int) -> list[Event]:
    """The reader's entries in this digest whose event still reaches one of their topics (a reader who
    unsubscribed since the run is not sent what they left)."""
    current = select(Subscription.topic_id).where(
        Subscription.subscriber_id == subscriber_id, Subscription.ended_at.is_(None)
    )
    still_theirs = exists().where(Message.event_id == Event.id, Message.topic_id.in_(current))
    return list(
        session.scalars(
            select(Event)
            .join(DigestEntry, DigestEntry.event_id == Event.id)
            .where(
                DigestEntry.message_id == message.id,
                DigestEntry.subscriber_id == subscriber_id,
                Event.network_id == message.network_id,
                still_theirs,
            )
            .order_by(Event.id)
        )
    )


def items_for(session: Session, message: Message, subscriber_id: int) -> list[dict[str, Any]]:
    """The reader's pages and minutes in this digest, in order: each page once (its newest version)."""
    items: dict[str, dict[str, Any]] = {}
    for event in _entries(session, message, subscriber_id):
        if event.kind is EventKind.MEETING:
            continue
        key, item = _item(event)
        items.pop(key, None)  # a later revision of a page replaces the earlier one, in its place
        items[key] = item
    return list(items.values())


def meetings_for(session: Session, message: Message, subscriber_id: int) -> list[Meeting]:
    """The meetings this digest mentions to the reader, each once, in start order."""
    ids = {
        int(event.payload["meeting_id"])
        for event in _entries(session, message, subscriber_id)
        if event.kind is EventKind.MEETING and "meeting_id" in event.payload
    }
    if not ids:
        return []
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.network_id == message.network_id, Meeting.id.in_(ids))
            .order_by(Meeting.start_at, Meeting.id)
        )
    )


def first_times(session: Session, meeting: Meeting) -> tuple[str, str] | None:
    """The start and end the invitation gave (ISO text), to tell a moved meeting."""
    event = session.scalars(
        select(Event).where(
            Event.network_id == meeting.network_id, Event.source_key == f"meeting:{meeting.id}:meeting:0"
        )
    ).one_or_none()
    if event is None:
        return None
    return str(event.payload["start"]), str(event.payload["end"])


def _item(event: Event) -> tuple[str, dict[str, Any]]:
    payload = event.payload
    if event.kind is EventKind.CONTENT:
        excerpt = payload.get("excerpt") or None
        return payload["url"], {"title": payload["title"], "url": payload["url"], "excerpt": excerpt}
    url = payload.get("minutes_url") or payload.get("meeting_url")
    return f"event:{event.id}", {"title": f"Minutes: {payload['meeting_title']}", "url": url, "excerpt": None}
