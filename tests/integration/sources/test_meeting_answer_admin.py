"""What the steering group does with a meeting's answers in the web admin, on both databases: the
answer rules set on the arrange and change forms (a raised or removed capacity offers places to the
waiting list in order); the change form shows a time in the repeated October hour with its zone, so
saving it unchanged moves nothing; the admin API's longest meeting is the setting; a message to the
people coming goes only to the Yes list, through sign-off where the network requires it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Announcement, Delivery, Meeting, Message, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole, AnnouncementStatus, MeetingStatus
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.sources.announcements import send_due
from notifier.services.sources.meetings import SourceDeps
from tests.integration.admin_web.support import AdminWeb, invite, make_admin_web, sign_in
from tests.integration.sources.test_meeting_answers import (
    ADMIN,
    CSRF,
    NOW,
    _answer,
    _answers,
    _create,
    _fan_out,
    _links,
    _reached,
    _world,
)
from tests.support.admin_api import API

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

APPROVER = "bea.approver@cabinetoffice.gov.uk"
OCTOBER_NIGHT = datetime(2031, 10, 26, tzinfo=UTC)  # the clocks go back at 02:00 BST (01:00 UTC)


def _form(client: Any, path: str) -> dict[str, str]:
    """Every field of the form at `path`, as the page fills it in."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page.text))
    fields.update(re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>([^<]*)</textarea>', page.text))
    return fields


def _post(client: Any, path: str, *, page: str = "", **fields: str) -> Any:
    """Submit the form at `path` with the CSRF token of the page that shows it (`page`, else `path`)."""
    token = CSRF.search(client.get(page or path).text)
    assert token is not None
    return client.post(path, data={**fields, "csrf_token": token.group(1)}, follow_redirects=False)


def test_answer_rules_on_the_forms_and_a_raised_capacity_offers_places_in_order(
    sessions: sessionmaker[Session],
) -> None:
    with time_machine.travel(NOW, tick=False):
        web, _editor = _world(sessions)
        alice = sign_in(web, "alpha", ADMIN)
        start = (NOW + timedelta(days=10)).astimezone(UTC)
        new = "/admin/alpha/meetings/new"
        when = {
            "start": start.strftime("%Y-%m-%d %H:%M"),
            "end": (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        }
        base = {"title": "Book club", "location": "Room 2", "topics": "events", **when}
        wrong = _post(alice, new, **base, capacity="0", answers_until="soon", step="send")
        assert wrong.status_code == 400 and "whole number from 1 to 100000" in wrong.text
        assert "Enter when answers close as a date and time" in wrong.text
        late = _post(
            alice,
            new,
            **base,
            answers_until=(start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            step="send",
        )
        assert late.status_code == 400 and "no later than the meeting" in late.text
        made = _post(alice, new, **base, capacity="1", access_question="Any access needs?", step="send")
        assert made.status_code == 303, made.text
        meeting_id = int(made.headers["location"].split("/")[-1].split("?")[0])
        links = _links(web)
        client = web.browser()
        for name in ("ann", "ben", "cat"):  # one place: ben and cat wait, in that order
            _answer(client, links[name], "yes")
        assert _answers(web) == {
            "ann": ("yes", "confirmed"),
            "ben": ("yes", "waiting"),
            "cat": ("yes", "waiting"),
        }
        edit = f"/admin/alpha/meetings/{meeting_id}/edit"
        shown = _form(alice, edit)
        assert shown["capacity"] == "1" and shown["access_question"] == "Any access needs?"
        raised = _post(
            alice, edit, **{**shown, "capacity": "2"}
        )  # rules alone: no check page, no update email
        assert raised.status_code == 303 and raised.headers["location"].endswith("?done=rules"), raised.text
        assert _answers(web)["ben"] == ("yes", "offered") and _answers(web)["cat"] == ("yes", "waiting")
        assert set(_links(web, "meeting_place")) == {"ben"}
        unlimited = _post(alice, edit, **{**shown, "capacity": "", "access_question": ""})
        assert unlimited.status_code == 303
        assert _answers(web)["cat"] == ("yes", "offered")
        assert set(_links(web, "meeting_place")) == {"cat"}
        assert _reached(web, "meeting_update") == set()
        unchanged = _post(alice, edit, **_form(alice, edit))
        assert unchanged.status_code == 400 and "Nothing has changed" in unchanged.text


def test_the_change_form_keeps_a_time_in_the_repeated_hour(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(OCTOBER_NIGHT - timedelta(days=20), tick=False):
        web, editor = _world(sessions)
        alice = sign_in(web, "alpha", ADMIN)
        second = "2031-10-26T01:30:00+00:00"  # 01:30 GMT, the second time the clock shows 01:30
        ids = []
        for start, end in (
            ("2031-10-26T01:30:00", "2031-10-26T01:15:00+00:00"),
            (second, "2031-10-26T02:30:00"),
        ):
            body = {
                "title": "Night shift forum",
                "start": start,
                "end": end,
                "location": "Room 1",
                "topics": ["events"],
            }
            made = web.browser().post(f"{API}/meetings", json=body, headers=editor)
            assert made.status_code == 201, made.text
            ids.append(made.json()["id"])
        first_form = _form(alice, f"/admin/alpha/meetings/{ids[0]}/edit")
        assert (first_form["start"], first_form["end"]) == ("2031-10-26 01:30 BST", "2031-10-26 01:15 GMT")
        second_form = _form(alice, f"/admin/alpha/meetings/{ids[1]}/edit")
        assert (second_form["start"], second_form["end"]) == ("2031-10-26 01:30 GMT", "2031-10-26 02:30")
        for meeting_id, form in zip(ids, (first_form, second_form), strict=True):
            again = _post(alice, f"/admin/alpha/meetings/{meeting_id}/edit", **form)
            assert again.status_code == 400 and "Nothing has changed" in again.text
        moved = _post(
            alice,
            f"/admin/alpha/meetings/{ids[1]}/edit",
            **{**second_form, "title": "Night forum", "step": "send"},
        )
        assert moved.status_code == 303, moved.text
        with unit_of_work(sessions) as uow:
            kept = uow.session.get_one(Meeting, ids[1])
            assert kept.title == "Night forum" and kept.start_at == datetime(2031, 10, 26, 1, 30, tzinfo=UTC)
        wrong_zone = _post(
            alice, f"/admin/alpha/meetings/{ids[1]}/edit", **{**second_form, "start": "2031-12-01 10:00 BST"}
        )
        assert wrong_zone.status_code == 400 and "Enter the start as a date and time" in wrong_zone.text


def test_the_admin_api_takes_the_longest_meeting_from_the_setting(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(NOW, tick=False):
        web, editor = _world(sessions)
        web = make_admin_web(sessions, meeting_max_hours=30)
        start = NOW + timedelta(days=3)
        for length, status in (
            (timedelta(hours=30) - timedelta(seconds=1), 201),
            (timedelta(hours=30), 201),
            (timedelta(hours=30, seconds=1), 422),
        ):
            body = {
                "title": "Away day",
                "start": start.isoformat(),
                "end": (start + length).isoformat(),
                "location": "Leeds",
                "topics": ["events"],
            }
            made = web.browser().post(f"{API}/meetings", json=body, headers=editor)
            assert made.status_code == status, made.text
        assert "at most 30 hours" in made.text


def _message_page(web: AdminWeb, who: str, meeting_id: int) -> tuple[Any, str]:
    client = sign_in(web, "alpha", who)
    return client, f"/admin/alpha/meetings/{meeting_id}/answers"


def _yes_list_world(sessions: sessionmaker[Session], *, sign_off: bool) -> tuple[AdminWeb, int]:
    web, editor = _world(sessions)
    meeting = _create(web, editor, capacity=1)
    links = _links(web)
    client = web.browser()
    _answer(client, links["ann"], "yes")  # the place
    _answer(client, links["ben"], "yes")  # waiting: not on the Yes list
    _answer(client, links["cat"], "maybe")
    _answer(client, links["dan"], "no")
    # Turned on once the invitation went (sign-off would hold the token's invitation too): these tests
    # are about the message to the Yes list.
    with unit_of_work(sessions) as uow:
        uow.session.scalars(select(Network)).one().requires_sign_off = sign_off
    return web, int(meeting["id"])


def test_a_message_to_the_people_coming_goes_only_to_the_yes_list(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(NOW, tick=False):
        web, meeting_id = _yes_list_world(sessions, sign_off=False)
        alice, page = _message_page(web, ADMIN, meeting_id)
        assert (
            "It goes to everyone who said yes and has a place when it is sent (1 person now)"
            in alice.get(page).text
        )
        empty = _post(alice, f"{page}/message", page=page, subject="", body="Bring a laptop.")
        assert empty.status_code == 400 and "Give a subject" in empty.text
        assert "300 characters" not in empty.text  # the length is named only when it is too long
        with unit_of_work(sessions) as uow:
            assert uow.session.scalars(select(Announcement)).all() == []  # nothing half-stored
        sent = _post(
            alice, f"{page}/message", page=page, subject="Bring a laptop", body="We will work on the site."
        )
        assert sent.status_code == 303 and sent.headers["location"].endswith("?done=sent"), sent.text
        _fan_out(web)
        assert _reached(web, "announcement") == {"ann"}
        body = _composed(web, "announcement").replace("\\", "")  # Notify markdown escapes
        assert "We will work on the site." in body
        assert "because you told Alpha Network you're coming to Steering group." in body


def test_on_a_sign_off_network_the_message_waits_for_a_second_person(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(NOW, tick=False):
        web, meeting_id = _yes_list_world(sessions, sign_off=True)
        invite(web, "alpha", APPROVER, AdminRole.APPROVER, name="Bea Approver")
        alice, page = _message_page(web, ADMIN, meeting_id)
        assert "Submit for approval" in alice.get(page).text
        sent = _post(
            alice, f"{page}/message", page=page, subject="Slides", body="The slides are attached to the page."
        )
        assert sent.status_code == 303 and sent.headers["location"].endswith("?done=submitted"), sent.text
        deps = SourceDeps.from_settings(web.settings, web.queue)
        with unit_of_work(sessions) as uow:
            assert send_due(uow, deps, NOW) == []  # nothing goes before the approval
            announcement = uow.session.scalars(select(Announcement)).one()
            assert (
                announcement.status is AnnouncementStatus.AWAITING_APPROVAL and announcement.topic_id is None
            )
        assert (
            _post(
                alice,
                f"/admin/alpha/announcements/{announcement.id}/approve",
                page=f"/admin/alpha/announcements/{announcement.id}",
            ).status_code
            == 403
        )
        bea = sign_in(web, "alpha", APPROVER)
        approved = _post(
            bea,
            f"/admin/alpha/announcements/{announcement.id}/approve",
            page=f"/admin/alpha/announcements/{announcement.id}",
        )
        assert approved.status_code == 303, approved.text
        with unit_of_work(sessions) as uow:
            assert send_due(uow, deps, NOW) == [announcement.id]
        _fan_out(web)
        assert _reached(web, "announcement") == {"ann"}


def _composed(web: AdminWeb, kind: str) -> str:
    composer = TemplateComposer.from_settings(web.settings)
    with unit_of_work(web.sessions) as uow:
        message = uow.session.scalars(select(Message).where(Message.email_kind == kind)).one()
        person = uow.session.scalars(
            select(Subscriber)
            .join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .where(Delivery.message_id == message.id)
        ).one()
        return composer.compose(uow.session, message, person).body


def test_a_message_to_the_people_coming_never_goes_once_the_meeting_is_cancelled(
    sessions: sessionmaker[Session],
) -> None:
    """Approved, then the meeting is cancelled before the send: nobody is written to; and a copy of the
    message made afterwards cannot be submitted."""
    with time_machine.travel(NOW, tick=False):
        web, meeting_id = _yes_list_world(sessions, sign_off=True)
        invite(web, "alpha", APPROVER, AdminRole.APPROVER, name="Bea Approver")
        alice, page = _message_page(web, ADMIN, meeting_id)
        sent = _post(alice, f"{page}/message", page=page, subject="Slides", body="On the page.")
        assert sent.status_code == 303, sent.text
        with unit_of_work(sessions) as uow:
            announcement_id = uow.session.scalars(select(Announcement.id)).one()
        shown = f"/admin/alpha/announcements/{announcement_id}"
        bea = sign_in(web, "alpha", APPROVER)
        assert _post(bea, f"{shown}/approve", page=shown).status_code == 303
        with unit_of_work(sessions) as uow:
            uow.session.get_one(Meeting, meeting_id).status = MeetingStatus.CANCELLED
        deps = SourceDeps.from_settings(web.settings, web.queue)
        with unit_of_work(sessions) as uow:
            assert send_due(uow, deps, NOW) == []
            assert uow.session.get_one(Announcement, announcement_id).status is AnnouncementStatus.CANCELLED
        assert _reached(web, "announcement") == set()
        copied = _post(alice, f"{shown}/copy", page=shown)
        copy = copied.headers["location"].split("?")[0]
        refused = _post(alice, f"{copy}/submit", page=copy, send_at="")
        assert refused.status_code == 409 and "is cancelled" in refused.text
