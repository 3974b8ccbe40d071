"""Meetings on the two clock-change nights, on a controlled clock and both databases: the October
meeting from 01:30 BST to 01:15 GMT composes in every email and its page renders, with BST and GMT
printed in the repeated hour; a meeting across the March gap likewise; reminders fall at the right
instant across each change; a reminder less than an hour after the invitation is not sent; a meeting
may last at most the configured length, measured in real time (25 hours across October's Saturday to
Sunday, 23 across March's). Boundaries one second before, at and after."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from notifier.db.models import Meeting, Message, Subscriber
from notifier.db.session import unit_of_work
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.sources.meetings import SourceDeps, send_due_reminders
from tests.support.admin_api import API, PUBLIC, Admins

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

# 2031's nights: clocks go forward at 01:00 GMT on 30 March and back at 02:00 BST on 26 October.
MARCH_NIGHT = datetime(2031, 3, 30, 1, 0, tzinfo=UTC)  # the instant of the change
OCTOBER_NIGHT = datetime(2031, 10, 26, 1, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
PLACE = {"location": "Room 4", "invitees": ["invitee@dept.gov.uk"], "topics": ["events"]}


def _create(admins: Admins, start: str, end: str, **extra: Any) -> Any:
    body = PLACE | {"title": "Night shift forum", "start": start, "end": end} | extra
    return admins.web.client.post(f"{API}/meetings", json=body, headers=admins.editor)


def _bodies(admins: Admins, kind: str) -> list[str]:
    """Every reader's composed email of the latest message of `kind`."""
    composer = TemplateComposer.from_settings(admins.web.settings)
    with unit_of_work(admins.web.sessions) as uow:
        message = uow.session.scalars(
            select(Message).where(Message.email_kind == kind).order_by(Message.id.desc())
        ).first()
        assert message is not None, kind
        people = uow.session.scalars(select(Subscriber).order_by(Subscriber.id))
        return [composer.compose(uow.session, message, person).body for person in people]


def _page_text(admins: Admins, page_url: str) -> str:
    page = admins.web.client.get(page_url.removeprefix(PUBLIC))
    assert page.status_code == 200, page.text
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


def _deps(admins: Admins) -> SourceDeps:
    return SourceDeps.from_settings(admins.web.settings, admins.web.queue)


def _remind(admins: Admins, at: datetime) -> list[int]:
    with time_machine.travel(at, tick=False), unit_of_work(admins.web.sessions) as uow:
        return send_due_reminders(uow, _deps(admins), at)


def test_the_october_meeting_from_bst_to_gmt_composes_everywhere(admins: Admins) -> None:
    with time_machine.travel(OCTOBER_NIGHT - timedelta(days=5), tick=False):
        created = _create(admins, "2031-10-26T01:30:00", "2031-10-26T01:15:00+00:00", reminder_minutes=60)
        assert created.status_code == 201, created.text
        meeting = created.json()
        assert (
            meeting["start"] == "2031-10-26T00:30:00+00:00" and meeting["end"] == "2031-10-26T01:15:00+00:00"
        )
        when = "Sunday 26 October 2031, 1:30am BST to 1:15am GMT"
        for body in _bodies(admins, "meeting"):
            assert when in body
        assert when in _page_text(admins, meeting["page_url"])
        moved = admins.web.client.patch(
            f"{API}/meetings/{meeting['id']}", json={"location": "Room 5"}, headers=admins.editor
        )
        assert moved.status_code == 200, moved.text
        assert all(when in body for body in _bodies(admins, "meeting_update"))
    due = OCTOBER_NIGHT - timedelta(minutes=90)  # 60 minutes before 00:30 UTC: 00:30 BST on Sunday
    assert _remind(admins, due - SECOND) == []
    assert _remind(admins, due) == [meeting["id"]]
    assert _remind(admins, due + SECOND) == []  # once
    assert all(when in body for body in _bodies(admins, "meeting_reminder"))
    with time_machine.travel(due + timedelta(minutes=5), tick=False):
        cancelled = admins.web.client.post(
            f"{API}/meetings/{meeting['id']}/cancel", json={}, headers=admins.editor
        )
        assert cancelled.status_code == 200, cancelled.text
        assert all(when in body for body in _bodies(admins, "meeting_cancelled"))
        assert when in _page_text(admins, meeting["page_url"])


def test_the_second_one_thirty_is_told_apart_from_the_first(admins: Admins) -> None:
    with time_machine.travel(OCTOBER_NIGHT - timedelta(days=5), tick=False):
        first = _create(admins, "2031-10-26T01:30:00", "2031-10-26T01:45:00")
        second = _create(admins, "2031-10-26T01:30:00+00:00", "2031-10-26T01:45:00+00:00")
        assert first.status_code == second.status_code == 201
        assert "Sunday 26 October 2031, 1:30am BST to 1:45am BST" in _page_text(
            admins, first.json()["page_url"]
        )
        assert "Sunday 26 October 2031, 1:30am GMT to 1:45am GMT" in _page_text(
            admins, second.json()["page_url"]
        )
        # Outside the repeated hour nothing is added.
        plain = _create(admins, "2031-10-26T02:00:00", "2031-10-26T03:00:00")
        assert "Sunday 26 October 2031, 2am to 3am" in _page_text(admins, plain.json()["page_url"])


