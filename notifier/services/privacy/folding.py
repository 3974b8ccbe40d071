"""Folding old deliveries: rows older than `delivery_fold_months` become per-message tallies.

A delivery row is needed while its email is in flight, for receipts, and for the person's history and
erasure (its link is cleared after `delivery_link_days` anyway). After that only its counts matter, and
the tallies keep those: status, failure reason, whether Notify took it and the minute it did, which is
everything the funnel, the progress report and `notifier status` read. So the table stops growing with
every email ever sent, and a message reads the same before and after.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.domain.retention import Period
from notifier.repositories import delivery_tallies


def fold_cutoff(settings: Settings, now: datetime) -> datetime:
    """Deliveries created at or before this are folded at `now` (the retention rules' boundary)."""
    return Period(months=settings.delivery_fold_months).before(now)


def fold_old_deliveries(session: Session, settings: Settings, now: datetime) -> int:
    """Fold one bounded batch (`retention_batch_size` rows); returns how many rows it folded, so the
    caller runs another batch while a full one was folded."""
    limit = settings.retention_batch_size
    return delivery_tallies.fold(session, cutoff=fold_cutoff(settings, now), limit=limit, now=now)
