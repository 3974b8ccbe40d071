"""Retention periods: calendar months, the notice's ceiling, and when Notify has forgotten an email."""

from __future__ import annotations

from datetime import UTC, datetime

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


def test_months_are_calendar_months_clamped_at_month_end() -> None:
    assert Period(months=6).after(datetime(2026, 8, 31, tzinfo=UTC)) == datetime(2027, 2, 28, tzinfo=UTC)
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
