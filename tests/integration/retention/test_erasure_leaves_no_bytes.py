"""After an erasure, nothing of the person is left in SQLite's files: not in the tables, not in their
indexes (the address is in a unique index), not in free space and not in the WAL. SQLite runs with
secure_delete, and work that deletes people checkpoints the WAL into the file and empties it once it
commits. The raw bytes of the database file, its WAL and its shared-memory index are searched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Network, Subscriber
from notifier.db.session import make_engine, unit_of_work
from notifier.services.privacy.erasure import erase_subscribers
from notifier.services.privacy.retention import run_to_completion
from tests.integration.retention import people
from tests.support.databases import SqliteTemplate
from tests.support.seeding import HASH_KEY, network_with_topics
from tests.support.settings import make_settings

ADDRESS = "quillon.vantablack@justice.gov.uk"
NAME = "Quillon Vantablack"
ENQUIRER = "ottoline.brackenbury@justice.gov.uk"


def _traces(database: Path) -> dict[str, list[str]]:
    """Which of the needles each of the database's files holds, in any case."""
    found = {}
    for path in sorted(database.parent.glob(database.name + "*")):
        raw = path.read_bytes().lower()
        found[path.name] = [needle for needle in (ADDRESS, NAME, ENQUIRER) if needle.lower().encode() in raw]
    return found


@pytest.fixture
def sqlite_sessions(
    tmp_path: Path, sqlite_template: SqliteTemplate
) -> Iterator[tuple[Path, sessionmaker[Session]]]:
    """A SQLite file of the test's own: its bytes on disk are what the test reads."""
    engine = make_engine(sqlite_template.create(tmp_path))
    yield tmp_path / "notifier.db", sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def _seed(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha", ["news", "events"])
        person = people.person(uow.session, network, topics, ADDRESS, NAME)
        people.person(uow.session, network, topics, "stays@justice.gov.uk", "Sam Stayer")
        people.enquiry(uow.session, network, ENQUIRER, "Ottoline Brackenbury")
        return network.id, person.id


def test_an_erased_person_leaves_no_bytes_in_the_database_file_or_its_wal(
    sqlite_sessions: tuple[Path, sessionmaker[Session]],
) -> None:
    database, sessions = sqlite_sessions
    with sessions.kw["bind"].connect() as conn:  # set by the engine (Debian's build has it on anyway)
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    network_id, person_id = _seed(sessions)
    raw = sessions.kw["bind"].raw_connection()  # outside a transaction, as a checkpoint must be
    raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")  # now in the file, and still in the WAL
    raw.close()
    seen = _traces(database)
    assert ADDRESS in seen["notifier.db"]
    assert ADDRESS in seen["notifier.db-wal"]  # the test can see what it looks for

    with unit_of_work(sessions) as uow:
        erase_subscribers(uow.session, network_id, [person_id])
    with unit_of_work(sessions) as uow:
        assert uow.session.get(Subscriber, person_id) is None
        assert uow.session.get(Network, network_id) is not None

    assert {name: [n for n in needles if n != ENQUIRER] for name, needles in _traces(database).items()} == {
        "notifier.db": [],
        "notifier.db-shm": [],
        "notifier.db-wal": [],
    }
    assert database.with_name("notifier.db-wal").stat().st_size == 0  # checkpointed and emptied


def test_a_retention_run_leaves_no_bytes_of_what_it_deleted(
    sqlite_sessions: tuple[Path, sessionmaker[Session]],
) -> None:
    """Retention deletes an enquiry (six months after it arrived) the same way."""
    database, sessions = sqlite_sessions
    _seed(sessions)
    assert ENQUIRER in _traces(database)["notifier.db-wal"]
    settings = make_settings(database_url=f"sqlite:///{database}", secret_key=HASH_KEY)
    run_to_completion(sessions, settings, utcnow() + timedelta(days=200))
    assert all(ENQUIRER not in needles for needles in _traces(database).values())
    assert database.with_name("notifier.db-wal").stat().st_size == 0
