"""Answers to a meeting invitation by each reader's signed link, on both databases: opening a link
saves nothing; the button saves; capacity 2 with a waiting list; a Yes changed to No offers the place
to the first who waits, by email, who accepts; an offer not taken in time passes on; the deadline;
the admin's counts and CSV agree; PARTSTAT in the reader's calendar file; reminders skip No; the
optional question's answers are shown only to admins and deleted when the minutes are out."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AuditRecord, Delivery, MeetingAnswer, Message, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.sources.answers import expire_offers
from notifier.services.sources.meetings import SourceDeps, send_due_reminders
from tests.integration.admin_web.support import AdminWeb, invite, make_admin_web, sign_in
from tests.support.admin_api import API, PUBLIC, bearer
from tests.support.seeding import issue_test_token, network_with_topics, subscriber

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

NOW = datetime(2031, 5, 5, 9, 0, tzinfo=UTC)  # a frozen clock: every time below is relative to it
PEOPLE = ("ann", "ben", "cat", "dan")
ADMIN = "alice.admin@cabinetoffice.gov.uk"
EDITOR = "ed.itor@cabinetoffice.gov.uk"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _world(sessions: sessionmaker[Session]) -> tuple[AdminWeb, dict[str, str]]:
    with unit_of_work(sessions) as uow:
        network, (events,) = network_with_topics(uow.session, "alpha", ("events",))
        for name in PEOPLE:
            subscriber(uow.session, network, f"{name}@dept.gov.uk", [events])
    web = make_admin_web(sessions)
    invite(web, "alpha", ADMIN, AdminRole.ADMIN, name="Alice Admin")
    with unit_of_work(sessions) as uow:
        alpha = uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()
        editor = issue_test_token(
            uow.session, alpha, AdminRole.EDITOR, "ann@dept.gov.uk"
        ).secret  # made by Alice
    return web, bearer(editor)


def _create(web: AdminWeb, editor: dict[str, str], **rules: Any) -> dict[str, Any]:
    start = NOW + timedelta(days=10)
    body = {
        "title": "Steering group",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "location": "Room 1",
        "topics": ["events"],
        **rules,
    }
    created = web.browser().post(f"{API}/meetings", json=body, headers=editor)
    assert created.status_code == 201, created.text
    return created.json()


def _links(web: AdminWeb, kind: str = "meeting") -> dict[str, str]:
    """Each recipient's Yes link in their email of the latest message of `kind`, as a path."""
    _fan_out(web)
    composer = TemplateComposer.from_settings(web.settings)
    links = {}
    with unit_of_work(web.sessions) as uow:
        message = uow.session.scalars(
            select(Message).where(Message.email_kind == kind).order_by(Message.id.desc())
        ).first()
        assert message is not None
        readers = select(Subscriber).join(Delivery, Delivery.subscriber_id == Subscriber.id)
        for person in uow.session.scalars(readers.where(Delivery.message_id == message.id)):
            body = composer.compose(uow.session, message, person).body
            found = re.search(r"\((http\S+/meetings/answer/[^)?\s]+)\?choice=yes\)", body)
            if found:
                links[person.email.split("@")[0]] = found.group(1).removeprefix(PUBLIC)
    return links


def _answers(web: AdminWeb) -> dict[str, tuple[str, str | None]]:
    with unit_of_work(web.sessions) as uow:
        rows = uow.session.execute(
            select(Subscriber.email, MeetingAnswer.answer, MeetingAnswer.place).join(
                MeetingAnswer, MeetingAnswer.subscriber_id == Subscriber.id
            )
        ).all()
    return {e.split("@")[0]: (a.value, p.value if p else None) for e, a, p in rows}


def _answer(client: Any, link: str, choice: str, **extra: str) -> Any:
    page = client.get(f"{link}?choice={choice}")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token is not None
    return client.post(link, data={"csrf_token": token.group(1), "choice": choice, **extra})


