"""The database itself keeps every delivery inside its network, on both databases: the composite
foreign keys (network_id, message_id) and (network_id, subscriber_id), the same on SQLite and PostgreSQL
(migration 0015 put PostgreSQL's back in place of 0014's statement triggers and seal lock). Both refuse
the same rows and allow the same changes; on PostgreSQL the keys also hold when transactions race.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import Executable, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, NotSupportedError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from notifier.db import migrate
from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Network, Subscriber, Topic
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus
from notifier.services.sources.publishing import announce
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber

Rows = list[dict[str, object]] | None


@dataclass(frozen=True)
class Side:
    network_id: int
    message_id: int
    subscriber_ids: list[int]


def _two_networks(sessions: sessionmaker[Session]) -> tuple[Side, Side]:
    sides = []
    with unit_of_work(sessions) as uow:
        for slug in ("alpha", "beta"):
            network, (news,) = network_with_topics(uow.session, slug)
            people = [subscriber(uow.session, network, f"p{i}@{slug}.gov.uk", [news]).id for i in range(3)]
            message = announce(uow, RecordingQueue(), network, news, subject="Forum", body="All welcome.")
            sides.append(Side(network.id, message.id, people))
    return sides[0], sides[1]


def _two_networks_with_deliveries(sessions: sessionmaker[Session]) -> tuple[Side, Side]:
    """Two networks, each with its message delivered to its three people."""
    sides = _two_networks(sessions)
    for side in sides:
        _insert(sessions, [_row(side.network_id, side.message_id, s) for s in side.subscriber_ids])
    return sides


def _row(network_id: int, message_id: int, subscriber_id: int | None) -> dict[str, object]:
    now = utcnow()
    return {
        "network_id": network_id, "message_id": message_id, "subscriber_id": subscriber_id,
        "status": DeliveryStatus.QUEUED, "attempts": 0, "created_at": now, "updated_at": now,
    }  # fmt: skip


def _deliveries(sessions: sessionmaker[Session]) -> int:
    with unit_of_work(sessions) as uow:
        return uow.session.scalar(select(func.count()).select_from(Delivery)) or 0


def _insert(sessions: sessionmaker[Session], rows: list[dict[str, object]]) -> None:
    with unit_of_work(sessions) as uow:
        uow.session.execute(insert(Delivery), rows)


def _another_message(sessions: sessionmaker[Session], network_id: int) -> int:
    with unit_of_work(sessions) as uow:
        network = uow.session.get_one(Network, network_id)
        topic = uow.session.scalars(select(Topic).where(Topic.network_id == network_id)).one()
        return announce(uow, RecordingQueue(), network, topic, subject="Minutes", body="Out now.").id


def test_rows_of_one_network_are_stored(sessions: sessionmaker[Session]) -> None:
    alpha, _ = _two_networks(sessions)
    _insert(sessions, [_row(alpha.network_id, alpha.message_id, s) for s in alpha.subscriber_ids])
    assert _deliveries(sessions) == 3


def test_one_statement_for_two_messages_and_an_unlinked_row_is_stored_whole(
    sessions: sessionmaker[Session],
) -> None:
    """The same people named under two messages, and a row whose link retention cleared."""
    alpha, _ = _two_networks(sessions)
    second = _another_message(sessions, alpha.network_id)
    rows = [_row(alpha.network_id, m, s) for m in (alpha.message_id, second) for s in alpha.subscriber_ids]
    _insert(sessions, [*rows, _row(alpha.network_id, second, None)])
    assert _deliveries(sessions) == 7


@pytest.mark.parametrize("crossing", ["subscriber", "message", "missing subscriber", "missing message"])
def test_a_statement_with_one_row_crossing_networks_stores_nothing(
    sessions: sessionmaker[Session], crossing: str
) -> None:
    alpha, beta = _two_networks(sessions)
    rows = [_row(alpha.network_id, alpha.message_id, s) for s in alpha.subscriber_ids[:2]]
    bad = {
        "subscriber": _row(alpha.network_id, alpha.message_id, beta.subscriber_ids[0]),
        "message": _row(alpha.network_id, beta.message_id, alpha.subscriber_ids[2]),
        "missing subscriber": _row(alpha.network_id, alpha.message_id, 10**12),
        "missing message": _row(alpha.network_id, 10**12, alpha.subscriber_ids[2]),
    }[crossing]
    with pytest.raises(IntegrityError):
        _insert(sessions, [*rows, bad])
    assert _deliveries(sessions) == 0


def test_a_delivery_cannot_be_moved_to_another_network_but_its_link_can_be_cleared(
    sessions: sessionmaker[Session],
) -> None:
    alpha, beta = _two_networks(sessions)
    _insert(sessions, [_row(alpha.network_id, alpha.message_id, alpha.subscriber_ids[0])])
    moves = [{"subscriber_id": beta.subscriber_ids[0]}, {"message_id": beta.message_id}]
    for values in moves:
        with pytest.raises(IntegrityError), unit_of_work(sessions) as uow:
            uow.session.execute(update(Delivery).values(**values))
    with unit_of_work(sessions) as uow:
        uow.session.execute(update(Delivery).values(subscriber_id=None))
        assert uow.session.scalar(select(Delivery.subscriber_id)) is None


def test_deleting_a_message_deletes_its_deliveries_only(sessions: sessionmaker[Session]) -> None:
    alpha, beta = _two_networks_with_deliveries(sessions)
    with unit_of_work(sessions) as uow:
        uow.session.execute(delete(Message).where(Message.id == alpha.message_id))
    with unit_of_work(sessions) as uow:
        left = uow.session.scalars(select(Delivery.message_id)).all()
    assert left == [beta.message_id] * 3


def test_a_subscriber_named_by_a_delivery_is_deleted_only_once_the_link_is_cleared(
    sessions: sessionmaker[Session],
) -> None:
    alpha, _ = _two_networks(sessions)
    person = alpha.subscriber_ids[0]
    _insert(sessions, [_row(alpha.network_id, alpha.message_id, person)])
    with pytest.raises(IntegrityError), unit_of_work(sessions) as uow:
        uow.session.execute(delete(Subscriber).where(Subscriber.id == person))
    with unit_of_work(sessions) as uow:
        assert uow.session.get(Subscriber, person) is not None
        uow.session.execute(update(Delivery).values(subscriber_id=None))
        uow.session.execute(delete(Subscriber).where(Subscriber.id == person))
    with unit_of_work(sessions) as uow:
        assert uow.session.get(Subscriber, person) is None
        assert uow.session.scalar(select(func.count()).select_from(Delivery)) == 1  # the count survives


@pytest.mark.parametrize("table", [Message, Subscriber])
def test_a_named_message_or_subscriber_keeps_its_network_and_id(
    sessions: sessionmaker[Session], table: type[Message] | type[Subscriber]
) -> None:
    alpha, beta = _two_networks(sessions)
    _insert(sessions, [_row(alpha.network_id, alpha.message_id, alpha.subscriber_ids[0])])
    named = alpha.message_id if table is Message else alpha.subscriber_ids[0]
    for values in ({"network_id": beta.network_id}, {"id": 10**12}):
        with pytest.raises(IntegrityError), unit_of_work(sessions) as uow:
            uow.session.execute(update(table).where(table.id == named).values(**values))
    assert _deliveries(sessions) == 1


def test_deleting_a_network_takes_its_deliveries_with_it(sessions: sessionmaker[Session]) -> None:
    alpha, beta = _two_networks_with_deliveries(sessions)
    with unit_of_work(sessions) as uow:
        uow.session.execute(delete(Network).where(Network.id == alpha.network_id))
    with unit_of_work(sessions) as uow:
        assert set(uow.session.scalars(select(Delivery.network_id))) == {beta.network_id}


def _blocked_on_a_lock(sessions: sessionmaker[Session], work: Future[None], timeout: float = 10) -> bool:
    """Whether PostgreSQL reports a backend of this database waiting for a lock before `work` ends."""
    engine = sessions.kw["bind"]
    deadline = time.monotonic() + timeout
    # Autocommit: within one transaction PostgreSQL would answer from the same statistics snapshot.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as probe:
        while not work.done() and time.monotonic() < deadline:
            waiting = probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            if waiting:
                return True
            time.sleep(0.02)
    return False


def _while_open(
    sessions: sessionmaker[Session], first: Callable[[Session], object], second: Callable[[], None]
) -> Future[None]:
    """Does `first` in a transaction and, before it commits, starts `second` on another thread; checks
    that `second` waits for that transaction, and returns its outcome once both are over."""
    with ThreadPoolExecutor(1) as pool, unit_of_work(sessions) as uow:
        first(uow.session)
        waiting = pool.submit(second)
        assert _blocked_on_a_lock(sessions, waiting)  # held back by the open transaction
        assert not waiting.done()
    return waiting


def test_a_migrated_postgresql_delivery_has_its_two_foreign_keys_and_no_seal(
    pg_sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(pg_sessions) as uow:
        keys = uow.session.execute(text(FOREIGN_KEYS_OF_DELIVERY)).all()
        seal = uow.session.scalar(text(SEAL_LEFT))
    assert sorted(keys) == [
        ("fk_delivery_network_id_message", "message", "c", False, "{network_id,message_id}",
         "{network_id,id}"),
        ("fk_delivery_network_id_subscriber", "subscriber", "a", True, "{network_id,subscriber_id}",
         "{network_id,id}"),
    ]  # fmt: skip
    assert seal == 0


FOREIGN_KEYS_OF_DELIVERY = """
SELECT c.conname, c.confrelid::regclass::text, c.confdeltype::text, c.condeferred,
       (SELECT array_agg(a.attname ORDER BY k.i)::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
       (SELECT array_agg(a.attname ORDER BY k.i)::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
            JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n)
FROM pg_constraint c WHERE c.conrelid = 'delivery'::regclass AND c.contype = 'f'
"""
# Triggers, functions and advisory-lock users of migration 0014: none may survive 0015.
SEAL_LEFT = """
SELECT (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'delivery_seal%')
     + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'delivery_seal%')
