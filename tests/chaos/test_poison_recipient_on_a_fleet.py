"""A 5,000-email send on a real fleet (PostgreSQL, Redis, two workers, the sandbox) where Notify always
answers one address with a 500 and a worker is SIGKILLed mid-send: everyone else gets exactly one
email, the poison row ends `technical_failure` with its reason after the configured attempts, and the
message ends `done`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from notifier.db.models import Delivery, Message, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus, MessageStatus
from tests.support.bulk import address
from tests.support.databases import PostgresDatabases
from tests.support.send_run import assert_exactly_once, seed, send_run

pytestmark = pytest.mark.chaos

EMAILS = 5000
ATTEMPTS = 3
POISON = address(1717)
DONE_WITHIN_SECONDS = 240


def test_a_recipient_notify_always_refuses_with_500_fails_alone_and_the_message_finishes(
    postgres: PostgresDatabases, tmp_path: Path
) -> None:
    with send_run(postgres, tmp_path, fleet_settings={"NOTIFIER_SEND_MAX_ATTEMPTS": str(ATTEMPTS)}) as run:
        run.sandbox.set_faults(server_error_addresses=[POISON])
        audience = seed(run, EMAILS)
        message_id = run.announce_to(audience)
        run.wait_for_sent(1000, timeout=90)
        run.fleet.kill_worker("w0")
        run.start_worker("w2")
        run.wait_until_done(message_id, timeout=DONE_WITHIN_SECONDS)
        assert_exactly_once(
            run.sandbox, dataclasses.replace(audience, consenting=audience.consenting - {POISON})
        )
        with unit_of_work(run.sessions) as uow:
            poison = uow.session.scalars(
                select(Delivery)
                .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
                .where(Delivery.message_id == message_id, Subscriber.email == POISON)
            ).one()
            failed = list(
                uow.session.scalars(
                    select(Delivery.id).where(
                        Delivery.message_id == message_id, Delivery.status == DeliveryStatus.TECHNICAL_FAILURE
                    )
                )
            )
            status = uow.session.get_one(Message, message_id).status
        assert poison.status is DeliveryStatus.TECHNICAL_FAILURE and poison.attempts == ATTEMPTS
        assert poison.failure_reason is not None
        assert poison.failure_reason.startswith(f"gave up after {ATTEMPTS} attempts: ")
        assert failed == [poison.id] and status is MessageStatus.DONE
