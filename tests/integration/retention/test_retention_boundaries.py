"""Every retention rule at its exact boundary, on SQLite and PostgreSQL: the report's "due at" and
the run agree to the second. One second before, the report counts nothing due and the run keeps the
row; at the boundary and one second after, the report counts it and the run removes it. Month ends
(31 August + 6 months) and leap years (29 February) included."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.models import (
    AdminMember,
    ContactEnquiry,
    DataRequest,
    Delivery,
    Message,
    Network,
    Signup,
    Subscriber,
)
from notifier.db.session import unit_of_work
from notifier.domain.retention import DATA_REQUEST_DEADLINE, Period, RetentionKind
from notifier.domain.rights import DataRequestKind, DataRequestOrigin, DataRequestStatus
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import (
    ConsentSource,
    DeliveryStatus,
    Frequency,
    Lane,
    MessageStatus,
    SubscriberStatus,
)
from notifier.services.privacy.retention import run_to_completion, set_rule
from notifier.services.privacy.retention_report import ReportLine, retention_report
from tests.support.seeding import HASH_KEY, network_with_topics
from tests.support.settings import make_settings

pytestmark = pytest.mark.dates

SECOND = timedelta(seconds=1)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _person(session: Session, network: Network, status: SubscriberStatus, **stamps: datetime) -> Subscriber:
    person = Subscriber(
        network_id=network.id,
        email=f"person{utcnow().timestamp()}@justice.gov.uk",
        email_hash=f"hash-{utcnow().timestamp()}",
        name="Pat Example",
        status=status,
        created_at=stamps.pop("created_at", _at("2020-01-01T00:00:00")),
        **stamps,
    )
    session.add(person)
    session.flush()
    return person


def _request(session: Session, network: Network, person: Subscriber, **fields: object) -> DataRequest:
    received = _at("2020-01-01T00:00:00")
    row = DataRequest(
        network_id=network.id,
        subscriber_id=person.id,
        origin=DataRequestOrigin.ADMIN,
        details={"note": "Pat"},
        received_at=received,
        deadline_at=DATA_REQUEST_DEADLINE.after(received),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


# Each seeds one row stamped so that it falls due at the case's boundary, and returns a probe that
# says whether the row is still there (with the person's data) in a session.
Seed = Callable[[Session, Network, datetime], Callable[[Session], bool]]


def _left(session: Session, network: Network, stamp: datetime) -> Callable[[Session], bool]:
    person_id = _person(session, network, SubscriberStatus.LEFT, left_at=stamp).id
    return lambda s: s.get(Subscriber, person_id) is not None


def _removed_admin(session: Session, network: Network, stamp: datetime) -> Callable[[Session], bool]:
    """Left as a subscriber long ago, kept for an admin role that was removed at `stamp`."""
    person_id = _person(session, network, SubscriberStatus.LEFT, left_at=_at("2020-01-01T00:00:00")).id
    session.add(
        AdminMember(
            network_id=network.id,
            subscriber_id=person_id,
            role=AdminRole.EDITOR,
            invited_by="cli",
            created_at=_at("2019-06-01T00:00:00"),
            removed_at=stamp,
        )
    )
    session.flush()
    return lambda s: s.get(Subscriber, person_id) is not None


def _enquiry(session: Session, network: Network, stamp: datetime) -> Callable[[Session], bool]:
    row = ContactEnquiry(network_id=network.id, name="Pat", email="pat@justice.gov.uk", message="Hi")
    row.received_at = stamp
    session.add(row)
    session.flush()
    row_id = row.id
    return lambda s: s.get(ContactEnquiry, row_id) is not None


def _closed(session: Session, network: Network, stamp: datetime) -> Callable[[Session], bool]:
    person = _person(session, network, SubscriberStatus.ACTIVE)
    row_id = _request(
        session,
        network,
        person,
        kind=DataRequestKind.ACCESS,
        status=DataRequestStatus.COMPLETED,
        completed_at=stamp,
    ).id
    return lambda s: s.get_one(DataRequest, row_id).subscriber_id is not None


def _erasure(session: Session, network: Network, stamp: datetime) -> Callable[[Session], bool]:
    person = _person(session, network, SubscriberStatus.ACTIVE)
    row_id = _request(
        session,
        network,
        person,
        kind=DataRequestKind.ERASURE,
        status=DataRequestStatus.OPEN,
        verified_at=stamp,
    ).id
    return lambda s: s.get_one(DataRequest, row_id).status is DataRequestStatus.OPEN


def _delivery(session: Session, network: Network, stamp: datetime) -> Callable[[Session], bool]:
    person = _person(session, network, SubscriberStatus.ACTIVE)
    message = Message(
        network_id=network.id,
        email_kind="announcement",
        lane=Lane.BULK,
        status=MessageStatus.DONE,
        context={},
    )
    session.add(message)
    session.flush()
    row = Delivery(
        network_id=network.id,
        message_id=message.id,
        subscriber_id=person.id,
        status=DeliveryStatus.DELIVERED,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    session.flush()
    row_id = row.id
    return lambda s: s.get_one(Delivery, row_id).subscriber_id is not None


def _signup(
    session: Session, network: Network, stamp: datetime, created: datetime | None = None
) -> Callable[[Session], bool]:
    created = created or stamp - timedelta(days=7)  # the link's life (confirm_link_days)
    person = _person(session, network, SubscriberStatus.PENDING, created_at=created)
    row = Signup(
        network_id=network.id,
        subscriber_id=person.id,
        topic_ids=[],
        frequency=Frequency.IMMEDIATE,
        name="Pat",
        source=ConsentSource.FORM,
        notice_version="v1",
        created_at=created,
        expires_at=stamp,
    )
    session.add(row)
    session.flush()
    row_id, person_id = row.id, person.id
    return lambda s: s.get(Signup, row_id) is not None or s.get(Subscriber, person_id) is not None


def _short_signup(session: Session, network: Network, stamp: datetime) -> Callable[[Session], bool]:
    """A sign-up made `stamp` under a network rule of 3 days, shorter than its link's 7-day life."""
    set_rule(session, network.id, RetentionKind.UNCONFIRMED_SIGNUP, Period(days=3), stamp)
    return _signup(session, network, stamp + timedelta(days=7), created=stamp)


