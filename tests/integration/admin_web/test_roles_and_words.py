"""Pages that tell each role the truth, on both databases: the menu lists only what the role may use
(a page it may not use is still 403 when asked for directly); removing an admin asks first; the audit
log and a request's history say what happened in words, naming people as they are read (never stored)
and linking to what was touched; a request's person is a real link, their name escaped."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import AdminMember, AuditRecord, DataRequest, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.rights import DataRequestKind
from notifier.domain.sources import AdminRole
from notifier.services.privacy import rights
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber

pytestmark = pytest.mark.dates  # the announcement is sent "as soon as possible", from the clock's now

ADMIN = "alice.admin@cabinetoffice.gov.uk"
APPROVER = "priya.shah@cabinetoffice.gov.uk"
APPROVER_TWO = "omar.approver@dwp.gov.uk"
EDITOR = "eddie.editor@justice.gov.uk"
PERSON = "pat.person@hmrc.gov.uk"
MENU = ("Dashboard", "Approvals", "Announcements", "Meetings", "Archive", "Members", "Requests",
        "Enquiries", "Team", "Settings", "Audit log", "Your sessions")  # fmt: skip
MENU_BY_ROLE = {
    EDITOR: {"Dashboard", "Approvals", "Announcements", "Meetings", "Members", "Your sessions"},
    APPROVER: {
        "Dashboard",
        "Approvals",
        "Announcements",
        "Meetings",
        "Members",
        "Enquiries",
        "Your sessions",
    },
    ADMIN: set(MENU),
}
ADMIN_ONLY = ("team", "settings", "audit", "requests", "archive", "requests/new", "settings/sign-off")
RAW = ("admin:", "announcement.", "data_request.", "self_service", "held_override", "not_held", "=")


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        alpha, (news,) = network_with_topics(uow.session, "alpha", ["news"], sign_off=True)
        network_with_topics(uow.session, "beta", ["news"])
        subscriber(uow.session, alpha, PERSON, [news])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN, name="Alice Admin")
    invite(admin_web, "alpha", APPROVER, AdminRole.APPROVER, name="Priya Shah")
    invite(admin_web, "alpha", APPROVER_TWO, AdminRole.APPROVER, name="Omar Approver")
    invite(admin_web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN, name="Bob Beta")
    return admin_web


def _menu(html: str) -> set[str]:
    nav = html[html.index('aria-label="Admin pages"') :]
    nav = nav[: nav.index("</nav>")]
    return {label for label in MENU if f">{label}<" in re.sub(r">\s+", ">", re.sub(r"\s+<", "<", nav))}


def _words(html: str, start: str) -> str:
    """The visible text of the table body after `start` (no markup, no attribute values)."""
    part = html[html.index(start) :]
    part = part[part.index("<tbody") : part.index("</tbody>")]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part)))


def _member_id(web: AdminWeb, email: str) -> int:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalars(
            select(AdminMember.id)
            .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
            .where(Subscriber.email == email, AdminMember.removed_at.is_(None))
        ).one()


def test_each_role_is_shown_only_what_it_may_use(web: AdminWeb) -> None:
    for email, expected in MENU_BY_ROLE.items():
        client = sign_in(web, "alpha", email)
        assert _menu(client.get("/admin/alpha").text) == expected, email
        for path in ADMIN_ONLY:  # asked for directly, refused as before
            status = client.get(f"/admin/alpha/{path}").status_code
            assert status == (200 if email == ADMIN else 403), (email, path)
        enquiries = client.get("/admin/alpha/enquiries").status_code
        assert enquiries == (403 if email == EDITOR else 200)
    dashboard = sign_in(web, "alpha", EDITOR).get("/admin/alpha").text
    assert "/admin/alpha/requests" not in dashboard and "/admin/alpha/memberships" not in dashboard


def test_removing_an_admin_asks_first(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    team = "/admin/alpha/team"
    omar = _member_id(web, APPROVER_TWO)
    asked = alice.post(f"{team}/{omar}/remove", data={"csrf_token": csrf_from(alice, team)})
    assert asked.status_code == 200 and "Remove Omar Approver from the team?" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text and 'name="csrf_token"' in asked.text
    assert _member_id(web, APPROVER_TWO) == omar  # nothing removed by asking
    forged = alice.post(f"{team}/{omar}/remove", data={"confirmed": "yes"})  # no form token
    assert forged.status_code in (400, 403) and _member_id(web, APPROVER_TWO) == omar
    eddie = sign_in(web, "alpha", EDITOR)
    token = csrf_from(eddie, "/admin/alpha")
    refused = eddie.post(f"{team}/{omar}/remove", data={"csrf_token": token, "confirmed": "yes"})
    assert refused.status_code == 403 and _member_id(web, APPROVER_TWO) == omar
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    other = bob.post(f"/admin/beta/team/{omar}/remove", data={"csrf_token": csrf_from(bob, "/admin/beta")})
    assert other.status_code == 404
    done = alice.post(
        f"{team}/{omar}/remove",
        data={"csrf_token": csrf_from(alice, team), "confirmed": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with unit_of_work(web.sessions) as uow:
        assert uow.session.get_one(AdminMember, omar).removed_at is not None


def _approve_an_announcement(web: AdminWeb) -> str:
    eddie = sign_in(web, "alpha", EDITOR)
    form = "/admin/alpha/announcements/new"
    fields = {"topic": "news", "subject": "Summer party", "body": "Come along."}
    saved = eddie.post(form, data={"csrf_token": csrf_from(eddie, form), "action": "save", **fields},
                       follow_redirects=False)  # fmt: skip
    page = str(saved.headers["location"])
    submitted = eddie.post(f"{page}/submit", data={"csrf_token": csrf_from(eddie, page), "send_at": ""})
    assert submitted.status_code in (200, 303)
    priya = sign_in(web, "alpha", APPROVER)
    approved = priya.post(
        f"{page}/approve", data={"csrf_token": csrf_from(priya, page)}, follow_redirects=False
    )
    assert approved.status_code == 303
    return page


def test_the_audit_log_says_what_happened_in_words(web: AdminWeb) -> None:
    page = _approve_an_announcement(web)
    alice = sign_in(web, "alpha", ADMIN)
    person_page = "/admin/alpha/people"
    with unit_of_work(web.sessions) as uow:
        pat = uow.session.scalars(select(Subscriber).where(Subscriber.email == PERSON)).one()
        pat.name = "Pat <b>Person</b>"
        pat_id = pat.id
    alice.get(f"{person_page}/{pat_id}")  # looking at a record is audited
    omar = _member_id(web, APPROVER_TWO)
    alice.post(f"/admin/alpha/team/{omar}/remove",
               data={"csrf_token": csrf_from(alice, "/admin/alpha/team"), "confirmed": "yes"})  # fmt: skip

    page_html = alice.get("/admin/alpha/audit").text
    words = _words(page_html, "Audit records")
    assert (
        "Priya Shah (approver) approved the announcement “Summer party” (asked by Eddie Editor (editor))"
        in words
    )
    assert f'<a class="govuk-link" href="{page}">the announcement “Summer party”</a>' in page_html
    assert "Eddie Editor (editor) submitted the announcement “Summer party” for approval" in words
    assert "Alice Admin (admin) looked at the record of Pat <b>Person</b>" in words
    assert "Pat &lt;b&gt;Person&lt;/b&gt;" in page_html and "<b>Person</b>" not in page_html  # escaped
    assert f'href="{person_page}/{pat_id}"' in page_html
    assert "Alice Admin (admin) removed Omar Approver from the team" in words
    for raw in RAW:
        assert raw not in words, raw
    assert (
        "Who (for example admin:3)" not in page_html and ">Approved the announcement<" in page_html
    )  # the filter

    # Erased people and admins no longer on record are not named: the records hold ids only.
    with unit_of_work(web.sessions) as uow:
        stored = [(r.actor, str(r.detail)) for r in uow.session.scalars(select(AuditRecord))]
        uow.session.execute(AuditRecord.__table__.update().where(AuditRecord.object_id == pat_id,
                            AuditRecord.object_type == "subscriber").values(object_id=10**9))  # fmt: skip
        uow.session.execute(AuditRecord.__table__.update().where(AuditRecord.action == "admin_removed")
                            .values(actor="admin:999999999"))  # fmt: skip
    assert all("Priya" not in text and "Summer" not in text for row in stored for text in row)
    words = _words(alice.get("/admin/alpha/audit").text, "Audit records")
    assert "Alice Admin (admin) looked at the record of a removed subscriber" in words
    assert "A former admin removed Omar Approver from the team" in words


def test_a_request_page_links_its_person_and_tells_its_history_in_words(web: AdminWeb) -> None:
    with unit_of_work(web.sessions) as uow:
        pat = uow.session.scalars(select(Subscriber).where(Subscriber.email == PERSON)).one()
        pat.name = "Pat <i>Person</i>"
        context = rights.RightsContext.from_settings(web.settings)
        request = rights.request_from_preferences(
            uow, RecordingQueue(), context, pat, DataRequestKind.ACCESS, {}, utcnow()
        )
        request_id, pat_id = request.id, pat.id
    alice = sign_in(web, "alpha", ADMIN)
    page = f"/admin/alpha/requests/{request_id}"
    alice.post(f"{page}/verify", data={"csrf_token": csrf_from(alice, page)})
    html = alice.get(page).text
    assert (
        f'<a class="govuk-link" href="/admin/alpha/people/{pat_id}">Pat &lt;i&gt;Person&lt;/i&gt;</a>' in html
    )
    assert "&lt;a class" not in html  # the link is a link, not text
    words = _words(html, "What was done with the request")
    assert f"The person themselves made data-subject request {request_id}" in words
    assert f"Alice Admin (admin) verified data-subject request {request_id}" in words
    assert (
        f"Alice Admin (admin) checked another way that data-subject request {request_id} is the person's"
        in words
    )
    for raw in RAW:
        assert raw not in words, raw
    with unit_of_work(web.sessions) as uow:
        assert uow.session.get_one(DataRequest, request_id).completed_at is not None
