"""Retention deletes one network's people per transaction, so a network's sign-ups and their
confirmation emails never wait for retention working through another network (real PostgreSQL, two
threads: SQLite lets one writer in at a time, so there nothing runs beside a retention batch at all)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import ContactEnquiry, Delivery, Network, Subscriber, Topic
from notifier.db.session import unit_of_work
from notifier.domain.statuses import (
    ConsentSource,
    DeliveryStatus,
    Frequency,
    SubscriberStatus,
    SubscriptionEndReason,
)
from notifier.services.privacy.retention import run_batch, start_run
from notifier.services.subscribers.signup_form import CheckedSignup
from notifier.services.subscribers.signups import ConfirmLinks, SignupContext, request_signup
from notifier.services.subscribers.subscriptions import unsubscribe
from tests.integration.retention import people
from tests.support.fakes import RecordingQueue
from tests.support.seeding import HASH_KEY, network_with_topics
from tests.support.settings import make_settings

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
RUN_AT = datetime(2026, 7, 16, 12, 0, tzinfo=UTC)  # a day after six months: both leavers are due
ADDRESS = "returning@justice.gov.uk"
LINKS = ConfirmLinks.build(HASH_KEY, "http://127.0.0.1:8000", 7)
QUICK = 2.0  # seconds: a sign-up's transaction takes milliseconds; waiting for a lock would take longer


def _network_with_a_leaver(sessions: sessionmaker[Session], slug: str) -> tuple[int, int]:
    """(network id, leaver id): someone who subscribed before T0 and left at T0, with data everywhere."""
    with time_machine.travel(T0 - timedelta(days=30), tick=False), unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, slug, ["news"])
        ids = network.id, people.person(uow.session, network, topics, ADDRESS, "Robin Return").id
        people.enquiry(uow.session, network, f"asker@{slug}.gov.uk", "Ash Asker")
    with time_machine.travel(T0, tick=False), unit_of_work(sessions) as uow:
        network = uow.session.get_one(Network, ids[0])
        leaver = uow.session.get_one(Subscriber, ids[1])
        unsubscribe(uow.session, network, leaver, topic_id=None, source=ConsentSource.FORM,
                    reason=SubscriptionEndReason.UNSUBSCRIBED, now=utcnow())  # fmt: skip
    return ids


def _still_there(sessions: sessionmaker[Session], subscriber_id: int) -> bool:
    with unit_of_work(sessions) as uow:
        return uow.session.get(Subscriber, subscriber_id) is not None


def _sign_up_again(sessions: sessionmaker[Session], network_id: int) -> tuple[float, int | None]:
    """The leaver comes back to the network's sign-up form: (seconds its transaction took, the
    confirmation email's message id)."""
    started = time.perf_counter()
    with unit_of_work(sessions) as uow:
        network = uow.session.get_one(Network, network_id)
        news = uow.session.scalars(select(Topic).where(Topic.network_id == network_id)).one()
        checked = CheckedSignup("Robin Return", ADDRESS, "MoJ", [news], Frequency.IMMEDIATE)
        context = SignupContext(LINKS, HASH_KEY, 7, utcnow())
        message_id = request_signup(uow, RecordingQueue(), network, checked, context)
    return time.perf_counter() - started, message_id


def _wait_for_a_lock_wait(sessions: sessionmaker[Session]) -> None:
    """Until one of this database's sessions waits for a lock (retention, held at the enquiry)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with unit_of_work(sessions) as uow:
            if uow.session.scalar(waiting):
                return
        time.sleep(0.05)
    raise AssertionError("retention never reached the held enquiry")


def test_a_sign_up_in_one_network_is_not_held_by_retention_working_through_another(
    pg_sessions: sessionmaker[Session],
) -> None:
    """Beta's share of the run commits before alpha's starts. Alpha's is held open at its enquiry (another
    transaction has locked it) after it has deleted alpha's leaver. Meanwhile beta's leaver signs up
    again: had beta's deletion still been open (one transaction for every network, as before), the
    sign-up would wait on that person's row for as long as alpha took."""
    beta_id, beta_leaver = _network_with_a_leaver(pg_sessions, "beta")  # lower id: reached first
    alpha_id, alpha_leaver = _network_with_a_leaver(pg_sessions, "alpha")
    settings = make_settings(secret_key=HASH_KEY)
    holder = pg_sessions()
    holder.execute(select(ContactEnquiry).where(ContactEnquiry.network_id == alpha_id).with_for_update())
    with ThreadPoolExecutor(2) as pool:
        run = pool.submit(run_batch, pg_sessions, settings, start_run(RUN_AT))
        try:
            _wait_for_a_lock_wait(pg_sessions)
            assert not _still_there(pg_sessions, beta_leaver)  # beta's share is committed
            assert _still_there(pg_sessions, alpha_leaver)  # alpha's deletion is open, not committed
            took, message_id = pool.submit(_sign_up_again, pg_sessions, beta_id).result(timeout=QUICK * 5)
            assert took < QUICK, f"beta's sign-up took {took:.2f} s"
            assert not run.done()
            assert _still_there(pg_sessions, alpha_leaver)  # ... and was open all along
        finally:
            holder.rollback()
            holder.close()
        assert run.result(timeout=30) is None
    assert not _still_there(pg_sessions, alpha_leaver)
    with unit_of_work(pg_sessions) as uow:
        person = uow.session.scalars(select(Subscriber).where(Subscriber.network_id == beta_id)).one()
        assert (person.email, person.status) == (ADDRESS, SubscriberStatus.PENDING)
        confirmation = uow.session.scalars(select(Delivery).where(Delivery.message_id == message_id)).one()
        assert (confirmation.subscriber_id, confirmation.status) == (person.id, DeliveryStatus.QUEUED)
        assert uow.session.scalar(select(func.count()).select_from(ContactEnquiry)) == 0
