"""The retention statements over the delivery table read their partial indexes, on SQLite and
PostgreSQL. An index is only used when the query names its predicate the same way (literals, not
bound parameters; the same statuses in the same order): a difference would silently turn every batch
back into a walk of the whole table (bench/retention.py, docs/benchmarks.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.session import unit_of_work
from notifier.repositories import retention as repo
from notifier.services.privacy.erasure import erase_subscribers
from notifier.services.privacy.retention_report import retention_report
from tests.support.seeding import HASH_KEY, network_with_topics
from tests.support.settings import make_settings


@contextmanager
def _plans_of_statements(connection: Connection) -> Iterator[list[str]]:
    """The plan of every statement run inside the block that reads the delivery table (on the one
    connection of `sessions`; the plans are taken in a savepoint rolled back afterwards)."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM delivery" in statement or statement.startswith("UPDATE delivery"):
            captured.append((statement, parameters))

    plans: list[str] = []
    event.listen(connection, "before_cursor_execute", capture)
    try:
        yield plans
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    savepoint = connection.begin_nested()
    try:
        plans.extend(_plan(connection, statement, parameters) for statement, parameters in captured)
    finally:
        savepoint.rollback()


def _plan(connection: Connection, statement: str, parameters: Any) -> str:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # index use, not a tiny table's costs
        return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return "\n".join(row[-1] for row in rows)


def _in_one_unit(sessions: sessionmaker[Session], work: Callable[[Session], object]) -> list[str]:
    with _plans_of_statements(sessions.kw["bind"]) as plans, unit_of_work(sessions) as uow:
        work(uow.session)
    return plans


def test_the_link_rule_its_report_and_erasure_read_their_indexes(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        network_id = network_with_topics(uow.session, "alpha")[0].id
    now = utcnow()
    after = repo.LinkCursor(network_id, now, 0)  # the keyset form every batch but the first sends
    unlink = _in_one_unit(sessions, lambda s: repo.unlink_deliveries(s, network_id, now, after, limit=10))
    settings = make_settings(secret_key=HASH_KEY)
    report = _in_one_unit(sessions, lambda s: retention_report(s, settings, network_id, now))
    erase = _in_one_unit(sessions, lambda s: erase_subscribers(s, network_id, [1, 2, 3]))
    assert len(unlink) == 3 and all("ix_delivery_link_due" in plan for plan in unlink), unlink
    assert len(report) == 2 and all("ix_delivery_link_due" in plan for plan in report), report
    clearing = [plan for plan in erase if "ix_delivery_network_id_subscriber_id" in plan]
    assert len(clearing) == 2, erase  # the transactional messages' content, then the links
