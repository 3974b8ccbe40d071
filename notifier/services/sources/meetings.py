"""Meetings: the invitation (with a calendar file), updates and the cancellation (same UID, higher
SEQUENCE), a reminder before the start, and the minutes afterwards, each sent to the meeting's
audience: subscribers of its topics and/or a list of invitees (subscribers of the network).

This module does each step; whether a step happens at once or waits for a second person's approval
on a sign-off network is `meeting_changes.py`'s decision, which is where callers start."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.models import Event, Meeting, MeetingInvitee, Message, Network, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.sources import MeetingStatus
from notifier.domain.statuses import EventKind, Lane, MessageStatus
from notifier.repositories import answers as answer_repo
from notifier.repositories import meetings as meeting_repo
from notifier.repositories import networks as network_repo
from notifier.services.archive.recording import record_event, record_meeting
from notifier.services.common import audit
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.direct_sends import enqueue_sends
from notifier.services.sources.calendar import MeetingLinks
from notifier.services.sources.meeting_rules import (
    EDITABLE,
    AnswerRules,
    MeetingDetails,
    MeetingError,
    NotHeld,
    check,
    check_answer_rules,
    current_details,
    describe_changes,
    not_held,
    patched,
    refuse_closed,
    refuse_past_start,
    url_origin,
)
from notifier.services.sources.organiser import MISSING, organiser_address

__all__ = ["Audience", "MeetingDetails", "MeetingError", "MeetingUpdate", "PlannedUpdate", "SourceDeps"]
LONGEST_REMINDER = timedelta(days=14)
# A reminder that would fall within this time of the email giving the meeting's time is not sent:
# the reader has only just been told.
REMINDER_QUIET_AFTER_NOTICE = timedelta(hours=1)


@dataclass(frozen=True)
class SourceDeps:
    """What the event sources need besides a unit of work."""

    queue: TaskQueue
    meeting_links: MeetingLinks
    chunk_size: int
    reminder_minutes: int
    longest_meeting: timedelta
    offer_time: timedelta  # how long a freed place is offered to the first who waits

    @classmethod
    def from_settings(cls, settings: Settings, queue: TaskQueue) -> SourceDeps:
        return cls(
            queue,
            MeetingLinks.from_settings(settings),
            settings.send_chunk_size,
            settings.meeting_reminder_minutes,
            timedelta(hours=settings.meeting_max_hours),
            timedelta(hours=settings.meeting_place_offer_hours),
        )


@dataclass(frozen=True)
class Audience:
    topics: list[str] = field(default_factory=list)  # topic slugs
    invitees: list[str] = field(default_factory=list)  # subscribers' work email addresses


@dataclass(frozen=True)
class MeetingUpdate:
    meeting: Meeting
    changes: list[str]  # one line per field that changed, as the update email lists them
    notes: list[str]  # how an ambiguous London time was read
    approval_request_id: int | None = None  # set when it waits for a second person instead


def audience_ids(session: Session, network: Network, audience: Audience) -> tuple[list[int], list[int]]:
    topic_ids = []
    for slug in audience.topics:
        topic = network_repo.get_topic_by_slug(session, network.id, slug)
        if topic is None:
            raise MeetingError("topics", f"{network.slug} has no topic called {slug!r}")
        topic_ids.append(topic.id)
    emails = sorted({e.strip().lower() for e in audience.invitees if e.strip()})
    found = dict(
        session.execute(
            select(Subscriber.email, Subscriber.id).where(
                Subscriber.network_id == network.id, Subscriber.email.in_(emails)
            )
        ).all()
    )
    if missing := [e for e in emails if e not in found]:
        raise MeetingError("invitees", f"{len(missing)} address(es) are not subscribers of this network")
    if not topic_ids and not found:
        raise MeetingError("topics", "give topics, invitees, or both")
    return topic_ids, sorted(found.values())


def new_meeting(
    uow: UnitOfWork,
    deps: SourceDeps,
    network: Network,
    details: MeetingDetails,
    audience: Audience,
    *,
    status: MeetingStatus,
    reminder_minutes: int | None = None,
    answers: AnswerRules | None = None,
) -> Meeting:
    """The meeting and its invitees, checked and stored; nothing is sent (`send_invitation` does it)."""
    checked = check(details, longest=deps.longest_meeting).details
    rules = check_answer_rules(answers or AnswerRules(), checked.start)
    refuse_past_start(checked.start, utcnow())
    if organiser_address(network) is None:
        raise MeetingError("organiser", MISSING)
    topic_ids, invitees = audience_ids(uow.session, network, audience)
    if reminder_minutes is not None and not 5 <= reminder_minutes <= LONGEST_REMINDER.total_seconds() // 60:
        raise MeetingError("reminder_minutes", "must be between 5 minutes and 14 days")
    now = utcnow()
    meeting = Meeting(
        network_id=network.id,
        uid=f"{uuid.uuid4()}@notifier",
        sequence=0,
        title=checked.title,
        start_at=checked.start,
        end_at=checked.end,
        location=checked.location,
        online_url=checked.online_url,
        agenda=checked.agenda,
        topic_ids=topic_ids,
        status=status,
        reminder_minutes=reminder_minutes or deps.reminder_minutes,
        time_announced_at=now,
        capacity=rules.capacity,
        answers_until=rules.answers_until,
        access_question=rules.access_question,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(meeting)
    uow.session.flush()
    uow.session.add_all(
        MeetingInvitee(network_id=network.id, meeting_id=meeting.id, subscriber_id=i) for i in invitees
    )
    uow.session.flush()
    return meeting


def send_invitation(uow: UnitOfWork, deps: SourceDeps, meeting: Meeting) -> None:
    """Invite the meeting's audience (at once, or once its invitation is approved)."""
    now = utcnow()
    refuse_past_start(meeting.start_at, now)
    meeting.status = MeetingStatus.SCHEDULED
    meeting.updated_at = meeting.time_announced_at = now  # the invitation gives its time
    uow.session.flush()
    _send(uow, deps, meeting, "meeting", note=None)


