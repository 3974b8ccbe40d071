"""Answers to meeting invitations (RSVP) by each reader's signed link.

Opening a link (GET) only shows the meeting with the answer preselected: mail scanners open every
link, so nothing is saved until the reader presses the button (a POST with a CSRF token). An answer
can change until the meeting's deadline (its start when none is set). With a capacity, a Yes takes a
place while there is room and otherwise waits in order; a place freed by a change of answer is
offered to the first who waits, by email, for `offer_time`; an offer not taken in time lapses and
passes on (beat, `expire_offers`). Answers to the optional question are health data: only admins
see them, and they are deleted when the meeting's minutes are published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import Meeting, MeetingAnswer, Network, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.answers import Answer, Place
from notifier.domain.sources import MeetingStatus
from notifier.rendering.emails import EmailKind
from notifier.repositories import answers as answer_repo
from notifier.repositories import meetings as meeting_repo
from notifier.services.common import audit
from notifier.services.common.tokens import InvalidToken
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.sources.calendar import MeetingLinks
from notifier.services.sources.meeting_rules import AnswerRules, check_answer_rules, refuse_closed
from notifier.services.sources.meetings import SourceDeps

ACCESS_NEEDS_LIMIT = 1000


class AnswerRefused(ValueError):
    """The answer cannot be taken; `gone` for a link that leads nowhere (404), else the meeting is
    closed to answers (409) or the input is wrong (400, `field` names it)."""

    def __init__(self, field: str, message: str, *, gone: bool = False, closed: bool = False) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.gone, self.closed = field, message, gone, closed


@dataclass(frozen=True)
class AnswerPage:
    """What the answer page shows one reader."""

    network: Network
    meeting: Meeting
    chosen: Answer | None  # preselected: the link's choice, else their saved answer
    saved: MeetingAnswer | None
    waiting_position: int | None
    open_until: datetime
    is_open: bool
    saved_now: bool = False


def _reader(uow: UnitOfWork, links: MeetingLinks, token: str) -> tuple[Network, Meeting, Subscriber]:
    try:
        ref = links.read_answer(token)
    except InvalidToken as exc:
        raise AnswerRefused("link", "this answer link is not valid or is too old", gone=True) from exc
    session = uow.session
    meeting = meeting_repo.get_meeting(session, ref.network_id, ref.meeting_id)
    person = session.get(Subscriber, ref.subscriber_id)
    if meeting is None or person is None or person.network_id != ref.network_id:
        raise AnswerRefused("link", "this meeting or invitation no longer exists", gone=True)
    if not meeting_repo.is_invited(session, meeting, person.id):
        raise AnswerRefused("link", "this invitation no longer reaches you", gone=True)
    return session.get_one(Network, meeting.network_id), meeting, person


def open_until(meeting: Meeting) -> datetime:
    return meeting.answers_until or meeting.start_at


def _is_open(meeting: Meeting, now: datetime) -> bool:
    return meeting.status is MeetingStatus.SCHEDULED and now < open_until(meeting)


def _choice(value: str) -> Answer | None:
    return next((a for a in Answer if a.value == value), None)


def _page(
    session: Session,
    network: Network,
    meeting: Meeting,
    saved: MeetingAnswer | None,
    chosen: Answer | None,
    *,
    saved_now: bool = False,
) -> AnswerPage:
    position = answer_repo.waiting_position(session, saved) if saved is not None else None
    return AnswerPage(
        network, meeting, chosen or (saved.answer if saved else None), saved, position,
        open_until(meeting), _is_open(meeting, utcnow()), saved_now,
    )  # fmt: skip


def show_answer(uow: UnitOfWork, links: MeetingLinks, token: str, choice: str) -> AnswerPage:
    """The answer page for a link, with `choice` preselected. Saves nothing."""
    network, meeting, person = _reader(uow, links, token)
    saved = answer_repo.get_answer(uow.session, meeting.id, person.id)
    return _page(uow.session, network, meeting, saved, _choice(choice))


def save_answer(
    uow: UnitOfWork, deps: SourceDeps, token: str, choice: str, access_needs: str = ""
) -> AnswerPage:
    """Save the reader's answer (the page's button): places, the waiting list and offers follow."""
    network, meeting, person = _reader(uow, deps.meeting_links, token)
    answer = _choice(choice)
    if answer is None:
        raise AnswerRefused("choice", "Select yes, no or maybe")
    needs = access_needs.strip()
    if len(needs) > ACCESS_NEEDS_LIMIT:
        raise AnswerRefused("access_needs", f"Your answer must be {ACCESS_NEEDS_LIMIT} characters or fewer")
    session, now = uow.session, utcnow()
    meeting = answer_repo.lock_meeting(session, meeting.id)
    if not _is_open(meeting, now):
        raise AnswerRefused("choice", "answers to this meeting have closed", closed=True)
    row = answer_repo.get_answer(session, meeting.id, person.id)
    if row is None:
        row = MeetingAnswer(
            network_id=meeting.network_id,
            meeting_id=meeting.id,
            subscriber_id=person.id,
            answer=answer,
            answered_at=now,
        )
        session.add(row)
    freed = _place(session, meeting, row, answer, now)
    row.answer, row.updated_at = answer, now
    row.access_needs = needs if meeting.access_question and answer is not Answer.NO and needs else None
    session.flush()
    if freed:
        offer_next(uow, deps, meeting, now)
    return _page(session, network, meeting, row, answer, saved_now=True)


def _place(session: Session, meeting: Meeting, row: MeetingAnswer, answer: Answer, now: datetime) -> bool:
    """Set the row's place for its new answer; True when a place was given up."""
    held = row.place in (Place.CONFIRMED, Place.OFFERED) if row.id is not None else False
    if answer is not Answer.YES:
        row.place, row.waiting_since, row.offer_expires_at = None, None, None
        return held
    if row.id is not None and row.place in (Place.CONFIRMED, Place.WAITING):
        return False  # the same Yes again: nothing moves
    if row.place is Place.OFFERED or meeting.capacity is None:
        row.place, row.offer_expires_at = Place.CONFIRMED, None
    elif answer_repo.places_held(session, meeting.id) < meeting.capacity:
        row.place = Place.CONFIRMED
    else:
        row.place, row.waiting_since = Place.WAITING, now
    return False


