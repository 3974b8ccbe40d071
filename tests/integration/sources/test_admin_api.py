"""The admin API on a real database: tokens and roles, network isolation, meetings with their
calendar file, announcements through sign-off, message counts and the audit trail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Announcement, AuditRecord, Message, Subscriber
from notifier.db.session import unit_of_work
from notifier.services.sources import announcements
from notifier.services.sources.announcements import AnnouncementError
from notifier.services.sources.calendar import MeetingLinks
from notifier.services.sources.meetings import SourceDeps
from tests.support.admin_api import API, PUBLIC, Admins, bearer
from tests.support.webapp import WebApp

pytestmark = pytest.mark.dates

MEETING = {
    "title": "Leaders of Networks",
    "start": "2030-03-05T18:00:00",
    "end": "2030-03-05T19:30:00",
    "location": "Room 4, 10 South Colonnade",
    "online_url": "https://teams.example.com/meet/abc",
    "agenda": "1. Welcome\n2. Budget",
    "topics": ["events"],
    "invitees": ["invitee@dept.gov.uk"],
}


def _send_due(sessions: sessionmaker[Session], deps: SourceDeps, now: datetime) -> list[int]:
    """What beat's event-sources task does: due announcements in a unit of work of their own."""
    with unit_of_work(sessions) as uow:
        return announcements.send_due(uow, deps, now)


def _calendar(web: WebApp, calendar_url: str) -> Any:
    response = web.client.get(calendar_url.removeprefix(PUBLIC))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    return event


def test_tokens_are_checked_and_scoped_to_their_network(admins: Admins) -> None:
    client = admins.web.client
    assert client.get(f"{API}/messages").status_code == 401
    assert client.get(f"{API}/messages", headers=bearer("ntf_made-up")).status_code == 401
    assert client.get(f"{API}/messages", headers=admins.other_network).status_code == 404
    assert client.get(f"{API}/messages", headers=admins.editor).status_code == 200
    assert client.get(f"{API}/audit", headers=admins.editor).status_code == 403
    created = client.post(f"{API}/meetings", json=MEETING, headers=admins.editor).json()
    elsewhere = client.get(f"/admin/api/networks/beta/meetings/{created['id']}", headers=admins.other_network)
    assert elsewhere.status_code == 404
    assert "/admin/api/networks/{network_slug}/meetings" in client.get("/openapi.json").json()["paths"]


def test_events_can_be_added_by_hand_with_the_hooks_rules(admins: Admins) -> None:
    client, url = admins.web.client, "https://alpha.example.gov.uk/news/by-hand/"
    added = client.post(
        f"{API}/events",
        json={"url": url, "front_matter": {"title": "By hand", "tags": ["news"]}},
        headers=admins.editor,
    )
    assert added.status_code == 201 and added.json()["status"] == "queued", added.text
    untitled = {"url": url + "3/", "front_matter": {"date": "2025-03-05"}}
    refused = client.post(f"{API}/events", json=untitled, headers=admins.editor)
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "front_matter.title"
    bad_date = {"url": url + "2/", "front_matter": {"title": "x", "date": "soon"}}
    warned = client.post(f"{API}/events", json=bad_date, headers=admins.editor)  # the date is left out
    assert warned.status_code == 201 and warned.json()["status"] == "queued", warned.text
    assert [w["field"] for w in warned.json()["warnings"]] == ["front_matter.date"]
    offsite = {"url": "https://elsewhere.example.com/x/", "front_matter": {"title": "x"}}
    assert client.post(f"{API}/events", json=offsite, headers=admins.editor).status_code == 422
    listed = client.get(f"{API}/events", headers=admins.editor).json()
    assert [e["title"] for e in listed] == ["x", "By hand"]
    assert client.get(f"{API}/events", headers=admins.other_network).status_code == 404


