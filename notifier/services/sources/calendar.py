"""A meeting's links and calendar file.

Links carry a signed token with the network and meeting ids (never personal data) and live on this
service: the meeting page, its .ics, and a joining page that sends people on to the online link, so
emails only ever link to the network's site or this service. The .ics keeps the meeting's UID for
ever and its SEQUENCE rises with each update and the cancellation, so calendars replace the entry.

Each email links to the reader's own file (a second signed token naming them): an iTIP REQUEST, or
CANCEL once cancelled or once the meeting's audience no longer reaches the reader, with ORGANIZER
(the network's organiser address, services/sources/organiser.py; a new one raises SEQUENCE) and the
reader as ATTENDEE, as RFC 5546 requires, so mail clients show it as an invitation. The link
without a reader (the meeting page's) gives a PUBLISH, which needs no attendee. The joining link is
in the file only while the meeting stands for the reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEvent

from notifier.config import Settings
from notifier.db.models import Meeting, Network
from notifier.domain.sources import MeetingStatus
from notifier.services.common.tokens import InvalidToken, TokenPurpose, TokenSigner
from notifier.services.sources.organiser import require_organiser

DAY_SECONDS = 86_400
PRODUCT_ID = "-//notifier//staff network meetings//EN"


@dataclass(frozen=True)
class MeetingRef:
    network_id: int
    meeting_id: int


@dataclass(frozen=True)
class AttendeeRef:
    network_id: int
    meeting_id: int
    subscriber_id: int


@dataclass(frozen=True)
class MeetingLinks:
    signer: TokenSigner
    public_base_url: str
    max_age_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> MeetingLinks:
        return cls(
            TokenSigner(settings.signing_secrets),
            settings.public_base_url.rstrip("/"),
            settings.meeting_link_days * DAY_SECONDS,
        )

    def token(self, meeting: Meeting) -> str:
        return self.signer.sign(TokenPurpose.MEETING, {"n": meeting.network_id, "m": meeting.id})

    def page_url(self, meeting: Meeting) -> str:
        return f"{self.public_base_url}/meetings/{self.token(meeting)}"

    def calendar_url(self, meeting: Meeting) -> str:
        return f"{self.page_url(meeting)}/calendar.ics"

    def join_url(self, meeting: Meeting) -> str | None:
        return f"{self.page_url(meeting)}/join" if meeting.online_url else None

    def read(self, token: str) -> MeetingRef:
        payload = self.signer.verify(TokenPurpose.MEETING, token, max_age_seconds=self.max_age_seconds)
        try:
            return MeetingRef(int(payload["n"]), int(payload["m"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidToken("this meeting link is not valid") from exc

    def answers_url(self, meeting: Meeting) -> str | None:
        """Where each reader's answer link starts (their signed token follows), while answers are
        taken: emails sent after that carry no answer links."""
        return (
            f"{self.public_base_url}/meetings/answer" if meeting.status is MeetingStatus.SCHEDULED else None
        )

    def read_answer(self, token: str) -> AttendeeRef:
        return self.read_attendee(token, TokenPurpose.MEETING_ANSWER)

    def read_attendee(self, token: str, purpose: TokenPurpose = TokenPurpose.MEETING_ATTENDEE) -> AttendeeRef:
        payload = self.signer.verify(purpose, token, max_age_seconds=self.max_age_seconds)
        try:
            return AttendeeRef(int(payload["n"]), int(payload["m"]), int(payload["s"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidToken("this meeting link is not valid") from exc


def calendar_method(meeting: Meeting, attendee_email: str | None, *, invited: bool = True) -> str:
    if attendee_email is None:
        return "PUBLISH"
    return "CANCEL" if meeting.status is MeetingStatus.CANCELLED or not invited else "REQUEST"


def meeting_calendar(
    meeting: Meeting,
    network: Network,
    links: MeetingLinks,
    attendee_email: str | None = None,
    *,
    invited: bool = True,
    partstat: str = "NEEDS-ACTION",
) -> bytes:
    """The meeting as an iCalendar file: REQUEST or CANCEL naming `attendee_email`, else PUBLISH.

    A reader the meeting's audience no longer reaches (`invited=False`) gets a CANCEL that removes
    only them: as RFC 5546 says for uninvited attendees, the event's STATUS is left out."""
    cancelled = meeting.status is MeetingStatus.CANCELLED
    uninvited = attendee_email is not None and not invited and not cancelled
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", calendar_method(meeting, attendee_email, invited=invited))
    event = CalendarEvent()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", meeting.start_at)
    event.add("dtend", meeting.end_at)
    event.add("summary", f"{network.name}: {meeting.title}")
    if not uninvited:
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("url", links.page_url(meeting))
    organizer = vCalAddress(f"mailto:{require_organiser(network)}")
    organizer.params["cn"] = vText(network.name)
    event.add("organizer", organizer)
    if attendee_email is not None:
        attendee = vCalAddress(f"mailto:{attendee_email}")
        attendee.params.update(
            {"cutype": "INDIVIDUAL", "role": "REQ-PARTICIPANT", "partstat": partstat, "rsvp": "FALSE"}
        )
        event.add("attendee", attendee)
    if meeting.location:
        event.add("location", meeting.location)
    description = [meeting.agenda.strip()] if meeting.agenda.strip() else []
    join = None if cancelled or uninvited else links.join_url(meeting)
    if join:
        description.append(f"Join online: {join}")
    if description:
        event.add("description", "\n\n".join(description))
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
