"""Meetings, their invitees, who a meeting's audience reaches, and the deliveries of a message to a
meeting's invitee list or, for a change of audience, to a topic's newly reached subscribers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, false, func, or_, select, update
from sqlalchemy.orm import QueryableAttribute, Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from notifier.db.models import Meeting, MeetingAnswer, MeetingInvitee, Message, Subscriber, Subscription
from notifier.domain.sources import MeetingStatus
from notifier.repositories.answers import answered_no, coming
from notifier.repositories.deliveries import insert_queued, reachable_subscriber
from notifier.repositories.rows import affected


@dataclass(frozen=True)
class AudienceIds:
    """A meeting's audience: the subscribers of its topics (every frequency: meeting email is urgent)
    and its named invitees."""

    topic_ids: tuple[int, ...]
    invitee_ids: tuple[int, ...]

    def reaches(self, subscriber_id: ColumnElement[int] | QueryableAttribute[int]) -> ColumnElement[bool]:
        """True for the subscriber ids this audience reaches, in any statement (correlated)."""
        subscribed = aliased(Subscription)  # the statement may be reading subscriptions itself
        either: list[ColumnElement[bool]] = []
        if self.topic_ids:
            either.append(
                exists().where(
                    subscribed.subscriber_id == subscriber_id,
                    subscribed.topic_id.in_(self.topic_ids),
                    subscribed.ended_at.is_(None),
                )
            )
        if self.invitee_ids:
            either.append(subscriber_id.in_(self.invitee_ids))
        return or_(false(), *either)


def audience_of(session: Session, meeting: Meeting) -> AudienceIds:
    return AudienceIds(tuple(meeting.topic_ids), tuple(invitee_ids(session, meeting.id)))


def count_reached(session: Session, network_id: int, audience: AudienceIds, unless: AudienceIds) -> int:
    """How many people an email to `audience` would reach who are not in `unless`: active and
    unsuppressed, each once, as the delivery rows will be written."""
    statement = select(func.count(Subscriber.id)).where(
        Subscriber.network_id == network_id,
        audience.reaches(Subscriber.id),
        ~unless.reaches(Subscriber.id),
        *reachable_subscriber(),
    )
    return int(session.scalar(statement) or 0)


def is_invited(session: Session, meeting: Meeting, subscriber_id: int) -> bool:
    """Whether the meeting's audience reaches this person now (their calendar file says so)."""
    named = MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.subscriber_id == subscriber_id
    subscribed = (
        Subscription.subscriber_id == subscriber_id,
        Subscription.topic_id.in_(meeting.topic_ids),
        Subscription.ended_at.is_(None),
    )
    return bool(session.scalar(select(or_(exists().where(*named), exists().where(*subscribed)))))


def replace_invitees(session: Session, meeting: Meeting, subscriber_ids: Sequence[int]) -> None:
    """The meeting's named invitees become exactly these people."""
    keep = set(subscriber_ids)
    session.execute(
        delete(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.subscriber_id.not_in(keep)
        )
    )
    session.add_all(
        MeetingInvitee(network_id=meeting.network_id, meeting_id=meeting.id, subscriber_id=subscriber_id)
        for subscriber_id in sorted(keep - set(invitee_ids(session, meeting.id)))
    )
    session.flush()


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


def insert_invitee_deliveries(
    session: Session,
    message: Message,
    meeting_id: int,
    now: datetime,
    *,
    only: Sequence[int] | None = None,
    unless: AudienceIds | None = None,
) -> int:
    """One delivery per active, unsuppressed invitee (`only` these, none `unless` reaches); skips
    anyone the event already reaches, and for a reminder anyone who said No."""
    conditions = [MeetingInvitee.meeting_id == meeting_id, MeetingInvitee.network_id == message.network_id]
    if message.email_kind == "meeting_reminder":
        conditions.append(~answered_no(meeting_id, MeetingInvitee.subscriber_id))
    if only is not None:
        conditions.append(MeetingInvitee.subscriber_id.in_(only))
    if unless is not None:
        conditions.append(~unless.reaches(MeetingInvitee.subscriber_id))
    return insert_queued(session, message, MeetingInvitee.subscriber_id, *conditions, now=now)


def insert_topic_deliveries(
    session: Session, message: Message, topic_id: int, now: datetime, *, unless: AudienceIds
) -> int:
    """One delivery per subscriber of the topic (every frequency) whom `unless` does not reach: the
    people a change of audience adds or drops. One INSERT ... SELECT, like the invitees'."""
    return insert_queued(
        session,
        message,
        Subscription.subscriber_id,
        Subscription.network_id == message.network_id,
        Subscription.topic_id == topic_id,
        Subscription.ended_at.is_(None),
        ~unless.reaches(Subscription.subscriber_id),
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


def raise_sequence_of_upcoming(session: Session, network_id: int, now: datetime) -> int:
    """A new SEQUENCE (and DTSTAMP) for the network's meetings still to come that stand: their
    calendar files changed (a new organiser), so calendars must replace what they hold."""
    statement = (
        update(Meeting)
        .where(
            Meeting.network_id == network_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.end_at > now,
        )
        .values(sequence=Meeting.sequence + 1, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return affected(session.execute(statement))


def insert_coming_deliveries(session: Session, message: Message, meeting_id: int, now: datetime) -> int:
    """One delivery of `message` per reader on the meeting's Yes list (active, unsuppressed), in one
    INSERT ... SELECT."""
    yes_list = coming(message.network_id, meeting_id)
    return insert_queued(session, message, MeetingAnswer.subscriber_id, *yes_list, now=now)
