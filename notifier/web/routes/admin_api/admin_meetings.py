"""Admin API for meetings: create (invitation), update (PATCH: only the fields sent change), cancel,
publish the minutes. Times without an offset are Europe/London; a time the clocks skip is refused,
a repeated one is read as its first occurrence and `time_notes` says so.

On a network that requires sign-off, what carries words (the invitation, a change of its words or one
with a note, a cancellation with a note, the minutes) waits for a person to approve it in the web
admin: the answer says `sign_off: "awaiting"` and gives `approval_request_id`, and nothing is sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from notifier.services.common.scope import NetworkScope
from notifier.services.sources import meeting_changes as meeting_service
from notifier.services.sources.calendar import MeetingLinks
from notifier.services.sources.meeting_admin import get_meeting, invitees_of, meeting_list
from notifier.services.sources.meeting_rules import AnswerRules, check
from notifier.services.sources.meetings import Audience, MeetingDetails, MeetingError
from notifier.web.deps import UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_api.admin_api import PREFIX, SourceDepsDep, iso
from notifier.web.routes.admin_api.admin_auth import AdminDep, problem

router = APIRouter(prefix=PREFIX, tags=["admin: meetings"])


class MeetingFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    start: datetime = Field(description="Europe/London when no offset is given")
    end: datetime
    location: str = Field(default="", max_length=300)
    online_url: str = Field(default="", max_length=500, description="https; emails link to a page here")
    agenda: str = Field(default="", max_length=20_000)

    def details(self) -> MeetingDetails:
        return MeetingDetails(self.title, self.start, self.end, self.location, self.online_url, self.agenda)


class MeetingIn(MeetingFields):
    topics: list[str] = Field(default_factory=list, max_length=50, description="Topic slugs")
    invitees: list[str] = Field(default_factory=list, max_length=5000, description="Subscribers' addresses")
    reminder_minutes: int | None = Field(default=None, ge=5, le=20160)
    capacity: int | None = Field(default=None, ge=1, le=100_000, description="Places; none for no limit")
    answers_until: datetime | None = Field(default=None, description="Answers close; the start when none")
    access_question: str = Field(default="", max_length=300, description="Optional; answers are health data")


class MeetingPatch(BaseModel):
    """Only the fields present change; a field left out keeps its value."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    start: datetime | None = Field(default=None, description="Europe/London when no offset is given")
    end: datetime | None = None
    location: str | None = Field(default=None, max_length=300, description="Empty to remove it")
    online_url: str | None = Field(default=None, max_length=500, description="Empty to remove it")
    agenda: str | None = Field(default=None, max_length=20_000, description="Empty to remove it")
    note: str = Field(default="", max_length=2000, description="Added after the list of what changed")

    def changes(self) -> dict[str, Any]:
        sent = self.model_fields_set - {"note"}
        for name in sorted(sent):
            if getattr(self, name) is None:
                raise problem(name, "give a value, or leave the field out to keep it")
        return {name: getattr(self, name) for name in sent}


class CancelIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class MinutesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes_url: str = Field(default="", max_length=500)
    minutes_body: str = Field(default="", max_length=50_000)
    held_override: bool = Field(
        default=False,
        description="Publish for a meeting that has not ended or was cancelled; recorded in the audit",
    )


def _out(scope: NetworkScope, meeting: Any, links: MeetingLinks, **extra: Any) -> dict[str, Any]:
    """Every field of the meeting, so a client can read, change and send back what it needs."""
    return {
        "id": meeting.id,
        "uid": meeting.uid,
        "sequence": meeting.sequence,
        "status": meeting.status.value,
        "title": meeting.title,
        "start": meeting.start_at.isoformat(),
        "end": meeting.end_at.isoformat(),
        "location": meeting.location,
        "online_url": meeting.online_url,
        "agenda": meeting.agenda,
        "topic_ids": list(meeting.topic_ids),
        "invitee_count": len(invitees_of(scope, meeting)),
        "reminder_minutes": meeting.reminder_minutes,
        "reminder_sent_at": iso(meeting.reminder_sent_at),
        "capacity": meeting.capacity,
        "answers_until": iso(meeting.answers_until),
        "access_question": meeting.access_question,
        "minutes_event_id": meeting.minutes_event_id,
        "created_at": iso(meeting.created_at),
        "updated_at": iso(meeting.updated_at),
        "calendar_url": links.calendar_url(meeting),
        "page_url": links.page_url(meeting),
        **extra,
    }


