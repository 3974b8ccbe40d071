"""Data-subject requests in the web admin on both databases: the list with deadlines, verifying a
request checked another way, the export bundle (audited), marking done; admins only, own network only."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import AuditRecord, DataRequest
from notifier.db.session import unit_of_work
from notifier.domain.rights import DataRequestKind, DataRequestStatus
from notifier.domain.sources import AdminRole
from notifier.services.privacy import rights
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber

ADMIN = "alice.admin@cabinetoffice.gov.uk"
EDITOR = "eddie.editor@justice.gov.uk"
PERSON = "pat.person@hmrc.gov.uk"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    admin_web = make_admin_web(sessions)
    with unit_of_work(sessions) as uow:
        alpha, (news,) = network_with_topics(uow.session, "alpha", ["news"])
        network_with_topics(uow.session, "beta", ["news"])
        person = subscriber(uow.session, alpha, PERSON, [news])
        context = rights.RightsContext.from_settings(admin_web.settings)
        for kind in (DataRequestKind.ACCESS, DataRequestKind.RESTRICTION):
            rights.request_from_preferences(uow, RecordingQueue(), context, person, kind, {}, utcnow())
    invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN, name="Alice Admin")
    invite(admin_web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN, name="Bob Beta")
    return admin_web


def _requests(web: AdminWeb) -> list[DataRequest]:
    with unit_of_work(web.sessions) as uow:
        return list(uow.session.scalars(select(DataRequest).order_by(DataRequest.id)))


def test_a_request_is_exported_verified_and_closed_with_a_record(web: AdminWeb) -> None:
    access, _restriction = _requests(web)
    alice = sign_in(web, "alpha", ADMIN)
    listed = alice.get("/admin/alpha/requests")
    assert (
        listed.status_code == 200 and "Get a copy of your data" in listed.text and "days left" in listed.text
    )
    assert "2 open data-subject requests" in alice.get("/admin/alpha").text
    page = f"/admin/alpha/requests/{access.id}"
    assert "awaiting verification" in alice.get(page).text

    exported = alice.get(f"{page}/export.json")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    bundle = json.loads(exported.text)
    assert bundle["subscriber"]["email"] == PERSON and bundle["subscriptions"]
    as_csv = list(csv.reader(io.StringIO(alice.get(f"{page}/export.csv").text)))
    assert (
        as_csv[0] == ["section", "item", "field", "value"] and ["subscriber", "", "email", PERSON] in as_csv
    )

    verified = alice.post(
        f"{page}/verify", data={"csrf_token": csrf_from(alice, page)}, follow_redirects=False
    )
    assert verified.status_code == 303
    closed = next(r for r in _requests(web) if r.id == access.id)
    assert (
        closed.status is DataRequestStatus.COMPLETED and closed.outcome == "copy of the data made available"
    )
    shown = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", alice.get(page).text)))
    request = f"data-subject request {access.id}"
    for sentence in (  # the history in words, naming people
        f"The person themselves made {request}",
        f"Alice Admin (admin) downloaded the data for {request}",
        f"Alice Admin (admin) checked another way that {request} is the person's",
        f"Alice Admin (admin) verified {request}",
        f"completed {request}",
    ):
        assert sentence in shown, sentence
    assert "data_request." not in shown and "self_service" not in shown
    again = alice.post(f"{page}/verify", data={"csrf_token": csrf_from(alice, page)})
    assert again.status_code == 409

    with unit_of_work(web.sessions) as uow:
        exports = list(
            uow.session.scalars(select(AuditRecord).where(AuditRecord.action == "data_request.exported"))
        )
    assert [(r.object_id, r.detail) for r in exports] == [
        (access.id, {"format": "json"}),
        (access.id, {"format": "csv"}),
    ]
    assert all(PERSON not in str(r.detail) for r in exports)


def test_mark_done_needs_an_open_request(web: AdminWeb) -> None:
    _access, restriction = _requests(web)
    alice = sign_in(web, "alpha", ADMIN)
    page = f"/admin/alpha/requests/{restriction.id}"
    early = alice.post(f"{page}/done", data={"csrf_token": csrf_from(alice, page), "outcome": "x"})
    assert early.status_code == 409  # not verified yet
    with unit_of_work(web.sessions) as uow:  # verified, and being dealt with by hand
        uow.session.get_one(DataRequest, restriction.id).status = DataRequestStatus.OPEN
    done = alice.post(
        f"{page}/done",
        data={"csrf_token": csrf_from(alice, page), "outcome": "Told them by phone"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    closed = next(r for r in _requests(web) if r.id == restriction.id)
    assert closed.status is DataRequestStatus.COMPLETED and closed.outcome == "Told them by phone"


def test_only_admins_of_the_network_see_requests(web: AdminWeb) -> None:
    access, _restriction = _requests(web)
    eddie = sign_in(web, "alpha", EDITOR)
    assert eddie.get("/admin/alpha/requests").status_code == 403
    assert eddie.get(f"/admin/alpha/requests/{access.id}/export.json").status_code == 403
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    for path in (
        "/admin/alpha/requests",
        f"/admin/alpha/requests/{access.id}",
        f"/admin/beta/requests/{access.id}",
    ):
        assert bob.get(path).status_code == 404, path
    assert bob.get(f"/admin/beta/requests/{access.id}/export.json").status_code == 404
    token = csrf_from(bob, "/admin/beta")
    assert bob.post(f"/admin/beta/requests/{access.id}/verify", data={"csrf_token": token}).status_code == 404
    assert all(r.status is DataRequestStatus.AWAITING_VERIFICATION for r in _requests(web))
