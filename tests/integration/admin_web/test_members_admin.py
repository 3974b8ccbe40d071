"""Requests to join, adding and removing a person, and the suppression list in the web admin, on
both databases: approvers decide with the eligibility statement beside the request; admins add and
remove people (a removal erases them); every change is audited; other networks see nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import AuditRecord, ConsentEvent, Membership, Subscriber, Suppression
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import ConsentSource, MembershipStatus, SuppressionReason
from notifier.services.subscribers.memberships import request_membership
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics, subscriber

ADMIN = "alice.admin@cabinetoffice.gov.uk"
EDITOR = "eddie.editor@justice.gov.uk"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        alpha, (news,) = network_with_topics(uow.session, "alpha", ["news"])
        network_with_topics(uow.session, "beta", ["news"])
        for email in ("joiner.one@hmrc.gov.uk", "joiner.two@dwp.gov.uk"):
            person = subscriber(uow.session, alpha, email, [news])
            request_membership(uow.session, alpha, person, now=utcnow())
        uow.session.add(
            Suppression(
                network_id=alpha.id,
                email_hash="0" * 64,
                reason=SuppressionReason.OBJECTION,
                detail="data request 9",
            )
        )
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN, name="Alice Admin")
    invite(admin_web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN, name="Bob Beta")
    return admin_web


def _memberships(web: AdminWeb) -> dict[str, MembershipStatus]:
    with unit_of_work(web.sessions) as uow:
        rows = uow.session.execute(
            select(Subscriber.email, Membership.status).join(
                Subscriber, Subscriber.id == Membership.subscriber_id
            )
        ).all()
    return {email: status for email, status in rows}


def test_requests_to_join_are_decided_beside_the_eligibility_statement(web: AdminWeb) -> None:
    eddie = sign_in(web, "alpha", EDITOR)
    assert eddie.get("/admin/alpha/memberships").status_code == 403
    alice = sign_in(web, "alpha", ADMIN)
    page = alice.get("/admin/alpha/memberships")
    assert page.status_code == 200 and "joiner.one@hmrc.gov.uk" in page.text and "They confirmed" in page.text
    with unit_of_work(web.sessions) as uow:
        first, second = uow.session.scalars(select(Membership.id).order_by(Membership.id)).all()
    token = csrf_from(alice, "/admin/alpha/memberships")
    assert (
        alice.post(
            f"/admin/alpha/memberships/{first}/approve", data={"csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    declined = alice.post(
        f"/admin/alpha/memberships/{second}/decline",
        data={"csrf_token": token, "note": "Not a civil servant"},
        follow_redirects=False,
    )
    assert declined.status_code == 303
    assert _memberships(web) == {
        "joiner.one@hmrc.gov.uk": MembershipStatus.APPROVED,
        "joiner.two@dwp.gov.uk": MembershipStatus.DECLINED,
    }
    again = alice.post(f"/admin/alpha/memberships/{second}/approve", data={"csrf_token": token})
    assert again.status_code == 409
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    bob_token = csrf_from(bob, "/admin/beta")
    assert (
        bob.post(f"/admin/beta/memberships/{first}/decline", data={"csrf_token": bob_token}).status_code
        == 404
    )
    with unit_of_work(web.sessions) as uow:
        actions = list(
            uow.session.scalars(select(AuditRecord.action).where(AuditRecord.object_type == "membership"))
        )
    assert actions == ["membership.approve", "membership.decline"]


def test_add_and_remove_a_person_and_see_the_suppression_list(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    form = "/admin/alpha/people/new"
    missing = alice.post(form, data={"csrf_token": csrf_from(alice, form), "email": "x@gmail.com"})
    assert missing.status_code == 400
    for text in (
        "Enter the person",
        "Select at least one topic",
        "Confirm that the person agreed",
        "Enter a work email address",
    ):
        assert text in missing.text, text
    added = alice.post(
        form,
        data={
            "csrf_token": csrf_from(alice, form),
            "name": "Nia New",
            "email": "nia.new@dwp.gov.uk",
            "department": "DWP",
            "topics": ["news"],
            "frequency": "daily",
            "consent": "yes",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    person_page = added.headers["location"]
    assert "Nia New" in alice.get(person_page).text
    with unit_of_work(web.sessions) as uow:
        nia = uow.session.scalars(select(Subscriber).where(Subscriber.email == "nia.new@dwp.gov.uk")).one()
        sources = set(
            uow.session.scalars(select(ConsentEvent.source).where(ConsentEvent.subscriber_id == nia.id))
        )
    assert sources == {ConsentSource.ADMIN}

    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    bob_token = csrf_from(bob, "/admin/beta")
    assert bob.post(f"/admin/beta/people/{nia.id}/remove", data={"csrf_token": bob_token}).status_code == 404
    removed = alice.post(
        f"{person_page}/remove", data={"csrf_token": csrf_from(alice, person_page)}, follow_redirects=False
    )
    assert removed.status_code == 303
    with unit_of_work(web.sessions) as uow:
        assert uow.session.get(Subscriber, nia.id) is None
        actions = list(
            uow.session.scalars(
                select(AuditRecord.action)
                .where(AuditRecord.object_type == "subscriber")
                .order_by(AuditRecord.id)
            )
        )
    assert actions == ["person_added", "person_viewed", "person_viewed", "person_removed"]  # two page views

    listed = alice.get("/admin/alpha/suppressions")
    assert listed.status_code == 200 and "objection" in listed.text and "data request 9" in listed.text
    assert bob.get("/admin/alpha/suppressions").status_code == 404
    assert "No suppressions" in bob.get("/admin/beta/suppressions").text
