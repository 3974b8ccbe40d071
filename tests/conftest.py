"""Fixtures shared by every test: real databases of both kinds (tests/support/databases.py says which
fixture to use when), and an environment that no developer's `.env` or NOTIFIER_* variable leaks into."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from hypothesis import settings as hypothesis_settings
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
from tests.support.shifted_run import SHIFT_ENV

# In CI the property tests draw the same examples on every run (a fixed seed, no saved database), so a
# run never fails by the luck of the draw; on a developer's machine they keep exploring, and what they
# find is added as an @example.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

# A test module that moves the clock, or reads a dated fixture site or the Jekyll oracle, is one whose
# outcome could depend on the day: it must carry `pytestmark = pytest.mark.dates`, so that the
# shifted runs of scripts/test.sh (a year ahead, over a clock change) run it too.
READS_DATES = re.compile(
    r"\btime_machine\b|\bclock_in_2029\b|\bjekyll_(sites?|documents|reading)\b|tests\.support\.(jekyll|clock)\b"
)


def pytest_report_header() -> str:
    shift = float(os.environ.get(SHIFT_ENV) or 0)
    return f"clock: moved by {shift:.0f} s (every process of this run)" if shift else "clock: the host's"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = sorted(
        {
            str(item.path)
            for item in items
            if item.get_closest_marker("dates") is None and _reads_dates(item.path)
        }
    )
    if unmarked:
        raise pytest.UsageError(
            "these modules move the clock or read dated fixtures but are not marked "
            "`pytestmark = pytest.mark.dates` (so the shifted runs would skip them):\n  "
            + "\n  ".join(unmarked)
        )


_sources: dict[Path, bool] = {}


def _reads_dates(path: Path) -> bool:
    if path not in _sources:
        _sources[path] = bool(READS_DATES.search(path.read_text(encoding="utf-8")))
    return _sources[path]


@pytest.fixture
def clock_in_2029() -> Iterator[None]:
    """For modules whose meetings and announcements are dated in 2030: the clock starts on 1 June 2029
    (and ticks), so those dates are always still to come, whatever the day the tests run."""
    with time_machine.travel(datetime(2029, 6, 1, 9, 0, tzinfo=UTC), tick=True):
        yield


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
