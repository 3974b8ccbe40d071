"""Retention rules as the privacy notice states them, and the calendar arithmetic they need. No I/O.

A period is whole months plus days (the notice speaks in months, a link's life in days). A network
may shorten a rule; lengthening one past the notice is refused, because the notice is the promise.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class RetentionKind(StrEnum):
    LEFT_SUBSCRIBER = "left_subscriber"  # months after the last subscription or membership ended
    UNCONFIRMED_SIGNUP = "unconfirmed_signup"  # when the confirmation link expires
    CONTACT_ENQUIRY = "contact_enquiry"  # months after it arrived
    ERASURE_REQUEST = "erasure_request"  # after a removal request is verified (notice: within 1 month)
    DELIVERY_LINK = "delivery_link"  # a delivery row's link to the person; ids and counts stay
    CLOSED_REQUEST = "closed_request"  # a data request's personal details, once it is closed
    # Answers to a meeting's optional question (health data): at once when the minutes are out or the
    # meeting is cancelled, else this long after the meeting ended.
    MEETING_ACCESS_NEEDS = "meeting_access_needs"


@dataclass(frozen=True, order=True)
class Period:
    """Whole calendar months, then days.

    `after` and `before` are exact inverses, so the report (when a row falls due) and the run (the
    cutoff it deletes at or before) agree to the microsecond: a row stamped `t` is due at `now`
    exactly when `t <= before(now)`, which is exactly when `after(t) <= now`. A month that lacks the
    day (31 August + 6 months) ends with its last day: due at the first instant of the next month.
    """

    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if self.months < 0 or self.days < 0:
            raise ValueError("a retention period cannot be negative")

    def after(self, moment: datetime) -> datetime:
        """When data stamped `moment` falls due (31 Aug + 6 months: 1 March 00:00, the end of 28 Feb)."""
        return add_days(add_months_or_next(moment, self.months), self.days)

    def before(self, moment: datetime) -> datetime:
        """The cutoff: data stamped at or before this is due at `moment` (the inverse of `after`)."""
        return latest_months_before(add_days(moment, -self.days), self.months)

    def fits_within(self, limit: Period) -> bool:
        """True when this period can never end later than `limit` (months are 28 to 31 days long)."""
        if self.months <= limit.months and self.days <= limit.days:
            return True
        return self.months * 31 + self.days <= limit.months * 28 + limit.days

    def describe(self) -> str:
        if not self.months and not self.days:
            return "at once"
        parts = []
        if self.months:
            parts.append(f"{self.months} month{'s' if self.months != 1 else ''}")
        if self.days:
            parts.append(f"{self.days} day{'s' if self.days != 1 else ''}")
        return " and ".join(parts)


def _month(year_month: int) -> tuple[int, int, int]:
    """(year, month, days in it) for a month counted from year 0."""
    year, month = divmod(year_month, 12)
    return year, month + 1, calendar.monthrange(year, month + 1)[1]


def add_months_or_next(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; when that month lacks the day, the first instant of the
    month after it (the end of the month's last day). Never decreasing in `moment`."""
    year, month, last_day = _month(moment.year * 12 + moment.month - 1 + months)
    if moment.day <= last_day:
        return moment.replace(year=year, month=month)
    year, month, _ = _month(year * 12 + month)  # the month after
    return moment.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def latest_months_before(moment: datetime, months: int) -> datetime:
    """The latest `t` with `add_months_or_next(t, months) <= moment`."""
    year, month, last_day = _month(moment.year * 12 + moment.month - 1 - months)
    if moment.day <= last_day:
        return moment.replace(year=year, month=month)
    # Every instant of that month maps to at most the same day-of-month or to the start of the next
    # month, both at or before `moment`: the whole month is due, up to its last microsecond.
    year, month, _ = _month(year * 12 + month)
    first_of_next = moment.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    return first_of_next - timedelta(microseconds=1)


def add_days(moment: datetime, days: int) -> datetime:
    return moment + timedelta(days=days)


# The privacy notice's clauses: the longest each rule may ever be. Defaults are these, except where a
# setting shortens them (the confirmation link's life, the delivery-link period).
NOTICE_MAXIMUM: dict[RetentionKind, Period] = {
    RetentionKind.LEFT_SUBSCRIBER: Period(months=6),
    RetentionKind.UNCONFIRMED_SIGNUP: Period(months=1),
    RetentionKind.CONTACT_ENQUIRY: Period(months=6),
    RetentionKind.ERASURE_REQUEST: Period(months=1),
    RetentionKind.DELIVERY_LINK: Period(months=6),
    RetentionKind.CLOSED_REQUEST: Period(months=1),
    RetentionKind.MEETING_ACCESS_NEEDS: Period(months=1),
}

DATA_REQUEST_DEADLINE = Period(months=1)


class RuleTooLong(ValueError):
    """A rule would keep data longer than the privacy notice says."""


def check_within_notice(kind: RetentionKind, period: Period) -> None:
    limit = NOTICE_MAXIMUM[kind]
    if not period.fits_within(limit):
        raise RuleTooLong(
            f"{kind.value}: {period.describe()} is longer than the privacy notice's {limit.describe()}; "
            "change the notice first"
        )


LONDON = ZoneInfo("Europe/London")
# Notify's nightly deletion runs in the small hours after London midnight; allow it this long.
NOTIFY_NIGHTLY_JOB_MARGIN = timedelta(hours=6)


def notify_forgets_at(sent_at: datetime, retention_days: int) -> datetime:
    """When Notify has deleted an email accepted at `sent_at`.

    Notify's nightly job deletes emails older than London midnight minus N days, so an email goes on
    the first London midnight after it is N days old, once that night's job has run.
    """
    aged = (sent_at + timedelta(days=retention_days)).astimezone(LONDON)
    next_midnight = datetime.combine(aged.date() + timedelta(days=1), datetime.min.time(), tzinfo=LONDON)
    return (next_midnight + NOTIFY_NIGHTLY_JOB_MARGIN).astimezone(sent_at.tzinfo)