def _sign_off(approval_request_id: int | None) -> dict[str, Any]:
    """Whether it was sent, or waits for a person to approve it in the web admin."""
    if approval_request_id is None:
        return {"sign_off": "done", "approval_request_id": None}
    return {"sign_off": "awaiting", "approval_request_id": approval_request_id}


def _refused(exc: MeetingError) -> Exception:
    return problem(exc.field, exc.message, conflict=exc.conflict)


@router.get("/meetings")
def list_meetings(admin: AdminDep, deps: SourceDepsDep) -> list[dict[str, Any]]:
    return [_out(admin.scope, m, deps.meeting_links) for m in meeting_list(admin.scope, limit=100)]


@router.post("/meetings", status_code=status.HTTP_201_CREATED)
def create_meeting(body: MeetingIn, admin: AdminDep, uow: UowDep, deps: SourceDepsDep) -> dict[str, Any]:
    try:
        notes = check(body.details(), longest=deps.longest_meeting).notes  # the setting, as the service
        meeting = meeting_service.create_meeting(
            uow,
            deps,
            admin.network,
            body.details(),
            Audience(body.topics, body.invitees),
            actor=admin.acting_as,
            reminder_minutes=body.reminder_minutes,
            answers=AnswerRules(body.capacity, body.answers_until, body.access_question),
        )
    except MeetingError as exc:
        raise _refused(exc) from exc
    waiting = meeting_service.waiting_request_id(uow.session, meeting)
    return _out(admin.scope, meeting, deps.meeting_links, time_notes=notes, **_sign_off(waiting))


@router.get("/meetings/{meeting_id}")
def show_meeting(meeting_id: RowId, admin: AdminDep, deps: SourceDepsDep) -> dict[str, Any]:
    return _out(admin.scope, get_meeting(admin.scope, meeting_id), deps.meeting_links)


@router.patch("/meetings/{meeting_id}")
def update_meeting(
    meeting_id: RowId, body: MeetingPatch, admin: AdminDep, uow: UowDep, deps: SourceDepsDep
) -> dict[str, Any]:
    """Change the fields sent, and only those; everyone invited is told exactly what changed."""
    meeting = get_meeting(admin.scope, meeting_id)
    try:
        update = meeting_service.update_meeting(
            uow, deps, meeting, body.changes(), note=body.note, actor=admin.acting_as
        )
    except MeetingError as exc:
        raise _refused(exc) from exc
    return _out(admin.scope, meeting, deps.meeting_links, changes=update.changes, time_notes=update.notes,
                **_sign_off(update.approval_request_id))  # fmt: skip


@router.post("/meetings/{meeting_id}/cancel")
def cancel_meeting(
    meeting_id: RowId, body: CancelIn, admin: AdminDep, uow: UowDep, deps: SourceDepsDep
) -> dict[str, Any]:
    meeting = get_meeting(admin.scope, meeting_id)
    try:
        waiting = meeting_service.cancel_meeting(uow, deps, meeting, note=body.note, actor=admin.acting_as)
    except MeetingError as exc:
        raise _refused(exc) from exc
    return _out(admin.scope, meeting, deps.meeting_links, **_sign_off(waiting))


@router.post("/meetings/{meeting_id}/minutes", status_code=status.HTTP_201_CREATED)
def publish_minutes(
    meeting_id: RowId, body: MinutesIn, admin: AdminDep, uow: UowDep, deps: SourceDepsDep
) -> dict[str, Any]:
    meeting = get_meeting(admin.scope, meeting_id)
    try:
        outcome = meeting_service.publish_minutes(
            uow,
            deps,
            admin.network,
            meeting,
            url=body.minutes_url,
            body=body.minutes_body,
            actor=admin.acting_as,
            held_override=body.held_override,
        )
    except MeetingError as exc:
        raise _refused(exc) from exc
    return _out(admin.scope, meeting, deps.meeting_links, minutes_event_id=outcome.event_id,
                **_sign_off(outcome.approval_request_id))  # fmt: skip
