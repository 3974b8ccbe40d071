"""Meetings as the admin web shows them: the list, one meeting of the network, who it reaches now, the
ids a form's topics and addresses name, and the forms themselves (checked field by field). The rules
of what may happen to a meeting are `meetings.py`'s."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from notifier.db.models import Meeting, Subscriber
from notifier.domain.london_times import LONDON
from notifier.rendering.london_time import in_repeated_hour
from notifier.repositories import meetings as meeting_repo
from notifier.services.common.scope import NetworkScope
from notifier.services.sources.meeting_rules import EDITABLE, AnswerRules, MeetingDetails

RULE_FIELDS = ("capacity", "answers_until", "access_question")
ZONES = ("BST", "GMT")


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
    capacity: str = ""  # places, blank for no limit
    answers_until: str = ""  # blank: answers close when the meeting starts
    access_question: str = ""

    def fields(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def answer_rules(self) -> AnswerRules:
        capacity = self.capacity.strip()
        return AnswerRules(
            int(capacity) if capacity else None,
            typed_time(self.answers_until) if self.answers_until.strip() else None,
            self.access_question,
        )

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
    """A London wall time as typed; the meeting service checks it (a skipped hour is refused). A time
    ending in BST or GMT (as the change form shows one in the hour the clocks repeat) is that one of
    the two; None when it cannot be read, or the zone is not London's on that day."""
    words = text.split()
    zone = words.pop() if len(words) > 1 and words[-1].upper() in ZONES else None
    try:
        wall = datetime.fromisoformat("T".join(words))
    except ValueError:
        return None
    if zone is None or wall.tzinfo is not None:
        return wall if zone is None else None
    for fold in (0, 1):
        local = wall.replace(tzinfo=LONDON, fold=fold)
        if local.tzname() == zone.upper():
            return local
    return None


def _instant(moment: datetime) -> datetime:
    """A typed time as an instant to compare (a bare wall time as London's first reading). In UTC:
    Python compares two times of one zone by their wall clocks, whatever their fold."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=LONDON)).astimezone(UTC)


def shown_time(moment: datetime) -> str:
    """A stored time as the change form shows it: London wall time, with BST or GMT in the hour the
    clocks repeat, so saving the form unchanged keeps the same instant."""
    local = moment.astimezone(LONDON)
    zone = f" {local.tzname()}" if in_repeated_hour(local) else ""
    return f"{local.strftime('%Y-%m-%d %H:%M')}{zone}"


def form_errors(scope: NetworkScope, form: MeetingForm, *, new: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form.title.strip():
        errors["title"] = "Enter the meeting's title"
    start, end = typed_time(form.start), typed_time(form.end)
    if start is None:
        errors["start"] = "Enter the start as a date and time, like 2026-12-01 18:00"
    if end is None:
        errors["end"] = "Enter the end as a date and time, like 2026-12-01 19:00"
    elif start is not None and _instant(end) <= _instant(start):
        errors["end"] = "The end must be after the start"
    if not form.location.strip() and not form.online_url.strip():
        errors["location"] = "Give a location, an online link, or both"
    if form.online_url.strip() and not form.online_url.strip().startswith("https://"):
        errors["online_url"] = "The online link must start with https://"
    errors.update(rule_errors(form))
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


def rule_errors(form: MeetingForm) -> dict[str, str]:
    """How the form's answer rules are typed (their limits are the meeting service's)."""
    errors = {}
    capacity = form.capacity.strip()
    if capacity and not (capacity.isdigit() and 1 <= int(capacity) <= 100_000):
        errors["capacity"] = (
            "Enter the number of places as a whole number from 1 to 100000, or leave it blank"
        )
    if form.answers_until.strip() and typed_time(form.answers_until) is None:
        errors["answers_until"] = "Enter when answers close as a date and time, like 2026-11-30 17:00"
    if len(form.access_question) > 300:
        errors["access_question"] = "The question must be 300 characters or fewer"
    return errors


def form_of(meeting: Meeting) -> MeetingForm:
    """The meeting as its change form shows it, times in London."""
    return MeetingForm(
        meeting.title, shown_time(meeting.start_at), shown_time(meeting.end_at), meeting.location,
        meeting.online_url, meeting.agenda, capacity=str(meeting.capacity or ""),
        answers_until=shown_time(meeting.answers_until) if meeting.answers_until else "",
        access_question=meeting.access_question,
    )  # fmt: skip


def audience_form(scope: NetworkScope, meeting: Meeting) -> MeetingForm:
    """Who the meeting reaches now, as the audience form shows it."""
    return MeetingForm(
        topics=topic_slugs_of(scope, meeting), invitees="\n".join(invitee_addresses(scope, meeting))
    )


def changed_fields(meeting: Meeting, form: MeetingForm, names: tuple[str, ...] = EDITABLE) -> list[str]:
    """The fields (of `names`: the details, or RULE_FIELDS) the form changes."""
    before = form_of(meeting)
    return [name for name in names if getattr(before, name).strip() != getattr(form, name).strip()]
