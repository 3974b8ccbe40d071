"""Engines, sessions and the unit of work: the one place that commits.

Work that must only happen once the data is visible to other processes (enqueueing a task that
will read the rows) is registered with `after_commit` and runs after a successful commit. Work that
deletes people asks for `scrub_after_commit`: on SQLite the unit of work then checkpoints the WAL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings

log = structlog.get_logger(__name__)

_SCRUB = "notifier.scrub_after_commit"


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
    # A deleted row's bytes are overwritten, not left in free space, in the table and its indexes alike.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: two workers claiming the same rows queue up instead of
    # failing with "database is locked" when a reader tries to upgrade to a writer.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def scrub_after_commit(session: Session) -> None:
    """Leave no copy of what this unit of work deletes in SQLite's files once it commits. secure_delete
    zeroes the rows in the pages, but the WAL still holds the pages as they were before; a TRUNCATE
    checkpoint after the commit writes the WAL into the database file and empties it."""
    session.info[_SCRUB] = True


def checkpoint_wal(engine: Engine) -> None:
    """PRAGMA wal_checkpoint(TRUNCATE) outside any transaction (SQLite only). It waits, up to the busy
    timeout, for readers of older snapshots; if one outlasts that, the WAL keeps its frames until the
    next checkpoint, and the log says so."""
    if engine.dialect.name != "sqlite":
        return
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        busy, frames, moved = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    if busy:
        log.warning("sqlite.checkpoint_incomplete", frames=frames, checkpointed=moved)


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

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """A step that happens whole or leaves nothing behind: when it raises, its savepoint rolls back
        (the objects it changed are reloaded) and the after-commit work it registered is dropped, while
        the rest of the unit of work goes on, to show the form again with the refusal, say."""
        mark = len(self._after_commit)
        try:
            with self.session.begin_nested():
                yield
        except BaseException:
            del self._after_commit[mark:]
            raise

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
        bind = session.get_bind() if session.info.pop(_SCRUB, False) else None
        session.close()
    # Sessions bound to one connection run inside its owner's transaction, where a checkpoint would only
    # wait out the busy timeout: only an engine's committed work is checkpointed.
    if isinstance(bind, Engine):
        checkpoint_wal(bind)
    uow.run_after_commit()
