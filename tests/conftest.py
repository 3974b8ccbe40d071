"""Fixtures shared by every test: real databases of both kinds (tests/support/databases.py says which
fixture to use when), and an environment that no developer's `.env` or NOTIFIER_* variable leaks into."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.session import make_engine
from tests.support.databases import (
    POSTGRES_ENV,
    PostgresDatabases,
    SqliteTemplate,
    required_env,
    rolled_back_sessions,
    shared_engine,
)
from tests.support.settings import hermetic_environment


@pytest.fixture(scope="session", autouse=True)
def _hermetic_environment() -> Iterator[None]:
    """Before anything else, even module-scoped fleets: no NOTIFIER_* variable, no `.env` to read."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        scratch = hermetic_environment(monkeypatch)
        yield
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(required_env(POSTGRES_ENV))
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_kind(request: pytest.FixtureRequest) -> str:
    """Every query must work on both databases: tests on a database run once on each."""
    return str(request.param)


@pytest.fixture
def isolated_database_url(
    request: pytest.FixtureRequest, database_kind: str, sqlite_template: SqliteTemplate, tmp_path: Path
) -> Iterator[str]:
    """A migrated, empty database of the test's own, for what separate processes, engines, concurrent
    connections or migrations must see; costs a copy (SQLite) or a clone (PostgreSQL) per test."""
    if database_kind == "sqlite":
        yield sqlite_template.create(tmp_path)
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def isolated_sessions(isolated_database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on their own engine over `isolated_database_url`: every commit is a real one."""
    engine = make_engine(isolated_database_url, pool_size=5)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture(scope="session")
def _shared_sqlite_engine(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    engine = shared_engine(sqlite_template.create(tmp_path_factory.mktemp("shared-sqlite")))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _shared_postgresql_engine(postgres: PostgresDatabases) -> Iterator[sa.Engine]:
    url = postgres.create()
    engine = shared_engine(url)
    yield engine
    engine.dispose()
    postgres.drop(url)


@pytest.fixture
def sessions(request: pytest.FixtureRequest, database_kind: str) -> Iterator[sessionmaker[Session]]:
    """Sessions inside one transaction that is rolled back when the test ends, on a database every such
    test shares: commits release a savepoint, so units of work behave as on a database of their own
    as long as one connection in this process is all the test uses. A test marked `own_database` (a CLI
    or another process must see what its fixtures stored) gets `isolated_sessions` instead."""
    if request.node.get_closest_marker("own_database"):
        isolated: sessionmaker[Session] = request.getfixturevalue("isolated_sessions")
        yield isolated
        return
    engine: sa.Engine = request.getfixturevalue(f"_shared_{database_kind}_engine")
    with rolled_back_sessions(engine) as made:
        yield made


@pytest.fixture
def pg_sessions(postgres: PostgresDatabases) -> Iterator[sessionmaker[Session]]:
    """PostgreSQL only, on a database of the test's own, for what SQLite cannot show: it lets one writer
    in at a time, so a second transaction cannot even start while another is open."""
    url = postgres.create()
    engine = make_engine(url, pool_size=5)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()
    postgres.drop(url)
