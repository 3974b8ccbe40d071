"""Ruby's YAML (Psych) and `Time.parse` as notifier reads them, checked against Ruby itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml.error import YAMLError

from notifier.services.sources.jekyll import rubytime, rubyyaml
from tests.support.jekyll import psych_load, ruby_time_parse

pytestmark = pytest.mark.dates

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

ODD_DATES = [
    "2022-07-07T00:00:00.00ZT16:12:42.537Z",  # a real site's: the Z is glued to the T, so no zone
    "2022-07-07T10:00:00Z",
    "2022-07-07 10:00:00.5 +01:00",
    "2022-07-07T10:00:00+0100",
    "2022-07-07 10:00 +0100",
    "2022-07-07 10:00:00 Europe/London",
    "7 July 2022 10am",
    "7th July 2022",
    "July 2022",
    "2022-07-07 10.30",
    "2022-07-07 10:00:00 CET",
    "2022-07-07 10:00:00 -05:00",
    "Thursday 7 July 2022",
    "2022-7-7 9:5",
    "March 5, 2025 6pm",
    "2025-03-05 18:30 BST",
    "Tue, 05 Mar 2025",
    "Wed, 05 Mar 2025 10:00:00 GMT",
    "2025/03/05",
    "05/03/2025",
    "20250305",
    "25-03-05",
    "2025-02-30",  # Time.local rolls over: 2 March
    "2025-03-30 01:30",  # the hour the clocks skip
    "2025-10-26 01:30",  # the hour that happens twice
    "1 Jan 2026 12pm",
    "1 Jan 2026 12am",
    "2025-03-05T10:00:00.123+05:30",
    "2025-03-05 25:00",
    "2025-13-40",
    "next tuesday",
    "no date here",
]


def _ours(text: str) -> Any:
    try:
        parsed = rubytime.time_parse(text, local=LONDON, now=NOW)
    except ValueError:
        return "error"
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ruby_answers(texts: list[str]) -> list[Any]:
    return ["error" if isinstance(a, dict) else a for a in ruby_time_parse(texts)]


def test_odd_dates_are_read_as_ruby_reads_them() -> None:
    assert [_ours(t) for t in ODD_DATES] == _ruby_answers(ODD_DATES)
    assert _ours("2022-07-07T00:00:00.00ZT16:12:42.537Z") == "2022-07-06T23:00:00.000000Z"


_zones = st.sampled_from(["", " Z", " +01:00", " -0500", " UTC", " GMT", " BST", " +1", "Z"])
_clock = st.builds(
    lambda h, m, s, frac, sep: f"{sep}{h:02d}:{m:02d}" + (f":{s:02d}{frac}" if s is not None else ""),
    st.integers(0, 23),
    st.integers(0, 59),
    st.none() | st.integers(0, 59),
    st.sampled_from(["", ".5", ".123"]),
    st.sampled_from([" ", "T", "  "]),
)
_iso = st.builds(
    lambda y, m, d, clock, zone: f"{y}-{m:02d}-{d:02d}" + (clock + zone if clock else ""),
    st.integers(1971, 2199),
    st.integers(1, 12),
    st.integers(1, 31),
    st.none() | _clock,
    _zones,
)
_months = ["January", "Feb", "March", "apr", "May", "June", "Jul", "August", "Sept", "oct", "Nov", "December"]
_wordy = st.builds(
    lambda d, m, y, order, clock: (f"{d} {m} {y}" if order else f"{m} {d}, {y}") + (clock or ""),
    st.integers(1, 28),
    st.sampled_from(_months),
    st.integers(1971, 2199),
    st.booleans(),
    st.none() | st.sampled_from([" 10am", " 6pm", " 18:30", " 9:05:07 +0100"]),
)


# One example of 300 texts: Ruby starts once and answers for all of them.
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_iso | _wordy, min_size=300, max_size=300))
def test_generated_dates_agree_with_ruby(texts: list[str]) -> None:
    assert [_ours(t) for t in texts] == _ruby_answers(texts)


FRONT_MATTER = [
    "title:\tTabbed\tvalue\n",
    "event:\n  start:\t2025-01-01\n  end:\t2025-01-02\n",
    "a:\t\tb\t\n",
    "title: Foo\t# comment\n",
    "k: [a,\tb]\n",
    "published: true\ntitle: x\npublished: false\n",
    "e:\n  a: 1\ne:\n  b: 2\n",
    "y: 1\nn: 2\nx: y\np: yes\nq: On\nr: NO\n",
    "t: 18:30\nu: 1:02:03\n",
    "o: 010\nf: 1e3\nv: 1_000\nh: 0x1F\nz: 1.5\n",
    "c: [1.5, 2, null, ~, '']\n",
    "d: 2025-02-30\n",
    "title: a\n\tb: c\n",
    "tags:\n-\tone\n",
]


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_front_matter_is_read_as_psych_reads_it() -> None:
    ours: list[Any] = []
    for text in FRONT_MATTER:
        try:
            ours.append(_plain(rubyyaml.load(text)))
        except (YAMLError, ValueError):
            ours.append("error")
    theirs = ["error" if isinstance(a, dict) and "__error__" in a else a for a in psych_load(FRONT_MATTER)]
    assert ours == theirs
    assert rubyyaml.load("published: true\npublished: false\n") == {"published": False}


def test_a_zoneless_yaml_timestamp_is_utc_and_quoted_text_is_local() -> None:
    loaded = rubyyaml.load("a: 2025-07-05 10:00:00\nb: '2025-07-05 10:00:00'\nc: 2025-07-05\n")
    assert isinstance(loaded["a"], rubyyaml.YamlTime) and loaded["a"].clock_without_zone
    assert not isinstance(loaded["b"], rubyyaml.YamlTime)
    assert isinstance(loaded["c"], rubyyaml.YamlTime) and not loaded["c"].clock_without_zone
