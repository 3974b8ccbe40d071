"""Dates of a network's site as the site means them: in the site's own zone (its `_config.yml`'s
`timezone`, else the zone of the machine that read it, as Jekyll does), written as GOV.UK writes
dates. A date written without a time (`start: 2022-07-10`) is a day, never "at midnight"."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notifier.rendering.london_time import LONDON, london_date

_NOON = 12


def site_zone(name: str | None) -> ZoneInfo:
    """The zone called `name`; London when none was recorded (sites read before zones were kept)."""
    if not name:
        return LONDON
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return LONDON


def _local(moment: datetime, zone: str | None) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime has no zone; pass an aware datetime")
    return moment.astimezone(site_zone(zone))


def site_date(value: date | datetime, zone: str | None) -> str:
    """ "Sunday 10 July 2022": the day it is in the site's zone."""
    return london_date(_local(value, zone).date() if isinstance(value, datetime) else value)


def site_clock(moment: datetime, zone: str | None) -> str:
    """ "2:30pm", "10am", "midday", "midnight" in the site's zone."""
    local = _local(moment, zone)
    if local.minute == 0 and local.hour in (0, _NOON):
        return "midnight" if local.hour == 0 else "midday"
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{local.hour % _NOON or _NOON}{minutes}{'am' if local.hour < _NOON else 'pm'}"


def site_datetime(moment: datetime, zone: str | None) -> str:
    return f"{site_date(moment, zone)} at {site_clock(moment, zone)}"


def site_period(start: datetime, end: datetime | None, zone: str | None, *, all_day: bool = False) -> str:
    """An event's time: a day ("Sunday 10 July 2022"), days ("... to ..."), a time, or a time range."""
    if all_day:
        first, last = site_date(start, zone), site_date(end, zone) if end else ""
        return f"{first} to {last}" if last and last != first else first
    if end is None:
        return site_datetime(start, zone)
    if _local(start, zone).date() == _local(end, zone).date():
        return f"{site_date(start, zone)}, {site_clock(start, zone)} to {site_clock(end, zone)}"
    return f"{site_datetime(start, zone)} to {site_datetime(end, zone)}"
