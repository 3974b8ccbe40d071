"""London wall times at the clock changes: the skipped hour is refused, the repeated hour is read as
its first occurrence with a note, an offset always decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.domain.london_times import LONDON, LocalTimeError, resolve_london
from notifier.services.sources.meeting_rules import (
    MeetingDetails,
    MeetingError,
    check,
    describe_changes,
    refuse_past_start,
)

# Naive on purpose: wall times as people type them.
SPRING = datetime(2026, 3, 29)  # noqa: DTZ001  (clocks go forward 01:00 GMT -> 02:00 BST)
AUTUMN = datetime(2026, 10, 25)  # noqa: DTZ001  (clocks go back 02:00 BST -> 01:00 GMT)
FIRST, LAST = datetime(2000, 1, 1), datetime(2040, 1, 1)  # noqa: DTZ001


@pytest.mark.parametrize("minute", [0, 1, 30, 59])
def test_a_time_the_clocks_skip_is_refused_naming_the_gap(minute: int) -> None:
    with pytest.raises(LocalTimeError) as refused:
        resolve_london(SPRING.replace(hour=1, minute=minute), "start")
    assert refused.value.field == "start"
    assert "does not exist in London" in refused.value.message
    assert "from 01:00 to 02:00" in refused.value.message


def test_the_minutes_either_side_of_the_gap_are_exact() -> None:
    assert resolve_london(SPRING.replace(hour=0, minute=59), "start").at == datetime(
        2026, 3, 29, 0, 59, tzinfo=UTC
    )
    after = resolve_london(SPRING.replace(hour=2), "start")
    assert after.at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC) and after.note is None


def test_a_repeated_time_is_the_first_occurrence_and_says_so() -> None:
    first = resolve_london(AUTUMN.replace(hour=1, minute=30), "end")
    assert first.at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert first.note is not None and first.note.startswith("end:")
    assert "happens twice" in first.note and "+01:00" in first.note and "2026-10-25T01:30+00:00" in first.note
    second = resolve_london(datetime.fromisoformat("2026-10-25T01:30+00:00"), "end")
    assert second.at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC) and second.note is None
    assert resolve_london(AUTUMN.replace(hour=2), "end").note is None  # 02:00 happens once


@given(st.datetimes(min_value=FIRST, max_value=LAST))
def test_every_wall_time_is_refused_or_read_back_as_itself(wall: datetime) -> None:
    try:
        resolved = resolve_london(wall, "start")
    except LocalTimeError:
        local = wall.replace(tzinfo=LONDON)
        assert local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != wall
        return
    assert resolved.at.tzinfo is UTC
    assert resolved.at.astimezone(LONDON).replace(tzinfo=None) == wall.replace(fold=0)


def _details(start: datetime, end: datetime, **more: str) -> MeetingDetails:
    return MeetingDetails("AGM", start, end, more.get("location", "Room 1"), more.get("online_url", ""))


def test_a_period_across_the_clock_change_is_compared_as_instants() -> None:
    with pytest.raises(MeetingError) as gap:  # the report's "2:30am to 2:30am"
        check(_details(SPRING.replace(hour=1, minute=30), SPRING.replace(hour=2, minute=30)))
    assert gap.value.field == "start"
    with pytest.raises(MeetingError) as backwards:  # 01:30 GMT to 01:45 BST: 45 minutes earlier
        check(
            _details(
                datetime.fromisoformat("2026-10-25T01:30+00:00"),
                datetime.fromisoformat("2026-10-25T01:45+01:00"),
            )
        )
    assert backwards.value.field == "end"
    checked = check(_details(AUTUMN.replace(hour=0, minute=30), AUTUMN.replace(hour=1, minute=30)))
    assert checked.details.end - checked.details.start == timedelta(hours=1)
    assert len(checked.notes) == 1 and checked.notes[0].startswith("end:")


def test_an_update_lists_exactly_the_fields_that_changed() -> None:
    start = datetime(2030, 3, 5, 18, 0, tzinfo=UTC)
    old = MeetingDetails("AGM", start, start + timedelta(hours=1), "Room 1", "https://t.example/a", "1. Hi")
    same = MeetingDetails(old.title, old.start, old.end, old.location, old.online_url, old.agenda)
    assert describe_changes(old, same) == []
    moved = MeetingDetails("AGM", start, start + timedelta(hours=2), "Room 1", "", "1. Hi")
    assert describe_changes(old, moved) == [
        "Date and time: now Tuesday 5 March 2030, 6pm to 8pm (was Tuesday 5 March 2030, 6pm to 7pm).",
        "Online joining link: removed.",
    ]
    renamed = MeetingDetails("Annual meeting", start, old.end, "Room 2", old.online_url, "")
    assert describe_changes(old, renamed) == [
        "Title: now Annual meeting (was AGM).",
        "Location: now Room 2.",
        "Agenda: removed.",
    ]


@pytest.mark.parametrize(
    ("seconds_after_now", "refused"),
    [(-1, True), (0, True), (1, False)],  # a second before now, now itself, a second after
)
def test_a_meeting_must_start_after_now(seconds_after_now: int, refused: bool) -> None:
    now = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # during the repeated hour, as it happens
    start = now + timedelta(seconds=seconds_after_now)
    if refused:
        with pytest.raises(MeetingError) as error:
            refuse_past_start(start, now)
        assert error.value.field == "start" and "is in the past" in error.value.message
    else:
        refuse_past_start(start, now)