"""


@pytest.mark.parametrize("isolation", ["READ COMMITTED", "REPEATABLE READ"])
def test_a_person_deleted_while_a_batch_naming_them_is_open_fails_the_batch_at_its_commit(
    pg_sessions: sessionmaker[Session], isolation: str
) -> None:
    """The subscriber key is checked at commit: erasure does not wait for an open fan-out batch, and the
    batch, committing second, is refused whole (its task runs it again, without the person). (PostgreSQL
    only: on SQLite the second writer cannot even begin while the first is open.)"""
    alpha, _ = _two_networks(pg_sessions)
    person = alpha.subscriber_ids[0]
    rows = [_row(alpha.network_id, alpha.message_id, s) for s in alpha.subscriber_ids]
    deletion = delete(Subscriber).where(Subscriber.id == person)
    fanout = pg_sessions()
    fanout.execute(insert(Delivery), rows)
    with ThreadPoolExecutor(1) as pool:  # not held back by the open batch
        pool.submit(_in_isolation, pg_sessions, isolation, deletion).result(timeout=10)
    with pytest.raises(IntegrityError, match="fk_delivery_network_id_subscriber"):
        fanout.commit()
    fanout.close()
    assert _deliveries(pg_sessions) == 0
    with unit_of_work(pg_sessions) as uow:
        assert uow.session.get(Subscriber, person) is None


def test_an_insert_naming_a_subscriber_whose_deletion_commits_meanwhile_fails(
    pg_sessions: sessionmaker[Session],
) -> None:
    """The other order: erasure's delete is open when the batch comes, so the batch waits for it, then
    finds the person gone and stores nothing."""
    alpha, _ = _two_networks(pg_sessions)
    person = alpha.subscriber_ids[0]
    named = [_row(alpha.network_id, alpha.message_id, person)]
    batch = _while_open(pg_sessions, _deleting(person), lambda: _insert(pg_sessions, named))
    with pytest.raises(IntegrityError, match="fk_delivery_network_id_subscriber"):
        batch.result(timeout=10)
    assert _deliveries(pg_sessions) == 0


def test_a_message_deleted_while_a_batch_is_open_takes_the_batch_rows_with_it(
    pg_sessions: sessionmaker[Session],
) -> None:
    alpha, _ = _two_networks(pg_sessions)
    rows = [_row(alpha.network_id, alpha.message_id, s) for s in alpha.subscriber_ids]
    removal = _while_open(
        pg_sessions, _inserting(rows), lambda: _delete_message(pg_sessions, alpha.message_id)
    )
    removal.result(timeout=10)
    assert _deliveries(pg_sessions) == 0


def test_a_repeatable_read_deletion_of_a_message_with_a_batch_open_fails_instead_of_orphaning(
    pg_sessions: sessionmaker[Session],
) -> None:
    """Issue 23's reproduction of the seal's hole: the deletion's snapshot predates the batch, so it
    cannot cascade to rows it cannot see; the key's cross-check refuses it, and message and rows stay."""
    alpha, _ = _two_networks(pg_sessions)
    rows = [_row(alpha.network_id, alpha.message_id, s) for s in alpha.subscriber_ids]
    removal = _while_open(
        pg_sessions,
        _inserting(rows),
        lambda: _in_repeatable_read(pg_sessions, delete(Message).where(Message.id == alpha.message_id)),
    )
    with pytest.raises(OperationalError, match="could not serialize"):
        removal.result(timeout=10)
    with unit_of_work(pg_sessions) as uow:
        assert uow.session.get(Message, alpha.message_id) is not None
    assert _deliveries(pg_sessions) == 3


