"""Meetings as the admin web shows them: the list, one meeting of the network, who it reaches now, the
ids a form's topics and addresses name, and the forms themselves (checked field by field). The rules
of what may happen to a meeting are `meetings.py`'s."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from notifier.db.models import Meeting, Subscriber
from notifier.domain.london_times import LONDON
from notifier.repositories import meetings as meeting_repo
from notifier.services.common.scope import NetworkScope
from notifier.services.sources.meeting_rules import EDITABLE, MeetingDetails


def get_meeting(scope: NetworkScope, meeting_id: int) -> Meeting:
    return scope.get(Meeting, meeting_id, what="meeting")


def meeting_list(scope: NetworkScope, limit: int = 200) -> list[Meeting]:
    query = scope.rows(Meeting).order_by(Meeting.start_at.desc()).limit(limit)
    return list(scope.session.scalars(query))


def invitees_of(scope: NetworkScope, meeting: Meeting) -> list[int]:
    return meeting_repo.invitee_ids(scope.session, meeting.id)


def invitee_addresses(scope: NetworkScope, meeting: Meeting) -> list[str]:
    invited = invitees_of(scope, meeting)
    query = scope.rows(Subscriber).where(Subscriber.id.in_(invited)).order_by(Subscriber.email)
    return [person.email for person in scope.session.scalars(query)]


def topic_slugs_of(scope: NetworkScope, meeting: Meeting) -> list[str]:
    return [t.slug for t in scope.topics() if t.id in meeting.topic_ids]


def topic_ids_for(scope: NetworkScope, slugs: list[str]) -> list[int]:
    return [t.id for t in scope.topics() if t.slug in slugs]


def subscriber_ids_for(scope: NetworkScope, addresses: list[str]) -> list[int] | None:
    """The network's subscribers with these addresses, or None when any address is not one of them."""
    emails = sorted({line.lower() for line in addresses})
    found = dict(
        scope.session.execute(
            select(Subscriber.email, Subscriber.id).where(
                Subscriber.network_id == scope.network_id, Subscriber.email.in_(emails)
            )
        ).all()
    )
    return None if len(found) != len(emails) else sorted(found.values())


@dataclass
class MeetingForm:
    """A meeting as its admin forms hold it: text as typed, London wall times, topic slugs and the
    invitees' addresses one a line."""

    title: str = ""
    start: str = ""
    end: str = ""
    location: str = ""
    online_url: str = ""
    agenda: str = ""
    topics: list[str] = field(default_factory=list)
    invitees: str = ""

    def fields(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def invitee_lines(self) -> list[str]:
        return invitee_lines(self.invitees)

    def details(self) -> MeetingDetails:
        start, end = typed_time(self.start), typed_time(self.end)
        if start is None or end is None:
            raise ValueError("dates were checked before")
        return MeetingDetails(self.title, start, end, self.location, self.online_url, self.agenda)


def invitee_lines(text: str) -> list[str]:
    """The addresses typed in the invitees box: one a line, or separated by commas."""
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def typed_time(text: str) -> datetime | None:
    """A London wall time as typed; the meeting service checks it (a skipped hour is refused)."""
    try:
        return datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        return None


def form_errors(scope: NetworkScope, form: MeetingForm, *, new: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form.title.strip():
        errors["title"] = "Enter the meeting's title"
    start, end = typed_time(form.start), typed_time(form.end)
    if start is None:
        errors["start"] = "Enter the start as a date and time, like 2026-12-01 18:00"
    if end is None:
        errors["end"] = "Enter the end as a date and time, like 2026-12-01 19:00"
    elif start is not None and end <= start:
        errors["end"] = "The end must be after the start"
    if not form.location.strip() and not form.online_url.strip():
        errors["location"] = "Give a location, an online link, or both"
    if form.online_url.strip() and not form.online_url.strip().startswith("https://"):
        errors["online_url"] = "The online link must start with https://"
    if new:
        known = {t.slug for t in scope.topics()}
        if any(slug not in known for slug in form.topics):
            errors["topics"] = "Select topics from the list"
        invited = subscriber_ids_for(scope, form.invitee_lines())
        if invited is None:
            errors["invitees"] = "Every invitee must be a subscriber of the network: check the addresses"
        elif not form.topics and not invited:
            errors["topics"] = "Choose topics, invitees, or both"
    return errors


def form_of(meeting: Meeting) -> MeetingForm:
    """The meeting as its change form shows it, times in London."""

    def shown(moment: datetime) -> str:
        return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")

    return MeetingForm(meeting.title, shown(meeting.start_at), shown(meeting.end_at), meeting.location,
                       meeting.online_url, meeting.agenda)  # fmt: skip


def audience_form(scope: NetworkScope, meeting: Meeting) -> MeetingForm:
    """Who the meeting reaches now, as the audience form shows it."""
    return MeetingForm(
        topics=topic_slugs_of(scope, meeting), invitees="\n".join(invitee_addresses(scope, meeting))
    )


def changed_fields(meeting: Meeting, form: MeetingForm) -> list[str]:
    before = form_of(meeting)
    return [name for name in EDITABLE if getattr(before, name).strip() != getattr(form, name).strip()]