def test_a_meeting_update_and_cancellation_keep_the_uid_and_raise_the_sequence(admins: Admins) -> None:
    web = admins.web
    created = web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor)
    assert created.status_code == 201, created.text
    meeting = created.json()
    first = _calendar(web, meeting["calendar_url"])
    assert int(first["SEQUENCE"]) == 0 and first.decoded("DTSTART") == datetime(2030, 3, 5, 18, 0, tzinfo=UTC)
    changed = web.client.patch(
        f"{API}/meetings/{meeting['id']}", json={"location": "Room 6"}, headers=admins.editor
    )
    assert changed.status_code == 200 and changed.json()["changes"] == ["Location: now Room 6."]
    second = _calendar(web, meeting["calendar_url"])
    assert int(second["SEQUENCE"]) == 1 and str(second["LOCATION"]) == "Room 6"
    cancel = web.client.post(
        f"{API}/meetings/{meeting['id']}/cancel", json={"note": "Clash"}, headers=admins.editor
    )
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    third = _calendar(web, meeting["calendar_url"])
    assert int(third["SEQUENCE"]) == 2 and str(third["STATUS"]) == "CANCELLED"
    assert str(first["UID"]) == str(second["UID"]) == str(third["UID"])
    again = web.client.post(f"{API}/meetings/{meeting['id']}/cancel", json={}, headers=admins.editor)
    assert again.status_code == 409
    with unit_of_work(web.sessions) as uow:
        kinds = [m.email_kind for m in uow.session.scalars(select(Message).order_by(Message.id))]
    # Each step: one message for the invitee list and one for the events topic.
    assert kinds == ["meeting"] * 2 + ["meeting_update"] * 2 + ["meeting_cancelled"] * 2
    join = web.client.get(meeting["page_url"].removeprefix(PUBLIC) + "/join")
    assert join.status_code == 200 and "cancelled" in join.text


def test_minutes_go_to_the_audience_once_and_link_back(admins: Admins) -> None:
    web = admins.web
    meeting = web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor).json()
    minutes = {
        "minutes_url": "https://alpha.example.gov.uk/minutes/2030-03/",
        "minutes_body": "Agreed the budget.",
    }
    early = web.client.post(f"{API}/meetings/{meeting['id']}/minutes", json=minutes, headers=admins.editor)
    assert early.status_code == 409 and early.json()["detail"][0]["field"] == "meeting"  # not held yet
    with time_machine.travel(datetime(2030, 3, 6, 9, 0, tzinfo=UTC)):  # the day after the meeting
        path = f"{API}/meetings/{meeting['id']}/minutes"
        first = web.client.post(path, json=minutes, headers=admins.editor)
        assert first.status_code == 201, first.text
        assert web.client.post(path, json=minutes, headers=admins.editor).status_code == 409
        offsite = {"minutes_url": "https://elsewhere.example.com/m/"}
        refused = web.client.post(path, json=offsite, headers=admins.editor)
        assert refused.status_code == 409  # already published beats everything else
        with unit_of_work(web.sessions) as uow:
            notes = uow.session.scalars(select(Message).where(Message.email_kind == "minutes")).all()
        links = MeetingLinks.from_settings(web.settings)
        linked = {links.read(m.context["meeting_url"].rsplit("/", 1)[1]).meeting_id for m in notes}
    assert len(notes) == 2 and linked == {meeting["id"]}


def _approve(admins: Admins, announcement_id: int, admin_id: int) -> None:
    """A person approves, signed in to the web admin (through the service its page calls)."""
    person = admins.person(admin_id)
    with unit_of_work(admins.web.sessions) as uow:
        announcements.approve(uow, uow.session.get_one(Announcement, announcement_id), person)


def test_an_announcement_needs_a_second_person_with_the_approver_role(admins: Admins) -> None:
    web = admins.web
    admins.sign_off()
    draft = web.client.post(
        f"{API}/announcements",
        json={
            "topic": "news",
            "subject": "AGM on 5 March",
            "body": "All members welcome.\n\nBring a friend.",
        },
        headers=admins.editor,
    ).json()
    path = f"{API}/announcements/{draft['id']}"
    preview = web.client.get(f"{path}/preview", headers=admins.editor)
    assert (
        preview.status_code == 200 and "AGM on 5 March" in preview.text and "Bring a friend" in preview.text
    )
    assert web.client.post(f"{path}/test-send", headers=admins.editor).status_code == 202
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    submitted = web.client.post(f"{path}/submit", json={"send_at": later}, headers=admins.editor).json()
    assert submitted["status"] == "awaiting_approval"
    for token in (admins.editor, admins.editor_again, admins.admin):  # no token approves, whatever its role
        refused = web.client.post(f"{path}/approve", headers=token)
        assert refused.status_code == 403 and "signed in to the web admin" in refused.text
    with pytest.raises(AnnouncementError, match="nobody approves their own"):
        _approve(admins, draft["id"], admins.chair_id)  # the person who made the editor's token
    _approve(admins, draft["id"], admins.approver_id)
    approved = web.client.get(path, headers=admins.editor).json()
    assert approved["status"] == "scheduled" and approved["approved_by_admin_id"] == admins.approver_id
    deps = SourceDeps.from_settings(web.settings, web.queue)
    assert _send_due(web.sessions, deps, datetime.now(UTC)) == []  # not yet
    assert _send_due(web.sessions, deps, datetime.now(UTC) + timedelta(hours=2)) == [draft["id"]]
    assert web.client.post(f"{path}/cancel", headers=admins.editor).status_code == 409  # it has started
    sent = web.client.get(path, headers=admins.editor).json()
    counts = web.client.get(f"{API}/messages/{sent['message_id']}", headers=admins.editor).json()
    assert counts["status"] == "pending" and counts["counts"]["total"] == 0
    with unit_of_work(web.sessions) as uow:
        transactional = select(Message).where(Message.lane == "transactional")
        test_message = uow.session.scalars(transactional.where(Message.email_kind == "announcement")).one()
        told = uow.session.scalars(transactional.where(Message.email_kind == "approval_needed")).one()
        assert told.context["asked_by"] == "the token “t” (made by Cat Chair (admin))"  # to Ola alone
        assert test_message.context["subject"] == "[Test] AGM on 5 March"
        trail = [(a.actor.split(":")[0], a.action) for a in uow.session.scalars(select(AuditRecord))]
        addresses = {s.email for s in uow.session.scalars(select(Subscriber))}
    assert [a for _, a in trail if a.startswith("announcement")] == [
        "announcement.create",
        "announcement.test_send",
        "announcement.submit",
        "announcement.approve",
        "announcement.send",
    ]
    audit_json = web.client.get(f"{API}/audit", headers=admins.editor_again).text
    send = next(a for a in json.loads(audit_json) if a["action"] == "announcement.send")
    assert send["detail"]["asked_by"].startswith("token:") and send["detail"]["approved_by"] == (
        f"admin:{admins.approver_id}"
    )
    assert not any(address in audit_json for address in addresses)


