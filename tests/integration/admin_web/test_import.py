"""Importing people from a file in the browser, on both databases: a file with a bad line stores
nothing and reports each bad line, and the form keeps what was chosen; by default each person is
emailed a link to confirm (an invitation, not "you asked"), reminded once a week later and deleted when
the link expires unconfirmed; recording their consent instead needs a reason, kept with each consent
record; Excel and OpenDocument files import as CSV does; admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import AuditRecord, ConsentEvent, Signup, Subscriber, Subscription
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import SubscriberStatus
from notifier.services.privacy.expired_signups import purge_expired_signups
from notifier.services.subscribers.import_reminders import REMINDER_AFTER, remind_unconfirmed
from notifier.services.subscribers.signups import ConfirmLinks
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics
from tests.unit.subscribers.test_import_limits import ods, xlsx

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

ADMIN = "alice.admin@cabinetoffice.gov.uk"
GOOD = (
    "email,name,department\n"
    "pat.one@hmrc.gov.uk,Pat One,HMRC\n"
    "sam.two@dwp.gov.uk,Sam Two,DWP\n"
    "PAT.ONE@hmrc.gov.uk,Pat One,HMRC\n"
)
BAD = GOOD + "not-an-address,Kim,MoJ\nkim@gmail.com,Kim,MoJ\nlee@dwp.gov.uk,,DWP\n"
REASON = "They signed the network's paper sign-up sheet at the launch on 3 March"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news", "events"])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN, name="Alice Admin")
    invite(admin_web, "alpha", "eddie.editor@justice.gov.uk", AdminRole.EDITOR, name="Eddie Editor")
    return admin_web


def _people(web: AdminWeb) -> int:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalar(select(func.count()).select_from(Subscriber)) or 0


def _upload(client, raw: bytes, name: str = "people.csv", **fields: str):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": csrf_from(client, "/admin/alpha/import"),
        "topic": "news",
        "frequency": "weekly",
        **fields,
    }
    return client.post(
        "/admin/alpha/import", data=data, files={"file": (name, raw, "application/octet-stream")}
    )


def _audited(web: AdminWeb) -> dict[str, dict[str, object]]:
    with unit_of_work(web.sessions) as uow:
        rows = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.action.in_(["import_refused", "people_imported"]))
        )
        return {r.action: r.detail for r in rows}


def test_a_file_with_bad_lines_stores_nothing_names_each_line_and_keeps_the_choices(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    before = _people(web)
    refused = _upload(alice, BAD.encode(), topic="events", consent="record", reason=REASON)
    assert refused.status_code == 400 and "Nothing was imported: 3 lines need correcting" in refused.text
    for line, reason in (
        (5, "email: Enter an email address in the correct format"),
        (6, "email: Enter a work email address"),
        (7, "name: the name is empty"),
    ):
        assert (
            f'<td class="govuk-table__cell">{line}</td><td class="govuk-table__cell">{reason}' in refused.text
        ), line
    # What was chosen is still chosen: the topic, the frequency, the consent choice and its reason.
    for kept in (
        'value="events" checked',
        'value="weekly" checked',
        'value="record" checked',
        REASON.replace("'", "&#39;"),
    ):
        assert kept in refused.text, kept
    assert "Choose the file again" in refused.text
    assert _people(web) == before
    missing = alice.post(
        "/admin/alpha/import",
        data={
            "csrf_token": csrf_from(alice, "/admin/alpha/import"),
            "consent": "record",
            "frequency": "daily",
        },
    )
    assert missing.status_code == 400
    for problem in ("Choose a CSV, Excel", "Select the topic", "Enter why you are recording their consent"):
        assert problem in missing.text, problem
    assert 'value="daily" checked' in missing.text
    assert _audited(web) == {"import_refused": {"bad_rows": 3, "good_rows": 2}}


def test_by_default_each_person_is_asked_to_confirm_reminded_once_and_deleted_unconfirmed(
    web: AdminWeb,
) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    done = _upload(alice, GOOD.encode())
    assert done.status_code == 200 and "Imported 2 rows for News" in done.text
    assert "2 asked by email to confirm" in done.text and "1 repeated and merged" in done.text
    web.send_queued()
    invitations = [e for e in web.gateway.sent if e.subject == "Do you want emails from Alpha Network?"]
    assert len(invitations) == 2
    body = invitations[0].body
    assert "steering group added your work email address" in body and "We will remind you once." in body
    assert "You asked" not in body
    with unit_of_work(web.sessions) as uow:
        assert not uow.session.scalars(select(Subscription)).all()  # nothing until they confirm
        pending = uow.session.scalars(
            select(Subscriber).where(Subscriber.status == SubscriberStatus.PENDING)
        ).all()
        assert len(pending) == 2
        start, expiry = uow.session.execute(
            select(func.min(Signup.created_at), func.min(Signup.expires_at))
        ).one()
    assert expiry == start + timedelta(days=web.settings.import_confirm_days)
    assert _audited(web)["people_imported"] == {
        "added": 0, "confirmations": 2, "suppressed_skipped": 0, "duplicates": 1, "already": 0,
        "consent_recorded": False,
    }  # fmt: skip
    listed = alice.get("/admin/alpha/members?who=pending")
    assert "2 people" in listed.text and "Pat One" in listed.text and "Asked to confirm" in listed.text

    links = ConfirmLinks.from_settings(web.settings)
    for moment, expected in ((-1, 0), (0, 2), (1, 0)):  # the reminder falls due a week on, and comes once
        at = start + REMINDER_AFTER + timedelta(seconds=moment)
        with time_machine.travel(at, tick=False), unit_of_work(web.sessions) as uow:
            assert remind_unconfirmed(uow, web.queue, links, utcnow()) == expected, moment
    web.send_queued()
    reminders = [e for e in web.gateway.sent if e.subject.startswith("Reminder: ")]
    assert len(reminders) == 2 and "We wrote to you a week ago" in reminders[0].body
    assert "stops working after 7 days" in reminders[0].body

    with time_machine.travel(expiry - timedelta(seconds=5), tick=False):
        assert purge_expired_signups(web.sessions, utcnow()) == (0, 0)
    with time_machine.travel(expiry + timedelta(seconds=5), tick=False):
        assert purge_expired_signups(web.sessions, utcnow()) == (2, 2)
    with unit_of_work(web.sessions) as uow:
        assert not uow.session.scalars(select(Signup)).all()
        assert not uow.session.scalars(
            select(Subscriber).where(Subscriber.status == SubscriberStatus.PENDING)
        ).all()


def test_recording_consent_needs_a_reason_kept_with_each_consent_record(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    done = _upload(alice, GOOD.encode(), consent="record", reason=f"  {REASON}  ")
    assert done.status_code == 200 and "2 subscribed, with the reason you gave" in done.text
    assert _people(web) == 4  # the two admins and the two imported
    with unit_of_work(web.sessions) as uow:
        ledger = uow.session.scalars(select(ConsentEvent)).all()
        weekly = uow.session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.frequency == "weekly")
        )
    assert weekly == 2 and {(e.source.value, e.reason) for e in ledger} == {("import", REASON)}
    assert _audited(web)["people_imported"]["consent_recorded"] is True
    listed = alice.get("/admin/alpha/members?topic=news")
    assert "2 people" in listed.text and "Sam Two" in listed.text  # imported people are in Members
    again = _upload(alice, GOOD.encode(), consent="record", reason=REASON)
    assert "2 already subscribed to News" in again.text


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_excel_and_opendocument_files_import_as_csv_does(web: AdminWeb, kind: str) -> None:
    rows = [["Email", "Name", "Department"], ["pat.one@hmrc.gov.uk", "Pat One", "HMRC"], ["bad", "Kim", ""]]
    raw = xlsx(rows) if kind == "xlsx" else ods(rows)  # type: ignore[arg-type]
    alice = sign_in(web, "alpha", ADMIN)
    refused = _upload(alice, raw, name=f"people.{kind}")
    assert refused.status_code == 400 and "Nothing was imported: 1 line needs correcting" in refused.text
    assert '<td class="govuk-table__cell">3</td>' in refused.text
    good = xlsx(rows[:2]) if kind == "xlsx" else ods(rows[:2])  # type: ignore[arg-type]
    done = _upload(alice, good, name=f"people.{kind}")
    assert done.status_code == 200 and "Imported 1 row for News" in done.text
    damaged = _upload(alice, good[: len(good) // 2], name=f"people.{kind}")
    assert damaged.status_code == 400 and "The file cannot be imported" in damaged.text


def test_only_admins_import(web: AdminWeb) -> None:
    eddie = sign_in(web, "alpha", "eddie.editor@justice.gov.uk")
    assert eddie.get("/admin/alpha/import").status_code == 403
    anonymous = web.browser()
    posted = anonymous.post("/admin/alpha/import", files={"file": ("people.csv", GOOD.encode(), "text/csv")})
    assert posted.status_code == 403
    assert _people(web) == 2  # the two admins
