"""Old deliveries are folded into per-message tallies and deleted, and every report of the message reads
the same before and after: the funnel (dashboard), the progress report (admin API, `notifier status`).
On both databases, with the clock held at the boundary: a row one second before it and one at it are
folded, one a second after it is kept until the clock passes it, and a row still in flight is kept."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.models import Delivery, DeliveryTally, Message
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus, Lane, MessageStatus
from notifier.services.admin.funnels import message_funnel
from notifier.services.admin.reporting import MessageProgress, message_progress
from notifier.services.privacy.folding import fold_cutoff, fold_old_deliveries
from tests.support.seeding import HASH_KEY, network_with_topics, subscriber
from tests.support.settings import make_settings

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

NOW = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)
# (status, failure reason, reached Notify, accepted this many minutes after the send began)
ROWS = [
    (DeliveryStatus.DELIVERED, None, True, 0),
    (DeliveryStatus.DELIVERED, None, True, 1),
    (DeliveryStatus.PERMANENT_FAILURE, "email address does not exist", True, 1),
    (DeliveryStatus.TEMPORARY_FAILURE, None, True, 2),
    (DeliveryStatus.TECHNICAL_FAILURE, "composing failed", False, None),
    (DeliveryStatus.ACCEPTED, None, True, 2),
    (DeliveryStatus.SKIPPED, "consent withdrawn", False, None),
]


@dataclass(frozen=True)
class Seeded:
    network_id: int
    message_id: int
    by_age: dict[str, list[int]]  # "before", "at", "after" the boundary, "in flight": delivery ids


def _seed(sessions: sessionmaker[Session], settings: Settings) -> Seeded:
    cutoff = fold_cutoff(settings, NOW)
    ages = {"before": cutoff - SECOND, "at": cutoff, "after": cutoff + SECOND}
    with time_machine.travel(cutoff - timedelta(days=1), tick=False), unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha")
        message = Message(network_id=network.id, topic_id=topics[0].id, email_kind="announcement",
                          lane=Lane.BULK, status=MessageStatus.DONE, context={})  # fmt: skip
        uow.session.add(message)
        uow.session.flush()
        by_age: dict[str, list[int]] = {}
        person = 0
        for age, created in ages.items():
            for status, reason, reached, minute in ROWS:
                person += 1
                reader = subscriber(uow.session, network, f"p{person}@justice.gov.uk", topics)
                row = _delivery(network.id, message.id, reader.id, status, created)
                row.failure_reason = reason
                row.notify_id = f"00000000-0000-4000-8000-{person:012d}" if reached else None
                row.accepted_at = None if minute is None else created + timedelta(minutes=minute, seconds=7)
                uow.session.add(row)
                uow.session.flush()
                by_age.setdefault(age, []).append(row.id)
        reader = subscriber(uow.session, network, "late@justice.gov.uk", topics)
        queued = _delivery(network.id, message.id, reader.id, DeliveryStatus.QUEUED, ages["before"])
        uow.session.add(queued)
        uow.session.flush()
        by_age["in flight"] = [queued.id]
        return Seeded(network.id, message.id, by_age)


def _delivery(network_id: int, message_id: int, subscriber_id: int, status: DeliveryStatus,
              created: datetime) -> Delivery:  # fmt: skip
    return Delivery(network_id=network_id, message_id=message_id, subscriber_id=subscriber_id,
                    status=status, created_at=created, updated_at=created)  # fmt: skip


def _reports(sessions: sessionmaker[Session], seeded: Seeded) -> tuple[tuple[Any, ...], MessageProgress]:
    with unit_of_work(sessions) as uow:
        funnel = message_funnel(uow.session, seeded.network_id, seeded.message_id)
        progress = message_progress(uow.session, seeded.message_id)
        assert funnel is not None
        assert progress is not None
        read = tuple(getattr(funnel, f.name) for f in fields(funnel) if f.name != "message")
        return read, progress


def _fold_at(sessions: sessionmaker[Session], settings: Settings, moment: datetime) -> int:
    """Folds batch after batch, as the beat task re-queues itself; the rows folded in all."""
    folded = 0
    with time_machine.travel(moment, tick=False):
        while True:
            with unit_of_work(sessions) as uow:
                batch = fold_old_deliveries(uow.session, settings, utcnow())
            folded += batch
            if batch < settings.retention_batch_size:
                return folded


def _stored(sessions: sessionmaker[Session]) -> set[int]:
    with unit_of_work(sessions) as uow:
        return set(uow.session.scalars(select(Delivery.id)))


def test_deliveries_are_folded_at_their_age_and_every_report_reads_the_same(
    sessions: sessionmaker[Session],
) -> None:
    settings = make_settings(secret_key=HASH_KEY, retention_batch_size=4)
    assert settings.delivery_fold_months == 13
    seeded = _seed(sessions, settings)
    before = _reports(sessions, seeded)
    funnel, progress = before
    assert progress.counts == {"total": 22, "queued": 1, "sent": 15, "delivered": 6, "failed": 9,
                               "skipped": 3}  # fmt: skip
    assert funnel[-1][0][1] == 3  # sends per minute: the first minute of each age's three sends

    assert _fold_at(sessions, settings, NOW) == 2 * len(ROWS)
    kept = seeded.by_age["after"] + seeded.by_age["in flight"]
    assert _stored(sessions) == set(kept)
    assert _reports(sessions, seeded) == before

    assert _fold_at(sessions, settings, NOW + SECOND) == len(ROWS)
    assert _stored(sessions) == set(seeded.by_age["in flight"])
    assert _reports(sessions, seeded) == before
    with unit_of_work(sessions) as uow:
        tallied = uow.session.scalar(select(func.sum(DeliveryTally.deliveries)))
    assert tallied == 3 * len(ROWS)
