"""Fixtures shared by every test: real databases (SQLite by default, PostgreSQL where asked)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.session import make_engine
from tests.support.databases import POSTGRES_ENV, PostgresDatabases, required_env, sqlite_database


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(required_env(POSTGRES_ENV))
    yield databases
    databases.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each kind: every query must work on both."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url, pool_size=5)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def pg_sessions(postgres: PostgresDatabases) -> Iterator[sessionmaker[Session]]:
    """PostgreSQL only, for what SQLite cannot show: it lets one writer in at a time, so a second
    transaction cannot even start while another is open."""
    url = postgres.create()
    engine = make_engine(url, pool_size=5)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()
    postgres.drop(url)