@dataclass(frozen=True)
class PlannedUpdate:
    checked: MeetingDetails
    lines: list[str]  # what the update email lists
    fields: set[str]  # the fields that change
    notes: list[str]  # how an ambiguous London time was read


def plan_update(
    meeting: Meeting, changes: dict[str, Any], now: datetime, *, longest: timedelta | None
) -> PlannedUpdate:
    """The update `changes` make, checked; nothing is written. `longest`: the longest a meeting may
    last (None: a waiting request's email, whose length was checked when it was asked for and is
    checked again when it is applied)."""
    refuse_closed(meeting, now)
    result = check(patched(meeting, changes), longest=longest or timedelta.max)
    checked, old = result.details, current_details(meeting)
    lines = describe_changes(old, checked)
    if not lines:
        raise MeetingError("meeting", "nothing has changed: every field sent has its current value")
    if checked.start != old.start:
        refuse_past_start(checked.start, now)
    return PlannedUpdate(checked, lines, _changed_fields(old, checked), result.notes)


def update_words(lines: list[str], note: str) -> str:
    """The update email's note: what changed, then the admin's own words."""
    return "\n".join([*lines, *([note.strip()] if note.strip() else [])])


def apply_update(
    uow: UnitOfWork,
    deps: SourceDeps,
    meeting: Meeting,
    changes: dict[str, Any],
    *,
    note: str,
    actor: str,
    **audited: str | None,
) -> MeetingUpdate:
    """Change only the fields in `changes`; the update email lists exactly what changed."""
    now = utcnow()
    plan = plan_update(meeting, changes, now, longest=deps.longest_meeting)
    checked, old = plan.checked, current_details(meeting)
    if checked.start != old.start:
        meeting.reminder_sent_at = None  # remind again before the new start
        meeting.time_announced_at = now
        if meeting.answers_until is not None and meeting.answers_until > checked.start:
            meeting.answers_until = checked.start  # answers never stay open past the start
    meeting.title, meeting.start_at, meeting.end_at = checked.title, checked.start, checked.end
    meeting.location, meeting.online_url, meeting.agenda = (
        checked.location,
        checked.online_url,
        checked.agenda,
    )
    meeting.sequence += 1
    meeting.updated_at = now
    uow.session.flush()
    _send(uow, deps, meeting, "meeting_update", note=update_words(plan.lines, note))
    audit.record(
        uow.session, meeting.network_id, actor, "meeting.update", "meeting", meeting.id,
        fields=",".join(sorted(plan.fields)), **audited,
    )  # fmt: skip
    return MeetingUpdate(meeting, plan.lines, plan.notes)


