"""The embedded default's bucket: a SQLite file shared by the processes of one machine."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from notifier.domain.statuses import Lane
from notifier.ratelimit.base import LimiterUnavailable
from notifier.ratelimit.bucket import BucketShape, BucketState, drained, take_token, take_tokens

Answer = TypeVar("Answer")
SQLITE_FILE_NAME = "ratelimit.db"
DEFAULT_BUCKET_NAME = "notify"


class SqliteTokenBucket:
    """The bucket in a SQLite file, shared by every process on one machine without Redis."""

    def __init__(
        self,
        path: Path,
        per_minute: int,
        burst: int,
        reserve: int,
        *,
        name: str = DEFAULT_BUCKET_NAME,
        clock: Callable[[], float] = time.time,
        busy_timeout_seconds: float = 5.0,
    ) -> None:
        self.shape = BucketShape(per_minute, burst, reserve)
        self.path = path
        self.name = name
        self._clock = clock
        self._busy_timeout_seconds = busy_timeout_seconds
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._connection().execute(
                "CREATE TABLE IF NOT EXISTS token_bucket "
                "(name TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at REAL NOT NULL)"
            )
        except sqlite3.Error as error:
            raise LimiterUnavailable(f"rate-limit file unusable: {type(error).__name__}: {error}") from error

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # isolation_level=None: we issue BEGIN IMMEDIATE/COMMIT ourselves.
            connection = sqlite3.connect(
                self.path, timeout=self._busy_timeout_seconds, isolation_level=None, check_same_thread=False
            )
            self._enable_wal(connection)
            # Losing the last few acquires on power loss only hands out a few extra tokens once.
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _enable_wal(self, connection: sqlite3.Connection) -> None:
        # Switching a new file to WAL takes a lock that SQLite's busy handler does not wait for, so
        # two processes opening the file at once can see "database is locked": try again briefly.
        deadline = time.monotonic() + self._busy_timeout_seconds
        while True:
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def acquire(self, lane: Lane) -> float:
        try:
            return self._acquire(self._connection(), lane)
        except sqlite3.Error as error:
            raise LimiterUnavailable(f"rate-limit file busy or unusable: {type(error).__name__}") from error

    def acquire_many(self, lane: Lane, wanted: int) -> tuple[int, float]:
        def change(state: BucketState | None) -> tuple[BucketState, tuple[int, float]]:
            new_state, taken, wait = take_tokens(state, self._clock(), self.shape, lane, wanted)
            return new_state, (taken, wait)

        try:
            return self._update(self._connection(), change)
        except sqlite3.Error as error:
            raise LimiterUnavailable(f"rate-limit file busy or unusable: {type(error).__name__}") from error

    def drain(self) -> None:
        try:
            self._update(self._connection(), lambda state: (drained(state, self._clock()), 0.0))
        except sqlite3.Error as error:
            raise LimiterUnavailable(f"rate-limit file busy or unusable: {type(error).__name__}") from error

    def _acquire(self, connection: sqlite3.Connection, lane: Lane) -> float:
        return self._update(connection, lambda state: take_token(state, self._clock(), self.shape, lane))

    def _update(
        self,
        connection: sqlite3.Connection,
        change: Callable[[BucketState | None], tuple[BucketState, Answer]],
    ) -> Answer:
        connection.execute("BEGIN IMMEDIATE")  # the write lock: one change at a time across processes
        try:
            row = connection.execute(
                "SELECT tokens, updated_at FROM token_bucket WHERE name = ?", (self.name,)
            ).fetchone()
            state = BucketState(tokens=row[0], updated_at=row[1]) if row else None
            new_state, answer = change(state)
            connection.execute(
                "INSERT INTO token_bucket (name, tokens, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
                (self.name, new_state.tokens, new_state.updated_at),
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return answer

    def close(self) -> None:
        with self._connections_lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()
