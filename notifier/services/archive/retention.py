"""How long archive items are kept: for ever by default (they hold no personal data: no names,
addresses, tokens or readers' links), or `archive_retention_months` after they were sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.domain.retention import Period
from notifier.repositories import archive as repo


def period_of(settings: Settings) -> Period | None:
    """None: kept for ever."""
    months = settings.archive_retention_months
    return Period(months=months) if months else None


def delete_expired(session: Session, settings: Settings, network_id: int, now: datetime, limit: int) -> int:
    period = period_of(settings)
    if period is None:
        return 0
    return repo.delete_sent_before(session, network_id, period.before(now), limit)


@dataclass(frozen=True)
class ArchiveRetention:
    period: Period | None  # None: for ever
    items: int
    due_now: int
    next_due_at: datetime | None

    @property
    def summary(self) -> str:
        if self.period is None:
            return f"{self.items} kept for ever: they hold no personal data"
        return f"{self.items} kept {self.period.months} months after they were sent; {self.due_now} due now"


def archive_retention(
    session: Session, settings: Settings, network_id: int, now: datetime
) -> ArchiveRetention:
    period = period_of(settings)
    cutoff = period.before(now) if period is not None else None
    items, due = repo.count_sent_before(session, network_id, cutoff)
    earliest = repo.earliest_sent(session, network_id) if period is not None else None
    next_due = period.after(earliest) if period is not None and earliest is not None and due == 0 else None
    return ArchiveRetention(period, items, due, next_due)
