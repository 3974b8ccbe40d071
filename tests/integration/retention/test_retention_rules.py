"""Every retention rule at its boundary, on SQLite and PostgreSQL: a day before, the data is there;
a day after the run, it is gone from every table and only the permitted hash and counts remain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.models import (
    AdminMember,
    ApiToken,
    AuditRecord,
    ContactEnquiry,
    DataRequest,
    Delivery,
    Network,
    RetentionEvidence,
    Subscriber,
    Suppression,
)
from notifier.db.session import unit_of_work
from notifier.domain.retention import Period, RetentionKind, RuleTooLong
from notifier.domain.rights import DataRequestKind, DataRequestStatus
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import ConsentSource, SubscriberStatus, SubscriptionEndReason, SuppressionReason
from notifier.services.admin.invitations import invite_admin
from notifier.services.admin.team import remove_admin
from notifier.services.privacy import rights
from notifier.services.privacy.retention import run_to_completion, set_rule
from notifier.services.privacy.retention_report import ReportLine, retention_report
from notifier.services.subscribers.subscriptions import unsubscribe
from tests.integration.retention import people
from tests.support.fakes import RecordingQueue
from tests.support.seeding import HASH_KEY, issue_test_token, network_with_topics
from tests.support.settings import make_settings

pytestmark = pytest.mark.dates

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SIX_MONTHS = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


def settings_for(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "secret_key": HASH_KEY,
        "retention_batch_size": 2,
    }
    values.update(overrides)
    return make_settings(**values)


def run_at(sessions: sessionmaker[Session], settings: Settings, moment: datetime) -> str:
    with time_machine.travel(moment, tick=False):
        return run_to_completion(sessions, settings, utcnow()).run_id


def kept_until(
    sessions: sessionmaker[Session], settings: Settings, due: datetime, subscriber_id: int, *needles: str
) -> None:
    """A day before `due` the person is still there; a day after, nothing of them is left anywhere."""
    run_at(sessions, settings, due - DAY)
    with unit_of_work(sessions) as uow:
        assert uow.session.get(Subscriber, subscriber_id) is not None
    run_at(sessions, settings, due + DAY)
    with unit_of_work(sessions) as uow:
        assert people.traces(uow.session, subscriber_id, *needles) == []


def left_person(sessions: sessionmaker[Session], email: str, name: str) -> tuple[int, int]:
    """(network id, subscriber id) of someone who subscribed a month before T0 and left at T0."""
    with time_machine.travel(T0 - 30 * DAY, tick=False), unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha", ["news", "events"])
        subscriber = people.person(uow.session, network, topics, email, name)
        stayer = people.person(uow.session, network, topics, "stays@justice.gov.uk", "Sam Stayer")
        ids = network.id, subscriber.id
        assert stayer.id != subscriber.id
    with time_machine.travel(T0, tick=False), unit_of_work(sessions) as uow:
        network = uow.session.get_one(Network, ids[0])
        leaver = uow.session.get_one(Subscriber, ids[1])
        unsubscribe(
            uow.session,
            network,
            leaver,
            topic_id=None,
            source=ConsentSource.FORM,
            reason=SubscriptionEndReason.UNSUBSCRIBED,
            now=utcnow(),
        )
    return ids


def test_a_leaver_is_erased_everywhere_six_months_after_leaving(sessions: sessionmaker[Session]) -> None:
    settings = settings_for(delivery_link_days=181)
    network_id, subscriber_id = left_person(sessions, "leaver@justice.gov.uk", "Lee Leaver")
    run_at(sessions, settings, SIX_MONTHS - DAY)
    with unit_of_work(sessions) as uow:
        assert uow.session.get(Subscriber, subscriber_id) is not None
        assert "subscriber" in people.traces(uow.session, subscriber_id)
    run_id = run_at(sessions, settings, SIX_MONTHS + DAY)
    with unit_of_work(sessions) as uow:
        session = uow.session
        assert people.traces(session, subscriber_id, "leaver@justice.gov.uk", "Lee Leaver") == []
        assert session.scalar(select(func.count()).select_from(Delivery)) == 4  # counts stay
        assert session.scalar(select(func.count()).where(Delivery.notify_id.is_not(None))) == 4
        assert people.traces(session, -1, "Sam Stayer", "stays@justice.gov.uk") != []  # others untouched
        evidence = session.scalars(
            select(RetentionEvidence).where(
                RetentionEvidence.run_id == run_id, RetentionEvidence.kind == RetentionKind.LEFT_SUBSCRIBER
            )
        ).one()
        assert evidence.network_id == network_id
        assert evidence.counts["subscribers"] == 1
        assert evidence.period == "6 months"


def test_a_shortened_rule_applies_and_a_longer_one_is_refused(sessions: sessionmaker[Session]) -> None:
    settings = settings_for()
    network_id, subscriber_id = left_person(sessions, "short@justice.gov.uk", "Shona Short")
    with unit_of_work(sessions) as uow:
        set_rule(uow.session, network_id, RetentionKind.LEFT_SUBSCRIBER, Period(months=3), utcnow())
        with pytest.raises(RuleTooLong):
            set_rule(
                uow.session, network_id, RetentionKind.LEFT_SUBSCRIBER, Period(months=6, days=1), utcnow()
            )
    three_months = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)
    kept_until(sessions, settings, three_months, subscriber_id, "short@justice.gov.uk", "Shona Short")


def test_an_unconfirmed_sign_up_goes_when_its_link_expires(sessions: sessionmaker[Session]) -> None:
    settings = settings_for()
    with time_machine.travel(T0, tick=False), unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha")
        subscriber_id = people.pending_person(
            uow.session, network, topics[0], "new@justice.gov.uk", "Nia New"
        ).id
    run_at(sessions, settings, T0 + 7 * DAY - DAY)
    with unit_of_work(sessions) as uow:
        assert "signup.subscriber_id" in people.traces(uow.session, subscriber_id)
    run_at(sessions, settings, T0 + 7 * DAY + DAY)
    with unit_of_work(sessions) as uow:
        assert people.traces(uow.session, subscriber_id, "new@justice.gov.uk", "Nia New") == []


def test_a_contact_enquiry_goes_six_months_after_it_arrived(sessions: sessionmaker[Session]) -> None:
    settings = settings_for()
    with time_machine.travel(T0, tick=False), unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "alpha")
        people.enquiry(uow.session, network, "asker@justice.gov.uk", "Ash Asker")
    run_at(sessions, settings, SIX_MONTHS - DAY)
    with unit_of_work(sessions) as uow:
        assert uow.session.scalar(select(func.count()).select_from(ContactEnquiry)) == 1
    run_at(sessions, settings, SIX_MONTHS + DAY)
    with unit_of_work(sessions) as uow:
        assert people.traces(uow.session, -1, "asker@justice.gov.uk", "Ash Asker") == []


def test_deliveries_lose_their_personal_link_after_the_configured_period(
    sessions: sessionmaker[Session],
) -> None:
    settings = settings_for(delivery_link_days=30)
    with time_machine.travel(T0, tick=False), unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha")
        subscriber = people.person(uow.session, network, topics, "reader@justice.gov.uk", "Rae Reader")
        subscriber_id = subscriber.id
    run_at(sessions, settings, T0 + 30 * DAY - DAY)
    with unit_of_work(sessions) as uow:
        linked = select(func.count()).where(Delivery.subscriber_id == subscriber_id)
        assert uow.session.scalar(linked) == 2
    run_at(sessions, settings, T0 + 30 * DAY + DAY)
    with unit_of_work(sessions) as uow:
        assert uow.session.scalar(select(func.count()).where(Delivery.subscriber_id == subscriber_id)) == 0
        kept = uow.session.scalars(select(Delivery.notify_id)).all()
        assert len(kept) == 2 and all(kept)
        assert uow.session.get(Subscriber, subscriber_id) is not None  # still subscribed: only the link goes


def test_an_erasure_is_done_at_once_and_complete_once_notify_forgets(sessions: sessionmaker[Session]) -> None:
    settings = settings_for(notify_retention_days=7)
    with time_machine.travel(T0, tick=False), unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha")
        subscriber = people.person(uow.session, network, topics, "gone@justice.gov.uk", "Gil Gone")
        subscriber_id, email_hash = subscriber.id, subscriber.email_hash
        context = rights.RightsContext.from_settings(settings)
        rights.record_admin_request(uow.session, context, subscriber, DataRequestKind.OBJECTION, {}, utcnow())
    with time_machine.travel(T0 + DAY, tick=False), unit_of_work(sessions) as uow:
        subscriber = uow.session.get_one(Subscriber, subscriber_id)
        request = rights.record_admin_request(
            uow.session, context, subscriber, DataRequestKind.ERASURE, {}, utcnow()
        )
        request_id = request.id
    with unit_of_work(sessions) as uow:
        assert people.traces(uow.session, subscriber_id, "gone@justice.gov.uk", "Gil Gone") == []
        survivor = uow.session.scalars(select(Suppression)).one()  # only the keyed hash, as promised
        assert (survivor.email_hash, survivor.reason) == (email_hash, SuppressionReason.OBJECTION)
        request = uow.session.get_one(DataRequest, request_id)
        assert request.status is DataRequestStatus.AWAITING_NOTIFY
        # Notify's nightly job deletes the last email (sent at T0) after the London midnight once it is
        # 7 days old: 23 January, 00:00 GMT, and the job has run by 06:00.
        assert request.notify_clear_at == datetime(2026, 1, 23, 6, 0, tzinfo=UTC)
    run_at(sessions, settings, T0 + 7 * DAY - DAY)
    with unit_of_work(sessions) as uow:
        assert uow.session.get_one(DataRequest, request_id).status is DataRequestStatus.AWAITING_NOTIFY
    run_at(sessions, settings, T0 + 7 * DAY + DAY)
    with unit_of_work(sessions) as uow:
        request = uow.session.get_one(DataRequest, request_id)
        assert request.status is DataRequestStatus.COMPLETED
        assert request.completed_at == T0 + 8 * DAY and request.completed_at <= request.deadline_at
        trail = uow.session.scalars(
            select(AuditRecord.action).where(AuditRecord.object_id == request_id).order_by(AuditRecord.id)
        ).all()
        assert trail == [
            "data_request.received",
            "data_request.verified",
            "data_request.awaiting_notify",
            "data_request.completed",
        ]


def test_a_network_that_erases_later_does_it_at_its_boundary(sessions: sessionmaker[Session]) -> None:
    settings = settings_for()
    with time_machine.travel(T0, tick=False), unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha")
        set_rule(uow.session, network.id, RetentionKind.ERASURE_REQUEST, Period(days=10), utcnow())
        subscriber = people.person(uow.session, network, topics, "later@justice.gov.uk", "Lou Later")
        subscriber_id = subscriber.id
        context = rights.RightsContext.from_settings(settings)
        rights.record_admin_request(uow.session, context, subscriber, DataRequestKind.ERASURE, {}, utcnow())
    run_at(sessions, settings, T0 + 10 * DAY - DAY)
    with unit_of_work(sessions) as uow:
        assert uow.session.get(Subscriber, subscriber_id) is not None
    run_at(sessions, settings, T0 + 10 * DAY + DAY)
    with unit_of_work(sessions) as uow:
        assert people.traces(uow.session, subscriber_id, "later@justice.gov.uk", "Lou Later") == []


def test_a_closed_request_loses_its_link_to_the_person_a_month_after_closing(
    sessions: sessionmaker[Session],
) -> None:
    settings = settings_for()
    with time_machine.travel(T0, tick=False), unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha")
        subscriber = people.person(uow.session, network, topics, "asked@justice.gov.uk", "Abi Asked")
        subscriber_id = subscriber.id
        unverified = rights.request_from_preferences(
            uow,
            RecordingQueue(),
            rights.RightsContext.from_settings(settings),
            subscriber,
            DataRequestKind.RECTIFICATION,
            {"name": "Abigail Asked"},
            utcnow(),
        ).id
    month = datetime(2026, 2, 15, 12, 0, tzinfo=UTC)
    run_at(sessions, settings, T0 + 7 * DAY - DAY)
    with unit_of_work(sessions) as uow:
        assert uow.session.get_one(DataRequest, unverified).status is DataRequestStatus.AWAITING_VERIFICATION
    run_at(sessions, settings, T0 + 7 * DAY + DAY)  # its emailed link has expired: so has the request
    with unit_of_work(sessions) as uow:
        expired = uow.session.get_one(DataRequest, unverified)
        assert (expired.status, expired.details) == (DataRequestStatus.EXPIRED, {})
    run_at(sessions, settings, month - DAY)
    with unit_of_work(sessions) as uow:
        access = select(DataRequest).where(DataRequest.kind == DataRequestKind.ACCESS)
        assert uow.session.scalars(access).one().subscriber_id == subscriber_id
    run_at(sessions, settings, month + DAY)
    with unit_of_work(sessions) as uow:
        request = uow.session.scalars(access).one()
        assert (request.subscriber_id, request.details) == (None, {})
        assert request.kind is DataRequestKind.ACCESS  # what was asked and when stay, anonymously
        # The expired one closed on 23 January: it keeps its link until a month after that.
        assert uow.session.get_one(DataRequest, unverified).subscriber_id == subscriber_id


def _admin(session: Session, network: Network, email: str, name: str, role: AdminRole) -> AdminMember:
    return invite_admin(
        session, network, email=email, name=name, role=role, invited_by="cli", hash_key=HASH_KEY, now=utcnow()
    )


def _evidence(sessions: sessionmaker[Session], run_id: str) -> dict[str, int]:
    with unit_of_work(sessions) as uow:
        return dict(
            uow.session.scalars(
                select(RetentionEvidence.counts).where(
                    RetentionEvidence.run_id == run_id,
                    RetentionEvidence.kind == RetentionKind.LEFT_SUBSCRIBER,
                )
            ).one()
        )


def _left_line(
    sessions: sessionmaker[Session], settings: Settings, network_id: int, now: datetime
) -> ReportLine:
    with unit_of_work(sessions) as uow:
        lines = retention_report(uow.session, settings, network_id, now)
    return next(line for line in lines if line.kind is RetentionKind.LEFT_SUBSCRIBER)


def test_an_admin_who_left_keeps_their_role_and_only_what_it_needs_until_it_is_removed(
    sessions: sessionmaker[Session],
) -> None:
    """The notice deletes a person 6 months after they leave; an admin role is held on another footing
    (the steering group's work), so retention never takes it away: it keeps the name and address the
    role needs, deletes the rest, and deletes the person 6 months after the role is removed."""
    settings = settings_for(delivery_link_days=181)
    network_id, admin_id = left_person(sessions, "ada.admin@justice.gov.uk", "Ada Admin")
    with time_machine.travel(T0 - 30 * DAY, tick=False), unit_of_work(sessions) as uow:
        network = uow.session.get_one(Network, network_id)
        ada = uow.session.get_one(Subscriber, admin_id)
        member = _admin(uow.session, network, ada.email, "", AdminRole.APPROVER)
        boss = _admin(uow.session, network, "boss@justice.gov.uk", "Bo Boss", AdminRole.ADMIN)
        # A third who can approve, so the network keeps two when Ada's role is removed.
        _admin(uow.session, network, "cy.approver@justice.gov.uk", "Cy Approver", AdminRole.APPROVER)
        token_id = issue_test_token(uow.session, network, AdminRole.EDITOR, ada.email).token_id  # in her name
        ada_member, boss_member = member.id, boss.id

    first = run_at(sessions, settings, SIX_MONTHS + DAY)
    with unit_of_work(sessions) as uow:
        session = uow.session
        ada = session.get_one(Subscriber, admin_id)
        assert (ada.email, ada.name, ada.department, ada.pending_email) == (
            "ada.admin@justice.gov.uk", "Ada Admin", "", None,
        )  # fmt: skip
        assert {trace.split(".")[0] for trace in people.traces(session, admin_id)} == {
            "admin_member",
            "subscriber",
        }
        member = session.get_one(AdminMember, ada_member)
        assert member.removed_at is None and member.role is AdminRole.APPROVER
        token = session.get_one(ApiToken, token_id)
        assert (token.holder_email, token.revoked_at) == ("ada.admin@justice.gov.uk", None)
    counts = _evidence(sessions, first)
    assert (counts["subscribers"], counts["admins_minimised"], counts["kept_for_admin_role"]) == (0, 1, 1)
    assert counts["consent_event"] >= 1 and counts["subscription"] == 2 and counts["membership"] == 1
    line = _left_line(sessions, settings, network_id, SIX_MONTHS + DAY)
    assert (line.due_now, line.kept, line.next_due_at) == (0, 1, None)
    assert "admin role" in line.kept_because
    again = _evidence(sessions, run_at(sessions, settings, SIX_MONTHS + 2 * DAY))
    assert (again["admins_minimised"], again["kept_for_admin_role"]) == (0, 1)  # nothing more to take

    removed_at = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(removed_at, tick=False), unit_of_work(sessions) as uow:
        boss = uow.session.get_one(AdminMember, boss_member)
        remove_admin(uow.session, boss, ada_member, actor_name=f"admin:{boss.id}", now=utcnow())
    due = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)  # 6 months after the role was removed
    line = _left_line(sessions, settings, network_id, removed_at + DAY)
    assert (line.due_now, line.kept, line.next_due_at) == (0, 1, due)
    run_at(sessions, settings, due - DAY)
    with unit_of_work(sessions) as uow:
        assert uow.session.get(Subscriber, admin_id) is not None
    counts = _evidence(sessions, run_at(sessions, settings, due + DAY))
    assert (counts["subscribers"], counts["kept_for_admin_role"]) == (1, 0)
    with unit_of_work(sessions) as uow:
        assert people.traces(uow.session, admin_id, "ada.admin@justice.gov.uk", "Ada Admin") == []
        # Revoked when her role was removed (a token in her name dies with it), kept for the audit
        # trail without her address.
        token = uow.session.get_one(ApiToken, token_id)
        assert token.holder_email == "" and token.revoked_at == removed_at


def test_someone_who_was_only_an_admin_goes_six_months_after_their_role_is_removed(
    sessions: sessionmaker[Session],
) -> None:
    settings = settings_for()
    with time_machine.travel(T0, tick=False), unit_of_work(sessions) as uow:
        network, _ = network_with_topics(uow.session, "alpha")
        only = _admin(uow.session, network, "only.admin@justice.gov.uk", "Olu Only", AdminRole.EDITOR)
        boss = _admin(uow.session, network, "boss@justice.gov.uk", "Bo Boss", AdminRole.ADMIN)
        subscriber_id = only.subscriber_id
        remove_admin(uow.session, boss, only.id, actor_name=f"admin:{boss.id}", now=utcnow())
    with unit_of_work(sessions) as uow:
        person = uow.session.get_one(Subscriber, subscriber_id)
        assert (person.status, person.left_at) == (SubscriberStatus.LEFT, T0)  # the clock started
    kept_until(sessions, settings, SIX_MONTHS, subscriber_id, "only.admin@justice.gov.uk", "Olu Only")


def test_erasing_an_admin_leaves_no_address_on_their_tokens(sessions: sessionmaker[Session]) -> None:
    settings = settings_for()
    with time_machine.travel(T0, tick=False), unit_of_work(sessions) as uow:
        network, topics = network_with_topics(uow.session, "alpha")
        person = people.person(uow.session, network, topics, "eve.erased@justice.gov.uk", "Eve Erased")
        _admin(uow.session, network, person.email, "", AdminRole.EDITOR)
        cli_token = issue_test_token(
            uow.session, network, AdminRole.EDITOR, "Eve.Erased@justice.gov.uk", "Eve's CI"
        )
        other = issue_test_token(uow.session, network, AdminRole.EDITOR, "ci@justice.gov.uk", "CI")
        cli_id, other_id, person_id = cli_token.token_id, other.token_id, person.id
        context = rights.RightsContext.from_settings(settings)
        rights.record_admin_request(uow.session, context, person, DataRequestKind.ERASURE, {}, utcnow())
    with unit_of_work(sessions) as uow:
        assert people.traces(uow.session, person_id, "eve.erased@justice.gov.uk", "Eve Erased") == []
        cli = uow.session.get_one(ApiToken, cli_id)
        # Erasing her ends her role, so a token held in her name is revoked, as when an admin is removed.
        assert cli.holder_email == "" and cli.revoked_at is not None
        assert uow.session.get_one(ApiToken, other_id).holder_email == "ci@justice.gov.uk"
