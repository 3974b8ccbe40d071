"""Wall-clock times people type, read as Europe/London: the rules for the hours the clocks skip or
repeat. No I/O.

A time without an offset is a London time. On the last Sunday of March the clocks go forward, so
a time such as 01:30 does not exist: it is refused, never shifted. On the last Sunday of October
they go back, so 01:30 happens twice: the first (BST) is taken and a note says so; giving the offset
(`+00:00` for the second) chooses. A time with an offset is exact and needs no rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_MINUTE = timedelta(minutes=1)
_LONGEST_GAP_MINUTES = 180


class LocalTimeError(ValueError):
    """A London wall time that cannot be used; `field` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class ResolvedTime:
    at: datetime  # aware, UTC
    note: str | None = None  # set when an ambiguous time was read as its first occurrence


def _wall(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def exists_in_london(wall: datetime) -> bool:
    """False for a naive wall time in the spring-forward gap."""
    local = wall.replace(tzinfo=LONDON, fold=0)
    return local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) == wall.replace(fold=0)


def is_ambiguous_in_london(wall: datetime) -> bool:
    """True for a naive wall time the autumn fall-back repeats."""
    first, second = wall.replace(tzinfo=LONDON, fold=0), wall.replace(tzinfo=LONDON, fold=1)
    return exists_in_london(wall) and first.utcoffset() != second.utcoffset()


def _gap(wall: datetime) -> tuple[datetime, datetime]:
    """The first skipped minute and the first minute after the gap that holds `wall`."""
    start = wall.replace(second=0, microsecond=0)
    for _ in range(_LONGEST_GAP_MINUTES):
        if exists_in_london(start - _MINUTE):
            break
        start -= _MINUTE
    end = wall.replace(second=0, microsecond=0)
    for _ in range(_LONGEST_GAP_MINUTES):
        end += _MINUTE
        if exists_in_london(end):
            break
    return start, end


def _offset(value: datetime) -> str:
    offset = value.utcoffset() or timedelta(0)
    hours, minutes = divmod(int(offset.total_seconds()) // 60, 60)
    return f"+{hours:02d}:{minutes:02d}"


def resolve_london(value: datetime, field: str) -> ResolvedTime:
    """The instant `value` means: exact when it has an offset, else read as London wall time."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return ResolvedTime(value.astimezone(UTC))
    wall = value.replace(tzinfo=None, fold=0)
    if not exists_in_london(wall):
        start, end = _gap(wall)
        raise LocalTimeError(
            field,
            f"{_wall(wall)} does not exist in London: the clocks go forward from "
            f"{start:%H:%M} to {end:%H:%M} that night. Give a time before {start:%H:%M} or from "
            f"{end:%H:%M}.",
        )
    first = wall.replace(tzinfo=LONDON, fold=0)
    if not is_ambiguous_in_london(wall):
        return ResolvedTime(first.astimezone(UTC))
    second = wall.replace(tzinfo=LONDON, fold=1)
    note = (
        f"{field}: {_wall(wall)} happens twice in London as the clocks go back; taken as the first "
        f"({_wall(wall)}{_offset(first)}, {first.tzname()}). For the second, give "
        f"{wall:%Y-%m-%dT%H:%M}{_offset(second)}."
    )
    return ResolvedTime(first.astimezone(UTC), note)
