"""The delivery-link rule walks its index in bounded batches, network by network, on SQLite and
PostgreSQL: with batches of 2, every due link of two networks (one with a shorter period, rows sharing
a timestamp) is cleared, a row not yet due or still in flight keeps its link, the counts add up per
network, and the state between batches survives the task's JSON arguments."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Network, RetentionEvidence, Topic
from notifier.db.session import unit_of_work
from notifier.domain.retention import Period, RetentionKind
from notifier.domain.statuses import DeliveryStatus, Lane
from notifier.services.privacy.retention import RunState, run_batch, set_rule, start_run
from tests.integration.retention import people
from tests.support.seeding import HASH_KEY, network_with_topics, subscriber
from tests.support.settings import make_settings

pytestmark = pytest.mark.dates

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _deliveries(
    session: Session, network: Network, topics: list[Topic], rows: list[tuple[datetime, DeliveryStatus]]
) -> list[int]:
    """One email per row, each to its own person, last changed at the row's moment; their ids."""
    ids = []
    for stamp, status in rows:
        person = subscriber(
            session, network, f"{network.slug}-{uuid.uuid4().hex[:12]}@justice.gov.uk", topics
        )
        delivery = people.email_to(session, person, Lane.BULK)
        delivery.status, delivery.updated_at = status, stamp
        session.flush()
        ids.append(delivery.id)
    return ids


def test_batches_walk_every_network_and_resume_from_task_arguments(sessions: sessionmaker[Session]) -> None:
    settings = make_settings(secret_key=HASH_KEY, retention_batch_size=2, delivery_link_days=30)
    old, settled = NOW - 40 * DAY, DeliveryStatus.DELIVERED
    with time_machine.travel(NOW - 50 * DAY, tick=False), unit_of_work(sessions) as uow:
        alpha, alpha_topics = network_with_topics(uow.session, "alpha")
        beta, beta_topics = network_with_topics(uow.session, "beta")
        set_rule(uow.session, beta.id, RetentionKind.DELIVERY_LINK, Period(days=10), utcnow())
        # Five due in alpha, three of them changed at the same moment; one not yet due; one in flight.
        due = [(old, settled)] * 3 + [(old + DAY, settled)] * 2
        alpha_due = _deliveries(uow.session, alpha, alpha_topics, due)
        kept = [(NOW - 20 * DAY, settled), (old, DeliveryStatus.QUEUED)]
        alpha_kept = _deliveries(uow.session, alpha, alpha_topics, kept)
        # Beta clears after 10 days: three due, one not.
        failed = [(NOW - 15 * DAY, DeliveryStatus.PERMANENT_FAILURE)] * 3
        beta_due = _deliveries(uow.session, beta, beta_topics, failed)
        beta_kept = _deliveries(uow.session, beta, beta_topics, [(NOW - 5 * DAY, settled)])
        networks = {alpha.id: len(alpha_due), beta.id: len(beta_due)}

    state: RunState | None = start_run(NOW)
    run_id, batches = state.run_id, 0
    while state is not None:
        state = run_batch(sessions, settings, state)
        batches += 1
        if state is not None:  # as the beat task hands it to the next task
            state = RunState.resume(*json.loads(json.dumps(state.task_args())))
        assert batches < 20, "the run does not end"

    with unit_of_work(sessions) as uow:
        links = dict(uow.session.execute(select(Delivery.id, Delivery.subscriber_id)).tuples().all())
        assert [links[i] for i in alpha_due + beta_due] == [None] * 8
        assert all(links[i] is not None for i in alpha_kept + beta_kept)
        unlinked = {
            row.network_id: row.counts["deliveries_unlinked"]
            for row in uow.session.scalars(
                select(RetentionEvidence).where(
                    RetentionEvidence.run_id == run_id, RetentionEvidence.kind == RetentionKind.DELIVERY_LINK
                )
            )
        }
    assert unlinked == networks
    assert batches == 5  # 8 rows by 2, and the batch that finds nothing left
