"""Meetings in the web admin on both databases: every change shows who it will reach before it is
sent, then goes through the meeting service (invitation, update, cancellation, minutes)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AuditRecord, Delivery, Meeting, Message, Network, Subscriber, Topic
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole, MeetingStatus
from notifier.repositories import networks as network_repo
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics, subscriber

# Its meetings and announcements are dated in 2030: the clock is kept before them.
pytestmark = [pytest.mark.dates, pytest.mark.usefixtures("clock_in_2029")]

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
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        alpha, (news, events) = network_with_topics(uow.session, "alpha", ["news", "events"])
        network_with_topics(uow.session, "beta", ["news"])
        subscriber(uow.session, alpha, "reader.one@hmrc.gov.uk", [news])
        subscriber(uow.session, alpha, "reader.two@dwp.gov.uk", [news])
        subscriber(uow.session, alpha, "reader.three@dwp.gov.uk", [events])
    admin_web = make_admin_web(sessions)
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


def _deliveries(web: AdminWeb) -> list[tuple[str, str, str | None]]:
    """(email kind, reader, topic slug) of every delivery of the meeting's emails written directly."""
    with unit_of_work(web.sessions) as uow:
        rows = uow.session.execute(
            select(Message.email_kind, Subscriber.email, Topic.slug)
            .join(Delivery, Delivery.message_id == Message.id)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .outerjoin(Topic, Topic.id == Message.topic_id)
            .where(Message.email_kind.like("meeting%"))
            .order_by(Delivery.id)
        )
        return [(kind, email, slug) for kind, email, slug in rows]


def test_changing_who_is_invited_invites_the_new_tells_the_dropped_and_nobody_twice(web: AdminWeb) -> None:
    with unit_of_work(web.sessions) as uow:
        alpha = uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()
        news, events = sorted(network_repo.list_topics(uow.session, alpha.id), key=lambda t: t.slug)[::-1]
        subscriber(uow.session, alpha, "reader.four@dwp.gov.uk", [news, events])  # reached before and after
    eddie = sign_in(web, "alpha", EDITOR)
    form = "/admin/alpha/meetings/new"
    sent = eddie.post(form, data={"csrf_token": csrf_from(eddie, form), **FIELDS, "step": "send"})
    page = str(sent.url).split("?")[0].removeprefix("https://testserver")
    assert "Change who is invited" in sent.text
    audience = f"{page}/audience"
    shown = eddie.get(audience)
    assert shown.status_code == 200 and "reader.one@hmrc.gov.uk" in shown.text  # starts from how it stands
    assert 'value="news" checked' in shown.text
    before = _deliveries(web)
    assert before == [("meeting", "reader.one@hmrc.gov.uk", None)]  # news goes through fan-out

    # News -> Events, reader.one still named: three is new, two is dropped, one and four unchanged.
    change = {"topics": ["events"], "invitees": "reader.one@hmrc.gov.uk", "note": "Now for the events team"}
    check = eddie.post(audience, data={"csrf_token": csrf_from(eddie, audience), **change, "step": "check"})
    assert check.status_code == 200
    assert 'id="audience-invited">1<' in check.text and 'id="audience-withdrawn">1<' in check.text
    assert "Topics added: Events" in check.text and "Topics taken off: News" in check.text
    assert _deliveries(web) == before  # nothing sent by checking
    done = eddie.post(
        audience,
        data={"csrf_token": csrf_from(eddie, audience), **change, "step": "send"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=audience")
    assert _deliveries(web)[1:] == [
        ("meeting_withdrawn", "reader.two@dwp.gov.uk", "news"),
        ("meeting", "reader.three@dwp.gov.uk", "events"),
    ]
    web.send_queued()
    emails = {e.email_address: e for e in web.gateway.sent if "Steering group" in e.subject}
    assert emails["reader.two@dwp.gov.uk"].subject.startswith("You no longer need to attend: Steering group")
    assert "Now for the events team" in emails["reader.two@dwp.gov.uk"].body
    assert emails["reader.three@dwp.gov.uk"].subject.startswith("Invitation: Steering group")
    assert "subscribed to Events" in emails["reader.three@dwp.gov.uk"].body

    # The same change again is nothing new: refused, and nobody is emailed twice.
    again = eddie.post(audience, data={"csrf_token": csrf_from(eddie, audience), **change, "step": "send"})
    assert again.status_code == 400 and "Nothing has changed" in again.text
    # Naming reader.two brings them back with a fresh invitation; a stranger's address is refused.
    back = {**change, "invitees": "reader.one@hmrc.gov.uk\nreader.two@dwp.gov.uk"}
    eddie.post(audience, data={"csrf_token": csrf_from(eddie, audience), **back, "step": "send"})
    assert _deliveries(web)[3:] == [("meeting", "reader.two@dwp.gov.uk", None)]
    stranger = {**back, "invitees": "nobody@x.gov.uk"}
    refused = eddie.post(
        audience, data={"csrf_token": csrf_from(eddie, audience), **stranger, "step": "check"}
    )
    assert refused.status_code == 400 and "not subscribers of this network" in refused.text
    empty = eddie.post(audience, data={"csrf_token": csrf_from(eddie, audience), "step": "check"})
    assert empty.status_code == 400 and "Give topics, invitees, or both" in empty.text

    with unit_of_work(web.sessions) as uow:
        meeting = uow.session.scalars(select(Meeting)).one()
        assert meeting.sequence == 2 and meeting.topic_ids == [events.id]
        records = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "meeting.audience")
        ).all()
    assert [(r.detail["invited"], r.detail["withdrawn"]) for r in records] == [(1, 1), (1, 0)]
    assert all(re.fullmatch(r"admin:\d+", r.actor) for r in records)

    token = csrf_from(eddie, page)
    eddie.post(f"{page}/cancel", data={"csrf_token": token, "step": "send"})
    late = eddie.post(audience, data={"csrf_token": csrf_from(eddie, audience), **change, "step": "check"})
    assert late.status_code == 409 and "cancelled" in late.text
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    assert bob.get(audience).status_code == 404
    assert bob.get(audience.replace("/alpha/", "/beta/")).status_code == 404
