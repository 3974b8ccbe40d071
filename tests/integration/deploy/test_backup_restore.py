"""The backup service's own scripts, against the real PostgreSQL: scripts/backup.sh writes whole dumps
(pg_dump -Fc) and keeps the newest BACKUP_KEEP; scripts/restore.sh puts one into a new database with
the same rows, refuses a database that exists, and fails loudly on a damaged dump."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from notifier.config import PROJECT_ROOT
from notifier.db.session import make_engine
from tests.integration.delivery.test_sending import _message_with
from tests.support.databases import PostgresDatabases

TABLES = ("network", "subscriber", "subscription", "consent_event", "message", "delivery")


@pytest.fixture
def source(postgres: PostgresDatabases) -> Iterator[str]:
    url = postgres.create()
    engine = make_engine(url, pool_size=2)
    _message_with(sa.orm.sessionmaker(bind=engine, expire_on_commit=False), 5)
    engine.dispose()
    yield url
    postgres.drop(url)


def _libpq(url: str) -> str:
    """psql and pg_dump take postgresql://, not SQLAlchemy's postgresql+psycopg://."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _script(name: str, *args: str, database_url: str, backup_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(DATABASE_URL=_libpq(database_url), BACKUP_DIR=str(backup_dir), BACKUP_KEEP="2")
    return subprocess.run(
        ["bash", str(PROJECT_ROOT / "scripts" / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}  # noqa: S608
    engine.dispose()
    return counts


def test_backups_keep_the_newest_and_restore_into_a_new_database(
    source: str, postgres: PostgresDatabases, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    for _ in range(3):
        made = _script("backup.sh", database_url=source, backup_dir=backups)
        assert made.returncode == 0, made.stderr
        time.sleep(1.1)  # dumps are named by the second
    dumps = sorted(backups.iterdir())
    assert len(dumps) == 2 and all(d.name.endswith(".dump") for d in dumps)  # nothing partial left

    name = f"restored_{os.getpid()}_{time.monotonic_ns() % 10**9}"
    restored_url = sa.make_url(source).set(database=name).render_as_string(hide_password=False)
    try:
        restored = _script("restore.sh", str(dumps[-1]), name, database_url=source, backup_dir=backups)
        assert restored.returncode == 0, restored.stderr
        expected = _counts(source)
        assert expected["delivery"] == 5 and expected["subscriber"] == 5
        assert _counts(restored_url) == expected
        assert "restore:   delivery 5" in restored.stdout

        again = _script("restore.sh", str(dumps[-1]), name, database_url=source, backup_dir=backups)
        assert again.returncode != 0 and "already exists" in again.stderr
    finally:
        postgres.drop(restored_url)


def test_a_damaged_dump_fails_loudly_and_restores_nothing(
    source: str, postgres: PostgresDatabases, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    assert _script("backup.sh", database_url=source, backup_dir=backups).returncode == 0
    (dump,) = backups.iterdir()
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
    name = f"damaged_{os.getpid()}_{time.monotonic_ns() % 10**9}"
    restored_url = sa.make_url(source).set(database=name).render_as_string(hide_password=False)
    try:
        failed = _script("restore.sh", str(damaged), name, database_url=source, backup_dir=backups)
        assert failed.returncode != 0 and "restored into" not in failed.stdout
        engine = sa.create_engine(restored_url)
        with engine.connect() as conn:  # one transaction: not a table of it was kept
            assert (
                conn.execute(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar()
                == 0
            )
        engine.dispose()
    finally:
        postgres.drop(restored_url)
