"""Sign-up expiry, suppression and re-confirmation, the consent ledger, memberships and CSV import,
on both databases through the real services and the real `notifier` CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from notifier.cli import app
from notifier.db.base import utcnow
from notifier.db.models import (
    ConsentText,
    Delivery,
    Membership,
    Network,
    Signup,
    Subscriber,
    Suppression,
    Topic,
)
from notifier.db.session import unit_of_work
from notifier.domain.statuses import (
    ConsentAction,
    ConsentSource,
    DeliveryStatus,
    Frequency,
    MembershipStatus,
    NotifyStatus,
    SubscriberStatus,
    SuppressionReason,
)
from notifier.repositories import deliveries as delivery_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.repositories.signups import consent_history
from notifier.services.admin.networks import create_topic
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.delivery.receipts import Receipt, apply_receipt, suppress
from notifier.services.privacy.expired_signups import purge_expired_signups
from notifier.services.sources.publishing import announce
from notifier.services.subscribers import memberships
from notifier.services.subscribers.preferences import current_consent, update_preferences
from notifier.services.subscribers.signup_form import CheckedSignup
from notifier.services.subscribers.signups import (
    Confirmation,
    ConfirmLinks,
    ConfirmRef,
    SignupContext,
    confirm_signup,
    request_signup,
)
from tests.support.fakes import RecordingQueue
from tests.support.seeding import HASH_KEY, network_with_topics

LINKS = ConfirmLinks.build(HASH_KEY, "http://127.0.0.1:8000", 7)


def _signup(
    sessions: sessionmaker[Session], email: str, *, days_ago: int = 0, join: bool = False
) -> ConfirmRef:
    now = utcnow() - timedelta(days=days_ago)
    with unit_of_work(sessions) as uow:
        network = uow.session.scalars(select(Network)).one()
        news = uow.session.scalars(select(Topic).where(Topic.slug == "news")).one()
        checked = CheckedSignup("Pat Lee", email, "MoJ", [news], Frequency.IMMEDIATE)
        request_signup(
            uow,
            RecordingQueue(),
            network,
            checked,
            SignupContext(LINKS, HASH_KEY, 7, now),
            wants_membership=join,
        )
        signup = uow.session.scalars(select(Signup).order_by(Signup.id.desc())).first()
        assert signup is not None
        return ConfirmRef(network.id, signup.subscriber_id, signup.id)


def _confirm(sessions: sessionmaker[Session], ref: ConfirmRef) -> Confirmation:
    with unit_of_work(sessions) as uow:
        network = uow.session.get_one(Network, ref.network_id)
        return confirm_signup(uow.session, network, ref, now=utcnow()).outcome


@pytest.fixture
def network(sessions: sessionmaker[Session]) -> int:
    with unit_of_work(sessions) as uow:
        made, _ = network_with_topics(uow.session, "alpha", ["news", "events"])
        create_topic(uow.session, made, slug="business", name="Network business", members_only=True)
        return made.id


def test_an_expired_sign_up_is_refused_then_deleted_with_the_person(
    sessions: sessionmaker[Session], network: int
) -> None:
    stale = _signup(sessions, "old@justice.gov.uk", days_ago=8)
    fresh = _signup(sessions, "new@justice.gov.uk")
    assert _confirm(sessions, stale) is Confirmation.EXPIRED
    assert purge_expired_signups(sessions, utcnow()) == (1, 1)
    with unit_of_work(sessions) as uow:
        assert [s.email for s in uow.session.scalars(select(Subscriber))] == ["new@justice.gov.uk"]
        assert uow.session.scalars(select(ConsentText)).one().version == "v1"  # the words, kept per version
    assert _confirm(sessions, stale) is Confirmation.EXPIRED
    assert _confirm(sessions, fresh) is Confirmation.CONFIRMED


def test_a_suppressed_address_comes_back_only_by_confirming_again(
    sessions: sessionmaker[Session], network: int
) -> None:
    first = _signup(sessions, "pat@justice.gov.uk")
    _confirm(sessions, first)
    with unit_of_work(sessions) as uow:
        person = uow.session.get_one(Subscriber, first.subscriber_id)
        suppress(
            uow.session, person, SuppressionReason.PERMANENT_FAILURE, utcnow(), "Notify: permanent-failure"
        )
    again = _signup(sessions, "pat@justice.gov.uk")
    with unit_of_work(sessions) as uow:
        assert uow.session.scalars(select(Suppression)).one()  # asking again lifts nothing by itself
        assert not subscriber_repo.active_subscriptions(uow.session, first.subscriber_id)
    assert _confirm(sessions, again) is Confirmation.CONFIRMED
    with unit_of_work(sessions) as uow:
        assert not uow.session.scalars(select(Suppression)).all()
        assert uow.session.get_one(Subscriber, first.subscriber_id).status is SubscriberStatus.ACTIVE


def test_the_ledger_records_grants_changes_and_withdrawals_and_current_state_follows_it(
    sessions: sessionmaker[Session], network: int
) -> None:
    ref = _signup(sessions, "pat@justice.gov.uk")
    _confirm(sessions, ref)
    with unit_of_work(sessions) as uow:
        owner = uow.session.get_one(Network, network)
        person = uow.session.get_one(Subscriber, ref.subscriber_id)
        topics = {t.slug: t.id for t in uow.session.scalars(select(Topic))}
        update_preferences(
            uow.session, owner, person, topic_ids={topics["events"]}, frequency=Frequency.WEEKLY, now=utcnow()
        )
    with unit_of_work(sessions) as uow:
        state = current_consent(uow.session, ref.subscriber_id)
        active = {s.topic_id for s in subscriber_repo.active_subscriptions(uow.session, ref.subscriber_id)}
        actions = [e.action for e in consent_history(uow.session, ref.subscriber_id)]
    assert {t for t, c in state.items() if c.granted} == active == {topics["events"]}
    assert actions == [ConsentAction.GRANTED, ConsentAction.GRANTED, ConsentAction.WITHDRAWN]


def test_membership_from_request_to_approval_cancellation_and_revocation(
    sessions: sessionmaker[Session], network: int
) -> None:
    ref = _signup(sessions, "pat@justice.gov.uk", join=True)
    _confirm(sessions, ref)
    with unit_of_work(sessions) as uow:
        owner = uow.session.get_one(Network, network)
        business = uow.session.scalars(select(Topic).where(Topic.members_only)).one()
        request = uow.session.scalars(select(Membership)).one()
        assert request.status is MembershipStatus.REQUESTED
        assert subscriber_repo.active_subscription(uow.session, ref.subscriber_id, business.id) is None
        memberships.approve(uow.session, owner, request.id, now=utcnow())
        assert subscriber_repo.active_subscription(uow.session, ref.subscriber_id, business.id) is not None
        person = uow.session.get_one(Subscriber, ref.subscriber_id)
        assert memberships.cancel(uow.session, owner, person, now=utcnow())
        assert subscriber_repo.active_subscription(uow.session, ref.subscriber_id, business.id) is None
        with pytest.raises(memberships.MembershipError):
            memberships.revoke(uow.session, owner, request.id, now=utcnow())


@pytest.mark.own_database  # the CLI opens its own engine
def test_csv_import_is_all_or_nothing_dedupes_and_records_the_import_source(
    sessions: sessionmaker[Session],
    network: int,
    isolated_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", isolated_database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", HASH_KEY)
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name,department\na@justice.gov.uk,A,MoJ\nb@gmail.com,B,\nc@justice.gov.uk,,\n")
    recorded = ["--no-send-confirmations", "--consent-reason", "They signed the sheet at the AGM"]
    no_reason = CliRunner().invoke(
        app,
        [
            "subscriber",
            "import",
            str(bad),
            "--network",
            "alpha",
            "--topic",
            "news",
            "--no-send-confirmations",
        ],
    )
    assert no_reason.exit_code == 1 and "Enter why you are recording their consent" in no_reason.output
    refused = CliRunner().invoke(
        app, ["subscriber", "import", str(bad), "--network", "alpha", "--topic", "news", *recorded]
    )
    assert refused.exit_code == 1
    assert "line 3: email:" in refused.output and "line 4: name" in refused.output
    with unit_of_work(sessions) as uow:
        assert not uow.session.scalars(select(Subscriber)).all()
    good = tmp_path / "good.csv"
    good.write_text(
        "email,name,department\nA@Justice.gov.uk,A,MoJ\na@justice.gov.uk,A again,\nb@dft.gov.uk,B,DfT\n"
    )
    done = CliRunner().invoke(
        app, ["subscriber", "import", str(good), "--network", "alpha", "--topic", "news", *recorded]
    )
    assert done.exit_code == 0, done.output
    assert "2 subscribed" in done.output and "1 duplicate(s) merged" in done.output
    with unit_of_work(sessions) as uow:
        people = uow.session.scalars(select(Subscriber)).all()
        assert sorted(p.email for p in people) == ["a@justice.gov.uk", "b@dft.gov.uk"]
        ledger = [e for p in people for e in consent_history(uow.session, p.id)]
    assert {(e.source, e.reason) for e in ledger} == {
        (ConsentSource.IMPORT, "They signed the sheet at the AGM")
    }


def _temporary_failures(
    sessions: sessionmaker[Session], person_id: int, outcomes: list[NotifyStatus]
) -> None:
    """One announcement per outcome to the person, accepted by Notify, then its receipt."""
    for n, outcome in enumerate(outcomes):
        queue = RecordingQueue()
        with unit_of_work(sessions) as uow:
            owner = uow.session.scalars(select(Network)).one()
            news = uow.session.scalars(select(Topic).where(Topic.slug == "news")).one()
            message_id = announce(uow, queue, owner, news, subject=f"S{n}", body="B").id
        fan_out_next_batch(sessions, queue, message_id, batch_size=10, chunk_size=10)
        with unit_of_work(sessions) as uow:
            delivery = uow.session.scalars(
                select(Delivery).where(Delivery.message_id == message_id, Delivery.subscriber_id == person_id)
            ).one()
            assert delivery_repo.claim(uow.session, delivery.id, utcnow())
            delivery_repo.transition(
                uow.session, delivery.id, DeliveryStatus.ACCEPTED, utcnow(), notify_id=f"n{n}"
            )
            apply_receipt(
                uow.session,
                Receipt(f"n{n}", str(delivery.id), outcome),
                now=utcnow(),
                temporary_failure_limit=3,
            )


def test_three_temporary_failures_in_a_row_suppress_and_a_delivery_resets_the_count(
    sessions: sessionmaker[Session], network: int
) -> None:
    ref = _signup(sessions, "pat@justice.gov.uk")
    _confirm(sessions, ref)
    temporary, delivered = NotifyStatus.TEMPORARY_FAILURE, NotifyStatus.DELIVERED
    _temporary_failures(sessions, ref.subscriber_id, [temporary, temporary, delivered, temporary, temporary])
    with unit_of_work(sessions) as uow:
        assert not uow.session.scalars(select(Suppression)).all()
    _temporary_failures(sessions, ref.subscriber_id, [temporary])
    with unit_of_work(sessions) as uow:
        suppression = uow.session.scalars(select(Suppression)).one()
        assert suppression.reason is SuppressionReason.REPEATED_TEMPORARY_FAILURE
        assert uow.session.get_one(Subscriber, ref.subscriber_id).status is SubscriberStatus.LEFT
