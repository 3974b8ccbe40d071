"""Real databases for tests, each kind migrated once per test session.

Two ways to use them (fixtures in tests/conftest.py):

- `sessions`: sessions on ONE connection of a database shared by the whole run, inside a transaction
  that is rolled back when the test ends. Each session works in a SAVEPOINT of that transaction
  (SQLAlchemy's `join_transaction_mode="create_savepoint"`): `commit()` releases it, `rollback()`
  rolls back to it, so the unit of work behaves as it does on its own connection. Cheap: nothing is
  created or migrated per test.
- `isolated_database_url`: a real database of the test's own (a copy of the migrated SQLite file, or a
  PostgreSQL database cloned from a migrated template), for what only a separate database can show:
  other processes (fleets, the CLI), other engines (an app built on a URL), concurrent connections or
  threads, migrations, or a transaction's own isolation level.

A test that needs PostgreSQL fails (never skips) when it is not configured.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from notifier.db import migrate
from notifier.db.session import make_engine

POSTGRES_ENV = "NOTIFIER_TEST_POSTGRES_URL"
REDIS_ENV = "NOTIFIER_TEST_REDIS_URL"
CLONE_ATTEMPTS = 10


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run `bash scripts/services.sh` (README command 2 does)")
    return value


class SqliteTemplate:
    """One migrated SQLite file per test session; each database is a copy of it."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"
        self._ready = False

    def _ensure_template(self) -> None:
        if self._ready:
            return
        migrate.upgrade(f"sqlite:///{self.path}")
        # The migration's engine is disposed, so its last connection has moved the WAL into the file;
        # a copy of the file alone is then the whole database.
        leftovers = [p.name for p in self.path.parent.glob(f"{self.path.name}-*")]
        assert not leftovers, f"the migrated template still has {leftovers}: it cannot be copied alone"
        self._ready = True

    def create(self, directory: Path, name: str = "notifier.db") -> str:
        """A migrated, empty database file in `directory`; returns its URL."""
        self._ensure_template()
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / name
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"


class PostgresDatabases:
    """Creates one migrated template per test session, then a cheap clone per database asked for."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = sa.make_url(admin_url)
        self.engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        # One template per test run, so that runs side by side never drop each other's template.
        self.template = f"notifier_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._template_ready = False

    def _url_for(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def _ensure_template(self) -> None:
        if self._template_ready:
            return
        with self.engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.template}"'))
        migrate.upgrade(self._url_for(self.template))
        with self.engine.connect() as conn:
            # No one may connect to it any more (autovacuum included), so cloning never finds it busy.
            conn.execute(sa.text(f'ALTER DATABASE "{self.template}" WITH ALLOW_CONNECTIONS false'))
        self._template_ready = True

    def create(self) -> str:
        self._ensure_template()
        name = f"notifier_t_{uuid.uuid4().hex[:12]}"
        for attempt in range(CLONE_ATTEMPTS):
            try:
                with self.engine.connect() as conn:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
                break
            except sa.exc.OperationalError as exc:
                # "source database ... is being accessed by other users": a connection still closing.
                if "being accessed by other users" not in str(exc) or attempt == CLONE_ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
        return self._url_for(name)

    def close(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.engine.dispose()

    def drop(self, url: str) -> None:
        name = sa.make_url(url).database
        with self.engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def rolled_back_sessions(engine: sa.Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on one connection whose outer transaction is rolled back at the end (module docstring)."""
    with engine.connect() as connection:
        outer = connection.begin()
        checks = PostgresDeferredChecks if connection.dialect.name == "postgresql" else SqliteDeferredChecks
        checks(connection).install()
        made = sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
        OneSessionAtATime().install(made)
        try:
            yield made
        finally:
            outer.rollback()


class OverlappingSessions(RuntimeError):
    """Two sessions had transactions open at once on the one connection of `sessions`."""


