"""A data-subject request recorded on someone's behalf, on both databases: an admin records a request
that arrived by email, post, phone or in person for someone on the list, saying how they checked it is
theirs; it is then verified and acted on like one from the preferences page (its one-month deadline,
its history). Admins of the network only; a form with a gap stores nothing."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AdminMember, AuditRecord, DataRequest, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.retention import DATA_REQUEST_DEADLINE
from notifier.domain.rights import DataRequestOrigin, DataRequestStatus, RequestArrival
from notifier.domain.sources import AdminRole
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics, subscriber

ADMIN = "alice.admin@cabinetoffice.gov.uk"
EDITOR = "eddie.editor@justice.gov.uk"
PERSON = "pat.person@hmrc.gov.uk"
STRANGER = "sam.beta@dwp.gov.uk"  # on beta's list, not alpha's
FORM = "/admin/alpha/requests/new"
CHECK = "Their letter gave their work address; I called them on the staff directory number."
GOOD = {"email": PERSON, "kind": "access", "arrived_by": "post", "identity_check": CHECK}


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        alpha, (news,) = network_with_topics(uow.session, "alpha", ["news"])
        beta, (beta_news,) = network_with_topics(uow.session, "beta", ["news"])
        subscriber(uow.session, alpha, PERSON, [news])
        subscriber(uow.session, beta, STRANGER, [beta_news])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN, name="Alice Admin")
    invite(admin_web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
    return admin_web


def _text(html: str) -> str:
    """What the page says, without its markup."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)))


def _count(web: AdminWeb) -> int:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalar(select(func.count()).select_from(DataRequest)) or 0


def test_a_request_by_post_is_recorded_checked_and_acted_on(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    assert 'href="/admin/alpha/requests/new"' in alice.get("/admin/alpha/requests").text
    recorded = alice.post(FORM, data={"csrf_token": csrf_from(alice, FORM), **GOOD}, follow_redirects=False)
    assert recorded.status_code == 303
    page = recorded.headers["location"].split("?")[0]
    with unit_of_work(web.sessions) as uow:
        request = uow.session.scalars(select(DataRequest)).one()
        alice_id = uow.session.scalars(
            select(AdminMember.id).join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
            .where(Subscriber.email == ADMIN)
        ).one()  # fmt: skip
        assert request.origin is DataRequestOrigin.ADMIN and request.arrived_by is RequestArrival.POST
        assert request.identity_check == CHECK and request.recorded_by_admin_id == alice_id
        assert request.deadline_at == DATA_REQUEST_DEADLINE.after(request.received_at)  # the same clock
        assert request.verified_at is not None and request.status is DataRequestStatus.COMPLETED
        trail = list(
            uow.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "data_request"))
        )
    assert {r.actor for r in trail} >= {f"admin:{alice_id}"}
    assert all("Pat" not in str(r.detail) and PERSON not in str(r.detail) for r in trail)  # ids only

    shown = _text(alice.get(page).text)
    assert "By post, recorded by Alice Admin (admin)" in shown and CHECK in shown
    assert f"Alice Admin (admin) made data-subject request {request.id}" in shown
    assert f"Alice Admin (admin) verified data-subject request {request.id}" in shown
    assert "Recorded, verified and acted on." in alice.get(f"{page}?done=recorded").text


def test_a_form_with_a_gap_stores_nothing_and_names_each_field(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    token = csrf_from(alice, FORM)
    empty = alice.post(FORM, data={"csrf_token": token})
    assert empty.status_code == 400
    for words in (
        "Enter the address of someone on the members list",
        "Select what the person asked for",
        "Select how the request arrived",
        "Say how you checked that the request is from the person",
    ):
        assert words in unescape(empty.text), words
    for bad in (
        {**GOOD, "email": STRANGER},  # another network's person
        {**GOOD, "kind": "everything"},
        {**GOOD, "arrived_by": "pigeon"},
        {**GOOD, "identity_check": "   "},
        {**GOOD, "identity_check": "x" * 301},
        {**GOOD, "kind": "rectification"},  # no corrected name
    ):
        refused = alice.post(FORM, data={"csrf_token": token, **bad})
        assert refused.status_code == 400, bad
        assert 'class="govuk-error-summary' in refused.text
    kept = alice.post(FORM, data={"csrf_token": token, **GOOD, "kind": "rectification"})
    assert CHECK in unescape(kept.text) and f'value="{PERSON}"' in kept.text  # what was typed stays
    assert _count(web) == 0


def test_only_the_networks_admins_record_requests(web: AdminWeb) -> None:
    eddie = sign_in(web, "alpha", EDITOR)
    assert eddie.get(FORM).status_code == 403
    posted = eddie.post(FORM, data={"csrf_token": csrf_from(eddie, "/admin/alpha"), **GOOD})
    assert posted.status_code == 403
    alice = sign_in(web, "alpha", ADMIN)
    assert alice.post(FORM, data=GOOD).status_code in (400, 403)  # no form token
    assert alice.get("/admin/beta/requests/new").status_code == 404
    assert _count(web) == 0


def test_an_erasure_recorded_on_their_behalf_keeps_no_note_about_the_person(web: AdminWeb) -> None:
    """The identity check is written about the person: erasing them clears it with the rest."""
    alice = sign_in(web, "alpha", ADMIN)
    erase = {**GOOD, "kind": "erasure"}
    recorded = alice.post(FORM, data={"csrf_token": csrf_from(alice, FORM), **erase}, follow_redirects=False)
    assert recorded.status_code == 303, recorded.text
    with unit_of_work(web.sessions) as uow:
        request = uow.session.scalars(select(DataRequest)).one()
        assert request.kind.value == "erasure" and request.subscriber_id is None
        assert (request.identity_check, request.details) == (None, {})
        assert uow.session.scalars(select(Subscriber).where(Subscriber.email == PERSON)).all() == []
