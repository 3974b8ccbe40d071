"""What people are told and what their record says, on both databases: a frequency change is recorded
as a change (the ledger's `changed`, the old row `frequency_changed`, the person's page in words), never
as unsubscribing, and migration 0021 corrects rows recorded before it; an unsubscribe link opened again
says "You have already unsubscribed" with the ways back; approving or declining a request to join, from
the admin web, the API or the CLI, emails the person once (the note stays with the steering group)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from notifier.cli import app
from notifier.db import migrate
from notifier.db.base import utcnow
from notifier.db.models import ConsentEvent, Message, Subscriber, Subscription
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import ConsentAction, Frequency, SubscriptionEndReason
from notifier.repositories.networks import get_network_by_slug
from notifier.services.admin.networks import create_topic
from notifier.services.common.links import LinkBuilder, SubscriberRef
from notifier.services.subscribers import memberships
from notifier.services.subscribers.preferences import update_preferences
from tests.integration.admin_web.support import csrf_from, invite, make_admin_web, sign_in
from tests.support.fakes import CLI_QUEUE
from tests.support.seeding import HASH_KEY, issue_test_token, network_with_topics, subscriber
from tests.support.webapp import web_app

APPROVER = "alice.approver@hmrc.gov.uk"


@pytest.mark.own_database  # the migration runs on its own engine
def test_a_frequency_change_is_recorded_as_a_change_and_0021_corrects_the_history(
    isolated_database_url: str, sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        person = subscriber(uow.session, network, "pat@justice.gov.uk", [news])
        update_preferences(
            uow.session, network, person, topic_ids={news.id}, frequency=Frequency.WEEKLY, now=utcnow()
        )
        person_id = person.id
    with unit_of_work(sessions) as uow:
        rows = uow.session.scalars(select(Subscription).order_by(Subscription.id)).all()
        assert [(r.frequency, r.ended_reason) for r in rows] == [
            (Frequency.IMMEDIATE, SubscriptionEndReason.FREQUENCY_CHANGED),
            (Frequency.WEEKLY, None),
        ]
        actions = [e.action for e in uow.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id))]
        assert actions == [ConsentAction.GRANTED, ConsentAction.CHANGED]
        # As a row written before 0021 says it: "unsubscribed".
        uow.session.execute(
            update(Subscription).where(Subscription.id == rows[0].id).values(ended_reason="unsubscribed")
        )
    migrate.downgrade(isolated_database_url, "0020")
    migrate.upgrade(isolated_database_url)
    with unit_of_work(sessions) as uow:
        first = uow.session.scalars(select(Subscription).order_by(Subscription.id)).first()
        assert first is not None and first.ended_reason is SubscriptionEndReason.FREQUENCY_CHANGED
    web = make_admin_web(sessions)
    invite(web, "alpha", APPROVER, AdminRole.APPROVER)
    page = sign_in(web, "alpha", APPROVER).get(f"/admin/alpha/people/{person_id}")
    assert "changed how often (still subscribed)" in page.text and "(unsubscribed)" not in page.text


def test_an_unsubscribe_link_opened_again_says_so_with_the_ways_back(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        network, (news, events) = network_with_topics(uow.session, "alpha", ["news", "events"])
        person = subscriber(uow.session, network, "pat@justice.gov.uk", [news, events])
        refs = SubscriberRef(network.id, person.id, news.id), SubscriberRef(network.id, person.id, None)
    web = web_app(sessions)
    links = LinkBuilder.from_settings(web.settings)
    one_topic, everything = (links.unsubscribe_url(ref).removeprefix("http://testserver") for ref in refs)
    assert "Are you sure you want to unsubscribe?" in web.client.get(one_topic).text
    web.client.post(one_topic, data={"via": "page"})
    again = web.client.get(one_topic)
    assert again.status_code == 200 and "You have already unsubscribed" in again.text
    assert "You do not get emails about News" in again.text
    assert (
        'href="/subscribe/alpha">Subscribe again' in again.text and "Choose the emails you get" in again.text
    )
    assert "Are you sure" in web.client.get(everything).text  # still subscribed to Events
    web.client.post(everything, data={"via": "page"})
    assert "You do not get any emails from Alpha Network any more" in web.client.get(everything).text


def _seed_request(sessions: sessionmaker[Session], email: str = "pat@justice.gov.uk") -> int:
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        create_topic(uow.session, network, slug="business", name="Network business", members_only=True)
        person = subscriber(uow.session, network, email, [news])
        return memberships.request_membership(uow.session, network, person, now=utcnow()).id


def _decision_emails(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    with unit_of_work(sessions) as uow:
        return [
            m.context
            for m in uow.session.scalars(select(Message).where(Message.email_kind == "membership_decided"))
        ]


def test_approving_in_the_admin_web_emails_the_person_once(sessions: sessionmaker[Session]) -> None:
    request_id = _seed_request(sessions)
    web = make_admin_web(sessions)
    invite(web, "alpha", APPROVER, AdminRole.APPROVER)
    alice = sign_in(web, "alpha", APPROVER)
    for _ in range(2):  # a double submit approves and emails once
        token = csrf_from(alice, "/admin/alpha/memberships")
        done = alice.post(f"/admin/alpha/memberships/{request_id}/approve", data={"csrf_token": token})
        assert done.status_code == 200
    assert "We have emailed them to say so" in alice.get("/admin/alpha/memberships?done=approve").text
    web.send_queued()
    [email] = [e for e in web.gateway.sent if e.email_address == "pat@justice.gov.uk"]
    assert email.subject == "You are now a member of Alpha Network"
    assert "* Network business" in email.body and "leave the network at any time" in email.body


def test_declining_through_the_api_emails_the_person_without_the_note(
    sessions: sessionmaker[Session],
) -> None:
    request_id = _seed_request(sessions)
    with unit_of_work(sessions) as uow:
        network = get_network_by_slug(uow.session, "alpha")
        assert network is not None
        # Tokens never have the approver role (approvals are people's); an admin-role token decides requests.
        token = issue_test_token(uow.session, network, AdminRole.ADMIN, "a@dft.gov.uk", "a")
    web = web_app(sessions)
    answer = web.client.post(
        f"/admin/api/networks/alpha/memberships/{request_id}/decline",
        headers={"Authorization": f"Bearer {token.secret}"},
        json={"note": "Not a civil servant: private note"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "declined"
    [context] = _decision_emails(sessions)
    assert context == {"approved": False, "topic_names": [], "contact_url": "http://testserver/contact/alpha"}
    assert len(web.queue.sends) == 1


@pytest.mark.own_database  # the CLI opens its own engine
def test_deciding_from_the_cli_emails_the_person(
    isolated_database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = _seed_request(sessions)
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", isolated_database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", HASH_KEY)
    monkeypatch.setenv("NOTIFIER_TASK_QUEUE_FACTORY", "tests.support.fakes:recorded_queue")
    CLI_QUEUE.sends.clear()
    done = CliRunner().invoke(app, ["membership", "approve", str(request_id), "--network", "alpha"])
    assert done.exit_code == 0, done.output
    [context] = _decision_emails(sessions)
    assert context["approved"] is True and context["topic_names"] == ["Network business"]
    assert len(CLI_QUEUE.sends) == 1
    with unit_of_work(sessions) as uow:
        assert uow.session.scalars(select(Subscriber)).one().status.value == "active"
