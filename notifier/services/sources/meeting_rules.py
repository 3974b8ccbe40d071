"""The rules a meeting's details must keep, and the words for what an update changed.

Times without an offset are Europe/London wall times (`domain.london_times`): a time the clocks skip
is refused, a repeated one is read as its first occurrence with a note saying so. Times are compared
as instants (UTC), so "2:30am to 2:30am" across a clock change can never pass as a period, and a
meeting's length is its real duration (01:30 BST to 01:15 GMT on the October night is 45 minutes).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from notifier.db.models import Meeting
from notifier.domain.london_times import LocalTimeError, resolve_london
from notifier.domain.sources import MeetingStatus
from notifier.rendering.london_time import london_period

EDITABLE = ("title", "start", "end", "location", "online_url", "agenda")
DEFAULT_LONGEST_MEETING = timedelta(hours=24)


class MeetingError(ValueError):
    """A meeting request that cannot be acted on; `field` names the problem."""

    def __init__(self, field: str, message: str, *, conflict: bool = False) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.conflict = field, message, conflict


class NotHeld(MeetingError):
    """Minutes refused because the meeting does not count as held (`reason`: why), with no override."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            "meeting",
            f"{reason}: minutes are for a meeting that was held (set held_override to "
            "publish them anyway; the override is audited)",
            conflict=True,
        )
        self.reason = reason


def not_held(meeting: Meeting, now: datetime) -> str | None:
    """Why a meeting does not count as held, or None when it was."""
    if meeting.status is MeetingStatus.CANCELLED:
        return "is cancelled"
    if meeting.end_at > now:
        return "has not ended yet"
    return None


@dataclass(frozen=True)
class MeetingOffers:
    """What the meeting's page offers now: only what the meeting service would do."""

    change: bool  # its details, who is invited, its answers
    cancel: bool
    minutes: bool  # minutes of a meeting that was held
    minutes_override: str | None  # why it does not count as held, when minutes may go only by override


def offers(meeting: Meeting, now: datetime) -> MeetingOffers:
    waiting = meeting.status is MeetingStatus.AWAITING_APPROVAL
    live = meeting.status is not MeetingStatus.CANCELLED and not waiting
    reason = not_held(meeting, now)
    open_for_minutes = meeting.minutes_event_id is None and not waiting
    return MeetingOffers(
        change=live and meeting.end_at > now,
        cancel=meeting.status is not MeetingStatus.CANCELLED
        and meeting.end_at > now
        and meeting.minutes_event_id is None,
        minutes=open_for_minutes and reason is None,
        minutes_override=reason if open_for_minutes else None,
    )


@dataclass(frozen=True)
class MeetingDetails:
    title: str
    start: datetime
    end: datetime
    location: str = ""
    online_url: str = ""
    agenda: str = ""


@dataclass(frozen=True)
class Checked:
    details: MeetingDetails  # start and end aware, UTC
    notes: list[str] = field(default_factory=list)  # how an ambiguous London time was read


def current_details(meeting: Meeting) -> MeetingDetails:
    return MeetingDetails(
        meeting.title,
        meeting.start_at.astimezone(UTC),
        meeting.end_at.astimezone(UTC),
        meeting.location,
        meeting.online_url,
        meeting.agenda,
    )


def patched(meeting: Meeting, changes: dict[str, Any]) -> MeetingDetails:
    """The meeting's details with only the fields in `changes` replaced."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise MeetingError(unknown[0], "cannot be changed by an update")
    now = current_details(meeting)
    values = {f.name: changes.get(f.name, getattr(now, f.name)) for f in fields(MeetingDetails)}
    return MeetingDetails(**values)


def _when(value: datetime, name: str) -> tuple[datetime, str | None]:
    try:
        resolved = resolve_london(value, name)
    except LocalTimeError as exc:
        raise MeetingError(exc.field, exc.message) from exc
    return resolved.at, resolved.note


def url_origin(url: str) -> tuple[str, str]:
    """(scheme, host) of a link; ("", "") for one that cannot be read (e.g. "https://[")."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "", ""
    return parts.scheme, parts.netloc


def _hours(length: timedelta) -> str:
    hours = length.total_seconds() / 3600
    return f"{hours:g} hour{'' if hours == 1 else 's'}"