def test_capacity_waiting_list_offer_and_acceptance(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(NOW, tick=False):
        web, editor = _world(sessions)
        meeting = _create(web, editor, capacity=2)
        links = _links(web)
        assert set(links) == set(PEOPLE)
        client = web.browser()
        for name in PEOPLE:  # opening every link, as a mail scanner does, saves nothing
            for choice in ("yes", "no", "maybe"):
                assert client.get(f"{links[name]}?choice={choice}").status_code == 200
        assert _answers(web) == {}
        preselected = client.get(f"{links['ann']}?choice=maybe").text
        assert re.search(r'value="maybe"\s+checked', preselected)
        assert _answer(client, links["ann"], "yes").status_code == 200
        assert _answer(client, links["ben"], "yes").status_code == 200
        third = _answer(client, links["cat"], "yes")
        assert "you are number 1 on the waiting list" in third.text
        assert _answers(web) == {
            "ann": ("yes", "confirmed"), "ben": ("yes", "confirmed"), "cat": ("yes", "waiting"),
        }  # fmt: skip
        assert _answer(client, links["ben"], "no").status_code == 200
        assert _answers(web)["cat"] == ("yes", "offered")
        offer = _links(web, "meeting_place")
        assert set(offer) == {"cat"} and offer["cat"] == links["cat"]  # the same answer page
        assert _answer(client, links["cat"], "yes").status_code == 200
        assert _answers(web) == {
            "ann": ("yes", "confirmed"), "ben": ("no", None), "cat": ("yes", "confirmed"),
        }  # fmt: skip
        dan = _answer(client, links["dan"], "yes")
        assert "number 1 on the waiting list" in dan.text
        _admin_agrees(web, meeting["id"], coming=2, waiting=1, no=1)


def _admin_agrees(web: AdminWeb, meeting_id: int, *, coming: int, waiting: int, no: int) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    page = alice.get(f"/admin/alpha/meetings/{meeting_id}/answers")
    assert page.status_code == 200, page.text
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert f"Coming {coming} of 2 places" in text and f"Waiting list {waiting}" in text
    assert f"Not coming {no}" in text
    exported = alice.get(f"/admin/alpha/meetings/{meeting_id}/answers.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sum(r["place"] == "confirmed" for r in rows) == coming
    assert sum(r["place"] == "waiting" for r in rows) == waiting
    assert sum(r["answer"] == "no" for r in rows) == no


def test_an_offer_not_taken_in_time_passes_to_the_next(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(NOW, tick=False):
        web, editor = _world(sessions)
        _create(web, editor, capacity=1)
        links = _links(web)
        client = web.browser()
        for name in ("ann", "ben", "cat"):
            _answer(client, links[name], "yes")
        _answer(client, links["ann"], "maybe")
        assert _answers(web)["ben"] == ("yes", "offered")
    deps = SourceDeps.from_settings(web.settings, web.queue)
    limit = NOW + deps.offer_time
    for moment, lapsed in ((limit - timedelta(seconds=1), 0), (limit, 1), (limit + timedelta(seconds=1), 0)):
        with time_machine.travel(moment, tick=False), unit_of_work(sessions) as uow:
            assert expire_offers(uow, deps, moment) == lapsed
    assert _answers(web)["ben"] == ("yes", "lapsed") and _answers(web)["cat"] == ("yes", "offered")


def test_the_deadline_reminders_partstat_and_health_data(sessions: sessionmaker[Session]) -> None:
    deadline = NOW + timedelta(days=2)
    with time_machine.travel(NOW, tick=False):
        web, editor = _world(sessions)
        meeting = _create(
            web, editor, answers_until=deadline.isoformat(), access_question="Do you need step-free access?"
        )
        composer_body = _invitation_body(web)
        assert "seen only by the network's admins" in composer_body.replace("\\", "")
        links = _links(web)
        client = web.browser()
        _answer(client, links["ann"], "yes", access_needs="A ramp, please")
        _answer(client, links["ben"], "no")
        _answer(client, links["cat"], "maybe")
        ics = client.get(_calendar_path(web, "ann")).content
        (event,) = Calendar.from_ical(ics).walk("VEVENT")
        assert (
            event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED" and event["ATTENDEE"].params["RSVP"] == "FALSE"
        )
        alice = sign_in(web, "alpha", ADMIN)
        assert "A ramp, please" in alice.get(f"/admin/alpha/meetings/{meeting['id']}/answers").text
        exported = alice.get(f"/admin/alpha/meetings/{meeting['id']}/answers.csv")
        assert "A ramp, please" in exported.text
        with unit_of_work(sessions) as uow:  # the bulk download is audited, by id
            (record,) = uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "meeting.answers_exported")
            ).all()
            assert record.object_id == meeting["id"] and "ramp" not in str(record.detail)
        invite(web, "alpha", EDITOR, AdminRole.EDITOR, name="Ed Itor")
        ed = sign_in(web, "alpha", EDITOR)
        seen = ed.get(f"/admin/alpha/meetings/{meeting['id']}/answers")
        assert seen.status_code == 200, seen.text
        assert (
            "A ramp, please" not in seen.text
            and "Access needs" not in seen.text
            and "answers.csv" not in seen.text
        )
        assert ed.get(f"/admin/alpha/meetings/{meeting['id']}/answers.csv").status_code == 403
        assert "A ramp, please" not in client.get(f"{links['ann']}?choice=yes").text.replace(
            "A ramp, please</textarea>", ""
        )
    for moment, status in (
        (deadline - timedelta(seconds=1), 200),
        (deadline, 409),
        (deadline + timedelta(seconds=1), 409),
    ):
        with time_machine.travel(deadline - timedelta(seconds=2), tick=False):
            form = CSRF.search(client.get(links["dan"]).text)  # the form, while answers are open
            assert form is not None
        with time_machine.travel(moment, tick=False):
            sent = client.post(links["dan"], data={"csrf_token": form.group(1), "choice": "maybe"})
            assert sent.status_code == status
            assert ("Answers to this meeting have closed" in sent.text) is (status == 409)
    reminder_at = datetime.fromisoformat(meeting["start"]) - timedelta(minutes=meeting["reminder_minutes"])
    with time_machine.travel(reminder_at, tick=False), unit_of_work(sessions) as uow:
        assert send_due_reminders(uow, SourceDeps.from_settings(web.settings, web.queue), reminder_at)
    _fan_out(web)
    assert _reached(web, "meeting_reminder") == {"ann", "cat", "dan"}  # not ben, who said No
    with time_machine.travel(datetime.fromisoformat(meeting["end"]) + timedelta(hours=1), tick=False):
        minutes = web.browser().post(
            f"{API}/meetings/{meeting['id']}/minutes", json={"minutes_body": "Agreed."}, headers=editor
        )
        assert minutes.status_code == 201, minutes.text
    with unit_of_work(sessions) as uow:
        assert uow.session.scalar(select(func.count()).where(MeetingAnswer.access_needs.is_not(None))) == 0


def _invitation_body(web: AdminWeb) -> str:
    composer = TemplateComposer.from_settings(web.settings)
    with unit_of_work(web.sessions) as uow:
        message = uow.session.scalars(select(Message).where(Message.email_kind == "meeting")).first()
        person = uow.session.scalars(select(Subscriber)).first()
        assert message is not None and person is not None
        return composer.compose(uow.session, message, person).body


def _calendar_path(web: AdminWeb, name: str) -> str:
    composer = TemplateComposer.from_settings(web.settings)
    with unit_of_work(web.sessions) as uow:
        message = uow.session.scalars(select(Message).where(Message.email_kind == "meeting")).first()
        person = uow.session.scalars(
            select(Subscriber).where(Subscriber.email == f"{name}@dept.gov.uk")
        ).one()
        assert message is not None
        body = composer.compose(uow.session, message, person).body
    found = re.search(r"\((\S+/calendar\.ics\?attendee=[^)\s]+)\)", body)
    assert found is not None
    return found.group(1).removeprefix(PUBLIC)


def _fan_out(web: AdminWeb) -> None:
    while web.queue.fanouts:
        fan_out_next_batch(web.sessions, web.queue, web.queue.fanouts.pop(0), batch_size=100, chunk_size=100)


def _reached(web: AdminWeb, kind: str) -> set[str]:
    with unit_of_work(web.sessions) as uow:
        emails = uow.session.scalars(
            select(Subscriber.email)
            .join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .join(Message, Message.id == Delivery.message_id)
            .where(Message.email_kind == kind)
        )
        return {e.split("@")[0] for e in emails}
