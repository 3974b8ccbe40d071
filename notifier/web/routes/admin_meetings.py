"""Admin API for meetings: create (invitation), update, cancel, publish the minutes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from notifier.db.models import Meeting
from notifier.domain.ids import storable_id
from notifier.repositories import meetings as meeting_repo
from notifier.services.sources import meetings as meeting_service
from notifier.services.sources.meetings import Audience, MeetingDetails, MeetingError
from notifier.web.deps import UowDep
from notifier.web.routes.admin_api import PREFIX, SourceDepsDep, iso
from notifier.web.routes.admin_auth import AdminDep, not_found, problem

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


class MeetingChange(MeetingFields):
    note: str = Field(default="", max_length=2000, description="What changed; written for you if empty")


class CancelIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class MinutesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes_url: str = Field(default="", max_length=500)
    minutes_body: str = Field(default="", max_length=50_000)


def _out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "uid": meeting.uid,
        "sequence": meeting.sequence,
        "status": meeting.status.value,
        "title": meeting.title,
        "start": meeting.start_at.isoformat(),
        "end": meeting.end_at.isoformat(),
        "location": meeting.location,
        "reminder_minutes": meeting.reminder_minutes,
        "reminder_sent_at": iso(meeting.reminder_sent_at),
        "minutes_event_id": meeting.minutes_event_id,
    }


def _meeting(uow: UowDep, admin: AdminDep, meeting_id: int) -> Meeting:
    if not storable_id(meeting_id):
        raise not_found("meeting")
    meeting = meeting_repo.get_meeting(uow.session, admin.network.id, meeting_id)
    if meeting is None:
        raise not_found("meeting")
    return meeting


def _refused(exc: MeetingError) -> Exception:
    return problem(exc.field, exc.message, conflict=exc.conflict)


@router.get("/meetings")
def list_meetings(admin: AdminDep, uow: UowDep) -> list[dict[str, Any]]:
    return [_out(m) for m in meeting_repo.list_meetings(uow.session, admin.network.id)]


@router.post("/meetings", status_code=status.HTTP_201_CREATED)
def create_meeting(body: MeetingIn, admin: AdminDep, uow: UowDep, deps: SourceDepsDep) -> dict[str, Any]:
    try:
        meeting = meeting_service.create_meeting(
            uow,
            deps,
            admin.network,
            body.details(),
            Audience(body.topics, body.invitees),
            actor=admin.actor,
            reminder_minutes=body.reminder_minutes,
        )
    except MeetingError as exc:
        raise _refused(exc) from exc
    links = deps.meeting_links
    return {**_out(meeting), "calendar_url": links.calendar_url(meeting), "page_url": links.page_url(meeting)}


@router.get("/meetings/{meeting_id}")
def get_meeting(meeting_id: int, admin: AdminDep, uow: UowDep, deps: SourceDepsDep) -> dict[str, Any]:
    meeting = _meeting(uow, admin, meeting_id)
    links = deps.meeting_links
    return {**_out(meeting), "calendar_url": links.calendar_url(meeting), "page_url": links.page_url(meeting)}


@router.put("/meetings/{meeting_id}")
def update_meeting(
    meeting_id: int, body: MeetingChange, admin: AdminDep, uow: UowDep, deps: SourceDepsDep
) -> dict[str, Any]:
    meeting = _meeting(uow, admin, meeting_id)
    try:
        meeting_service.update_meeting(uow, deps, meeting, body.details(), note=body.note, actor=admin.actor)
    except MeetingError as exc:
        raise _refused(exc) from exc
    return _out(meeting)


@router.post("/meetings/{meeting_id}/cancel")
def cancel_meeting(
    meeting_id: int, body: CancelIn, admin: AdminDep, uow: UowDep, deps: SourceDepsDep
) -> dict[str, Any]:
    meeting = _meeting(uow, admin, meeting_id)
    try:
        meeting_service.cancel_meeting(uow, deps, meeting, note=body.note, actor=admin.actor)
    except MeetingError as exc:
        raise _refused(exc) from exc
    return _out(meeting)


@router.post("/meetings/{meeting_id}/minutes", status_code=status.HTTP_201_CREATED)
def publish_minutes(
    meeting_id: int, body: MinutesIn, admin: AdminDep, uow: UowDep, deps: SourceDepsDep
) -> dict[str, Any]:
    meeting = _meeting(uow, admin, meeting_id)
    try:
        event = meeting_service.publish_minutes(
            uow, deps, admin.network, meeting, url=body.minutes_url, body=body.minutes_body, actor=admin.actor
        )
    except MeetingError as exc:
        raise _refused(exc) from exc
    return {**_out(meeting), "minutes_event_id": event.id}
