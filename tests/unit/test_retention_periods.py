"""Retention periods: calendar months, the notice's ceiling, and when Notify has forgotten an email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.domain.retention import (
    NOTICE_MAXIMUM,
    Period,
    RetentionKind,
    RuleTooLong,
    check_within_notice,
    notify_forgets_at,
)


def test_months_are_calendar_months_ending_with_the_last_day_a_month_has() -> None:
    # No 31 February: the period ends with 28 February, so it is due as 1 March begins (the run used
    # to erase then while the report said 28 February; they now agree).
    assert Period(months=6).after(datetime(2026, 8, 31, 10, tzinfo=UTC)) == datetime(2027, 3, 1, tzinfo=UTC)
    assert Period(months=6).after(datetime(2027, 8, 29, 10, tzinfo=UTC)) == datetime(
        2028, 2, 29, 10, tzinfo=UTC
    )  # a leap year has the day
    assert Period(months=6).after(datetime(2026, 8, 29, 10, tzinfo=UTC)) == datetime(2027, 3, 1, tzinfo=UTC)
    assert Period(months=6).before(datetime(2026, 7, 15, 12, tzinfo=UTC)) == datetime(
        2026, 1, 15, 12, tzinfo=UTC
    )
    assert Period(months=1, days=2).after(datetime(2026, 12, 30, tzinfo=UTC)) == datetime(
        2027, 2, 1, tzinfo=UTC
    )


@given(st.integers(0, 12), st.integers(0, 400))
def test_a_rule_within_the_notice_never_ends_after_it(months: int, days: int) -> None:
    period = Period(months, days)
    limit = NOTICE_MAXIMUM[RetentionKind.LEFT_SUBSCRIBER]
    if period.fits_within(limit):
        for start in (datetime(2026, 8, 31, tzinfo=UTC), datetime(2027, 1, 31, tzinfo=UTC)):
            assert period.after(start) <= limit.after(start)
    else:
        with pytest.raises(RuleTooLong):
            check_within_notice(RetentionKind.LEFT_SUBSCRIBER, period)


def test_notify_forgets_after_the_nightly_job_once_the_email_is_old_enough() -> None:
    winter = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert notify_forgets_at(winter, 7) == datetime(2026, 1, 23, 6, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London (BST)
    assert notify_forgets_at(summer, 3) == datetime(2026, 7, 6, 5, 0, tzinfo=UTC)


MOMENTS = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2040, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(st.integers(0, 12), st.integers(0, 60), MOMENTS, MOMENTS)
def test_the_run_cutoff_and_the_reported_due_time_are_exact_inverses(
    months: int, days: int, stamp: datetime, now: datetime
) -> None:
    """A row stamped `stamp` is deleted by a run at `now` exactly when the report says it is due."""
    period = Period(months, days)
    assert (stamp <= period.before(now)) == (period.after(stamp) <= now)
    due = period.after(stamp)
    assert stamp <= period.before(due)
    assert not stamp <= period.before(due - timedelta(microseconds=1))


@given(st.integers(0, 12), MOMENTS, MOMENTS)
def test_the_due_time_never_goes_backwards(months: int, first: datetime, second: datetime) -> None:
    earlier, later = sorted((first, second))
    assert Period(months).after(earlier) <= Period(months).after(later)


@pytest.mark.parametrize(
    ("stamp", "months", "due"),
    [
        ("2026-08-31T10:00:00", 6, "2027-03-01T00:00:00"),  # 28-day February
        ("2027-08-31T10:00:00", 6, "2028-03-01T00:00:00"),  # leap February lacks the 31st too
        ("2027-08-29T10:00:00", 6, "2028-02-29T10:00:00"),  # ...but has the 29th
        ("2028-02-29T10:00:00", 12, "2029-03-01T00:00:00"),  # a leap day a year on
        ("2026-03-31T23:59:59", 1, "2026-05-01T00:00:00"),  # 30-day April
        ("2026-01-31T00:00:00", 1, "2026-03-01T00:00:00"),
        ("2026-12-31T12:00:00", 2, "2027-03-01T00:00:00"),
        ("2026-07-15T12:00:00", 6, "2027-01-15T12:00:00"),  # across a year end
    ],
)
def test_month_end_and_leap_year_boundaries_to_the_second(stamp: str, months: int, due: str) -> None:
    period = Period(months)
    stamped = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
    at = datetime.fromisoformat(due).replace(tzinfo=UTC)
    assert period.after(stamped) == at
    second = timedelta(seconds=1)
    assert [stamped <= period.before(now) for now in (at - second, at, at + second)] == [False, True, True]