class OneSessionAtATime:
    """One connection cannot stand for two: a session that begins while another session's transaction is
    open would see that transaction's rows and never wait for its locks. On SQLite the second could not
    even begin (one writer at a time); on PostgreSQL it would be a transaction of its own. So it fails,
    naming the fixtures that give each its own connection (`isolated_sessions`, `pg_sessions`)."""

    def __init__(self) -> None:
        self.open: Session | None = None

    def install(self, made: sessionmaker[Session]) -> None:
        sa.event.listen(made, "after_transaction_create", self._created)
        sa.event.listen(made, "after_transaction_end", self._ended)

    def _created(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is not None:
            return  # a savepoint inside the session's own transaction
        if self.open is not None and self.open is not session:
            raise OverlappingSessions(
                "a second session began while another's transaction was open: on a real database these"
                " are two connections; use `isolated_sessions` (or `pg_sessions`) for this test"
            )
        self.open = session

    def _ended(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and self.open is session:
            self.open = None


class DeferredChecksAtRelease:
    """Both databases check deferred constraints (the delivery's subscriber key, a test's own) at COMMIT,
    which a released savepoint is not. So a session's own savepoint (not a nested one of the product's)
    runs them when it is released, as its COMMIT would (`_check`, per database). If a check fails, the
    savepoint is rolled back to, as a failed COMMIT throws the transaction's work away, and the error
    goes up to `session.commit()` as it would from COMMIT."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.depth = 0  # savepoints open; SQLAlchemy's are strictly nested

    def install(self) -> None:
        sa.event.listen(self.connection, "savepoint", self._opened)
        sa.event.listen(self.connection, "rollback_savepoint", self._closed)
        sa.event.listen(self.connection, "release_savepoint", self._releasing)

    def _opened(self, _conn: sa.Connection, _name: str | None) -> None:
        self.depth += 1

    def _closed(self, _conn: sa.Connection, _name: str, _context: Any) -> None:
        self.depth -= 1

    def _releasing(self, conn: sa.Connection, name: str, context: Any) -> None:
        self._closed(conn, name, context)
        if self.depth > 0:  # a savepoint inside the session's own: no COMMIT there
            return
        try:
            self._check(conn)
        except sa.exc.DBAPIError:
            conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
            raise
        finally:
            self._after_check(conn)

    def _check(self, conn: sa.Connection) -> None:
        raise NotImplementedError

    def _after_check(self, conn: sa.Connection) -> None:
        """After the check (and any rollback to the savepoint): the checks as they were before it."""


class PostgresDeferredChecks(DeferredChecksAtRelease):
    """`SET CONSTRAINTS ALL IMMEDIATE` fires what is pending; then the constraints are deferred again."""

    def __init__(self, connection: sa.Connection) -> None:
        super().__init__(connection)
        self.initially_immediate = (
            connection.exec_driver_sql(
                "SELECT quote_ident(conname) FROM pg_constraint WHERE condeferrable AND NOT condeferred"
            )
            .scalars()
            .all()
        )

    def _check(self, conn: sa.Connection) -> None:
        conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")

    def _after_check(self, conn: sa.Connection) -> None:
        conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
        if self.initially_immediate:
            conn.exec_driver_sql(f"SET CONSTRAINTS {', '.join(self.initially_immediate)} IMMEDIATE")


class SqliteDeferredChecks(DeferredChecksAtRelease):
    """SQLite has no SET CONSTRAINTS: `PRAGMA foreign_key_check` of each table with a deferred foreign key
    finds what its COMMIT would refuse, and the refusal is SQLite's own ("FOREIGN KEY constraint
    failed"). Immediate keys need no check: they refused their statement already."""

    def __init__(self, connection: sa.Connection) -> None:
        super().__init__(connection)
        self.tables = (
            connection.exec_driver_sql(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'table' AND upper(sql) LIKE '%INITIALLY DEFERRED%'"
            )
            .scalars()
            .all()
        )

    def _check(self, conn: sa.Connection) -> None:
        for table in self.tables:
            if conn.exec_driver_sql(f'PRAGMA foreign_key_check("{table}")').first() is not None:
                refused = sqlite3.IntegrityError("FOREIGN KEY constraint failed")
                raise sa.exc.IntegrityError("COMMIT", None, refused)


def shared_engine(url: str) -> sa.Engine:
    """The engine of a database shared by the run's rolled-back tests: one connection at a time."""
    return make_engine(url, pool_size=1)


def flushed_redis_url() -> str:
    """The run's Redis database (NOTIFIER_TEST_REDIS_URL, with the db number the tester chose), emptied:
    for a fleet's broker and limiter. Tests run one at a time, so each fleet starts on an empty one."""
    url = required_env(REDIS_ENV)
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url
