"""A retention run over a large database: its wall time and the peak memory of the process doing it.

Seeds one network with SUBSCRIBERS people (half left more than six months ago, so are due for
erasure; half still subscribed) and DELIVERIES delivery rows spread over ten messages, all settled
more than the delivery-link period ago. On PostgreSQL the seeded tables are then vacuumed and
analysed, as autovacuum would have left them long before a real run (`--no-vacuum` skips it). Then a
separate process runs `run_to_completion` (the same bounded batches the beat task runs) and the report
gives the time, the batches, the rows touched and that process's peak RSS.

    .venv/bin/python bench/retention.py --database-url sqlite:////tmp/retention-bench.db
    .venv/bin/python bench/retention.py --database-url postgresql+psycopg://notifier:notifier@127.0.0.1/retention_bench

The database must be empty (it is migrated here). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notifier.config import Settings  # noqa: E402
from notifier.db import migrate  # noqa: E402
from notifier.db.session import make_engine, session_factory  # noqa: E402
from notifier.services.privacy.retention import RunState, run_batch, start_run  # noqa: E402

NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=400)
LEFT_AT = NOW - timedelta(days=200)
MESSAGES = 10
CHUNK = 20_000


def seed(url: str, subscribers: int, deliveries: int, *, vacuum: bool = True) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        network_id = conn.execute(
            t["network"].insert().returning(t["network"].c.id),
            {
                "slug": "bench",
                "name": "Bench",
                "site_url": "https://bench.example.gov.uk",
                "allowed_email_domains": [],
                "privacy_notice_url": "https://bench.example.gov.uk/privacy",
                "privacy_notice_version": "v1",
                "webhook_secret": "x",
                "requires_sign_off": False,
                "settings": {},
                "created_at": LONG_AGO,
            },
        ).scalar_one()
        topic_id = conn.execute(
            t["topic"].insert().returning(t["topic"].c.id),
            {
                "network_id": network_id,
                "slug": "news",
                "name": "News",
                "description": "",
                "members_only": False,
                "created_at": LONG_AGO,
            },
        ).scalar_one()
        message_ids = [
            conn.execute(
                t["message"].insert().returning(t["message"].c.id),
                {
                    "network_id": network_id,
                    "topic_id": topic_id,
                    "email_kind": "announcement",
                    "lane": "bulk",
                    "status": "done",
                    "status_note": "",
                    "context": {},
                    "created_at": LONG_AGO,
                    "updated_at": LONG_AGO,
                },
            ).scalar_one()
            for _ in range(MESSAGES)
        ]
    _insert(engine, t["subscriber"], (_subscriber(network_id, i, subscribers) for i in range(subscribers)))
    with engine.connect() as conn:
        first_id = conn.execute(sa.select(sa.func.min(t["subscriber"].c.id))).scalar_one()
    ids = range(first_id, first_id + subscribers)
    _insert(
        engine,
        t["subscription"],
        (_subscription(network_id, topic_id, s, s - first_id, subscribers) for s in ids),
    )
    _insert(engine, t["consent_event"], (_consent(network_id, topic_id, s, "granted") for s in ids))
    per_message = deliveries // MESSAGES
    _insert(
        engine,
        t["delivery"],
        (
            _delivery(network_id, message_id, first_id + n % subscribers, index * per_message + n)
            for index, message_id in enumerate(message_ids)
            for n in range(per_message)
        ),
    )
    if vacuum and engine.dialect.name == "postgresql":
        _vacuum_analyze(engine)
    engine.dispose()


def _vacuum_analyze(engine: sa.Engine) -> None:
    """What autovacuum has long done to a real database: statistics, hint bits, visibility map.

    Without it the run starts on tables the planner has never measured (it guessed a heap scan of the
    whole delivery table for a batch of erasures, and the first batches' foreign-key checks took 11 s
    each) while autovacuum, started by the bulk load, works through them beside the run.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def _subscriber(network_id: int, n: int, total: int) -> dict[str, object]:
    left = n < total // 2
    return {
        "network_id": network_id,
        "email": f"person{n}@bench.gov.uk",
        "email_hash": f"{n:064x}",
        "name": f"Person {n}",
        "department": "Bench",
        "status": "left" if left else "active",
        "consecutive_temporary_failures": 0,
        "created_at": LONG_AGO,
        "confirmed_at": LONG_AGO,
        "left_at": LEFT_AT if left else None,
    }


def _subscription(
    network_id: int, topic_id: int, subscriber_id: int, n: int, total: int
) -> dict[str, object]:
    left = n < total // 2
    return {
        "network_id": network_id,
        "subscriber_id": subscriber_id,
        "topic_id": topic_id,
        "frequency": "immediate",
        "started_at": LONG_AGO,
        "ended_at": LEFT_AT if left else None,
        "ended_reason": "unsubscribed" if left else None,
    }


def _consent(network_id: int, topic_id: int, subscriber_id: int, action: str) -> dict[str, object]:
    return {
        "network_id": network_id,
        "subscriber_id": subscriber_id,
        "topic_id": topic_id,
        "action": action,
        "source": "form",
        "notice_version": "v1",
        "occurred_at": LONG_AGO,
    }


def _delivery(network_id: int, message_id: int, subscriber_id: int, n: int) -> dict[str, object]:
    return {
        "network_id": network_id,
        "message_id": message_id,
        "event_id": None,
        "subscriber_id": subscriber_id,
        "status": "delivered",
        "notify_id": f"00000000-0000-4000-8000-{n:012d}",
        "attempts": 1,
        "created_at": LONG_AGO,
        "updated_at": LONG_AGO,
        "accepted_at": LONG_AGO,
        "completed_at": LONG_AGO,
    }


def _insert(engine: sa.Engine, table: sa.Table, rows: object) -> None:
    batch: list[dict[str, object]] = []
    with engine.begin() as conn:
        for row in rows:  # type: ignore[attr-defined]
            batch.append(row)
            if len(batch) == CHUNK:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)


def run_retention(url: str, batch_size: int) -> None:
    settings = Settings(database_url=url, retention_batch_size=batch_size)
    sessions = session_factory(settings)
    started = time.perf_counter()
    first = start_run(datetime.now(UTC))
    state: RunState | None = first
    run_id, batches = first.run_id, 0
    while state is not None:
        state = run_batch(sessions, settings, state)
        batches += 1
    elapsed = time.perf_counter() - started
    with sessions() as session:
        counts = session.execute(
            sa.text("SELECT kind, counts FROM retention_evidence WHERE run_id = :r"), {"r": run_id}
        ).all()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 1),
                "batches": batches,
                "peak_rss_mib": round(peak_mib),
                "evidence": {k: (json.loads(c) if isinstance(c, str) else c) for k, c in counts},
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--deliveries", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="PostgreSQL: run on the tables as bulk-loaded, never analysed (as figures before 2026-11-30)",
    )
    parser.add_argument("--run-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_only:
        run_retention(args.database_url, args.batch_size)
        return
    started = time.perf_counter()
    seed(args.database_url, args.subscribers, args.deliveries, vacuum=not args.no_vacuum)
    print(
        f"seeded {args.subscribers:,} subscribers and {args.deliveries:,} deliveries "
        f"in {time.perf_counter() - started:.0f} s"
    )
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--database-url",
            args.database_url,
            "--batch-size",
            str(args.batch_size),
            "--run-only",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"retention run: {report['seconds']} s in {report['batches']} batches, "
        f"peak RSS of the running process {report['peak_rss_mib']} MiB"
    )
    for kind, counts in sorted(report["evidence"].items()):
        print(f"  {kind}: {counts}")


if __name__ == "__main__":
    main()
