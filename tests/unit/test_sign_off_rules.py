"""The sign-off rules that need no database: which meeting changes wait, the steering group's floor,
terms' last days and quarters (London midnights, whatever the clocks do)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from notifier.domain.sign_off import (
    MIN_APPROVERS,
    TeamCounts,
    meeting_change_needs_approval,
    quarter_start,
    sign_off_can_start,
    team_floor_problem,
    term_last_day,
)
from notifier.domain.sources import AdminRole

A, P, E = AdminRole.ADMIN, AdminRole.APPROVER, AdminRole.EDITOR


@pytest.mark.parametrize(
    ("fields", "note", "waits"),
    [
        ({"start", "end"}, "", False),  # a new time alone: people must know at once
        ({"start"}, "  ", False),
        ({"start"}, "Moved because of the strike", True),  # a note is words
        ({"title"}, "", True),
        ({"agenda", "start"}, "", True),
        ({"location"}, "", True),
        ({"online_url"}, "", True),
        (set(), "Just words", True),
    ],
)
def test_only_changes_with_words_wait(fields: set[str], note: str, waits: bool) -> None:
    assert meeting_change_needs_approval(fields, note) is waits


def test_counts_people_who_can_approve_and_admins() -> None:
    assert TeamCounts.of([A, P, E, E]) == TeamCounts(approvers=2, admins=1)


@pytest.mark.parametrize(
    ("before", "after", "refused"),
    [
        ([A, P], [A], "at least 2 people who can approve"),  # the second approver goes
        ([A, P, P], [A, P], None),
        ([A, A], [A], "at least 2 people who can approve"),
        ([A, P], [P, P], "at least one admin"),  # the admin becomes an approver
        ([A, A, P], [A, P], None),
        ([A], [A, E], None),  # a new network below the floor: adding an editor takes nobody away
        ([A], [P], "at least one admin"),
        ([A, P, E], [A, P], None),  # an editor leaving counts for nothing
    ],
)
def test_the_floor(before: list[AdminRole], after: list[AdminRole], refused: str | None) -> None:
    problem = team_floor_problem(TeamCounts.of(before), TeamCounts.of(after))
    assert (problem is None) if refused is None else (refused in (problem or ""))


def test_sign_off_starts_only_with_two_who_can_approve() -> None:
    assert sign_off_can_start(TeamCounts.of([A])) is not None
    assert sign_off_can_start(TeamCounts.of([A, E])) is not None
    assert sign_off_can_start(TeamCounts.of([A, P])) is None
    assert MIN_APPROVERS == 2


@pytest.mark.parametrize(
    ("ends_at", "last_day"),
    [
        (datetime(2027, 3, 31, 23, 0, tzinfo=UTC), date(2027, 3, 31)),  # midnight BST after 31 March
        (datetime(2027, 1, 1, 0, 0, tzinfo=UTC), date(2026, 12, 31)),  # midnight GMT
        (datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC), date(2027, 1, 1)),
    ],
)
def test_a_terms_last_day_is_the_london_day_before_it_ends(ends_at: datetime, last_day: date) -> None:
    assert term_last_day(ends_at) == last_day


@pytest.mark.parametrize(
    ("moment", "start"),
    [
        # 1 April begins at 23:00 UTC on 31 March (BST): one second either side of it.
        (datetime(2027, 3, 31, 22, 59, 59, tzinfo=UTC), datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
        (datetime(2027, 3, 31, 23, 0, 0, tzinfo=UTC), datetime(2027, 3, 31, 23, 0, tzinfo=UTC)),
        (datetime(2027, 3, 31, 23, 0, 1, tzinfo=UTC), datetime(2027, 3, 31, 23, 0, tzinfo=UTC)),
        # 1 January begins at 00:00 UTC (GMT).
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2026, 9, 30, 23, 0, tzinfo=UTC)),
        (datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC), datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_quarters_begin_at_midnight_in_london(moment: datetime, start: datetime) -> None:
    assert quarter_start(moment) == start
    assert quarter_start(moment) <= moment < quarter_start(start + timedelta(days=100))