def test_outside_read_committed_an_insert_naming_a_subscriber_deleted_meanwhile_fails(
    pg_sessions: sessionmaker[Session],
) -> None:
    alpha, _ = _two_networks(pg_sessions)
    person = alpha.subscriber_ids[0]
    named = [_row(alpha.network_id, alpha.message_id, person)]
    batch = _while_open(
        pg_sessions, _deleting(person), lambda: _in_repeatable_read(pg_sessions, insert(Delivery), named)
    )
    with pytest.raises(OperationalError, match="could not serialize"):
        batch.result(timeout=10)
    assert _deliveries(pg_sessions) == 0


def test_people_with_no_deliveries_are_deleted_in_any_isolation(pg_sessions: sessionmaker[Session]) -> None:
    """The seal refused deletions outside READ COMMITTED; a foreign key needs no such rule."""
    alpha, _ = _two_networks(pg_sessions)
    person = alpha.subscriber_ids[0]
    _in_repeatable_read(pg_sessions, delete(Subscriber).where(Subscriber.id == person))
    with unit_of_work(pg_sessions) as uow:
        assert uow.session.get(Subscriber, person) is None


def test_a_parent_table_is_truncated_only_with_its_deliveries(pg_sessions: sessionmaker[Session]) -> None:
    alpha, _ = _two_networks(pg_sessions)
    _insert(pg_sessions, [_row(alpha.network_id, alpha.message_id, alpha.subscriber_ids[0])])
    for table in ("message", "subscriber"):
        with (
            pytest.raises(NotSupportedError, match="referenced in a foreign key"),
            unit_of_work(pg_sessions) as uow,
        ):
            uow.session.execute(text(f"TRUNCATE {table}"))
    assert _deliveries(pg_sessions) == 1


