"""The real beat and worker processes run retention by themselves: one run, in batches that re-queue
themselves (batch size 1 here), ending with the leavers erased and one evidence row per rule."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import RetentionEvidence, Subscriber
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.retention import RetentionKind
from notifier.domain.statuses import ConsentSource, SubscriptionEndReason
from notifier.services.subscribers.subscriptions import unsubscribe
from tests.integration.retention import people
from tests.support.databases import SqliteTemplate
from tests.support.fleet import fleet_env, free_port, running_fleet
from tests.support.sandbox import start_sandbox
from tests.support.seeding import network_with_topics

pytestmark = pytest.mark.dates

LEAVERS = 3


def test_beat_runs_retention_in_self_requeueing_batches(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> None:
    database_url = sqlite_template.create(tmp_path)
    sessions = sessionmaker(bind=make_engine(database_url), expire_on_commit=False)
    with (
        time_machine.travel(datetime.now(UTC) - timedelta(days=250), tick=False),
        unit_of_work(sessions) as uow,
    ):
        network, topics = network_with_topics(uow.session, "alpha")
        for n in range(LEAVERS):
            leaver = people.person(uow.session, network, topics, f"leaver{n}@justice.gov.uk", f"Leaver {n}")
            unsubscribe(
                uow.session,
                network,
                leaver,
                topic_id=None,
                source=ConsentSource.FORM,
                reason=SubscriptionEndReason.UNSUBSCRIBED,
                now=utcnow(),
            )
    web_port = free_port()
    with start_sandbox() as sandbox:
        env = fleet_env(
            database_url=database_url,
            broker_url=f"sqla+sqlite:///{tmp_path / 'broker.db'}",
            redis_url=None,
            var_dir=tmp_path,
            sandbox_env=sandbox.env,
            web_port=web_port,
            callback_token="callback-token-for-tests",
            extra={"NOTIFIER_RETENTION_BATCH_SIZE": "1", "NOTIFIER_RETENTION_INTERVAL_SECONDS": "3"},
        )
        with running_fleet(env, tmp_path / "logs", web_port) as fleet:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with unit_of_work(sessions) as uow:
                    left = uow.session.scalars(select(Subscriber.id)).all()
                    evidence = uow.session.scalars(
                        select(RetentionEvidence).where(
                            RetentionEvidence.kind == RetentionKind.LEFT_SUBSCRIBER
                        )
                    ).all()
                if not left and evidence:
                    break
                time.sleep(0.5)
            else:
                raise AssertionError(f"retention did not run\n{fleet.logs()}")
    first_run = evidence[0]
    assert first_run.counts["subscribers"] == LEAVERS  # one run: its batches added up
    assert first_run.counts["consent_event"] == LEAVERS * 2  # granted, then withdrawn