def _changed_fields(old: MeetingDetails, new: MeetingDetails) -> set[str]:
    return {name for name in EDITABLE if getattr(old, name) != getattr(new, name)}


def refuse_cancel(meeting: Meeting, now: datetime) -> None:
    if meeting.status is MeetingStatus.CANCELLED:
        raise MeetingError("meeting", "is already cancelled", conflict=True)
    if meeting.end_at <= now:
        raise MeetingError("meeting", "has already been held; there is nothing to cancel", conflict=True)
    if meeting.minutes_event_id is not None:
        raise MeetingError("meeting", "has its minutes published, so it was held", conflict=True)


def apply_cancel(
    uow: UnitOfWork, deps: SourceDeps, meeting: Meeting, *, note: str, actor: str, **audited: str | None
) -> Meeting:
    """Cancel it and tell everyone invited; a meeting nobody was invited to yet is cancelled silently."""
    refuse_cancel(meeting, utcnow())
    invited = meeting.status is MeetingStatus.SCHEDULED
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    uow.session.flush()
    if invited:
        _send(uow, deps, meeting, "meeting_cancelled", note=note.strip() or None)
    audit.record(uow.session, meeting.network_id, actor, "meeting.cancel", "meeting", meeting.id,
                 emailed=invited, **audited)  # fmt: skip
    return meeting


def check_minutes(
    network: Network, meeting: Meeting, *, url: str, body: str, held_override: bool, now: datetime
) -> str | None:
    """Refuse minutes that cannot go; say why the meeting does not count as held (None: it was)."""
    if meeting.minutes_event_id is not None:
        raise MeetingError("minutes", "have already been published for this meeting", conflict=True)
    reason = not_held(meeting, now)
    if reason and not held_override:
        raise NotHeld(reason)
    if meeting.status is MeetingStatus.AWAITING_APPROVAL:
        raise MeetingError("meeting", "was never approved, so nobody was invited to it", conflict=True)
    if url and url_origin(url) != ("https", urlsplit(network.site_url).netloc):
        raise MeetingError("minutes_url", f"must be an https page on the network's site {network.site_url}")
    if not url and not body.strip():
        raise MeetingError("minutes_body", "give the minutes' text, a link to them, or both")
    return reason


def minutes_context(meeting: Meeting, links: MeetingLinks, *, url: str, body: str) -> dict[str, Any]:
    return {
        "meeting_title": meeting.title,
        "meeting_date": meeting.start_at.isoformat(),
        "minutes_url": url or None,
        "minutes_body": body.strip() or None,
        "meeting_url": links.page_url(meeting),
    }


def apply_minutes(
    uow: UnitOfWork,
    deps: SourceDeps,
    network: Network,
    meeting: Meeting,
    *,
    url: str,
    body: str,
    actor: str,
    held_override: bool = False,
    **audited: str | None,
) -> Event:
    """Minutes of a meeting that was held (it ended and was not cancelled), unless an admin
    overrides that explicitly; the override is kept in the audit record."""
    reason = check_minutes(network, meeting, url=url, body=body, held_override=held_override, now=utcnow())
    context = minutes_context(meeting, deps.meeting_links, url=url, body=body)
    event = add_event(uow, meeting, EventKind.MINUTES, f"meeting:{meeting.id}:minutes", context)
    record_event(uow.session, network.id, event.id, "minutes", context, list(meeting.topic_ids))
    meeting.minutes_event_id = event.id
    # Answers to the meeting's question are health data, kept only until the minutes are out.
    forgotten = answer_repo.forget_access_needs(uow.session, meeting.id)
    _messages(uow, deps, meeting, event, "minutes", context)
    audit.record(
        uow.session, network.id, actor, "meeting.minutes", "meeting", meeting.id,
        held_override=bool(reason), not_held=reason, access_needs_deleted=forgotten, **audited,
    )  # fmt: skip
    return event


def reminder_due_at(meeting: Meeting) -> datetime | None:
    """When the meeting's reminder goes, or None when it would fall less than an hour after the email
    that gave the meeting's current time (the invitation, or the update that moved it)."""
    due = meeting.start_at - timedelta(minutes=meeting.reminder_minutes)
    announced = meeting.time_announced_at or meeting.created_at
    return None if due < announced + REMINDER_QUIET_AFTER_NOTICE else due