def offer_next(uow: UnitOfWork, deps: SourceDeps, meeting: Meeting, now: datetime) -> int | None:
    """Offer a free place to the first who waits, by email; returns their subscriber id."""
    if meeting.capacity is not None and answer_repo.places_held(uow.session, meeting.id) >= meeting.capacity:
        return None
    first = answer_repo.first_waiting(uow.session, meeting.id)
    if first is None:
        return None
    first.place, first.offer_expires_at = Place.OFFERED, now + deps.offer_time
    uow.session.flush()
    person = uow.session.get_one(Subscriber, first.subscriber_id)
    context = {
        "meeting_id": meeting.id,  # the composer signs the reader's own answer link with it
        "title": meeting.title,
        "start": meeting.start_at.isoformat(),
        "end": meeting.end_at.isoformat(),
        "location": meeting.location or None,
        "answer_url": deps.meeting_links.answers_url(meeting),
        "offer_expires_at": first.offer_expires_at.isoformat(),
    }
    queue_one_email(uow, deps.queue, person, EmailKind.MEETING_PLACE, context, now=now)
    return person.id


def set_answer_rules(
    uow: UnitOfWork, deps: SourceDeps, meeting: Meeting, rules: AnswerRules, *, actor: str
) -> int:
    """Change how a meeting still to come takes answers (meeting_rules.AnswerRules). Places a raised
    (or removed) capacity frees are offered to the waiting list in order, by email; returns how many.
    A lowered capacity takes no place back: new Yes answers wait until enough are given up. Taking the
    question away deletes the answers given to it (health data kept no longer than it is asked for)."""
    now = utcnow()
    refuse_closed(meeting, now)
    checked = check_answer_rules(rules, meeting.start_at)
    meeting = answer_repo.lock_meeting(uow.session, meeting.id)
    meeting.capacity, meeting.answers_until = checked.capacity, checked.answers_until
    meeting.access_question, meeting.updated_at = checked.access_question, now
    uow.session.flush()
    if not checked.access_question:
        answer_repo.forget_access_needs(uow.session, meeting.id)
    offered = 0
    while offer_next(uow, deps, meeting, now) is not None:
        offered += 1
    audit.record(
        uow.session, meeting.network_id, actor, "meeting.answer_rules", "meeting", meeting.id,
        capacity=checked.capacity, question=bool(checked.access_question), offered=offered,
    )  # fmt: skip
    return offered


def expire_offers(uow: UnitOfWork, deps: SourceDeps, now: datetime) -> int:
    """Offers not taken in time lapse, and each place passes to the next who waits (beat)."""
    lapsed = answer_repo.lapsed_offers(uow.session, now)
    for row in lapsed:
        meeting = answer_repo.lock_meeting(uow.session, row.meeting_id)
        row.place, row.offer_expires_at, row.updated_at = Place.LAPSED, None, now
        uow.session.flush()
        offer_next(uow, deps, meeting, now)
    return len(lapsed)


def partstat(session: Session, meeting_id: int, subscriber_id: int) -> str:
    """The reader's PARTSTAT for their calendar file: NEEDS-ACTION until they answer."""
    row = answer_repo.get_answer(session, meeting_id, subscriber_id)
    return row.answer.partstat if row is not None else "NEEDS-ACTION"
