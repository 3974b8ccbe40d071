"""Dates and times as GOV.UK writes them, in UK time: "Tuesday 3 March 2026 at 2:30pm".

Stored datetimes are UTC-aware; readers live in the UK, so emails show Europe/London time (GMT or BST
as the date falls). Names are spelled out here rather than taken from strftime, which follows the
process locale. A naive datetime is refused: its zone would be a guess.

Every London time keeps its fold (`astimezone` sets it), and two moments are compared as instants
(UTC), never as London wall times: on the October night 01:15 GMT comes after 01:30 BST. A time in
the hour the clocks repeat is printed with its zone ("1:30am BST", "1:30am GMT") so the two differ.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_NOON = 12


def to_london(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime has no zone; pass an aware (UTC) datetime")
    return moment.astimezone(LONDON)


def in_repeated_hour(local: datetime) -> bool:
    """True for a London time the autumn clock change repeats (its other fold has another offset)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _day(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def london_date(value: date | datetime) -> str:
    """ "Tuesday 3 March 2026"; an aware datetime is first moved to London time."""
    if isinstance(value, datetime):
        value = to_london(value).date()
    return _day(value)


def london_clock(moment: datetime) -> str:
    """ "2:30pm", "10am", "midday", "midnight" (GOV.UK style) for the London time of an aware datetime;
    "1:30am BST" or "1:30am GMT" in the hour the clocks repeat."""
    local = to_london(moment)
    if local.minute == 0 and local.hour in (0, _NOON):
        return "midnight" if local.hour == 0 else "midday"
    hour = local.hour % _NOON or _NOON
    suffix = "am" if local.hour < _NOON else "pm"
    minutes = f":{local.minute:02d}" if local.minute else ""
    zone = f" {local.tzname()}" if in_repeated_hour(local) else ""
    return f"{hour}{minutes}{suffix}{zone}"


def london_datetime(moment: datetime) -> str:
    """ "Tuesday 3 March 2026 at 2:30pm" in London time."""
    return f"{london_date(moment)} at {london_clock(moment)}"


def london_stamp(moment: datetime, *, seconds: bool = False) -> str:
    """ "30 Nov 2026 14:05" in London time: the compact form of the admin pages' tables ("... 01:30 GMT"
    in the repeated hour)."""
    local = to_london(moment)
    stamp = local.strftime("%d %b %Y %H:%M:%S" if seconds else "%d %b %Y %H:%M")
    return f"{stamp} {local.tzname()}" if in_repeated_hour(local) else stamp


def london_period(start: datetime, end: datetime | None = None) -> str:
    """A meeting's time: "Tuesday 3 March 2026, 2:30pm to 4pm", or both dates when it spans days."""
    if end is None:
        return london_datetime(start)
    if end.astimezone(UTC) < start.astimezone(UTC):  # instants: wall times ignore the fold
        raise ValueError("a period cannot end before it starts")
    if to_london(start).date() == to_london(end).date():
        return f"{london_date(start)}, {london_clock(start)} to {london_clock(end)}"
    return f"{london_datetime(start)} to {london_datetime(end)}"
