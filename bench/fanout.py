"""Benchmark 1: fan-out of 100,000 and 1,000,000 subscriptions on PostgreSQL, rows/s and peak memory.

The audience is seeded with generate_series (PostgreSQL only); the fan-out itself runs in a fresh
process, batch after batch exactly as the `notifier.fanout` task does, so its peak RSS is its own.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import threading
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from bench.common import Section, peak_rss_mib, postgres
from notifier.config import Settings
from notifier.db.models import Network, Topic
from notifier.db.session import make_engine, unit_of_work
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.sources.publishing import announce
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics

BATCH_SIZE = Settings(_env_file=None).fanout_batch_size
PARALLELISM = Settings(_env_file=None).fanout_parallelism
CHUNK_SIZE = Settings(_env_file=None).send_chunk_size
SIZES = (100_000, 1_000_000)

SEED_SUBSCRIBERS = """
INSERT INTO subscriber (network_id, email, email_hash, name, department, status,
                        consecutive_temporary_failures, created_at, confirmed_at)
SELECT :network, 'member' || n || '@dept.gov.uk', md5(n::text), 'Bulk Member', 'Testing', 'active', 0,
       now(), now()
FROM generate_series(1, :count) AS n
"""
SEED_SUBSCRIPTIONS = """
INSERT INTO subscription (network_id, subscriber_id, topic_id, frequency, started_at)
SELECT network_id, id, :topic, 'immediate', now() FROM subscriber WHERE network_id = :network
"""


def seed(url: str, count: int) -> int:
    """Seed `count` subscribers of one topic and queue an announcement; returns the message id."""
    sessions = sessionmaker(bind=make_engine(url), expire_on_commit=False)
    with unit_of_work(sessions) as uow:
        network, (topic,) = network_with_topics(uow.session, "bench")
        ids = {"network": network.id, "topic": topic.id, "count": count}
        uow.session.execute(text(SEED_SUBSCRIBERS), ids)
        uow.session.execute(text(SEED_SUBSCRIPTIONS), ids)
    with unit_of_work(sessions) as uow:
        network = uow.session.get_one(Network, ids["network"])
        topic = uow.session.get_one(Topic, ids["topic"])
        message_id = announce(uow, RecordingQueue(), network, topic, subject="Forum", body="All welcome.").id
    settle(url)
    return message_id


def settle(url: str) -> None:
    """Start the measurement quiet: the seed's tables vacuumed and analysed (no autovacuum starts on them
    mid-run) and its writes checkpointed (a checkpoint forced by the seed's WAL would otherwise land in
    the middle of the fan-out). Needs pg_checkpoint, which scripts/services.sh grants."""
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
        conn.execute(text("CHECKPOINT"))
    engine.dispose()


class _FanoutRuns(RecordingQueue):
    """What the fleet's worker threads do with fan-out tasks: run each as it comes, several at once."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: queue.Queue[int] = queue.Queue()

    def enqueue_fanout(self, message_id: int, *, countdown: float = 0) -> None:
        self.runs.put(message_id)

    def enqueue_send(self, *args: Any, **kwargs: Any) -> None:
        return None  # a real queue keeps nothing in the process either


def _fan_out(url: str, message_id: int, results: multiprocessing.Queue[dict[str, Any]]) -> None:
    sessions = sessionmaker(bind=make_engine(url), expire_on_commit=False)
    tasks = _FanoutRuns()
    tasks.enqueue_fanout(message_id)
    before = peak_rss_mib(os.getpid())
    counts = {"rows": 0, "batches": 0}
    lock = threading.Lock()

    def worker_thread() -> None:
        while True:
            try:
                run = tasks.runs.get(timeout=1.0)
            except queue.Empty:
                return
            result = fan_out_next_batch(
                sessions, tasks, run, batch_size=BATCH_SIZE, chunk_size=CHUNK_SIZE, parallelism=PARALLELISM
            )
            with lock:
                counts["rows"] += result.inserted
                counts["batches"] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker_thread) for _ in range(PARALLELISM)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started - 1.0  # the last thread waited a second for more work
    results.put(
        {**counts, "seconds": seconds, "peak_mib": peak_rss_mib(os.getpid()), "start_mib": before}
    )  # fmt: skip


def measure(count: int) -> dict[str, Any]:
    databases = postgres()
    url = databases.create()
    try:
        seed_started = time.perf_counter()
        message_id = seed(url, count)
        seeded = time.perf_counter() - seed_started
        context = multiprocessing.get_context("spawn")
        results: multiprocessing.Queue[dict[str, Any]] = context.Queue()
        process = context.Process(target=_fan_out, args=(url, message_id, results))
        process.start()
        found = results.get(timeout=1800)
        process.join()
    finally:
        databases.drop(url)
    return {"count": count, "seed_seconds": seeded, **found}


def run() -> Section:
    section = Section("1. Fan-out on PostgreSQL", ".venv/bin/python -m bench.run --only fanout")
    section.lines += [
        f"One message to one topic, cut into {PARALLELISM} slices (`NOTIFIER_FANOUT_PARALLELISM`) that "
        f"{PARALLELISM} worker threads fan out at once, as the fleet's worker does; batches of "
        f"{BATCH_SIZE:,} rows (`NOTIFIER_FANOUT_BATCH_SIZE`), each one `INSERT ... SELECT ... ON CONFLICT "
        "DO NOTHING` in its own transaction, run in a fresh process.",
        "",
        "| subscriptions | batches | seconds | rows/s | peak RSS of the fan-out process |",
        "|---:|---:|---:|---:|---:|",
    ]
    for count in SIZES:
        r = measure(count)
        print(json.dumps(r))
        section.lines.append(
            f"| {r['count']:,} | {r['batches']} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} "
            f"| {r['peak_mib']:.0f} MiB (at start {r['start_mib']:.0f} MiB) |"
        )
    return section
