"""The unit of work behaves the same on a database of the test's own and inside the rolled-back
transaction most tests use (`sessions`, tests/support/databases.py): a commit is seen by the next unit of
work, an error throws the work away, after-commit actions run only after a commit, and PostgreSQL's
deferred checks (the delivery's subscriber key) refuse a commit. Each test runs on both fixtures."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from notifier.db.models import Network, Subscriber
from notifier.db.session import unit_of_work
from tests.integration.delivery.test_delivery_foreign_keys import _insert, _row, _two_networks
from tests.support.seeding import network_with_topics


@pytest.fixture(params=["rolled back", "isolated"])
def any_sessions(request: pytest.FixtureRequest, database_kind: str) -> sessionmaker[Session]:
    name = "sessions" if request.param == "rolled back" else "isolated_sessions"
    made: sessionmaker[Session] = request.getfixturevalue(name)
    return made


def _failing_unit(sessions: sessionmaker[Session], ran: list[str], *statements: Executable) -> None:
    """A unit of work with an after-commit action, that adds a network and then runs `statements`."""
    with unit_of_work(sessions) as uow:
        uow.after_commit(lambda: ran.append("after commit"))
        network_with_topics(uow.session, "omega")
        for statement in statements:
            uow.session.execute(statement)


def _named_by_a_delivery(sessions: sessionmaker[Session]) -> int:
    """Two networks (tests/integration/delivery/test_delivery_foreign_keys.py); the id of a person in
    the first that a delivery names."""
    first, _ = _two_networks(sessions)
    named = first.subscriber_ids[0]
    _insert(sessions, [_row(first.network_id, first.message_id, named)])
    return named


def _networks(sessions: sessionmaker[Session]) -> int:
    with unit_of_work(sessions) as uow:
        return uow.session.scalar(select(func.count()).select_from(Network)) or 0


def test_a_commit_is_seen_by_the_next_unit_of_work_and_after_commit_runs_after_it(
    any_sessions: sessionmaker[Session],
) -> None:
    seen: list[int] = []
    with unit_of_work(any_sessions) as uow:
        network_with_topics(uow.session, "alpha")
        uow.after_commit(lambda: seen.append(_networks(any_sessions)))
        assert seen == []
    assert seen == [1]
    assert _networks(any_sessions) == 1


def test_an_error_throws_the_work_away_and_skips_after_commit(any_sessions: sessionmaker[Session]) -> None:
    with unit_of_work(any_sessions) as uow:
        network_with_topics(uow.session, "alpha")
    ran: list[str] = []
    taken = update(Network).where(Network.slug == "omega").values(slug="alpha")
    with pytest.raises(IntegrityError):
        _failing_unit(any_sessions, ran, taken)
    assert ran == []
    assert _networks(any_sessions) == 1  # omega went with the failed unit of work
    with unit_of_work(any_sessions) as uow:  # and the next one starts clean
        network_with_topics(uow.session, "gamma")
    assert _networks(any_sessions) == 2


def test_a_nested_savepoint_rolls_back_alone(any_sessions: sessionmaker[Session]) -> None:
    with unit_of_work(any_sessions) as uow:
        network_with_topics(uow.session, "alpha")
        network_with_topics(uow.session, "gamma")
        with pytest.raises(IntegrityError):
            _in_savepoint(uow.session, update(Network).where(Network.slug == "beta").values(slug="alpha"))
    assert _networks(any_sessions) == 2  # alpha and gamma, not beta


def _in_savepoint(session: Session, statement: Executable) -> None:
    with session.begin_nested():
        network_with_topics(session, "beta")
        session.execute(statement)


def test_a_deferred_check_refuses_the_commit_and_throws_the_work_away(
    any_sessions: sessionmaker[Session],
) -> None:
    """A subscriber a delivery still names cannot be deleted: its deferred key is checked at COMMIT."""
    person = _named_by_a_delivery(any_sessions)
    ran: list[str] = []
    with pytest.raises(IntegrityError):
        _failing_unit(any_sessions, ran, delete(Subscriber).where(Subscriber.id == person))
    assert ran == []
    assert _networks(any_sessions) == 2  # the whole unit went, its network with it
    with unit_of_work(any_sessions) as uow:  # and the next one starts clean and commits
        assert uow.session.get(Subscriber, person) is not None
        network_with_topics(uow.session, "after")
    assert _networks(any_sessions) == 3


@pytest.mark.parametrize("turn", ["first", "second"])
def test_nothing_is_left_from_another_test(sessions: sessionmaker[Session], turn: str) -> None:
    """Whichever runs first, each finds the shared database empty and leaves something behind."""
    assert _networks(sessions) == 0
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, f"left-{turn}")
    assert _networks(sessions) == 1
