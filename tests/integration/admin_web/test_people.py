"""The members list and a person's page over HTTP on both databases: everyone subscribed by default,
filters by who, topic and frequency, paging, search by any part of a name, address or department
(wildcards matched literally), CSV export, and every view and export in the audit log; other networks
see nothing."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import AuditRecord, Subscriber, Subscription
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.services.admin.people import PAGE_SIZE
from notifier.services.subscribers.memberships import approve, request_membership
from tests.integration.admin_web.support import AdminWeb, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics, subscriber

ADMIN = "alice.admin@cabinetoffice.gov.uk"  # an editor: reads the list, cannot take it away
EXPORTER = "ann.admin@cabinetoffice.gov.uk"  # an admin: exporting personal data is theirs to do
MEMBERS = PAGE_SIZE + 5


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        alpha, (news,) = network_with_topics(uow.session, "alpha", ["news"])
        network_with_topics(uow.session, "beta", ["news"])
        for number in range(MEMBERS):
            person = subscriber(uow.session, alpha, f"member.{number:03d}@justice.gov.uk", [news])
            person.name, person.department = f"Member {number:03d}", "=HYPERLINK(1)" if number == 0 else "MoJ"
            approve(
                uow.session,
                alpha,
                request_membership(uow.session, alpha, person, now=utcnow()).id,
                now=utcnow(),
            )
        outsider = subscriber(uow.session, alpha, "reader.only@hmrc.gov.uk", [news])
        outsider.name = "Reader Only"
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ADMIN, AdminRole.EDITOR, name="Alice Admin")
    invite(admin_web, "alpha", EXPORTER, AdminRole.ADMIN, name="Ann Admin")
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN, name="Bob Beta")
    return admin_web


def _audited(web: AdminWeb, action: str) -> list[AuditRecord]:
    with unit_of_work(web.sessions) as uow:
        return list(uow.session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_members_lists_everyone_subscribed_paged_filtered_and_searched_by_any_part(web: AdminWeb) -> None:
    client = sign_in(web, "alpha", ADMIN)
    first = client.get("/admin/alpha/members")
    # Everyone the network sends email to: the members and the reader (not the admins: nothing to send).
    assert first.status_code == 200 and f"{MEMBERS + 1} people" in first.text
    assert "Member 000" in first.text and "Reader Only" not in first.text  # paged by name: R is on page 2
    second = client.get("/admin/alpha/members?page=2")
    assert "Reader Only" in second.text and "Member 000" not in second.text
    members = client.get("/admin/alpha/members?who=members")
    assert f"{MEMBERS} people" in members.text
    assert "Reader Only" not in client.get("/admin/alpha/members?who=members&q=reader").text
    by_name = client.get("/admin/alpha/members?q=ember 01")
    assert "Member 010" in by_name.text and "Member 020" not in by_name.text
    for part, found in (
        ("HMRC", "Reader Only"),  # part of an address, any case
        ("Member.007@Justice.gov.uk", "Member 007"),  # a whole address
        ("moj", f"{MEMBERS - 1} people"),  # part of a department (one member has a formula instead)
    ):
        page = client.get("/admin/alpha/members", params={"q": part})
        assert found in page.text, part
    assert "1 person" in client.get("/admin/alpha/members", params={"q": "member.007@"}).text
    for literal in ("%", "_", "\\"):  # matched as written, not as wildcards
        assert "0 people" in client.get("/admin/alpha/members", params={"q": literal}).text, literal
    assert "0 people" in client.get("/admin/alpha/members?topic=news&frequency=weekly").text
    assert f"{MEMBERS + 1} people" in client.get("/admin/alpha/members?topic=news&frequency=immediate").text
    assert "1 person" in client.get("/admin/alpha/members?who=everyone&q=hmrc").text


def test_only_an_admin_exports_and_the_export_is_audited_and_safe_in_a_spreadsheet(web: AdminWeb) -> None:
    editor = sign_in(web, "alpha", ADMIN).get("/admin/alpha/members.csv")
    assert editor.status_code == 403 and "This needs the admin role" in editor.text
    assert not _audited(web, "people_exported")
    client = sign_in(web, "alpha", EXPORTER)
    exported = client.get("/admin/alpha/members.csv?who=members")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == MEMBERS
    assert rows[0]["department"] == "'=HYPERLINK(1)"  # never run as a formula
    assert {row["email"] for row in rows} == {f"member.{n:03d}@justice.gov.uk" for n in range(MEMBERS)}
    assert all(row["member_since"] for row in rows)
    (record,) = _audited(web, "people_exported")
    assert record.actor.startswith("admin:")
    assert record.detail == {"who": "members", "searched": False, "topic": None, "selected": None}


def test_a_persons_page_shows_their_record_and_the_view_is_audited(web: AdminWeb) -> None:
    client = sign_in(web, "alpha", ADMIN)
    with unit_of_work(web.sessions) as uow:
        person_id = uow.session.scalars(
            select(Subscriber.id).where(Subscriber.email == "member.003@justice.gov.uk")
        ).one()
    page = client.get(f"/admin/alpha/people/{person_id}")
    assert page.status_code == 200
    for text in ("Member 003", "member.003@justice.gov.uk", "Consent history", "agreed", "News", "approved"):
        assert text in page.text, text
    (viewed,) = _audited(web, "person_viewed")
    assert viewed.object_id == person_id and viewed.detail == {}

    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    assert bob.get(f"/admin/alpha/people/{person_id}").status_code == 404
    assert bob.get(f"/admin/beta/people/{person_id}").status_code == 404  # not beta's person
    assert bob.get("/admin/alpha/members.csv").status_code == 404
    assert len(_audited(web, "person_viewed")) == 1 and not _audited(web, "people_exported")


def test_the_dashboard_shows_subscribers_by_topic_and_their_trend(web: AdminWeb) -> None:
    with unit_of_work(web.sessions) as uow:  # one person subscribed three weeks ago
        person = uow.session.scalars(
            select(Subscriber).where(Subscriber.email == "reader.only@hmrc.gov.uk")
        ).one()
        for row in uow.session.scalars(select(Subscription).where(Subscription.subscriber_id == person.id)):
            row.started_at = utcnow() - timedelta(weeks=3, days=1)
    client = sign_in(web, "alpha", ADMIN)
    page = client.get("/admin/alpha")
    assert page.status_code == 200
    total = MEMBERS + 1
    assert (
        f'<td class="govuk-table__cell govuk-table__cell--numeric">{total}</td>' in page.text
    )  # news, immediate
    counts = re.findall(
        r'<td class="govuk-table__cell">\d\d \w\w\w \d{4}</td>'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>',
        page.text,
    )
    assert [int(c) for c in counts] == [0] * 8 + [1] * 3 + [total]
    assert (
        '<svg role="img" aria-label="Active subscriptions at the end of each of the last 12 weeks"'
        in page.text
    )