def send_due_reminders(uow: UnitOfWork, deps: SourceDeps, now: datetime) -> list[int]:
    """Send each reminder whose time has come, in the caller's unit of work; returns the meetings."""
    reminded = []
    for meeting in meeting_repo.reminder_candidates(uow.session, now, now + LONGEST_REMINDER):
        due = reminder_due_at(meeting)
        if due is None or due > now:
            continue
        if meeting_repo.mark_reminded(uow.session, meeting.id, now):
            _send(uow, deps, meeting, "meeting_reminder", note=None)
            reminded.append(meeting.id)
    return reminded


ANSWERED_IN = frozenset({"meeting", "meeting_update", "meeting_reminder"})  # emails with answer links


def meeting_context(
    meeting: Meeting, links: MeetingLinks, note: str | None, *, answers: bool = False
) -> dict[str, Any]:
    answers = answers and meeting.start_at > utcnow()
    return {
        "answer_url": links.answers_url(meeting) if answers else None,
        "answer_by": (meeting.answers_until or meeting.start_at).isoformat() if answers else None,
        "access_question": meeting.access_question or None if answers else None,
        "meeting_id": meeting.id,  # the composer signs each reader's own calendar link with it
        "title": meeting.title,
        "start": meeting.start_at.isoformat(),
        "end": meeting.end_at.isoformat(),
        "location": meeting.location or None,
        "online_url": links.join_url(meeting),
        "agenda": meeting.agenda or None,
        "calendar_url": links.calendar_url(meeting),
        "meeting_url": links.page_url(meeting),
        "note": note,
    }


def _send(uow: UnitOfWork, deps: SourceDeps, meeting: Meeting, kind: str, *, note: str | None) -> None:
    context = meeting_context(meeting, deps.meeting_links, note, answers=kind in ANSWERED_IN)
    key = f"meeting:{meeting.id}:{kind}:{meeting.sequence}"
    event = add_event(uow, meeting, EventKind.MEETING, key, context)
    _messages(uow, deps, meeting, event, kind, context)
    archive_meeting(uow, deps, meeting, note=note if kind == "meeting_cancelled" else None)


def archive_meeting(uow: UnitOfWork, deps: SourceDeps, meeting: Meeting, *, note: str | None) -> None:
    """The meeting's archive item as the meeting now stands (its invitation, or its cancellation)."""
    record_meeting(
        uow.session,
        meeting.network_id,
        meeting.id,
        cancelled=meeting.status is MeetingStatus.CANCELLED,
        context=meeting_context(meeting, deps.meeting_links, note),
        topic_ids=list(meeting.topic_ids),
    )


def add_event(uow: UnitOfWork, meeting: Meeting, kind: EventKind, key: str, payload: dict[str, Any]) -> Event:
    event = Event(
        network_id=meeting.network_id, kind=kind, source_key=key, title=meeting.title, payload=payload
    )
    uow.session.add(event)
    uow.session.flush()
    return event


def _messages(
    uow: UnitOfWork, deps: SourceDeps, meeting: Meeting, event: Event, kind: str, context: dict[str, Any]
) -> None:
    """One message per topic (fanned out as usual) and one for the invitees (rows written here)."""
    session = uow.session
    if meeting_repo.invitee_ids(session, meeting.id):
        direct = new_message(meeting, event, None, kind, context, MessageStatus.SENDING)
        session.add(direct)
        session.flush()
        meeting_repo.insert_invitee_deliveries(session, direct, meeting.id, utcnow())
        enqueue_sends(uow, deps.queue, direct, deps.chunk_size)
    for topic_id in meeting.topic_ids:
        message = new_message(meeting, event, topic_id, kind, context, MessageStatus.PENDING)
        session.add(message)
        session.flush()
        uow.after_commit(partial(deps.queue.enqueue_fanout, message.id))


def new_message(
    meeting: Meeting,
    event: Event,
    topic_id: int | None,
    kind: str,
    context: dict[str, Any],
    status: MessageStatus,
) -> Message:
    return Message(
        network_id=meeting.network_id,
        event_id=event.id,
        topic_id=topic_id,
        email_kind=kind,
        lane=Lane.BULK,
        status=status,
        context=context,
    )
