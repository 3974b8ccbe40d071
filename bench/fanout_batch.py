"""Where one fan-out batch's time goes: EXPLAIN (ANALYZE, BUFFERS, WAL) of its real INSERT ... SELECT.

Seeds an audience on PostgreSQL, fans out a few batches as the task does, then runs the next batch's
own statement (the one `repositories.deliveries.fan_out_batch` builds, with its parameters) under
EXPLAIN ANALYZE, rolls it back and fans that batch out for real; over several batches, the medians of
reading, trigger and total times, so the cost of the tenancy foreign keys is measured, not guessed.
"""

from __future__ import annotations

import contextlib
import json
import re
import statistics
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bench.common import Section, postgres
from bench.fanout import BATCH_SIZE, CHUNK_SIZE, seed
from notifier.db.session import make_engine
from notifier.services.delivery.fanout import fan_out_next_batch
from tests.support.fakes import RecordingQueue

AUDIENCE = 200_000
EXPLAINED = 7  # batches explained, after two fanned out normally


class _Explained(Exception):
    """Raised once the plan is read, so that the batch's unit of work rolls back."""


def _explain_next_insert(engine: Engine, plans: list[list[str]]) -> Callable[[], None]:
    """Turn the next fan-out INSERT into EXPLAIN ANALYZE of itself and keep its plan."""

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> Any:
        if statement.startswith("INSERT INTO delivery"):
            return "EXPLAIN (ANALYZE, BUFFERS, WAL) " + statement, params
        return statement, params

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.startswith("EXPLAIN"):
            plans.append([row[0] for row in cursor.fetchall()])
            raise _Explained

    event.listen(engine, "before_cursor_execute", before, retval=True)
    event.listen(engine, "after_cursor_execute", after)

    def stop() -> None:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)

    return stop


def _reading(plan: list[str]) -> dict[str, float]:
    """The figures of one plan: reading (the SELECT under the Insert node), each trigger, and total."""
    figures: dict[str, float] = {}
    reading = re.search(r"actual time=[\d.]+\.\.([\d.]+) rows=\d+", _select_line(plan))
    figures["reading the audience"] = float(reading.group(1)) if reading else 0.0
    for line in plan:
        if trigger := re.match(r"\s*Trigger (?:for constraint )?(\S+): time=([\d.]+) calls=(\d+)", line):
            name, calls = trigger.group(1), int(trigger.group(3))
            figures[f"trigger {name} ({calls:,} call{'s' if calls > 1 else ''})"] = float(trigger.group(2))
        if wal := re.match(r"\s*WAL: records=(\d+)", line):
            figures.setdefault("WAL records", float(wal.group(1)))
        if total := re.match(r"Execution Time: ([\d.]+) ms", line):
            figures["whole statement"] = float(total.group(1))
    return figures


def _select_line(plan: list[str]) -> str:
    return next(line for line in plan[1:] if "->" in line)


def _next_batch(sessions: sessionmaker[Session], message_id: int) -> None:
    fan_out_next_batch(sessions, RecordingQueue(), message_id, batch_size=BATCH_SIZE, chunk_size=CHUNK_SIZE)


def measure() -> dict[str, float]:
    databases = postgres()
    url = databases.create()
    try:
        message_id = seed(url, AUDIENCE)
        engine = make_engine(url)
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        for _ in range(2):
            _next_batch(sessions, message_id)
        plans: list[list[str]] = []
        for _ in range(EXPLAINED):  # each batch explained and rolled back, then fanned out for real
            explaining = _explain_next_insert(engine, plans)
            with contextlib.suppress(_Explained):
                _next_batch(sessions, message_id)
            explaining()
            _next_batch(sessions, message_id)
        engine.dispose()
    finally:
        databases.drop(url)
    readings = [_reading(plan) for plan in plans]
    return {key: statistics.median(r[key] for r in readings) for key in readings[0]}


def run() -> Section:
    section = Section("1b. One fan-out batch, part by part", ".venv/bin/python -m bench.run --only batch")
    figures = measure()
    print(json.dumps(figures))
    section.lines += [
        f"`EXPLAIN (ANALYZE, BUFFERS, WAL)` of the INSERT ... SELECT that fan-out runs for one batch of "
        f"{BATCH_SIZE:,} rows, on an audience of {AUDIENCE:,} after two batches were fanned out; each "
        f"explained batch is rolled back, then fanned out for real, {EXPLAINED} times; medians, in ms. "
        "The triggers are the foreign-key checks run within the statement (delivery -> message); the "
        "subscriber key is checked at commit, which a rolled-back EXPLAIN never reaches.",
        "",
        "| part | ms |",
        "|---|---:|",
        *(f"| {key} | {value:,.1f} |" for key, value in figures.items() if key != "WAL records"),
        f"| WAL records written | {figures.get('WAL records', 0):,.0f} |",
    ]
    return section
