"""The issue's fault-injection run on a real fleet (PostgreSQL, Redis, two workers, the sandbox).

A 5,000-email daily digest is committed by a process that dies before it enqueues anything (so only
the sweeper can start it); every chunk of 100 holds one reader whose email cannot be composed (their
topic's page was stored when the network's site lived elsewhere: a stored context that no longer
fits); Notify answers one other reader with a 500 every time; and a worker is SIGKILLed mid-send.
Every other consenting reader gets exactly one email, the bad rows end failed with their reason, and
the message ends done.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Event, Message, Network, Subscriber, Subscription
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus, EventKind, Frequency, Lane, MessageStatus
from notifier.services.admin.networks import create_topic
from notifier.services.sources.digests import latest_period, run_digest
from tests.support.bulk import address
from tests.support.databases import PostgresDatabases
from tests.support.fakes import RecordingQueue
from tests.support.send_run import SendRun, assert_exactly_once, seed, send_run

pytestmark = pytest.mark.chaos

READERS = 5000
CHUNK = 100
ATTEMPTS = 3
REFUSED_BY_NOTIFY = address(4321)
DONE_WITHIN_SECONDS = 300
COMPOSE_FAILED = "could not compose the email: ValueError"


class DiesAfterCommit(RecordingQueue):
    """The process committed the digest and died before enqueueing any of it."""

    def enqueue_fanout(self, message_id: int, *, countdown: float = 0) -> None:
        return None

    def enqueue_send(self, *args: object, **kwargs: object) -> None:
        return None


def _content(run: SendRun, network_id: int, topic_id: int, url: str, at: object) -> None:
    with unit_of_work(run.sessions) as uow:
        event = Event(
            network_id=network_id,
            kind=EventKind.CONTENT,
            source_key=url,
            title="A page",
            payload={"title": "A page", "url": url},
        )
        uow.session.add(event)
        uow.session.flush()
        uow.session.add(
            Message(
                network_id=network_id,
                event_id=event.id,
                topic_id=topic_id,
                email_kind="content",
                lane=Lane.BULK,
                status=MessageStatus.DONE,
                context={},
                created_at=at,
                updated_at=at,
            )
        )


def test_poison_rows_in_every_chunk_a_500_address_and_a_killed_worker_still_finish_the_send(
    postgres: PostgresDatabases, tmp_path: Path
) -> None:
    settings = {"NOTIFIER_SEND_MAX_ATTEMPTS": str(ATTEMPTS), "NOTIFIER_SEND_CHUNK_SIZE": str(CHUNK)}
    with send_run(postgres, tmp_path, fleet_settings=settings) as run:
        audience = seed(run, READERS)
        period = latest_period(Frequency.DAILY, utcnow())
        with unit_of_work(run.sessions) as uow:
            network = uow.session.get_one(Network, audience.network_id)
            uow.session.execute(
                update(Subscription)
                .where(Subscription.network_id == network.id)
                # subscribed before the period: a digest lists only what came while they were
                .values(frequency=Frequency.DAILY, started_at=period.start - timedelta(days=1))
            )
            archive_id = create_topic(uow.session, network, slug="archive", name="Archive").id
            site = network.site_url.rstrip("/")
        in_period = period.start + timedelta(hours=1)
        _content(run, audience.network_id, audience.topic_id, f"{site}/news/forum/", in_period)
        # Stored when the network's site lived elsewhere: its link can no longer be emitted.
        _content(run, audience.network_id, archive_id, "https://old-site.example.org/archive/", in_period)

        # One reader in each hundred (by id, the order the digest's deliveries are made in) also reads
        # the archive, from before the page came: their digest lists the page it cannot link.
        since = period.start - timedelta(days=1)
        with unit_of_work(run.sessions) as uow:
            readers = sorted(
                uow.session.scalars(select(Subscriber.id).where(Subscriber.email.in_(audience.consenting)))
            )
            poison_readers = set(readers[::CHUNK])
            for subscriber_id in poison_readers:
                uow.session.add(
                    Subscription(
                        network_id=audience.network_id, subscriber_id=subscriber_id, topic_id=archive_id,
                        frequency=Frequency.DAILY, started_at=since,
                    )
                )  # fmt: skip
            poison_addresses = set(
                uow.session.scalars(select(Subscriber.email).where(Subscriber.id.in_(poison_readers)))
            )

        outcome = run_digest(run.sessions, DiesAfterCommit(), audience.network_id, period, chunk_size=CHUNK)
        assert outcome is not None and outcome.recipients == READERS and outcome.message_id
        message_id = outcome.message_id
        with unit_of_work(run.sessions) as uow:
            ids = sorted(
                uow.session.execute(
                    select(Delivery.id, Delivery.subscriber_id).where(Delivery.message_id == message_id)
                ).tuples()
            )
        first = ids[0][0]
        chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
        assert all(sum(sub in poison_readers for _, sub in chunk) == 1 for chunk in chunks)
        assert len(poison_readers) == READERS // CHUNK and REFUSED_BY_NOTIFY not in poison_addresses
        run.sandbox.set_faults(server_error_addresses=[REFUSED_BY_NOTIFY])

        run.wait_for_sent(1000, timeout=120)  # the sweeper found the digest nobody enqueued
        run.fleet.kill_worker("w0")
        run.start_worker("w2")
        run.wait_until_done(message_id, timeout=DONE_WITHIN_SECONDS)

        expected = audience.consenting - poison_addresses - {REFUSED_BY_NOTIFY}
        assert_exactly_once(run.sandbox, dataclasses.replace(audience, consenting=expected))
        with unit_of_work(run.sessions) as uow:
            failed = uow.session.execute(
                select(Delivery.id, Subscriber.email, Delivery.failure_reason, Delivery.attempts)
                .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
                .where(Delivery.message_id == message_id, Delivery.status == DeliveryStatus.TECHNICAL_FAILURE)
            ).all()
            status = uow.session.get_one(Message, message_id).status
        composed_badly = {email for _, email, reason, _ in failed if reason == COMPOSE_FAILED}
        assert composed_badly == poison_addresses
        chunks_with_a_poison_row = {
            (d - first) // CHUNK for d, _, reason, _ in failed if reason == COMPOSE_FAILED
        }
        assert chunks_with_a_poison_row == set(range(READERS // CHUNK))
        [refused] = [row for row in failed if row[1] == REFUSED_BY_NOTIFY]
        assert refused[2].startswith(f"gave up after {ATTEMPTS} attempts: ") and refused[3] == ATTEMPTS
        assert len(failed) == len(poison_addresses) + 1 and status is MessageStatus.DONE
