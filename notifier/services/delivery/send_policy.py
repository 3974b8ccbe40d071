"""Small rules of sending: backoff, pause times, metric labels, and which errors are not a row's fault."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.exc import DBAPIError, InterfaceError

from notifier.gateway.base import SendOutcome


def database_unreachable(error: Exception) -> bool:
    """A lost connection says nothing about the row being composed: the chunk runs again instead."""
    return isinstance(error, InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def reason_label(outcome: SendOutcome) -> str:
    """A short, bounded label: Notify's error class (e.g. BadRequestError) or the status code."""
    head = (outcome.reason or "").split(":", 1)[0]
    if re.fullmatch(r"[A-Z][A-Za-z]{2,40}Error", head):
        return head
    return str(outcome.status_code) if outcome.status_code else "no_response"


def backoff_seconds(attempts: int, *, throttled: bool) -> float:
    """Exponential backoff with full jitter; throttling waits are short because tokens refill at 50/s."""
    base = 1.0 if throttled else 2.0
    return random.uniform(base, base * 2 ** min(attempts, 8))


def seconds_until(when: datetime | None, now: datetime) -> float:
    return max(1.0, (when - now).total_seconds()) if when else 3600.0


def next_utc_midnight(now: datetime) -> datetime:
    """Notify's daily counters reset at 00:00 UTC (the gateway sets it; a default for a bare outcome)."""
    tomorrow = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=UTC)
