"""Dates and times in London time, GOV.UK style, across GMT and BST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from notifier.rendering.london_time import (
    LONDON,
    london_clock,
    london_date,
    london_datetime,
    london_period,
    london_stamp,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (utc(2026, 3, 3, 14, 30), "Tuesday 3 March 2026 at 2:30pm"),  # GMT: UTC+0
        (utc(2026, 7, 7, 13, 30), "Tuesday 7 July 2026 at 2:30pm"),  # BST: UTC+1
        (utc(2026, 3, 29, 0, 59), "Sunday 29 March 2026 at 12:59am"),  # last minute of GMT
        (utc(2026, 3, 29, 1, 0), "Sunday 29 March 2026 at 2am"),  # clocks go forward
        (utc(2026, 10, 25, 0, 30), "Sunday 25 October 2026 at 1:30am BST"),  # first 1:30am
        (utc(2026, 10, 25, 1, 30), "Sunday 25 October 2026 at 1:30am GMT"),  # second 1:30am
        (utc(2026, 10, 24, 23, 59), "Sunday 25 October 2026 at 12:59am"),  # before the repeated hour
        (utc(2026, 10, 25, 0, 0), "Sunday 25 October 2026 at 1am BST"),  # its first minute
        (utc(2026, 10, 25, 1, 59), "Sunday 25 October 2026 at 1:59am GMT"),  # its last minute
        (utc(2026, 10, 25, 2, 0), "Sunday 25 October 2026 at 2am"),  # after it
        (utc(2026, 6, 30, 23, 30), "Wednesday 1 July 2026 at 12:30am"),  # UTC date is the day before
        (utc(2026, 1, 5, 12, 0), "Monday 5 January 2026 at midday"),
        (utc(2026, 6, 4, 23, 0), "Friday 5 June 2026 at midnight"),
        (utc(2026, 12, 31, 9, 5), "Thursday 31 December 2026 at 9:05am"),
    ],
)
def test_london_datetime(moment: datetime, shown: str) -> None:
    assert london_datetime(moment) == shown


def test_any_aware_zone_is_converted() -> None:
    new_york = timezone(timedelta(hours=-5))
    assert london_datetime(datetime(2026, 3, 3, 9, 30, tzinfo=new_york)) == "Tuesday 3 March 2026 at 2:30pm"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        london_datetime(datetime(2026, 3, 3, 14, 30))  # noqa: DTZ001 - the point of the test


def test_london_date_takes_dates_and_datetimes() -> None:
    assert london_date(date(2026, 3, 3)) == "Tuesday 3 March 2026"
    assert london_date(utc(2026, 7, 6, 23, 15)) == "Tuesday 7 July 2026"


def test_clock() -> None:
    times = [(0, 0), (0, 1), (11, 0), (13, 0)]
    shown = [london_clock(utc(2026, 1, 1, hour, minute)) for hour, minute in times]
    assert shown == ["midnight", "12:01am", "11am", "1pm"]


def test_periods() -> None:
    same_day = london_period(utc(2026, 7, 7, 13, 30), utc(2026, 7, 7, 15, 0))
    assert same_day == "Tuesday 7 July 2026, 2:30pm to 4pm"
    assert london_period(utc(2026, 7, 7, 13, 30), None) == "Tuesday 7 July 2026 at 2:30pm"
    assert london_period(utc(2026, 7, 7, 22, 0), utc(2026, 7, 8, 8, 0)) == (
        "Tuesday 7 July 2026 at 11pm to Wednesday 8 July 2026 at 9am"
    )
    with pytest.raises(ValueError, match="end before it starts"):
        london_period(utc(2026, 7, 7, 13, 30), utc(2026, 7, 7, 12, 0))


def test_admin_tables_show_the_uk_wall_clock_in_summer_and_winter() -> None:
    assert london_stamp(utc(2026, 7, 7, 13, 5)) == "07 Jul 2026 14:05"
    assert london_stamp(utc(2026, 12, 7, 13, 5)) == "07 Dec 2026 13:05"
    assert london_stamp(utc(2026, 12, 31, 23, 59), seconds=True) == "31 Dec 2026 23:59:00"


def test_a_period_across_the_october_change_is_compared_as_instants() -> None:
    # 01:30 BST to 01:15 GMT: later in fact, earlier on the wall.
    october = london_period(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 15))
    assert october == "Sunday 25 October 2026, 1:30am BST to 1:15am GMT"
    with pytest.raises(ValueError, match="end before it starts"):
        london_period(utc(2026, 10, 25, 1, 15), utc(2026, 10, 25, 0, 30))
    # The same periods given as London times with their fold.
    start = utc(2026, 10, 25, 0, 30).astimezone(LONDON)
    end = utc(2026, 10, 25, 1, 15).astimezone(LONDON)
    assert (start.fold, end.fold) == (0, 1)
    assert london_period(start, end) == october


def test_a_period_across_the_march_gap() -> None:
    assert london_period(utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30)) == (
        "Sunday 29 March 2026, 12:30am to 2:30am"
    )


def test_stamps_in_the_repeated_hour_name_their_zone() -> None:
    assert london_stamp(utc(2026, 10, 25, 0, 30)) == "25 Oct 2026 01:30 BST"
    assert london_stamp(utc(2026, 10, 25, 1, 30)) == "25 Oct 2026 01:30 GMT"
    assert london_stamp(utc(2026, 10, 25, 2, 0)) == "25 Oct 2026 02:00"
