"""The database itself keeps every delivery inside its network, on both databases.

SQLite does it with row-level foreign keys; PostgreSQL with the statement triggers of migration 0014,
which check a whole fan-out batch at once. Both must refuse the same rows and allow the same changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Network, Subscriber
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.statuses import DeliveryStatus
from notifier.services.sources.publishing import announce
from tests.support.databases import PostgresDatabases
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


def test_rows_of_one_network_are_stored(sessions: sessionmaker[Session]) -> None:
    alpha, _ = _two_networks(sessions)
    _insert(sessions, [_row(alpha.network_id, alpha.message_id, s) for s in alpha.subscriber_ids])
    assert _deliveries(sessions) == 3


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


def test_deleting_a_network_takes_its_deliveries_with_it(sessions: sessionmaker[Session]) -> None:
    alpha, beta = _two_networks(sessions)
    _insert(sessions, [_row(alpha.network_id, alpha.message_id, s) for s in alpha.subscriber_ids])
    _insert(sessions, [_row(beta.network_id, beta.message_id, s) for s in beta.subscriber_ids])
    with unit_of_work(sessions) as uow:
        uow.session.execute(delete(Network).where(Network.id == alpha.network_id))
    with unit_of_work(sessions) as uow:
        assert set(uow.session.scalars(select(Delivery.network_id))) == {beta.network_id}


@pytest.fixture
def postgres_sessions(postgres: PostgresDatabases) -> Iterator[sessionmaker[Session]]:
    url = postgres.create()
    engine = make_engine(url, pool_size=2)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()
    postgres.drop(url)


def test_an_uncommitted_insert_holds_its_subscribers_against_deletion(
    postgres_sessions: sessionmaker[Session],
) -> None:
    """As a foreign key would: erasure cannot delete a person while a fan-out batch naming them is open.
    (PostgreSQL only: on SQLite the second writer cannot even begin while the first is open.)"""
    alpha, _ = _two_networks(postgres_sessions)
    person = alpha.subscriber_ids[0]
    with unit_of_work(postgres_sessions) as fanout:
        fanout.session.execute(insert(Delivery), [_row(alpha.network_id, alpha.message_id, person)])
        with unit_of_work(postgres_sessions) as erasure:
            erasure.session.execute(text("SET LOCAL lock_timeout = '200ms'"))
            with pytest.raises(OperationalError, match="lock"):
                erasure.session.execute(delete(Subscriber).where(Subscriber.id == person))
            erasure.session.rollback()
    assert _deliveries(postgres_sessions) == 1
    with pytest.raises(IntegrityError), unit_of_work(postgres_sessions) as erasure:
        erasure.session.execute(delete(Subscriber).where(Subscriber.id == person))
