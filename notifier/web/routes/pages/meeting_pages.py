"""A meeting's public pages, reached by the signed links in its emails: the details page, the
calendar file (.ics) and the joining page that shows the online link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import HTMLResponse

from notifier.rendering.london_time import london_period
from notifier.services.sources.meeting_pages import (
    MeetingLinkRefused,
    MeetingPage,
    calendar_file,
    meeting_from_link,
)
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.pages import render_page
from notifier.web.problems import Problem, remember_frame

router = APIRouter(tags=["meetings"])


def _gone() -> Problem:
    return Problem(
        status.HTTP_404_NOT_FOUND,
        "This meeting link is not valid",
        "It may have been copied incompletely, or it is too old.",
    )


def _meeting(token: str, request: Request, uow: UowDep, settings: SettingsDep) -> MeetingPage:
    try:
        found = meeting_from_link(uow.session, settings, token)
    except MeetingLinkRefused as refused:
        raise _gone() from refused
    remember_frame(request, found.network)
    return found


MeetingDep = Annotated[MeetingPage, Depends(_meeting)]


@router.get("/meetings/{token}", response_class=HTMLResponse)
def meeting_page(found: MeetingDep, uow: UowDep) -> HTMLResponse:
    meeting = found.meeting
    return render_page(
        "meeting.html",
        minutes=found.minutes(uow.session),
        title=meeting.title,
        network=found.network,
        meeting=meeting,
        when=london_period(meeting.start_at, meeting.end_at),
        cancelled=found.cancelled,
        join_url=found.links.join_url(meeting),
        calendar_url=found.links.calendar_url(meeting),
    )


@router.get("/meetings/{token}/calendar.ics", response_model=None)
def meeting_calendar_file(found: MeetingDep, uow: UowDep, attendee: str | None = None) -> Response:
    try:
        calendar = calendar_file(uow.session, found, attendee)
    except MeetingLinkRefused as refused:
        raise _gone() from refused
    return Response(
        calendar.text,
        media_type=f"text/calendar; charset=utf-8; method={calendar.method}",
        headers={"Content-Disposition": 'attachment; filename="meeting.ics"', "Cache-Control": "no-store"},
    )


@router.get("/meetings/{token}/join", response_class=HTMLResponse)
def join_page(found: MeetingDep) -> HTMLResponse:
    meeting = found.meeting
    if not meeting.online_url:
        raise _gone()
    return render_page(
        "meeting_join.html",
        title=f"Join {meeting.title}",
        network=found.network,
        meeting=meeting,
        online_url=meeting.online_url,
        cancelled=found.cancelled,
    )
