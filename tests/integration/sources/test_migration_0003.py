"""Migration 0003 (the event sources' tables) goes up and down cleanly on both databases; going down
to 0002 removes its tables (and those of later revisions) and leaves the earlier ones."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa

from notifier.db import migrate
from tests.support.databases import PostgresDatabases

TABLES = {
    "content_page",
    "meeting",
    "meeting_invitee",
    "api_token",
    "announcement",
    "digest_run",
    "audit_record",
}


def _tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def _up_down_up(url: str) -> None:
    migrate.upgrade(url)
    engine = sa.create_engine(url)
    try:
        assert _tables(engine) >= TABLES
        migrate.downgrade(url, "0002")
        left = _tables(engine)
        assert not TABLES & left and {"network", "event", "message"} <= left
        migrate.upgrade(url)
        assert _tables(engine) >= TABLES
    finally:
        engine.dispose()


def test_on_sqlite(tmp_path: Path) -> None:
    _up_down_up(f"sqlite:///{tmp_path / 'migrate.db'}")


def test_on_postgresql(postgres: PostgresDatabases) -> None:
    name = f"notifier_m_{uuid.uuid4().hex[:12]}"
    with postgres.engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = postgres.admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        _up_down_up(url)
    finally:
        with postgres.engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
