"""The Team page and the audit log on both databases: inviting from the browser, changing a role and
removing an admin (their access ends at once), the audit log filtered and exported (naming people,
never their addresses), and the retention evidence; admins only, own network only."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import AdminMember, AuditRecord, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.services.privacy.retention import run_to_completion
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics

ADMIN = "alice.admin@cabinetoffice.gov.uk"
NEWCOMER = "nina.new@dwp.gov.uk"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
        network_with_topics(uow.session, "beta", ["news"])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN, name="Alice Admin")
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN, name="Bob Beta")
    return admin_web


def _member(web: AdminWeb, email: str) -> AdminMember:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalars(
            select(AdminMember)
            .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
            .where(Subscriber.email == email)
        ).one()


def test_invite_change_role_and_remove_from_the_team_page(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    team = "/admin/alpha/team"
    bad = alice.post(
        team,
        data={
            "csrf_token": csrf_from(alice, team),
            "email": "nina@gmail.com",
            "name": "Nina",
            "role": "editor",
        },
    )
    assert bad.status_code == 400 and "Enter a work email address" in bad.text
    no_role = alice.post(
        team, data={"csrf_token": csrf_from(alice, team), "email": NEWCOMER, "name": "Nina", "role": ""}
    )
    assert no_role.status_code == 400 and "Select a role" in no_role.text
    added = alice.post(
        team,
        data={"csrf_token": csrf_from(alice, team), "email": NEWCOMER, "name": "Nina New", "role": "editor"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    nina_id = _member(web, NEWCOMER).id
    nina = sign_in(web, "alpha", NEWCOMER)
    assert nina.get(team).status_code == 403  # editors do not manage the team
    assert nina.get("/admin/alpha/announcements/new").status_code == 200

    changed = alice.post(
        f"{team}/{nina_id}/role",
        data={"csrf_token": csrf_from(alice, team), "role": "approver"},
        follow_redirects=False,
    )
    assert changed.status_code == 303 and _member(web, NEWCOMER).role is AdminRole.APPROVER
    me = _member(web, ADMIN).id
    self_change = alice.post(
        f"{team}/{me}/remove", data={"csrf_token": csrf_from(alice, team), "confirmed": "yes"}
    )
    assert self_change.status_code == 400 and "cannot change or remove yourself" in self_change.text

    form = "/admin/alpha/announcements/new"
    fields = {"csrf_token": csrf_from(nina, form), "topic": "news", "subject": "Hi", "body": "Hello"}
    assert nina.post(form, data=fields, follow_redirects=False).status_code == 303
    last_two = alice.post(
        f"{team}/{nina_id}/remove", data={"csrf_token": csrf_from(alice, team), "confirmed": "yes"}
    )
    assert last_two.status_code == 400 and "at least 2 people who can approve" in last_two.text
    invite(web, "alpha", "cy.approver@dwp.gov.uk", AdminRole.APPROVER, name="Cy Approver")
    removed = alice.post(
        f"{team}/{nina_id}/remove",
        data={"csrf_token": csrf_from(alice, team), "confirmed": "yes"},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert nina.get("/admin/alpha", follow_redirects=False).status_code == 303  # no access, at once
    with unit_of_work(web.sessions) as uow:
        member = uow.session.get_one(AdminMember, nina_id)
        assert member.removed_at is not None and member.removed_reason == "removed"

    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    assert bob.get(team).status_code == 404
    token = csrf_from(bob, "/admin/beta/team")
    assert (
        bob.post(f"/admin/beta/team/{me}/remove", data={"csrf_token": token, "confirmed": "yes"}).status_code
        == 404
    )
    assert _member(web, ADMIN).removed_at is None


def test_the_audit_log_filters_and_exports(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    run_to_completion(web.sessions, web.settings, utcnow())
    page = alice.get("/admin/alpha/audit?action=signed_in")
    assert page.status_code == 200 and "signed_in" in page.text and "sign_in_link_sent</td>" not in page.text
    bad = alice.get("/admin/alpha/audit?since=yesterday")
    assert bad.status_code == 400 and "Enter a date like" in bad.text
    exported = alice.get("/admin/alpha/audit.csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {"admin_invited", "sign_in_link_sent", "signed_in"} <= {row["action"] for row in rows}
    assert all(ADMIN not in line for line in exported.text.splitlines())  # never an address
    named = [row for row in rows if row["action"] == "signed_in"]
    assert named and all(row["who"] == "Alice Admin (admin)" for row in named)  # the log names people...
    with unit_of_work(web.sessions) as uow:  # ...from ids: the records themselves hold none
        stored = [(r.actor, str(r.detail)) for r in uow.session.scalars(select(AuditRecord))]
    assert stored and all("Alice" not in text and ADMIN not in text for row in stored for text in row)
    evidence = alice.get("/admin/alpha/retention")
    assert evidence.status_code == 200 and "left subscriber" in evidence.text
    evidence_csv = list(
        csv.DictReader(io.StringIO(alice.get("/admin/alpha/retention.csv?rule=contact_enquiry").text))
    )
    assert evidence_csv and {row["rule"] for row in evidence_csv} == {"contact_enquiry"}
    with unit_of_work(web.sessions) as uow:
        exports = list(
            uow.session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("%exported")))
        )
    assert sorted(exports) == ["audit_exported", "retention_evidence_exported"]
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    for path in (
        "/admin/alpha/audit",
        "/admin/alpha/audit.csv",
        "/admin/alpha/retention",
        "/admin/alpha/retention.csv",
    ):
        assert bob.get(path).status_code == 404, path
    assert "signed_in" in bob.get("/admin/beta/audit").text
