"""Dates for tests that must not depend on the day they run: London's clock changes after a given day."""

from __future__ import annotations

from datetime import date, timedelta

MARCH, OCTOBER = 3, 10  # the clocks go forward (March) and back (October) at 01:00 UTC


def last_sunday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def next_clock_change(month: int, after: date) -> date:
    """The first last Sunday of `month` (MARCH or OCTOBER) later than `after`."""
    this_year = last_sunday(after.year, month)
    return this_year if this_year > after else last_sunday(after.year + 1, month)
