"""A meeting's public pages, as the signed links in its emails open them: the meeting, its minutes,
and the calendar file for one reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import Event, Meeting, Network, Subscriber
from notifier.domain.sources import MeetingStatus
from notifier.repositories import meetings as meeting_repo
from notifier.services.common.tokens import InvalidToken
from notifier.services.sources import answers
from notifier.services.sources.calendar import MeetingLinks, calendar_method, meeting_calendar


class MeetingLinkRefused(LookupError):
    """The link names no meeting we hold (forged, damaged, or the meeting is gone)."""


@dataclass(frozen=True)
class MeetingPage:
    meeting: Meeting
    network: Network
    links: MeetingLinks

    @property
    def cancelled(self) -> bool:
        return self.meeting.status is MeetingStatus.CANCELLED

    def minutes(self, session: Session) -> dict[str, Any] | None:
        """The published minutes (their text and/or their page on the network's site), if any."""
        meeting = self.meeting
        if meeting.minutes_event_id is None:
            return None
        event = session.get(Event, meeting.minutes_event_id)
        if event is None or event.network_id != meeting.network_id:
            return None
        return {"body": event.payload.get("minutes_body"), "url": event.payload.get("minutes_url")}


def meeting_from_link(session: Session, settings: Settings, token: str) -> MeetingPage:
    links = MeetingLinks.from_settings(settings)
    try:
        ref = links.read(token)
    except InvalidToken as exc:
        raise MeetingLinkRefused("not a meeting link of ours") from exc
    meeting = session.get(Meeting, ref.meeting_id)
    if meeting is None or meeting.network_id != ref.network_id:
        raise MeetingLinkRefused("no such meeting")
    return MeetingPage(meeting, session.get_one(Network, meeting.network_id), links)


@dataclass(frozen=True)
class CalendarFile:
    method: str
    text: bytes


def calendar_file(session: Session, page: MeetingPage, attendee: str | None) -> CalendarFile:
    """The reader's own invitation (REQUEST/CANCEL naming them) with `attendee`, else a PUBLISH. A
    reader the meeting no longer reaches (its audience changed, or they unsubscribed) gets a CANCEL."""
    meeting, address, invited, answered = page.meeting, None, True, "NEEDS-ACTION"
    if attendee is not None:
        try:
            ref = page.links.read_attendee(attendee)
        except InvalidToken as exc:
            raise MeetingLinkRefused("not an attendee link of ours") from exc
        person = session.get(Subscriber, ref.subscriber_id)
        if (ref.network_id, ref.meeting_id) != (meeting.network_id, meeting.id) or person is None:
            raise MeetingLinkRefused("the attendee link names someone else")
        if person.network_id != meeting.network_id:
            raise MeetingLinkRefused("the attendee link names someone else")
        address, invited = person.email, meeting_repo.is_invited(session, meeting, person.id)
        answered = answers.partstat(session, meeting.id, person.id)  # once they answer
    method = calendar_method(meeting, address, invited=invited)
    text = meeting_calendar(meeting, page.network, page.links, address, invited=invited, partstat=answered)
    return CalendarFile(method, text)
