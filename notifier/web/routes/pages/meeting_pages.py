"""A meeting's public pages, reached by the signed links in its emails: the details page, the
calendar file (.ics) and the joining page that shows the online link."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from notifier.db.models import Event, Meeting, Network, Subscriber
from notifier.domain.sources import MeetingStatus
from notifier.rendering.london_time import london_period
from notifier.repositories import meetings as meeting_repo
from notifier.services.common.tokens import InvalidToken
from notifier.services.sources import answers
from notifier.services.sources.calendar import MeetingLinks, calendar_method, meeting_calendar
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.pages import render_page

router = APIRouter(tags=["meetings"])


def _load(token: str, uow: UowDep, settings: SettingsDep) -> tuple[Meeting, Network, MeetingLinks] | None:
    links = MeetingLinks.from_settings(settings)
    try:
        ref = links.read(token)
    except InvalidToken:
        return None
    meeting = uow.session.get(Meeting, ref.meeting_id)
    if meeting is None or meeting.network_id != ref.network_id:
        return None
    return meeting, uow.session.get_one(Network, meeting.network_id), links


def _gone() -> HTMLResponse:
    return render_page(
        "link_problem.html",
        status_code=404,
        title="This meeting link is not valid",
        explanation="It may have been copied incompletely, or it is too old.",
    )


@router.get("/meetings/{token}", response_class=HTMLResponse)
def meeting_page(token: str, uow: UowDep, settings: SettingsDep) -> HTMLResponse:
    found = _load(token, uow, settings)
    if found is None:
        return _gone()
    meeting, network, links = found
    return render_page(
        "meeting.html",
        minutes=_minutes(uow, meeting),
        title=meeting.title,
        network=network,
        meeting=meeting,
        when=london_period(meeting.start_at, meeting.end_at),
        cancelled=meeting.status is MeetingStatus.CANCELLED,
        join_url=links.join_url(meeting),
        calendar_url=links.calendar_url(meeting),
    )


def _minutes(uow: UowDep, meeting: Meeting) -> dict[str, str | None] | None:
    """The published minutes (their text and/or their page on the network's site), if any."""
    if meeting.minutes_event_id is None:
        return None
    event = uow.session.get(Event, meeting.minutes_event_id)
    if event is None or event.network_id != meeting.network_id:
        return None
    return {"body": event.payload.get("minutes_body"), "url": event.payload.get("minutes_url")}


@router.get("/meetings/{token}/calendar.ics", response_model=None)
def meeting_calendar_file(
    token: str, uow: UowDep, settings: SettingsDep, attendee: str | None = None
) -> Response:
    """The reader's own invitation (REQUEST/CANCEL naming them) with `attendee`, else a PUBLISH. A
    reader the meeting no longer reaches (its audience changed, or they unsubscribed) gets a CANCEL."""
    found = _load(token, uow, settings)
    if found is None:
        return _gone()
    meeting, network, links = found
    address, invited, answered = None, True, "NEEDS-ACTION"
    if attendee is not None:
        try:
            ref = links.read_attendee(attendee)
        except InvalidToken:
            return _gone()
        person = uow.session.get(Subscriber, ref.subscriber_id)
        if (ref.network_id, ref.meeting_id) != (meeting.network_id, meeting.id) or person is None:
            return _gone()
        if person.network_id != meeting.network_id:
            return _gone()
        address, invited = person.email, meeting_repo.is_invited(uow.session, meeting, person.id)
        answered = answers.partstat(uow.session, meeting.id, person.id)  # once they answer
    method = calendar_method(meeting, address, invited=invited)
    return Response(
        meeting_calendar(meeting, network, links, address, invited=invited, partstat=answered),
        media_type=f"text/calendar; charset=utf-8; method={method}",
        headers={"Content-Disposition": 'attachment; filename="meeting.ics"', "Cache-Control": "no-store"},
    )


@router.get("/meetings/{token}/join", response_class=HTMLResponse)
def join_page(token: str, uow: UowDep, settings: SettingsDep) -> HTMLResponse:
    found = _load(token, uow, settings)
    if found is None or not found[0].online_url:
        return _gone()
    meeting, network, _links = found
    return render_page(
        "meeting_join.html",
        title=f"Join {meeting.title}",
        network=network,
        meeting=meeting,
        online_url=meeting.online_url,
        cancelled=meeting.status is MeetingStatus.CANCELLED,
    )
