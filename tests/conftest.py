"""Fixtures shared by every test: real databases (SQLite by default, PostgreSQL where asked)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.session import make_engine
from tests.support.databases import POSTGRES_ENV, PostgresDatabases, required_env, sqlite_database
from tests.support.shifted_run import SHIFT_ENV

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
