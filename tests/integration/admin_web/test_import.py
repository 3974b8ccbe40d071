"""Importing people from a CSV file in the browser, on both databases: a file with a bad line stores
nothing and reports each bad line; a good file is stored and reported; admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AuditRecord, Subscriber, Subscription
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics

ADMIN = "alice.admin@cabinetoffice.gov.uk"
GOOD = (
    "email,name,department\n"
    "pat.one@hmrc.gov.uk,Pat One,HMRC\n"
    "sam.two@dwp.gov.uk,Sam Two,DWP\n"
    "PAT.ONE@hmrc.gov.uk,Pat One,HMRC\n"
)
BAD = GOOD + "not-an-address,Kim,MoJ\nkim@gmail.com,Kim,MoJ\nlee@dwp.gov.uk,,DWP\n"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN, name="Alice Admin")
    invite(admin_web, "alpha", "eddie.editor@justice.gov.uk", AdminRole.EDITOR, name="Eddie Editor")
    return admin_web


def _people(web: AdminWeb) -> int:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalar(select(func.count()).select_from(Subscriber)) or 0


def _upload(client, text: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": csrf_from(client, "/admin/alpha/import"),
        "topic": "news",
        "frequency": "weekly",
        **fields,
    }
    return client.post(
        "/admin/alpha/import", data=data, files={"file": ("people.csv", text.encode(), "text/csv")}
    )


def test_a_file_with_bad_lines_stores_nothing_and_names_each_line(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    before = _people(web)
    refused = _upload(alice, BAD)
    assert refused.status_code == 400 and "Nothing was imported: 3 lines need correcting" in refused.text
    for line, reason in (
        (5, "email: Enter an email address in the correct format"),
        (6, "email: Enter a work email address"),
        (7, "name: the name is empty"),
    ):
        assert (
            f'<td class="govuk-table__cell">{line}</td><td class="govuk-table__cell">{reason}' in refused.text
        ), line
    assert _people(web) == before
    missing = alice.post("/admin/alpha/import", data={"csrf_token": csrf_from(alice, "/admin/alpha/import")})
    assert (
        missing.status_code == 400
        and "Choose a CSV file" in missing.text
        and "Select the topic" in missing.text
    )

    done = _upload(alice, GOOD)
    assert done.status_code == 200 and "Imported 2 rows" in done.text and "1 repeated and merged" in done.text
    assert _people(web) == before + 2
    with unit_of_work(web.sessions) as uow:
        weekly = uow.session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.frequency == "weekly")
        )
        audited = {
            r.action: r.detail
            for r in uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action.in_(["import_refused", "people_imported"]))
            )
        }
    assert weekly == 2
    assert audited == {
        "import_refused": {"bad_rows": 3, "good_rows": 2},
        "people_imported": {"added": 2, "confirmations": 0, "suppressed_skipped": 0, "duplicates": 1},
    }


def test_only_admins_import(web: AdminWeb) -> None:
    eddie = sign_in(web, "alpha", "eddie.editor@justice.gov.uk")
    assert eddie.get("/admin/alpha/import").status_code == 403
    anonymous = web.browser()
    posted = anonymous.post("/admin/alpha/import", files={"file": ("people.csv", GOOD.encode(), "text/csv")})
    assert posted.status_code == 403
    assert _people(web) == 2  # the two admins
