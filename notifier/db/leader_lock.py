"""A lock that only one process of the fleet holds at a time, and that dies with its holder.

Beat takes it so that one scheduler sends jobs however many run (workers/beat.py). On PostgreSQL it
is a session-level advisory lock on a connection of its own: the server frees it the moment that
connection closes, so a killed holder never leaves it taken. On SQLite, whose processes share one
machine, it is an exclusive `flock` on a file beside the database, which the kernel frees the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# pg_advisory locks take a bigint; this one is "notifier" read as eight ASCII bytes.
BEAT_LOCK_KEY = int.from_bytes(b"notifier", "big")


class LeaderLock(Protocol):
    def hold(self) -> bool:
        """Whether this process holds the lock now, taking it if it is free."""
        ...

    def release(self) -> None: ...


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection that is kept open while held."""

    def __init__(self, database_url: str, key: int = BEAT_LOCK_KEY) -> None:
        self._engine = create_engine(database_url, poolclass=NullPool)  # one connection, closed on release
        self._key = key
        self._connection: Connection | None = None

    def hold(self) -> bool:
        try:
            if self._connection is not None:
                self._connection.execute(text("SELECT 1"))  # still ours while the session lives
                return True
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar()
        except SQLAlchemyError as error:
            # The session that held the lock is gone, and the lock with it: another beat may have it.
            log.warning("beat lock: lost the database connection (%s)", type(error).__name__)
            self._drop()
            return False
        if taken:
            self._connection = connection
            return True
        connection.close()
        return False

    def release(self) -> None:
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        if self._connection is not None:
            # Closing the session frees the lock; a broken one has freed it already.
            with contextlib.suppress(SQLAlchemyError):
                self._connection.close()
            self._connection = None


class FileLock:
    """An exclusive, non-blocking flock on a file: processes on one machine, as SQLite's are."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def hold(self) -> bool:
        if self._fd is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor frees the lock
            self._fd = None


def leader_lock(database_url: str, name: str) -> LeaderLock:
    """The lock called `name` for the processes sharing this database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = Path(url.database or "notifier.db")
        return FileLock(database.with_name(f"{database.name}.{name}.lock"))
    return AdvisoryLock(database_url, BEAT_LOCK_KEY)