def check(details: MeetingDetails, *, longest: timedelta = DEFAULT_LONGEST_MEETING) -> Checked:
    title = " ".join(details.title.split())
    if not title or len(title) > 300:
        raise MeetingError("title", "give a title of 1 to 300 characters")
    start, start_note = _when(details.start, "start")
    end, end_note = _when(details.end, "end")
    if end <= start:
        raise MeetingError(
            "end", "must be after the start (times are Europe/London unless an offset is given)"
        )
    if end - start > longest:
        raise MeetingError("end", f"a meeting can last at most {_hours(longest)}: end it sooner")
    location, online_url = details.location.strip(), details.online_url.strip()
    if not location and not online_url:
        raise MeetingError("location", "give a location, an online link, or both")
    if online_url and url_origin(online_url)[0] != "https":
        raise MeetingError("online_url", "must be an https link")
    if len(location) > 300:
        raise MeetingError("location", "must be at most 300 characters")
    if len(online_url) > 500:
        raise MeetingError("online_url", "must be at most 500 characters")
    if len(details.agenda) > 20_000:
        raise MeetingError("agenda", "must be at most 20,000 characters")
    notes = [n for n in (start_note, end_note) if n]
    return Checked(MeetingDetails(title, start, end, location, online_url, details.agenda), notes)


@dataclass(frozen=True)
class AnswerRules:
    """How a meeting takes answers: places (None: no limit), a deadline (None: its start; a London
    time without an offset) and an optional question whose answers are health data."""

    capacity: int | None = None
    answers_until: datetime | None = None
    access_question: str = ""


def check_answer_rules(rules: AnswerRules, start: datetime) -> AnswerRules:
    """The rules with the deadline as a UTC instant and the question's spaces tidied."""
    if rules.capacity is not None and not 1 <= rules.capacity <= 100_000:
        raise MeetingError("capacity", "must be a whole number from 1 to 100,000, or none for no limit")
    until = _when(rules.answers_until, "answers_until")[0] if rules.answers_until else None
    if until is not None and until > start:
        raise MeetingError("answers_until", "must be no later than the meeting's start")
    question = " ".join(rules.access_question.split())
    if len(question) > 300:
        raise MeetingError("access_question", "must be at most 300 characters")
    return AnswerRules(rules.capacity, until, question)


def refuse_closed(meeting: Meeting, now: datetime) -> None:
    """A cancelled meeting, or one already held, cannot change (its details nor its audience); nor can
    one whose invitation waits for approval, so the approver approves what they saw."""
    if meeting.status is MeetingStatus.AWAITING_APPROVAL:
        raise MeetingError(
            "meeting",
            "is waiting for approval of its invitation and cannot change until that is decided "
            "(withdraw the request, or cancel the meeting, to change it)",
            conflict=True,
        )
    if meeting.status is MeetingStatus.CANCELLED:
        raise MeetingError("meeting", "is cancelled and cannot change", conflict=True)
    if meeting.end_at <= now:
        raise MeetingError("meeting", "has already been held and cannot change", conflict=True)


def refuse_past_start(start: datetime, now: datetime) -> None:
    if start <= now:
        raise MeetingError("start", "is in the past: invitations are only sent for meetings still to come")


def describe_changes(old: MeetingDetails, new: MeetingDetails) -> list[str]:
    """One line per field that differs, saying what it is now."""
    changes = []
    if new.title != old.title:
        changes.append(f"Title: now {new.title} (was {old.title}).")
    if new.start != old.start or new.end != old.end:
        changes.append(
            f"Date and time: now {london_period(new.start, new.end)} "
            f"(was {london_period(old.start, old.end)})."
        )
    if new.location != old.location:
        changes.append(f"Location: now {new.location}." if new.location else "Location: removed.")
    if new.online_url != old.online_url:
        if not new.online_url:
            changes.append("Online joining link: removed.")
        else:
            changes.append(
                "Online joining link: added." if not old.online_url else "Online joining link: changed."
            )
    if new.agenda != old.agenda:
        if not new.agenda.strip():
            changes.append("Agenda: removed.")
        else:
            changes.append("Agenda: added." if not old.agenda.strip() else "Agenda: changed.")
    return changes