def _imported_signup(session: Session, network: Network, stamp: datetime) -> Callable[[Session], bool]:
    """An imported person's sign-up, whose link (import_confirm_days, 14) outlives a form's 7 days: the
    person is kept through it, and goes with it."""
    return _signup(session, network, stamp, created=stamp - timedelta(days=14))


@dataclass(frozen=True)
class Case:
    kind: RetentionKind
    seed: Seed
    stamp: str
    due: str


CASES = {
    "left 31 Aug, due as 1 Mar begins": Case(
        RetentionKind.LEFT_SUBSCRIBER, _left, "2026-08-31T10:00:00", "2027-03-01T00:00:00"
    ),
    "left 29 Aug, leap-year 29 Feb": Case(
        RetentionKind.LEFT_SUBSCRIBER, _left, "2027-08-29T10:00:00", "2028-02-29T10:00:00"
    ),
    "admin role removed 31 Aug, due as 1 Mar begins": Case(
        RetentionKind.LEFT_SUBSCRIBER, _removed_admin, "2026-08-31T10:00:00", "2027-03-01T00:00:00"
    ),
    "enquiry at the last second of 31 Aug": Case(
        RetentionKind.CONTACT_ENQUIRY, _enquiry, "2027-08-31T23:59:59", "2028-03-01T00:00:00"
    ),
    "enquiry mid-month": Case(
        RetentionKind.CONTACT_ENQUIRY, _enquiry, "2026-01-15T12:00:00", "2026-07-15T12:00:00"
    ),
    "request closed 31 Jan, leap February": Case(
        RetentionKind.CLOSED_REQUEST, _closed, "2028-01-31T08:00:00", "2028-03-01T00:00:00"
    ),
    "request closed 29 Feb": Case(
        RetentionKind.CLOSED_REQUEST, _closed, "2028-02-29T08:00:00", "2028-03-29T08:00:00"
    ),
    "erasure verified: at once": Case(
        RetentionKind.ERASURE_REQUEST, _erasure, "2028-02-29T23:59:59", "2028-02-29T23:59:59"
    ),
    "delivery link, 90 days across 29 Feb": Case(
        RetentionKind.DELIVERY_LINK, _delivery, "2028-01-31T12:00:00", "2028-04-30T12:00:00"
    ),
    "sign-up link expiry": Case(
        RetentionKind.UNCONFIRMED_SIGNUP, _signup, "2028-03-01T00:00:00", "2028-03-01T00:00:00"
    ),
    "imported sign-up's longer link": Case(
        RetentionKind.UNCONFIRMED_SIGNUP, _imported_signup, "2028-03-01T00:00:00", "2028-03-01T00:00:00"
    ),
    "sign-up under a rule shorter than its link": Case(
        RetentionKind.UNCONFIRMED_SIGNUP, _short_signup, "2028-02-27T09:30:00", "2028-03-01T09:30:00"
    ),
}


def _report(
    sessions: sessionmaker[Session], settings: Settings, network_id: int, kind: RetentionKind, now: datetime
) -> ReportLine:
    with unit_of_work(sessions) as uow:
        (line,) = [x for x in retention_report(uow.session, settings, network_id, now) if x.kind is kind]
    return line


@pytest.mark.parametrize("name", list(CASES))
def test_the_report_and_the_run_agree_at_the_exact_boundary(
    name: str, sessions: sessionmaker[Session]
) -> None:
    case = CASES[name]
    stamp, due = _at(case.stamp), _at(case.due)
    settings = make_settings(secret_key=HASH_KEY, delivery_link_days=90)
    with unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "alpha")
        network_id = network.id
        present = case.seed(uow.session, network, stamp)
    early = _report(sessions, settings, network_id, case.kind, stamp - 30 * SECOND)
    assert early.next_due_at == due and early.due_now == 0  # what the report promises
    just_before = _report(sessions, settings, network_id, case.kind, due - SECOND)
    assert just_before.due_now == 0 and just_before.next_due_at == due
    assert _report(sessions, settings, network_id, case.kind, due).due_now == 1
    assert _report(sessions, settings, network_id, case.kind, due + SECOND).due_now == 1
    for moment, kept in ((due - SECOND, True), (due, False)):
        with time_machine.travel(moment, tick=False):
            run_to_completion(sessions, settings, utcnow())
        with unit_of_work(sessions) as uow:
            assert present(uow.session) is kept, (name, moment)
