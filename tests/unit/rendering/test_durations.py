"""Lengths of time in words ("Reminder 1 day before", never "1440 minutes before")."""

from __future__ import annotations

import pytest

from notifier.rendering.durations import in_words


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0, "0 minutes"),
        (1, "1 minute"),
        (5, "5 minutes"),
        (59, "59 minutes"),
        (60, "1 hour"),
        (61, "1 hour 1 minute"),
        (90, "1 hour 30 minutes"),
        (120, "2 hours"),
        (1439, "23 hours 59 minutes"),
        (1440, "1 day"),
        (1441, "1 day 1 minute"),
        (2880, "2 days"),
        (20160, "14 days"),
    ],
)
def test_minutes_in_words(minutes: int, words: str) -> None:
    assert in_words(minutes) == words
