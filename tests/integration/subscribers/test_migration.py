"""Migration 0002 (the subscribers' tables) goes up and down cleanly on both databases."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa

from notifier.db import migrate
from tests.support.databases import PostgresDatabases

TABLES = {"consent_text", "signup", "membership", "form_attempt"}


def _up_down_up(url: str) -> None:
    migrate.upgrade(url, "0002")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) >= TABLES
        migrate.downgrade(url, "0001")
        with engine.connect() as conn:
            assert not TABLES & set(sa.inspect(conn).get_table_names())
        migrate.upgrade(url, "0002")
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