def test_a_scheduled_announcement_can_be_cancelled_before_it_starts(admins: Admins) -> None:
    web = admins.web
    admins.sign_off()
    body = {"topic": "news", "subject": "Survey", "body": "Please fill it in."}
    draft = web.client.post(f"{API}/announcements", json=body, headers=admins.editor).json()
    path = f"{API}/announcements/{draft['id']}"
    web.client.post(f"{path}/submit", json={}, headers=admins.editor)
    _approve(admins, draft["id"], admins.approver_id)
    cancelled = web.client.post(f"{path}/cancel", headers=admins.editor)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    deps = SourceDeps.from_settings(web.settings, web.queue)
    assert _send_due(web.sessions, deps, datetime.now(UTC) + timedelta(days=1)) == []


def test_a_message_can_be_cancelled_by_an_admin_token_and_its_queued_rows_are_skipped(admins: Admins) -> None:
    web = admins.web
    web.client.post(f"{API}/meetings", json=MEETING, headers=admins.editor)
    messages = web.client.get(f"{API}/messages", headers=admins.editor).json()
    direct = next(m for m in messages if m["topic"] == "-")  # the invitee list's message, rows written
    assert direct["counts"]["queued"] == 1
    path = f"{API}/messages/{direct['id']}/cancel"
    assert web.client.post(path, headers=admins.editor).status_code == 403
    cancelled = web.client.post(path, headers=admins.admin).json()
    assert cancelled["status"] == "cancelled" and cancelled["counts"]["skipped"] == 1
    assert web.client.post(path, headers=admins.admin).status_code == 409
    assert web.client.get(f"{API}/messages/{direct['id']}", headers=admins.other_network).status_code == 404


def test_an_announcement_takes_one_topic_or_several_but_not_both(admins: Admins) -> None:
    client, path = admins.web.client, f"{API}/announcements"
    words = {"subject": "Forum", "body": "Come along."}
    one = client.post(path, json={"topic": "news", **words}, headers=admins.editor)
    assert one.status_code == 201 and one.json()["topic_ids"] == [one.json()["topic_id"]]
    several = client.post(path, json={"topics": ["events", "news", "events"], **words}, headers=admins.editor)
    assert several.status_code == 201
    made = several.json()
    assert len(made["topic_ids"]) == 2 and made["topic_ids"][0] == made["topic_id"]  # each topic once
    assert client.get(f"{path}/{made['id']}", headers=admins.editor).json()["topic_ids"] == made["topic_ids"]
    for refused in ({"topic": "news", "topics": ["events"]}, {}, {"topics": []}):
        answer = client.post(path, json={**refused, **words}, headers=admins.editor)
        assert answer.status_code == 422 and "topic" in answer.text
    unknown = client.post(path, json={"topics": ["news", "nope"], **words}, headers=admins.editor)
    assert unknown.status_code in (400, 422) and "nope" in unknown.text
    with unit_of_work(admins.web.sessions) as uow:
        assert len(uow.session.scalars(select(Announcement)).all()) == 2  # nothing half-stored
