"""The database itself keeps every delivery inside its network, on both databases.

SQLite does it with row-level foreign keys; PostgreSQL with the statement triggers of migration 0014,
which check a whole fan-out batch at once. Both must refuse the same rows and allow the same changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, NotSupportedError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Network, Subscriber, Topic
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus
from notifier.services.sources.publishing import announce
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber


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
    alpha, beta = _two_networks(sessions)
    _insert(sessions, [_row(alpha.network_id, alpha.message_id, s) for s in alpha.subscriber_ids])
    _insert(sessions, [_row(beta.network_id, beta.message_id, s) for s in beta.subscriber_ids])
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
    alpha, beta = _two_networks(sessions)
    _insert(sessions, [_row(alpha.network_id, alpha.message_id, s) for s in alpha.subscriber_ids])
    _insert(sessions, [_row(beta.network_id, beta.message_id, s) for s in beta.subscriber_ids])
    with unit_of_work(sessions) as uow:
        uow.session.execute(delete(Network).where(Network.id == alpha.network_id))
    with unit_of_work(sessions) as uow:
        assert set(uow.session.scalars(select(Delivery.network_id))) == {beta.network_id}


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


def test_an_uncommitted_insert_holds_its_subscribers_against_deletion(
    pg_sessions: sessionmaker[Session],
) -> None:
    """As a foreign key would: erasure cannot delete a person while a fan-out batch naming them is open.
    (PostgreSQL only: on SQLite the second writer cannot even begin while the first is open.)"""
    alpha, _ = _two_networks(pg_sessions)
    person = alpha.subscriber_ids[0]
    with unit_of_work(pg_sessions) as fanout:
        fanout.session.execute(insert(Delivery), [_row(alpha.network_id, alpha.message_id, person)])
        with unit_of_work(pg_sessions) as erasure:
            erasure.session.execute(text("SET LOCAL lock_timeout = '200ms'"))
            with pytest.raises(OperationalError, match="lock"):
                erasure.session.execute(delete(Subscriber).where(Subscriber.id == person))
            erasure.session.rollback()
    assert _deliveries(pg_sessions) == 1
    with pytest.raises(IntegrityError), unit_of_work(pg_sessions) as erasure:
        erasure.session.execute(delete(Subscriber).where(Subscriber.id == person))


def test_an_insert_naming_a_subscriber_whose_deletion_commits_meanwhile_fails(
    pg_sessions: sessionmaker[Session],
) -> None:
    """The other order: erasure's delete is open when the batch comes, so the batch waits for it, then
    finds the person gone and stores nothing."""
    alpha, _ = _two_networks(pg_sessions)
    person = alpha.subscriber_ids[0]
    named = [_row(alpha.network_id, alpha.message_id, person)]
    batch = _while_open(pg_sessions, _deleting(person), lambda: _insert(pg_sessions, named))
    with pytest.raises(IntegrityError, match="subscriber who is not in its network"):
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


def _deleting(subscriber_id: int) -> Callable[[Session], object]:
    return lambda session: session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id))


def _inserting(rows: list[dict[str, object]]) -> Callable[[Session], object]:
    return lambda session: session.execute(insert(Delivery), rows)


def _delete_message(sessions: sessionmaker[Session], message_id: int) -> None:
    with unit_of_work(sessions) as uow:
        uow.session.execute(delete(Message).where(Message.id == message_id))


def test_a_parent_table_is_not_truncated_while_deliveries_exist(
    pg_sessions: sessionmaker[Session],
) -> None:
    alpha, _ = _two_networks(pg_sessions)
    _insert(pg_sessions, [_row(alpha.network_id, alpha.message_id, alpha.subscriber_ids[0])])
    for table in ("message", "subscriber"):
        with (
            pytest.raises(IntegrityError, match="truncate delivery on its own first"),
            unit_of_work(pg_sessions) as uow,
        ):
            uow.session.execute(text(f"TRUNCATE {table} CASCADE"))
    assert _deliveries(pg_sessions) == 1


def _insert_repeatable_read(sessions: sessionmaker[Session], rows: list[dict[str, object]]) -> None:
    with unit_of_work(sessions) as uow:
        uow.session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        uow.session.execute(insert(Delivery), rows)


def test_outside_read_committed_an_insert_locks_each_subscriber_instead(
    pg_sessions: sessionmaker[Session],
) -> None:
    """A snapshot older than the seal lock could miss the deletion; each subscriber row is locked, and
    PostgreSQL refuses the insert once the deletion it waited for commits."""
    alpha, _ = _two_networks(pg_sessions)
    person = alpha.subscriber_ids[0]
    named = [_row(alpha.network_id, alpha.message_id, person)]
    batch = _while_open(pg_sessions, _deleting(person), lambda: _insert_repeatable_read(pg_sessions, named))
    with pytest.raises(OperationalError, match="could not serialize"):
        batch.result(timeout=10)
    assert _deliveries(pg_sessions) == 0


def test_people_are_not_deleted_outside_read_committed(pg_sessions: sessionmaker[Session]) -> None:
    """Such a snapshot could miss a delivery committed since it was taken, so the seal refuses."""
    alpha, _ = _two_networks(pg_sessions)
    person = alpha.subscriber_ids[0]
    with pytest.raises(NotSupportedError, match="READ COMMITTED"):
        _delete_repeatable_read(pg_sessions, person)
    with unit_of_work(pg_sessions) as uow:
        assert uow.session.get(Subscriber, person) is not None


def _delete_repeatable_read(sessions: sessionmaker[Session], subscriber_id: int) -> None:
    with unit_of_work(sessions) as uow:
        uow.session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        uow.session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id))


def test_a_deletion_checked_immediately_still_waits_for_an_open_batch(
    pg_sessions: sessionmaker[Session],
) -> None:
    """SET CONSTRAINTS can move the deletion's check to the end of its DELETE; the check still waits for
    the open batch and then sees its row, instead of passing before the batch commits."""
    alpha, _ = _two_networks(pg_sessions)
    person = alpha.subscriber_ids[0]
    named = [_row(alpha.network_id, alpha.message_id, person)]
    deletion = _while_open(
        pg_sessions, _inserting(named), lambda: _delete_checked_immediately(pg_sessions, person)
    )
    with pytest.raises(IntegrityError, match="still named by a delivery"):
        deletion.result(timeout=10)
    with unit_of_work(pg_sessions) as uow:
        assert uow.session.get(Subscriber, person) is not None


def _delete_checked_immediately(sessions: sessionmaker[Session], subscriber_id: int) -> None:
    with unit_of_work(sessions) as uow:
        uow.session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        uow.session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id))
