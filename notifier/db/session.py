"""Engines, sessions and the unit of work: the one place that commits.

Work that must only happen once the data is visible to other processes (enqueueing a task that
will read the rows) is registered with `after_commit` and runs after a successful commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings


def make_engine(database_url: str, *, pool_size: int = 10, max_overflow: int | None = None) -> Engine:
    """An engine; on PostgreSQL at most `pool_size` + `max_overflow` (default: `pool_size` again)
    connections at once (docs/operations.md, "Connection budget")."""
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy issue BEGIN itself, so BEGIN IMMEDIATE can be used where writers race.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    overflow = pool_size if max_overflow is None else max_overflow
    return create_engine(database_url, pool_size=pool_size, max_overflow=overflow, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the "begin" listener below starts transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: two workers claiming the same rows queue up instead of
    # failing with "database is locked" when a reader tries to upgrade to a writer.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(settings: Settings) -> sessionmaker[Session]:
    engine = make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    return sessionmaker(bind=engine, expire_on_commit=False)


class UnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, action: Callable[[], None]) -> None:
        self._after_commit.append(action)

    def run_after_commit(self) -> None:
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()


@contextmanager
def unit_of_work(sessions: sessionmaker[Session]) -> Iterator[UnitOfWork]:
    """Commit on success, roll back on error; after-commit actions run only after a commit."""
    session = sessions()
    uow = UnitOfWork(session)
    try:
        yield uow
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    uow.run_after_commit()
