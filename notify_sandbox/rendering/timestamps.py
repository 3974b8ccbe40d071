"""Notify's JSON timestamp format: `2024-05-17T15:58:38.342838Z` (UTC, microseconds, a Z)."""

from __future__ import annotations

from datetime import UTC, datetime

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(DATETIME_FORMAT)


def iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)
