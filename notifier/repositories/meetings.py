"""Meetings, their invitees, and the deliveries of a message to a meeting's invitee list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from notifier.db.base import BigId, UTCDateTime
from notifier.db.models import Delivery, Meeting, MeetingInvitee, Message, Subscriber, Suppression
from notifier.domain.sources import MeetingStatus
from notifier.domain.statuses import DeliveryStatus, SubscriberStatus
from notifier.repositories.rows import affected


def get_meeting(session: Session, network_id: int, meeting_id: int) -> Meeting | None:
    meeting = session.get(Meeting, meeting_id)
    return meeting if meeting is not None and meeting.network_id == network_id else None


def list_meetings(session: Session, network_id: int, limit: int = 100) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.network_id == network_id)
            .order_by(Meeting.start_at.desc())
            .limit(limit)
        )
    )


def invitee_ids(session: Session, meeting_id: int) -> list[int]:
    return list(
        session.scalars(
            select(MeetingInvitee.subscriber_id)
            .where(MeetingInvitee.meeting_id == meeting_id)
            .order_by(MeetingInvitee.subscriber_id)
        )
    )


def insert_invitee_deliveries(session: Session, message: Message, meeting_id: int, now: datetime) -> int:
    """One delivery per active, unsuppressed invitee; skips anyone the event already reaches."""
    rows = (
        select(
            literal(message.network_id, BigId),
            literal(message.id, BigId),
            literal(message.event_id, BigId),
            MeetingInvitee.subscriber_id,
            literal(DeliveryStatus.QUEUED.value),
            literal(0),
            literal(now, UTCDateTime()),
            literal(now, UTCDateTime()),
        )
        .join(
            Subscriber,
            and_(
                Subscriber.id == MeetingInvitee.subscriber_id,
                Subscriber.network_id == MeetingInvitee.network_id,
            ),
        )
        .where(
            MeetingInvitee.meeting_id == meeting_id,
            Subscriber.status == SubscriberStatus.ACTIVE,
            ~exists().where(
                Suppression.network_id == Subscriber.network_id,
                Suppression.email_hash == Subscriber.email_hash,
            ),
        )
    )
    columns = [
        "network_id",
        "message_id",
        "event_id",
        "subscriber_id",
        "status",
        "attempts",
        "created_at",
        "updated_at",
    ]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Delivery)
    return affected(session.execute(insert.from_select(columns, rows).on_conflict_do_nothing()))


def reminder_candidates(session: Session, now: datetime, horizon: datetime) -> list[Meeting]:
    """Scheduled meetings starting between now and the horizon whose reminder has not gone."""
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.reminder_sent_at.is_(None),
                Meeting.start_at > now,
                Meeting.start_at <= horizon,
            )
            .order_by(Meeting.id)
        )
    )


def mark_reminded(session: Session, meeting_id: int, now: datetime) -> bool:
    """The claim on a reminder: only one caller sees True."""
    statement = (
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.reminder_sent_at.is_(None))
        .values(reminder_sent_at=now)
    )
    return affected(session.execute(statement)) == 1