def test_a_meeting_across_the_march_gap_composes_and_its_reminder_is_exact(admins: Admins) -> None:
    with time_machine.travel(MARCH_NIGHT - timedelta(days=5), tick=False):
        created = _create(admins, "2031-03-30T00:30:00", "2031-03-30T03:00:00", reminder_minutes=90)
        assert created.status_code == 201, created.text
        meeting = created.json()
        # 00:30 GMT to 03:00 BST: an hour and a half of real time.
        assert (
            meeting["start"] == "2031-03-30T00:30:00+00:00" and meeting["end"] == "2031-03-30T02:00:00+00:00"
        )
        when = "Sunday 30 March 2031, 12:30am to 3am"
        assert all(when in body for body in _bodies(admins, "meeting"))
        assert when in _page_text(admins, meeting["page_url"])
    due = MARCH_NIGHT - timedelta(minutes=120)  # 23:00 GMT on Saturday
    assert _remind(admins, due - SECOND) == []
    assert _remind(admins, due) == [meeting["id"]]
    assert all(when in body for body in _bodies(admins, "meeting_reminder"))


def test_a_reminder_after_the_march_change_counts_real_minutes(admins: Admins) -> None:
    with time_machine.travel(MARCH_NIGHT - timedelta(days=5), tick=False):
        created = _create(admins, "2031-03-30T03:00:00", "2031-03-30T04:00:00", reminder_minutes=180)
        assert created.status_code == 201, created.text
    due = MARCH_NIGHT + timedelta(hours=1) - timedelta(minutes=180)  # 02:00 UTC less 3 hours: 23:00 GMT
    assert _remind(admins, due - SECOND) == []
    assert _remind(admins, due) == [created.json()["id"]]


@pytest.mark.parametrize(
    ("lead", "sent"),
    [(-SECOND, False), (timedelta(0), True), (SECOND, True)],
    ids=["one-second-short-of-an-hour", "an-hour", "an-hour-and-a-second"],
)
def test_no_reminder_less_than_an_hour_after_the_invitation(
    admins: Admins, lead: timedelta, sent: bool
) -> None:
    invited = OCTOBER_NIGHT - timedelta(minutes=45)  # 01:15 BST, the first time round
    start = invited + timedelta(hours=1, minutes=10) + lead  # the reminder falls an hour (+lead) later
    with time_machine.travel(invited, tick=False):
        created = _create(
            admins, start.isoformat(), (start + timedelta(hours=1)).isoformat(), reminder_minutes=10
        )
        assert created.status_code == 201, created.text
    due = start - timedelta(minutes=10)
    assert _remind(admins, due - SECOND) == []
    assert _remind(admins, due) == ([created.json()["id"]] if sent else [])
    assert _remind(admins, start - SECOND) == []  # sent once, or never
    with unit_of_work(admins.web.sessions) as uow:
        stored = uow.session.get_one(Meeting, created.json()["id"])
        assert (stored.reminder_sent_at is not None) is sent


def test_moving_a_meeting_keeps_the_reminder_an_hour_clear_of_the_update(admins: Admins) -> None:
    invited = OCTOBER_NIGHT - timedelta(days=2)
    with time_machine.travel(invited, tick=False):
        created = _create(admins, "2031-10-28T18:00:00", "2031-10-28T19:00:00", reminder_minutes=30)
        meeting_id = created.json()["id"]
    moved_at = invited + timedelta(hours=1)
    new_start = moved_at + timedelta(minutes=80)  # the reminder would fall 50 minutes after the update
    with time_machine.travel(moved_at, tick=False):
        moved = admins.web.client.patch(
            f"{API}/meetings/{meeting_id}",
            json={"start": new_start.isoformat(), "end": (new_start + timedelta(hours=1)).isoformat()},
            headers=admins.editor,
        )
        assert moved.status_code == 200, moved.text
    assert _remind(admins, new_start - timedelta(minutes=30)) == []
    assert _remind(admins, new_start - SECOND) == []


@pytest.mark.parametrize(
    ("end", "accepted"),
    [
        ("2031-06-11T09:59:59+01:00", True),
        ("2031-06-11T10:00:00+01:00", True),
        ("2031-06-11T10:00:01+01:00", False),
    ],
    ids=["a-second-under-24-hours", "24-hours", "a-second-over"],
)
def test_a_meeting_lasts_at_most_24_hours(admins: Admins, end: str, accepted: bool) -> None:
    with time_machine.travel(datetime(2031, 6, 1, tzinfo=UTC), tick=False):
        created = _create(admins, "2031-06-10T10:00:00", end)
    if accepted:
        assert created.status_code == 201, created.text
    else:
        assert created.status_code == 422
        (problem,) = created.json()["detail"]
        assert problem["field"] == "end" and "at most 24 hours" in problem["message"]


def test_the_longest_meeting_is_real_time_across_both_nights(admins: Admins) -> None:
    with time_machine.travel(MARCH_NIGHT - timedelta(days=5), tick=False):
        # Saturday 10:00 to Sunday 10:00 on the wall: 23 hours in March, 25 in October.
        assert _create(admins, "2031-03-29T10:00:00", "2031-03-30T10:00:00").status_code == 201
        october = _create(admins, "2031-10-25T10:00:00", "2031-10-26T10:00:00")
        assert october.status_code == 422 and october.json()["detail"][0]["field"] == "end"
        assert _create(admins, "2031-10-25T10:00:00", "2031-10-26T09:00:00").status_code == 201
