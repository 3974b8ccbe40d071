"""Answers to meeting invitations: one reader's row, the places a meeting's Yes answers hold, its
waiting list in order, offers that lapsed, and the admin's list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, exists, func, or_, select, update
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from notifier.db.models import Meeting, MeetingAnswer, Subscriber
from notifier.domain.answers import HOLDS_A_PLACE, Answer, Place
from notifier.domain.sources import MeetingStatus
from notifier.repositories.rows import affected


def lock_meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting, locked until commit: answers to one meeting are counted and placed one at a time
    (SQLite's writers are serial anyway)."""
    return session.scalars(select(Meeting).where(Meeting.id == meeting_id).with_for_update()).one()


def get_answer(session: Session, meeting_id: int, subscriber_id: int) -> MeetingAnswer | None:
    return session.scalars(
        select(MeetingAnswer).where(
            MeetingAnswer.meeting_id == meeting_id, MeetingAnswer.subscriber_id == subscriber_id
        )
    ).one_or_none()


def places_held(session: Session, meeting_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                MeetingAnswer.meeting_id == meeting_id, MeetingAnswer.place.in_(HOLDS_A_PLACE)
            )
        )
        or 0
    )


def first_waiting(session: Session, meeting_id: int) -> MeetingAnswer | None:
    return session.scalars(
        select(MeetingAnswer)
        .where(MeetingAnswer.meeting_id == meeting_id, MeetingAnswer.place == Place.WAITING)
        .order_by(MeetingAnswer.waiting_since, MeetingAnswer.id)
        .limit(1)
    ).first()


def waiting_position(session: Session, answer: MeetingAnswer) -> int | None:
    if answer.place is not Place.WAITING or answer.waiting_since is None:
        return None
    ahead = session.scalar(
        select(func.count()).where(
            MeetingAnswer.meeting_id == answer.meeting_id,
            MeetingAnswer.place == Place.WAITING,
            (MeetingAnswer.waiting_since < answer.waiting_since)
            | ((MeetingAnswer.waiting_since == answer.waiting_since) & (MeetingAnswer.id < answer.id)),
        )
    )
    return int(ahead or 0) + 1


def lapsed_offers(session: Session, now: datetime) -> list[MeetingAnswer]:
    """Offers whose time ran out, of meetings still to come, in time order."""
    return list(
        session.scalars(
            select(MeetingAnswer)
            .join(Meeting, Meeting.id == MeetingAnswer.meeting_id)
            .where(
                MeetingAnswer.place == Place.OFFERED,
                MeetingAnswer.offer_expires_at <= now,
                Meeting.start_at > now,
            )
            .order_by(MeetingAnswer.offer_expires_at, MeetingAnswer.id)
        )
    )


def answers_with_people(
    session: Session, network_id: int, meeting_id: int
) -> list[tuple[MeetingAnswer, Subscriber]]:
    """Every answer to the meeting with who gave it: Yes first (places, then the waiting list in
    order), then Maybe, then No; names alphabetical within each."""
    rank = {Answer.YES: 0, Answer.MAYBE: 1, Answer.NO: 2}
    rows = session.execute(
        select(MeetingAnswer, Subscriber)
        .join(Subscriber, Subscriber.id == MeetingAnswer.subscriber_id)
        .where(MeetingAnswer.network_id == network_id, MeetingAnswer.meeting_id == meeting_id)
    ).tuples()
    place_rank = {Place.CONFIRMED: 0, Place.OFFERED: 1, Place.WAITING: 2, Place.LAPSED: 3, None: 4}
    return sorted(
        rows,
        key=lambda r: (
            rank[r[0].answer],
            place_rank[r[0].place],
            r[0].waiting_since or r[0].answered_at,
            r[1].name.lower(),
        ),
    )


def forget_access_needs(session: Session, meeting_id: int) -> int:
    """Delete the health data given with a meeting's answers (its minutes are out)."""
    result = session.execute(
        update(MeetingAnswer)
        .where(MeetingAnswer.meeting_id == meeting_id, MeetingAnswer.access_needs.is_not(None))
        .values(access_needs=None)
        .execution_options(synchronize_session="fetch")
    )
    return affected(result)


def _access_needs_held(network_id: int) -> tuple[ColumnElement[bool], ...]:
    return MeetingAnswer.network_id == network_id, MeetingAnswer.access_needs.is_not(None)


def access_needs_due(network_id: int, cutoff: datetime) -> Select[int]:
    """Answers holding health data past the rule: their meeting's minutes are out, it was cancelled,
    or it ended at or before the cutoff."""
    done = select(Meeting.id).where(
        Meeting.network_id == network_id,
        or_(
            Meeting.minutes_event_id.is_not(None),
            Meeting.status == MeetingStatus.CANCELLED,
            Meeting.end_at <= cutoff,
        ),
    )
    return select(MeetingAnswer.id).where(*_access_needs_held(network_id), MeetingAnswer.meeting_id.in_(done))


def clear_access_needs_due(session: Session, network_id: int, cutoff: datetime, limit: int) -> int:
    """Delete the health data of at most `limit` answers past the rule (the retention run)."""
    ids = list(session.scalars(access_needs_due(network_id, cutoff).order_by(MeetingAnswer.id).limit(limit)))
    if not ids:
        return 0
    result = session.execute(
        update(MeetingAnswer)
        .where(MeetingAnswer.id.in_(ids))
        .values(access_needs=None)
        .execution_options(synchronize_session=False)
    )
    return affected(result)


def next_access_needs_end(session: Session, network_id: int, cutoff: datetime) -> datetime | None:
    """The end of the first meeting still holding health data that is not yet due."""
    return session.scalar(
        select(func.min(Meeting.end_at))
        .join(MeetingAnswer, MeetingAnswer.meeting_id == Meeting.id)
        .where(
            *_access_needs_held(network_id),
            Meeting.minutes_event_id.is_(None),
            Meeting.status != MeetingStatus.CANCELLED,
            Meeting.end_at > cutoff,
        )
    )


def coming(network_id: int, meeting_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        MeetingAnswer.network_id == network_id,
        MeetingAnswer.meeting_id == meeting_id,
        MeetingAnswer.place == Place.CONFIRMED,
    )


def count_coming(session: Session, network_id: int, meeting_id: int) -> int:
    """The Yes list: readers who said Yes and hold a place (not those waiting or offered one)."""
    found = session.scalar(select(func.count()).where(*coming(network_id, meeting_id)))
    return int(found or 0)


def answered_no(meeting_id: int, subscriber_id: QueryableAttribute[int]) -> ColumnElement[bool]:
    """True for readers who said No to the meeting (reminders leave them out), in any statement."""
    return exists().where(
        MeetingAnswer.meeting_id == meeting_id,
        MeetingAnswer.subscriber_id == subscriber_id,
        MeetingAnswer.answer == Answer.NO,
    )
