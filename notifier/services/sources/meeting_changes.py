"""Arranging and changing meetings: where every caller (the web admin, the admin API, the CLI) starts.

On a network that requires sign-off, what carries words a person wrote waits for someone else to
approve it in the web admin (`approval_requests.ask`): the invitation (its title, agenda and place), a
change of those words or any change with a note, a cancellation with a note, and the minutes. A
change of an approved meeting's time alone, and a cancellation without a note, go at once, because
people must know; the audit says so (`sign_off`). Elsewhere everything goes at once (`not_required`).

`meetings.py` does each step; the emails a waiting request will send are built here from the same
context the step will store, so the check page and the approvers' email show exactly what will go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import ApprovalRequest, Meeting, Network
from notifier.db.session import UnitOfWork
from notifier.domain.sign_off import ApprovalKind, ApprovalStatus, meeting_change_needs_approval
from notifier.domain.sources import MeetingStatus
from notifier.rendering.emails import EmailKind
from notifier.repositories import meetings as meeting_repo
from notifier.repositories import networks as network_repo
from notifier.services.common import audit
from notifier.services.common.actors import Actor
from notifier.services.delivery.audiences import count_audience
from notifier.services.delivery.email_previews import EmailPreview
from notifier.services.sources.approval_requests import ApprovalError, Ask, Told, ask, withdraw_waiting
from notifier.services.sources.calendar import MeetingLinks
from notifier.services.sources.meeting_rules import AnswerRules
from notifier.services.sources.meetings import (
    Audience,
    MeetingDetails,
    MeetingError,
    MeetingUpdate,
    SourceDeps,
    apply_cancel,
    apply_minutes,
    apply_update,
    check_minutes,
    meeting_context,
    minutes_context,
    new_meeting,
    plan_update,
    refuse_cancel,
    send_invitation,
    update_words,
)

NOT_REQUIRED = "not_required"  # the network does not require sign-off
AWAITING = "awaiting"  # waits for a second person
TIME_CHANGE_AT_ONCE = "time_change_at_once"  # an approved meeting's new time: people must know
CANCELLATION_AT_ONCE = "cancellation_at_once"  # a cancellation without a note


@dataclass(frozen=True)
class MinutesOutcome:
    event_id: int | None  # sent at once
    approval_request_id: int | None  # or waiting for a second person


def _network(session: Session, meeting: Meeting) -> Network:
    return session.get_one(Network, meeting.network_id)


def _ask(uow: UnitOfWork, deps: SourceDeps, network: Network, asked: Ask, actor: Actor, told: Told) -> int:
    try:
        request = ask(
            uow, deps.queue, network, asked, actor, told, base_url=deps.meeting_links.public_base_url
        )
    except ApprovalError as exc:
        raise MeetingError("meeting", exc.message, conflict=True) from exc
    return request.id


def create_meeting(
    uow: UnitOfWork,
    deps: SourceDeps,
    network: Network,
    details: MeetingDetails,
    audience: Audience,
    *,
    actor: Actor,
    reminder_minutes: int | None = None,
    answers: AnswerRules | None = None,
) -> Meeting:
    """The meeting, and its invitation sent, or waiting for approval on a sign-off network (the
    meeting's status says which)."""
    waits = network.requires_sign_off
    status = MeetingStatus.AWAITING_APPROVAL if waits else MeetingStatus.SCHEDULED
    meeting = new_meeting(
        uow, deps, network, details, audience, status=status, reminder_minutes=reminder_minutes,
        answers=answers,
    )  # fmt: skip
    if waits:
        email, people = invitation_email(uow.session, meeting, deps.meeting_links)
        asked = Ask(ApprovalKind.MEETING_INVITATION, meeting.title, {}, meeting.id)
        _ask(uow, deps, network, asked, actor, Told(email, people))
    else:
        send_invitation(uow, deps, meeting)
    audit.record(
        uow.session, network.id, actor.audit_name, "meeting.create", "meeting", meeting.id,
        invitees=len(meeting_repo.invitee_ids(uow.session, meeting.id)),
        sign_off=AWAITING if waits else NOT_REQUIRED,
    )  # fmt: skip
    return meeting


def update_meeting(
    uow: UnitOfWork, deps: SourceDeps, meeting: Meeting, changes: dict[str, Any], *, note: str, actor: Actor
) -> MeetingUpdate:
    """Change only the fields in `changes`, at once or (new words on a sign-off network) once approved;
    the update email lists exactly what changed."""
    network = _network(uow.session, meeting)
    plan = plan_update(meeting, changes, utcnow(), longest=deps.longest_meeting)
    if not network.requires_sign_off:
        return apply_update(
            uow, deps, meeting, changes, note=note, actor=actor.audit_name, sign_off=NOT_REQUIRED
        )
    if not meeting_change_needs_approval(plan.fields, note):
        return apply_update(
            uow, deps, meeting, changes, note=note, actor=actor.audit_name, sign_off=TIME_CHANGE_AT_ONCE
        )
    checked = {name: _stored(getattr(plan.checked, name)) for name in plan.fields}
    email, people = update_email(uow.session, meeting, checked, note, deps.meeting_links)
    asked = Ask(ApprovalKind.MEETING_UPDATE, meeting.title, {"changes": checked, "note": note}, meeting.id)
    request_id = _ask(uow, deps, network, asked, actor, Told(email, people))
    return MeetingUpdate(meeting, plan.lines, plan.notes, approval_request_id=request_id)


def cancel_meeting(
    uow: UnitOfWork, deps: SourceDeps, meeting: Meeting, *, note: str, actor: Actor
) -> int | None:
    """Cancel at once (None), or, with a note on a sign-off network, once approved (the request's id).
    A meeting whose invitation still waits is cancelled at once and silently: nobody was invited."""
    refuse_cancel(meeting, utcnow())
    network = _network(uow.session, meeting)
    if meeting.status is MeetingStatus.AWAITING_APPROVAL:
        withdraw_waiting(uow, network, meeting.id, actor.audit_name, reason="meeting cancelled")
        apply_cancel(uow, deps, meeting, note="", actor=actor.audit_name, sign_off="never_approved")
        return None
    if network.requires_sign_off and note.strip():
        email, people = cancellation_email(uow.session, meeting, note, deps.meeting_links)
        asked = Ask(ApprovalKind.MEETING_CANCELLATION, meeting.title, {"note": note}, meeting.id)
        return _ask(uow, deps, network, asked, actor, Told(email, people))
    withdraw_waiting(uow, network, meeting.id, actor.audit_name, reason="meeting cancelled")
    rule = CANCELLATION_AT_ONCE if network.requires_sign_off else NOT_REQUIRED
    apply_cancel(uow, deps, meeting, note=note, actor=actor.audit_name, sign_off=rule)
    return None


def publish_minutes(
    uow: UnitOfWork,
    deps: SourceDeps,
    network: Network,
    meeting: Meeting,
    *,
    url: str,
    body: str,
    actor: Actor,
    held_override: bool = False,
) -> MinutesOutcome:
    """The minutes, sent at once or, on a sign-off network, once approved."""
    check_minutes(network, meeting, url=url, body=body, held_override=held_override, now=utcnow())
    if not network.requires_sign_off:
        event = apply_minutes(uow, deps, network, meeting, url=url, body=body, actor=actor.audit_name,
                              held_override=held_override, sign_off=NOT_REQUIRED)  # fmt: skip
        return MinutesOutcome(event.id, None)
    email, people = minutes_email(uow.session, meeting, deps.meeting_links, url=url, body=body)
    payload = {"url": url, "body": body, "held_override": held_override}
    asked = Ask(ApprovalKind.MINUTES, f"Minutes: {meeting.title}", payload, meeting.id)
    return MinutesOutcome(None, _ask(uow, deps, network, asked, actor, Told(email, people)))


# What a waiting request will send, and to how many -----------------------------------------------


def _stored(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def stored_changes(payload: dict[str, Any]) -> dict[str, Any]:
    """A waiting update's changes as the meeting service takes them (times back to datetimes)."""
    changes = dict(payload["changes"])
    for name in ("start", "end"):
        if name in changes:
            changes[name] = datetime.fromisoformat(changes[name])
    return changes


def _topic_name(session: Session, meeting: Meeting) -> str | None:
    """The footer of the email a subscriber of its first topic gets (None: invitees only)."""
    for topic_id in meeting.topic_ids:
        topic = network_repo.get_topic(session, meeting.network_id, topic_id)
        if topic is not None:
            return topic.name
    return None


def reach(session: Session, meeting: Meeting, *, urgent: bool = True) -> int:
    invitees = meeting_repo.invitee_ids(session, meeting.id)
    return count_audience(session, meeting.network_id, meeting.topic_ids, invitees, urgent=urgent).people


def _as_changed(meeting: Meeting, changes: dict[str, Any], **status: Any) -> Meeting:
    """A copy of the meeting with the changes made, never added to the session: for its email."""
    fields = {name: changes.get(name) for name in ("title", "location", "online_url", "agenda")}
    start = datetime.fromisoformat(changes["start"]) if "start" in changes else meeting.start_at
    answers_until = meeting.answers_until
    if answers_until is not None and answers_until > start:
        answers_until = start  # as apply_update: answers never stay open past the start
    return Meeting(
        id=meeting.id,
        network_id=meeting.network_id,
        uid=meeting.uid,
        title=fields["title"] if fields["title"] is not None else meeting.title,
        start_at=start,
        end_at=datetime.fromisoformat(changes["end"]) if "end" in changes else meeting.end_at,
        location=fields["location"] if fields["location"] is not None else meeting.location,
        online_url=fields["online_url"] if fields["online_url"] is not None else meeting.online_url,
        agenda=fields["agenda"] if fields["agenda"] is not None else meeting.agenda,
        status=status.get("status", meeting.status),
        answers_until=answers_until,
        access_question=meeting.access_question,
    )


def invitation_email(session: Session, meeting: Meeting, links: MeetingLinks) -> tuple[EmailPreview, int]:
    context = meeting_context(meeting, links, None, answers=True)
    return EmailPreview(EmailKind.MEETING, context, _topic_name(session, meeting)), reach(session, meeting)


def update_email(
    session: Session, meeting: Meeting, changes: dict[str, Any], note: str, links: MeetingLinks
) -> tuple[EmailPreview, int]:
    plan = plan_update(meeting, stored_changes({"changes": changes}), utcnow(), longest=None)
    words = update_words(plan.lines, note)
    context = meeting_context(_as_changed(meeting, changes), links, words, answers=True)
    email = EmailPreview(EmailKind.MEETING_UPDATE, context, _topic_name(session, meeting))
    return email, reach(session, meeting)


def cancellation_email(
    session: Session, meeting: Meeting, note: str, links: MeetingLinks
) -> tuple[EmailPreview, int]:
    cancelled = _as_changed(meeting, {}, status=MeetingStatus.CANCELLED)
    context = meeting_context(cancelled, links, note.strip() or None)
    email = EmailPreview(EmailKind.MEETING_CANCELLED, context, _topic_name(session, meeting))
    return email, reach(session, meeting)


def minutes_email(
    session: Session, meeting: Meeting, links: MeetingLinks, *, url: str, body: str
) -> tuple[EmailPreview, int]:
    context = minutes_context(meeting, links, url=url, body=body)
    email = EmailPreview(EmailKind.MINUTES, context, _topic_name(session, meeting))
    return email, reach(session, meeting, urgent=False)


def request_email(
    session: Session, request: ApprovalRequest, links: MeetingLinks
) -> tuple[EmailPreview, int]:
    """What a waiting meeting request will send, as it stands now."""
    meeting = session.get_one(Meeting, request.meeting_id)
    payload = request.payload
    if request.kind is ApprovalKind.MEETING_INVITATION:
        return invitation_email(session, meeting, links)
    if request.kind is ApprovalKind.MEETING_UPDATE:
        return update_email(session, meeting, payload["changes"], payload.get("note", ""), links)
    if request.kind is ApprovalKind.MEETING_CANCELLATION:
        return cancellation_email(session, meeting, payload.get("note", ""), links)
    return minutes_email(session, meeting, links, url=payload.get("url", ""), body=payload.get("body", ""))


# What the pages say will happen ------------------------------------------------------------------

WAITS = (
    "{network} requires sign-off: this waits until someone else with the approver role approves it. "
    "Nothing is sent before then."
)
AT_ONCE = "{network} requires sign-off, but {what} goes at once, without approval, because people must know."


@dataclass(frozen=True)
class SignOffNote:
    waits: bool
    text: str  # empty on a network without sign-off


def sign_off_note(
    network: Network, change: str, *, fields: list[str] | None = None, note: str = ""
) -> SignOffNote:
    """What the check page says about sign-off for a change ("create", "update", "cancel", "minutes")."""
    if not network.requires_sign_off:
        return SignOffNote(False, "")
    if change == "update" and not meeting_change_needs_approval(fields or [], note):
        return SignOffNote(False, AT_ONCE.format(network=network.name, what="a change of time alone"))
    if change == "cancel" and not note.strip():
        return SignOffNote(False, AT_ONCE.format(network=network.name, what="a cancellation without a note"))
    return SignOffNote(True, WAITS.format(network=network.name))


def waiting_request_id(session: Session, meeting: Meeting) -> int | None:
    """The meeting's request waiting for approval, if any (for its page's link)."""
    query = select(ApprovalRequest.id).where(
        ApprovalRequest.meeting_id == meeting.id, ApprovalRequest.status == ApprovalStatus.AWAITING
    )
    return session.scalars(query).first()
