"""During a 5,000-email send, break the fleet; every consenting subscriber still gets exactly one email.

The 5,000 belong to two networks on two Notify services (the deployment's, and one network's own), so
each scenario also proves that a network's own service carries its email through the same faults.

Each scenario runs a real fleet (PostgreSQL, its own Redis, web, beat, two worker processes with
eight threads each) against the sandbox, and is bounded in time: the send itself takes well under
a minute here, and the sweeper (every 2 s, work stuck after 10 s) recovers what a fault strands.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from notifier.db.models import Delivery
from notifier.db.session import unit_of_work
from tests.support.databases import PostgresDatabases
from tests.support.send_run import assert_exactly_once, seed_networks, send_run

pytestmark = pytest.mark.chaos

EMAILS = 5000
DONE_WITHIN_SECONDS = 150
SENT_METRIC = 'notifier_emails_total{lane="bulk",'


def test_a_worker_killed_mid_send_is_replaced_and_nothing_is_lost_or_doubled(
    postgres: PostgresDatabases, tmp_path: Path
) -> None:
    with send_run(postgres, tmp_path, two_services=True) as run:
        audience = seed_networks(run, EMAILS)
        message_id = run.announce_all(audience)
        run.wait_for_sent(1000, timeout=60)
        run.fleet.kill_worker("w0")
        assert run.sandbox.ledger()["total"] < EMAILS - 1000, "the send ended before the kill"
        run.start_worker("w2")
        run.wait_until_done(message_id, timeout=DONE_WITHIN_SECONDS)
        assert_exactly_once(run.sandbox, audience)


def test_redis_restarting_mid_send_loses_queued_tasks_and_the_sweeper_recovers_them(
    postgres: PostgresDatabases, tmp_path: Path
) -> None:
    with send_run(postgres, tmp_path, two_services=True) as run:
        audience = seed_networks(run, EMAILS)
        message_id = run.announce_all(audience)
        run.wait_for_sent(1000, timeout=60)
        run.redis.restart(down_seconds=2.0)  # no persistence: the broker's queues and the bucket are gone
        assert run.sandbox.ledger()["total"] < EMAILS - 1000, "the send ended before Redis restarted"
        run.wait_until_done(message_id, timeout=DONE_WITHIN_SECONDS)
        assert_exactly_once(run.sandbox, audience)


def test_notify_errors_timeouts_after_accepting_and_429_bursts_still_send_each_email_once(
    postgres: PostgresDatabases, tmp_path: Path
) -> None:
    faults = (
        "--server-error-share", "0.05",
        "--timeout-share", "0.02", "--timeout-hold-seconds", "3",  # the workers give up after 2 s
        "--throttle", "0.5/4",  # RateLimitError for half a second every four seconds
        "--fault-seed", "7",
    )  # fmt: skip
    with send_run(postgres, tmp_path, sandbox_args=faults, two_services=True) as run:
        audience = seed_networks(run, EMAILS)
        message_id = run.announce_all(audience)
        run.wait_until_done(message_id, timeout=DONE_WITHIN_SECONDS)
        assert_exactly_once(run.sandbox, audience)
        throttled = sum(run.fleet.worker_metric(w, f'{SENT_METRIC}outcome="throttled"') for w in ("w0", "w1"))
        ambiguous = sum(run.fleet.worker_metric(w, f'{SENT_METRIC}outcome="ambiguous"') for w in ("w0", "w1"))
        with unit_of_work(run.sessions) as uow:
            retried = uow.session.scalar(select(func.count()).where(Delivery.attempts > 1))
    assert throttled > 0, "no 429 burst reached the workers"
    assert ambiguous >= EMAILS * 0.04, "the injected 500s and timeouts did not reach the workers"
    assert retried and retried >= EMAILS * 0.03  # a 500 is looked up, not found, and sent again
