"""Real databases for tests: a migrated SQLite file, or a fresh PostgreSQL database cloned from a
migrated template. A test that needs PostgreSQL fails (never skips) when it is not configured."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from notifier.db import migrate

POSTGRES_ENV = "NOTIFIER_TEST_POSTGRES_URL"
REDIS_ENV = "NOTIFIER_TEST_REDIS_URL"
CLONE_ATTEMPTS = 10


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run `bash scripts/services.sh` (README command 2 does)")
    return value


def sqlite_database(directory: Path) -> str:
    url = f"sqlite:///{directory / 'notifier.db'}"
    migrate.upgrade(url)
    return url


class PostgresDatabases:
    """Creates one migrated template per test session, then a cheap clone per test."""

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
