"""Meetings in the web admin on both databases: every change shows who it will reach before it is
sent, then goes through the meeting service (invitation, update, cancellation, minutes)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AuditRecord, Meeting, Message
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole, MeetingStatus
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics, subscriber

EDITOR = "eddie.editor@justice.gov.uk"
FIELDS = {
    "title": "Steering group",
    "start": "2030-03-05 18:00",
    "end": "2030-03-05 19:00",
    "location": "102 Petty France",
    "topics": ["news"],
    "invitees": "reader.one@hmrc.gov.uk",
}


@pytest.fixture
def web(database_url: str, sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        alpha, (news, events) = network_with_topics(uow.session, "alpha", ["news", "events"])
        network_with_topics(uow.session, "beta", ["news"])
        subscriber(uow.session, alpha, "reader.one@hmrc.gov.uk", [news])
        subscriber(uow.session, alpha, "reader.two@dwp.gov.uk", [news])
        subscriber(uow.session, alpha, "reader.three@dwp.gov.uk", [events])
    admin_web = make_admin_web(database_url, sessions)
    invite(admin_web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN, name="Bob Beta")
    return admin_web


def _messages(web: AdminWeb) -> list[str]:
    with unit_of_work(web.sessions) as uow:
        return list(
            uow.session.scalars(
                select(Message.email_kind).where(Message.topic_id.is_not(None)).order_by(Message.id)
            )
        )


def test_each_change_shows_its_audience_before_it_is_sent(web: AdminWeb) -> None:
    eddie = sign_in(web, "alpha", EDITOR)
    form = "/admin/alpha/meetings/new"
    bad = eddie.post(
        form,
        data={
            "csrf_token": csrf_from(eddie, form),
            "title": "",
            "start": "soon",
            "invitees": "nobody@x.gov.uk",
        },
    )
    assert bad.status_code == 400
    for text in (
        "Enter the meeting",
        "Enter the start",
        "Give a location",
        "Every invitee must be a subscriber",
    ):
        assert text in bad.text, text
    check = eddie.post(form, data={"csrf_token": csrf_from(eddie, form), **FIELDS, "step": "check"})
    assert check.status_code == 200 and 'id="audience-people">2<' in check.text  # reader.one counted once
    assert "2 subscribers of News" in check.text and "1 named invitee" in check.text
    assert not _messages(web)  # nothing sent by checking
    sent = eddie.post(
        form, data={"csrf_token": csrf_from(eddie, form), **FIELDS, "step": "send"}, follow_redirects=False
    )
    assert sent.status_code == 303
    page = sent.headers["location"].split("?")[0]
    assert _messages(web) == ["meeting"]

    edit = f"{page}/edit"
    changed = {
        **{k: v for k, v in FIELDS.items() if k not in ("topics", "invitees")},
        "title": "Steering group (moved)",
    }
    shown = eddie.post(edit, data={"csrf_token": csrf_from(eddie, edit), **changed, "step": "check"})
    assert "Changed: title" in shown.text and 'id="audience-people">2<' in shown.text
    assert (
        eddie.post(edit, data={"csrf_token": csrf_from(eddie, edit), **changed, "step": "send"}).status_code
        == 200
    )
    assert _messages(web) == ["meeting", "meeting_update"]

    token = csrf_from(eddie, page)
    cancel = eddie.post(f"{page}/cancel", data={"csrf_token": token, "note": "Room lost", "step": "check"})
    assert "The cancellation will be emailed to" in cancel.text and "Room lost" in cancel.text
    assert (
        eddie.post(
            f"{page}/cancel", data={"csrf_token": token, "note": "Room lost", "step": "send"}
        ).status_code
        == 200
    )
    minutes = eddie.post(
        f"{page}/minutes", data={"csrf_token": token, "minutes_body": "We met.", "step": "send"}
    )
    # Minutes are for a meeting that was held: a cancelled one is refused, and nothing is sent.
    assert minutes.status_code == 409 and "held" in minutes.text
    assert _messages(web) == ["meeting", "meeting_update", "meeting_cancelled"]
    with unit_of_work(web.sessions) as uow:
        meeting = uow.session.scalars(select(Meeting)).one()
        assert meeting.status is MeetingStatus.CANCELLED and meeting.sequence == 2
        actors = set(
            uow.session.scalars(select(AuditRecord.actor).where(AuditRecord.object_type == "meeting"))
        )
    assert len(actors) == 1 and re.fullmatch(r"admin:\d+", actors.pop())

    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    assert bob.get(page).status_code == 404
    bob_token = csrf_from(bob, "/admin/beta")
    assert (
        bob.post(
            page.replace("/alpha/", "/beta/") + "/minutes", data={"csrf_token": bob_token, "step": "send"}
        ).status_code
        == 404
    )
