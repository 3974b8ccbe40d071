"""The checks every email context makes when it is built: text that must not be empty, datetimes that
must carry their zone (they are shown in London time)."""

from __future__ import annotations

from datetime import datetime


def require_text(**values: str) -> None:
    for name, value in values.items():
        if not value.strip():
            raise ValueError(f"{name} must not be empty")


def require_aware(**values: datetime | None) -> None:
    for name, value in values.items():
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError(f"{name} must be a timezone-aware datetime")