def _deleting(subscriber_id: int) -> Callable[[Session], object]:
    return lambda session: session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id))


def _inserting(rows: list[dict[str, object]]) -> Callable[[Session], object]:
    return lambda session: session.execute(insert(Delivery), rows)


def _delete_message(sessions: sessionmaker[Session], message_id: int) -> None:
    with unit_of_work(sessions) as uow:
        uow.session.execute(delete(Message).where(Message.id == message_id))


def _in_repeatable_read(sessions: sessionmaker[Session], statement: Executable, rows: Rows = None) -> None:
    _in_isolation(sessions, "REPEATABLE READ", statement, rows)


def _in_isolation(
    sessions: sessionmaker[Session], isolation: str, statement: Executable, rows: Rows = None
) -> None:
    """One statement in a transaction of that isolation whose snapshot is taken before it runs."""
    with unit_of_work(sessions) as uow:
        uow.session.execute(text(f"SET TRANSACTION ISOLATION LEVEL {isolation}"))
        uow.session.execute(select(func.count()).select_from(Delivery))  # the snapshot
        uow.session.execute(statement, rows)


def test_upgrading_from_the_seal_repairs_its_orphans_as_the_keys_would_then_adds_them(
    pg_sessions: sessionmaker[Session],
) -> None:
    """Rows the seal let through (made here with its triggers turned off): a delivery of a deleted
    message goes, as ON DELETE CASCADE would have had it; a link to a deleted subscriber is cleared."""
    alpha, _ = _two_networks(pg_sessions)
    gone_message = _another_message(pg_sessions, alpha.network_id)
    gone_person, *kept = alpha.subscriber_ids
    _insert(pg_sessions, [_row(alpha.network_id, m, s) for m in (alpha.message_id, gone_message)
                          for s in alpha.subscriber_ids])  # fmt: skip
    engine = pg_sessions.kw["bind"]
    url = engine.url.render_as_string(hide_password=False)
    migrate.downgrade(url, "0014")
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE message DISABLE TRIGGER delivery_seal_message_deleted"))
        conn.execute(text("ALTER TABLE subscriber DISABLE TRIGGER delivery_seal_subscriber_deleted"))
        conn.execute(delete(Message).where(Message.id == gone_message))
        conn.execute(delete(Subscriber).where(Subscriber.id == gone_person))
    engine.dispose()
    migrate.upgrade(url)
    with unit_of_work(pg_sessions) as uow:
        left = uow.session.execute(select(Delivery.message_id, Delivery.subscriber_id)).all()
        keys = uow.session.execute(text(FOREIGN_KEYS_OF_DELIVERY)).all()
    assert sorted(left, key=str) == sorted([(alpha.message_id, s) for s in [None, *kept]], key=str)
    assert len(keys) == 2
