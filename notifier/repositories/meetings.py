"""Meetings, their invitees, and the deliveries of a message to a meeting's invitee list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notifier.db.models import Meeting, MeetingInvitee, Message
from notifier.domain.sources import MeetingStatus
from notifier.repositories.deliveries import insert_queued
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
    return insert_queued(
        session,
        message,
        MeetingInvitee.subscriber_id,
        MeetingInvitee.meeting_id == meeting_id,
        MeetingInvitee.network_id == message.network_id,
        now=now,
    )


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
