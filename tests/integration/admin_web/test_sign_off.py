"""Sign-off with no side doors, on both databases: on a network that requires it, an editor token's
meeting, change of its words and page through the admin API, and `notifier announce`, send nothing
until a second person approves them, signed in to the web admin; no token approves, whatever its
role (403), nor the person who made the token; the approvers' email and the check page show the
email as it will be sent and to how many; the audit names both people. A change of time alone and a
cancellation without a note go at once, and say so. Sign-off is turned off by one admin and
confirmed by another."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from notifier.cli import app as cli
from notifier.db.base import utcnow
from notifier.db.models import (
    AdminMember,
    Announcement,
    ApprovalRequest,
    AuditRecord,
    Meeting,
    Message,
    Network,
    Subscriber,
)
from notifier.db.session import unit_of_work
from notifier.domain.sign_off import ApprovalStatus
from notifier.domain.sources import AdminRole, AnnouncementStatus, MeetingStatus
from notifier.services.admin import admin_tokens
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import WEB_SECRET_KEY

API = "/admin/api/networks/alpha"
ADA, ALI, BEA = "ada.admin@cabinetoffice.gov.uk", "ali.approver@hmrc.gov.uk", "bea.admin@dwp.gov.uk"
READERS = ("reader.one@hmrc.gov.uk", "reader.two@dwp.gov.uk", "reader.three@justice.gov.uk")


@dataclass
class World:
    web: AdminWeb
    api: TestClient
    editor: dict[str, str]  # an editor token Ada made
    admin: dict[str, str]  # an admin token Ada made


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> World:
    with unit_of_work(sessions) as uow:
        alpha, (news, _events) = network_with_topics(uow.session, "alpha", ["news", "events"], sign_off=True)
        for email in READERS:
            subscriber(uow.session, alpha, email, [news])
    web = make_admin_web(sessions)
    ada_id = invite(web, "alpha", ADA, AdminRole.ADMIN, name="Ada Admin")
    invite(web, "alpha", ALI, AdminRole.APPROVER, name="Ali Approver")
    invite(web, "alpha", BEA, AdminRole.ADMIN, name="Bea Admin")
    with unit_of_work(sessions) as uow:
        network = uow.session.scalars(select(Network)).first()
        ada = uow.session.get_one(AdminMember, ada_id)

        def token(role: AdminRole) -> dict[str, str]:
            made = admin_tokens.issue_token(
                uow.session, network, role=role, label="site build", holder_email=ADA, created_by=ada
            )
            return {"Authorization": f"Bearer {made.secret}"}

        editor, admin = token(AdminRole.EDITOR), token(AdminRole.ADMIN)
    return World(web, web.browser(), editor, admin)


MEETING = {
    "title": "Forum",
    "location": "Room 1, 10 Victoria Street",
    "agenda": "1. Welcome",
    "topics": ["news"],
}


def _meeting_times(days: int = 30) -> dict[str, str]:
    start = (utcnow() + timedelta(days=days)).replace(microsecond=0, second=0, tzinfo=None)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}


def _approve(client: TestClient, path: str) -> Any:
    return client.post(
        f"{path}/approve", data={"csrf_token": csrf_from(client, path)}, follow_redirects=False
    )


def _audit(world: World, action: str) -> list[AuditRecord]:
    with unit_of_work(world.web.sessions) as uow:
        query = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
        return list(uow.session.scalars(query))


def test_an_editor_tokens_meeting_waits_until_a_second_person_approves_it_in_the_web_admin(
    world: World,
) -> None:
    web = world.web
    created = world.api.post(f"{API}/meetings", json={**MEETING, **_meeting_times()}, headers=world.editor)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert (answer["status"], answer["sign_off"]) == ("awaiting_approval", "awaiting")
    assert web.queue.fanouts == []  # nobody is invited yet: only the approvers are told
    web.send_queued()
    # Ali and Bea, who may approve; not Ada: she made the token, so the ask is hers, not hers to approve.
    assert sorted(sent.email_address for sent in web.gateway.sent) == sorted([ALI, BEA])
    told = web.gateway.sent[0]
    assert told.subject == "Waiting for your approval: Forum"
    assert "Invitation: Forum" in told.body and "It will go to 3 people" in told.body
    assert "the token “site build” \\(made by Ada Admin \\(admin\\)\\)" in told.body
    check = f"/admin/alpha/approvals/{answer['approval_request_id']}"
    assert check in told.body

    for token in (world.editor, world.admin):  # no token approves, whatever its role
        refused = world.api.post(f"{API}/approvals/{answer['approval_request_id']}/approve", headers=token)
        assert refused.status_code == 403 and "signed in to the web admin" in refused.text
    ada = sign_in(web, "alpha", ADA)
    assert "Approve and send" not in ada.get(check).text
    own = _approve(ada, check)
    assert own.status_code == 403 and "nobody approves their own" in own.text

    ali = sign_in(web, "alpha", ALI)
    page = ali.get(check)
    assert page.status_code == 200 and 'id="audience-people">3<' in page.text
    assert "Invitation: Forum" in page.text and "1\\. Welcome" in page.text  # the markdown Notify gets
    listed = ali.get("/admin/alpha/approvals").text
    assert "Meeting invitation" in listed and "Forum" in listed and "made by Ada Admin" in listed
    approved = _approve(ali, check)
    assert approved.status_code == 303
    with unit_of_work(web.sessions) as uow:
        meeting = uow.session.get_one(Meeting, answer["id"])
        assert meeting.status is MeetingStatus.SCHEDULED
        invitations = uow.session.scalars(select(Message.id).where(Message.email_kind == "meeting")).all()
    assert len(invitations) == 1 and web.queue.fanouts == list(invitations)
    (approval,) = _audit(world, "approval.approve")
    assert approval.actor == f"admin:{_admin_id(web, ALI)}" and str(approval.detail["asked_by"]).startswith(
        "token:"
    )
    (invited,) = _audit(world, "meeting.invite")
    assert invited.detail["approved_by"] == approval.actor
    audit_page = ada.get("/admin/alpha/audit?action=approval.approve").text
    said = unescape(re.sub(r"<[^>]+>", "", audit_page))  # the record in words, its request linked
    assert (
        "Ali Approver (approver) approved the meeting invitation “Forum” (asked by the token “site build” "
        "(made by Ada Admin (admin)))"
    ) in said
    assert (
        f'href="/admin/alpha/approvals/{answer["approval_request_id"]}">the meeting invitation' in audit_page
    )


def test_a_new_time_goes_at_once_and_new_words_wait(world: World) -> None:
    web = world.web
    with unit_of_work(web.sessions) as uow:
        network = uow.session.scalars(select(Network)).first()
        assert network is not None
        network.requires_sign_off = False  # invite at once; then sign-off governs the changes
    meeting = world.api.post(
        f"{API}/meetings", json={**MEETING, **_meeting_times()}, headers=world.editor
    ).json()
    with unit_of_work(web.sessions) as uow:
        uow.session.scalars(select(Network)).one().requires_sign_off = True
    path = f"{API}/meetings/{meeting['id']}"
    moved = world.api.patch(path, json=_meeting_times(31), headers=world.editor)
    assert moved.status_code == 200 and moved.json()["sign_off"] == "done"
    (update,) = _audit(world, "meeting.update")
    assert update.detail["sign_off"] == "time_change_at_once"
    worded = world.api.patch(path, json={"agenda": "1. Welcome\n2. A vote"}, headers=world.editor)
    assert worded.status_code == 200 and worded.json()["sign_off"] == "awaiting"
    assert worded.json()["agenda"] == "1. Welcome"  # unchanged until approved
    second = world.api.patch(path, json={"title": "Forum (moved)"}, headers=world.editor)
    assert second.status_code == 409 and "already waiting for approval" in second.text  # one at a time
    noted = world.api.post(f"{path}/cancel", json={"note": "Sorry"}, headers=world.editor)
    assert noted.status_code == 409  # a note is words: it would wait, but a change already waits
    ali = sign_in(web, "alpha", ALI)
    check = f"/admin/alpha/meetings/{meeting['id']}"
    assert "A change is waiting for approval" in ali.get(check).text
    cancelled = world.api.post(f"{path}/cancel", json={}, headers=world.editor)  # no note: at once
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _audit(world, "meeting.cancel")[0].detail["sign_off"] == "cancellation_at_once"
    with unit_of_work(web.sessions) as uow:
        (request,) = uow.session.scalars(select(ApprovalRequest)).all()
        assert request.status is ApprovalStatus.WITHDRAWN  # the waiting change will never be needed


def test_a_page_through_the_admin_api_waits_for_approval(world: World) -> None:
    page = {
        "url": "https://alpha.example.gov.uk/news/forum/",
        "front_matter": {"title": "Forum notes", "excerpt": "What we heard."},
    }
    asked = world.api.post(f"{API}/events", json=page, headers=world.editor)
    assert asked.status_code == 201 and asked.json()["status"] == "awaiting_approval"
    assert asked.json()["event_id"] is None and world.web.queue.fanouts == []
    ali = sign_in(world.web, "alpha", ALI)
    check = f"/admin/alpha/approvals/{asked.json()['approval_request_id']}"
    shown = ali.get(check)
    assert "Forum notes" in shown.text and 'id="audience-people">3<' in shown.text
    assert _approve(ali, check).status_code == 303
    assert len(world.web.queue.fanouts) == 2  # one message per topic the page is routed to
    (created,) = _audit(world, "event.create")
    assert created.detail["approved_by"] == f"admin:{_admin_id(world.web, ALI)}"


@pytest.mark.own_database  # the CLI opens its own engine
def test_notifier_announce_waits_for_a_person_in_the_web_admin(
    world: World, isolated_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", isolated_database_url)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", WEB_SECRET_KEY)
    monkeypatch.setenv("NOTIFIER_TASK_QUEUE_FACTORY", "tests.support.fakes:recorded_queue")
    body = tmp_path / "body.txt"
    body.write_text("The AGM is on Friday.", encoding="utf-8")
    args = ["announce", "--network", "alpha", "--topic", "news", "--subject", "AGM", "--body-file", str(body)]
    done = CliRunner().invoke(cli, [*args, "--as", BEA])
    assert done.exit_code == 0 and "awaiting approval" in done.output, done.output
    ali = sign_in(world.web, "alpha", ALI)
    listed = ali.get("/admin/alpha/approvals")
    assert "Announcement" in listed.text and "Bea Admin (admin) on the command line" in listed.text
    page = "/admin/alpha/announcements/1"
    assert 'id="audience-people">3<' in ali.get(page).text
    assert _approve(ali, page).status_code == 303
    with unit_of_work(world.web.sessions) as uow:
        assert uow.session.get_one(Announcement, 1).status is AnnouncementStatus.SCHEDULED


def test_sign_off_is_turned_off_by_one_admin_and_confirmed_by_another(world: World) -> None:
    ada = sign_in(world.web, "alpha", ADA)
    settings = "/admin/alpha/settings/sign-off"
    asked = ada.post(
        settings, data={"csrf_token": csrf_from(ada, settings), "turn": "off"}, follow_redirects=False
    )
    assert asked.status_code == 303
    shown = ada.get(settings).text
    assert "Another admin must confirm it" in shown and "Sign-off is <strong>on</strong>" in shown
    with unit_of_work(world.web.sessions) as uow:
        request_id = uow.session.scalars(select(ApprovalRequest.id)).one()
    check = f"/admin/alpha/approvals/{request_id}"
    assert _approve(ada, check).status_code == 403  # not by the admin who asked
    ali = sign_in(world.web, "alpha", ALI)
    assert _approve(ali, check).status_code == 403  # an approver is not an admin
    bea = sign_in(world.web, "alpha", BEA)
    assert "Confirm the change" in bea.get(settings).text
    assert _approve(bea, check).status_code == 303
    with unit_of_work(world.web.sessions) as uow:
        assert uow.session.scalars(select(Network.requires_sign_off)).one() is False
    (changed,) = _audit(world, "network.sign_off")
    assert changed.actor == f"admin:{_admin_id(world.web, ADA)}"
    assert changed.detail == {"requires_sign_off": False, "approved_by": f"admin:{_admin_id(world.web, BEA)}"}
    meeting = world.api.post(f"{API}/meetings", json={**MEETING, **_meeting_times()}, headers=world.editor)
    assert meeting.json()["sign_off"] == "done" and world.web.queue.fanouts  # off: it goes at once


def test_sign_off_cannot_start_without_two_people_who_can_approve(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "solo")
    web = make_admin_web(sessions)
    invite(web, "solo", ADA, AdminRole.ADMIN, name="Ada Admin")
    invite(web, "solo", BEA, AdminRole.EDITOR, name="Bea Editor")
    ada = sign_in(web, "solo", ADA)
    settings = "/admin/solo/settings/sign-off"
    assert "cannot be turned on yet" in ada.get(settings).text
    refused = ada.post(settings, data={"csrf_token": csrf_from(ada, settings), "turn": "on"})
    assert refused.status_code == 400 and "at least 2 people who can approve" in refused.text


def _admin_id(web: AdminWeb, email: str) -> int:
    with unit_of_work(web.sessions) as uow:
        person = uow.session.scalars(select(Subscriber).where(Subscriber.email == email)).one()
        member: int = uow.session.scalars(
            select(AdminMember.id).where(AdminMember.subscriber_id == person.id)
        ).one()
        return member
