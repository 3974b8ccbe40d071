"""Announcements in the web admin on both databases: an editor drafts with a preview and tests it on
themselves, cannot approve; an approver (someone else) signs it off; it sends and its page shows the
funnel; cancelling works until the send starts; another network sees none of it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import AdminMember, Announcement, AuditRecord, Subscriber, Subscription
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole, AnnouncementStatus
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.sources.announcements import send_due
from notifier.services.sources.meetings import SourceDeps
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.sandbox import start_sandbox
from tests.support.seeding import network_with_topics, subscriber

pytestmark = pytest.mark.dates

EDITOR = "eddie.editor@justice.gov.uk"
APPROVER = "alice.approver@cabinetoffice.gov.uk"
READERS = 3


def _send_due(sessions: sessionmaker[Session], deps: SourceDeps, now: datetime) -> list[int]:
    """What beat's event-sources task does: due announcements in a unit of work of their own."""
    with unit_of_work(sessions) as uow:
        return send_due(uow, deps, now)


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        alpha, (news, _events) = network_with_topics(uow.session, "alpha", ["news", "events"], sign_off=True)
        network_with_topics(uow.session, "beta", ["news"])
        for number in range(READERS):
            subscriber(uow.session, alpha, f"reader.{number}@hmrc.gov.uk", [news])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
    invite(admin_web, "alpha", APPROVER, AdminRole.APPROVER, name="Alice Approver")
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN, name="Bob Beta")
    return admin_web


def _post(client, path: str, page: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_from(client, page), **data}, follow_redirects=False)


def _announcement(web: AdminWeb) -> Announcement:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalars(select(Announcement)).one()


def _admin_id(web: AdminWeb, email: str) -> int:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalars(
            select(AdminMember.id)
            .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
            .where(Subscriber.email == email)
        ).one()


def _trail(web: AdminWeb) -> list[tuple[str, str, dict[str, object]]]:
    with unit_of_work(web.sessions) as uow:
        rows = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.object_type == "announcement").order_by(AuditRecord.id)
        )
        return [(r.actor, r.action, r.detail) for r in rows]


def test_draft_preview_sign_off_send_and_funnel(web: AdminWeb) -> None:
    eddie = sign_in(web, "alpha", EDITOR)
    form = "/admin/alpha/announcements/new"
    fields = {
        "topic": "news",
        "subject": "AGM on 3 March",
        "body": "Hello all,\n\nCome to the *AGM*. [x](https://evil.example)",
    }
    refused = _post(eddie, form, form, topic="nope", subject="", body=fields["body"])
    assert refused.status_code == 400
    assert "Select the topic" in refused.text and "Enter a subject" in refused.text
    preview = _post(eddie, form, form, action="preview", **fields)
    assert preview.status_code == 200 and 'id="preview-body"' in preview.text
    assert "AGM on 3 March" in preview.text and "Come to the \\*AGM\\*" in preview.text  # escaped, not bold
    with unit_of_work(web.sessions) as uow:
        assert not uow.session.scalars(select(Announcement)).all()  # a preview stores nothing

    saved = _post(eddie, form, form, action="save", **fields)
    assert saved.status_code == 303
    page = saved.headers["location"]
    tested = _post(eddie, f"{page}/test-send", page)
    assert tested.status_code == 303
    web.send_queued()
    assert (
        web.gateway.sent[-1].email_address == EDITOR
        and "[Test] AGM on 3 March" in web.gateway.sent[-1].subject
    )

    bad_time = _post(eddie, f"{page}/submit", page, send_at="next tuesday")
    assert bad_time.status_code == 400 and "Enter the send time" in bad_time.text
    assert _post(eddie, f"{page}/submit", page, send_at="").status_code == 303
    assert _announcement(web).status is AnnouncementStatus.AWAITING_APPROVAL
    own = _post(eddie, f"{page}/approve", page)
    assert own.status_code == 403 and _announcement(web).status is AnnouncementStatus.AWAITING_APPROVAL

    alice = sign_in(web, "alpha", APPROVER)
    listing = alice.get("/admin/alpha/announcements")
    assert "AGM on 3 March" in listing.text and "awaiting approval" in listing.text
    assert "1 announcement to approve" in alice.get("/admin/alpha").text
    assert _post(alice, f"{page}/approve", page).status_code == 303
    assert _announcement(web).status is AnnouncementStatus.SCHEDULED

    deps = SourceDeps.from_settings(web.settings, web.queue)
    assert _send_due(web.sessions, deps, utcnow()) == [_announcement(web).id]
    message_id = _announcement(web).message_id
    assert message_id is not None
    fan_out_next_batch(web.sessions, web.queue, message_id, batch_size=100, chunk_size=100)
    web.send_queued()
    shown = alice.get(page)
    assert shown.status_code == 200 and f'id="funnel-sent">{READERS}<' in shown.text
    late = _post(alice, f"{page}/cancel", page)
    assert late.status_code == 409 and "started sending" in late.text

    # Each step is audited as the person who took it.
    eddie_is, alice_is = f"admin:{_admin_id(web, EDITOR)}", f"admin:{_admin_id(web, APPROVER)}"
    trail = _trail(web)
    assert [(actor, action) for actor, action, _ in trail] == [
        (eddie_is, "announcement.create"),
        (eddie_is, "announcement.test_send"),
        (eddie_is, "announcement.submit"),
        (alice_is, "announcement.approve"),
        ("scheduler", "announcement.send"),
    ]
    sent = trail[-1][2]
    assert (sent["asked_by"], sent["approved_by"]) == (eddie_is, alice_is)


def test_cancel_until_it_starts_and_other_networks_see_nothing(web: AdminWeb) -> None:
    eddie = sign_in(web, "alpha", EDITOR)
    form = "/admin/alpha/announcements/new"
    page = _post(eddie, form, form, topic="news", subject="Oops", body="Not yet").headers["location"]
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    assert bob.get(page).status_code == 404
    token = csrf_from(bob, "/admin/beta")
    assert bob.post(page + "/cancel", data={"csrf_token": token}).status_code == 404
    assert (
        bob.post(page.replace("/alpha/", "/beta/") + "/cancel", data={"csrf_token": token}).status_code == 404
    )
    assert _announcement(web).status is AnnouncementStatus.DRAFT
    assert _post(eddie, f"{page}/cancel", page).status_code == 303
    assert _announcement(web).status is AnnouncementStatus.CANCELLED
    again = _post(eddie, f"{page}/submit", page)
    assert again.status_code == 409


def test_a_message_page_has_the_funnel_by_reason_and_a_chart_with_its_table(web: AdminWeb) -> None:
    eddie = sign_in(web, "alpha", EDITOR)
    alice = sign_in(web, "alpha", APPROVER)
    form = "/admin/alpha/announcements/new"
    page = _post(eddie, form, form, topic="news", subject="Funnel", body="Hello").headers["location"]
    _post(eddie, f"{page}/submit", page)
    _post(alice, f"{page}/approve", page)
    _send_due(web.sessions, SourceDeps.from_settings(web.settings, web.queue), utcnow())
    message_id = _announcement(web).message_id
    assert message_id is not None
    fan_out_next_batch(web.sessions, web.queue, message_id, batch_size=100, chunk_size=100)
    with unit_of_work(web.sessions) as uow:  # one reader unsubscribes before the send
        reader = uow.session.scalars(
            select(Subscriber).where(Subscriber.email == "reader.0@hmrc.gov.uk")
        ).one()
        for row in uow.session.scalars(select(Subscription).where(Subscription.subscriber_id == reader.id)):
            row.ended_at = utcnow()
    web.send_queued()
    shown = alice.get(f"/admin/alpha/messages/{message_id}")
    assert shown.status_code == 200
    assert f'id="funnel-sent">{READERS - 1}<' in shown.text and 'id="funnel-skipped">1<' in shown.text
    assert "skipped: no active subscription to the topic" in shown.text
    assert '<svg role="img" aria-label="Emails sent to Notify per minute' in shown.text
    assert "<script" not in shown.text.split("<svg", 1)[1].split("</svg>", 1)[0]  # readable without JS
    assert "The chart&#39;s figures" in shown.text or "The chart's figures" in shown.text
    dashboard = alice.get("/admin/alpha")
    assert f"/admin/alpha/messages/{message_id}" in dashboard.text
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    assert bob.get(f"/admin/alpha/messages/{message_id}").status_code == 404
    assert bob.get(f"/admin/beta/messages/{message_id}").status_code == 404


def test_the_preview_is_notifys_own_rendering(sessions: sessionmaker[Session]) -> None:
    """Against the sandbox through the official client's template preview: the HTML Notify sends."""
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
    with start_sandbox() as sandbox:
        web = make_admin_web(
            sessions,
            notify_base_url=sandbox.base_url,
            notify_api_key_test=sandbox.key("test"),
            notify_key_type="test",
            notify_template_id=sandbox.template_id,
        )
        invite(web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
        eddie = sign_in(web, "alpha", EDITOR)
        form = "/admin/alpha/announcements/new"
        fields = {"topic": "news", "subject": "AGM", "body": "Hello all,\nthe AGM is on 3 March."}
        shown = _post(eddie, form, form, action="preview", **fields)
        assert shown.status_code == 200
        srcdoc = re.search(r'id="preview-html"[^>]*srcdoc="([^"]*)"', shown.text)
        assert srcdoc, shown.text
        rendered = html.unescape(srcdoc.group(1))
        # Notify's inline styles arrive as data-style (the page's CSP refuses style attributes; the
        # admin page's script applies them through the CSSOM).
        paragraph = '<p data-style="Margin: 0 0 20px 0; font-size: 19px; line-height: 25px; color: #0B0C0C;">'
        assert f"{paragraph}Hello all,<br>the AGM" in rendered
        assert " style=" not in rendered
        fragment = _post(eddie, form, form, action="preview", fragment="yes", **fields)
        assert fragment.status_code == 200 and fragment.text.lstrip().startswith(
            '<div class="govuk-!-margin-bottom-6" id="preview"'
        )
    # With Notify out of reach the page still previews, in Notify's markdown, and says so.
    offline = _post(eddie, form, form, action="preview", **fields)
    assert (
        offline.status_code == 200
        and "could not draw the preview" in offline.text
        and 'id="preview-body"' in offline.text
    )


@pytest.mark.usefixtures("clock_in_2029")  # its send times are in 2030: the clock is kept before them
def test_the_send_time_changes_until_it_starts_and_only_an_approver_keeps_the_approval(web: AdminWeb) -> None:
    eddie = sign_in(web, "alpha", EDITOR)
    alice = sign_in(web, "alpha", APPROVER)
    form = "/admin/alpha/announcements/new"
    page = _post(eddie, form, form, topic="news", subject="AGM moved", body="Hello").headers["location"]
    assert _post(eddie, f"{page}/reschedule", page, send_at="2030-06-01 09:30").status_code == 409  # a draft
    assert _post(eddie, f"{page}/submit", page, send_at="2030-06-01 09:30").status_code == 303
    assert 'value="2030-06-01 09:30"' in eddie.get(page).text  # the form starts from the current time

    # Awaiting approval: the editor moves it; it still waits for an approver.
    moved = _post(eddie, f"{page}/reschedule", page, send_at="2030-06-02 10:00")
    assert moved.status_code == 303 and moved.headers["location"].endswith("done=rescheduled")
    shown = _announcement(web)
    assert shown.status is AnnouncementStatus.AWAITING_APPROVAL
    assert shown.send_at == datetime(2030, 6, 2, 9, 0, tzinfo=UTC)  # London summer time
    assert "sends at 02 Jun 2030 10:00 UK time" in eddie.get(page).text  # shown as it was typed
    for bad, why in (("2020-01-01 09:00", "is in the past"), ("2030-06-02 10:00", "already due to send")):
        refused = _post(eddie, f"{page}/reschedule", page, send_at=bad)
        assert refused.status_code == 400 and why in refused.text
    assert _post(alice, f"{page}/approve", page).status_code == 303

    # Approved: an approver changing only the time keeps the approval...
    assert _post(alice, f"{page}/reschedule", page, send_at="2030-06-03 10:00").status_code == 303
    kept = _announcement(web)
    assert kept.status is AnnouncementStatus.SCHEDULED and kept.approved_by_admin_id is not None
    # ...an editor's change sends it back for approval, and nothing goes at either time meanwhile.
    again = _post(eddie, f"{page}/reschedule", page, send_at="2030-06-04 10:00")
    assert again.headers["location"].endswith("done=reapproval")
    assert "needs approval again" in eddie.get(again.headers["location"]).text
    withdrawn = _announcement(web)
    assert withdrawn.status is AnnouncementStatus.AWAITING_APPROVAL and withdrawn.approved_by_admin_id is None
    deps = SourceDeps.from_settings(web.settings, web.queue)
    assert _send_due(web.sessions, deps, datetime(2030, 6, 5, tzinfo=UTC)) == []
    assert _post(alice, f"{page}/approve", page).status_code == 303
    assert _send_due(web.sessions, deps, datetime(2030, 6, 4, 8, 59, tzinfo=UTC)) == []

    # Blank: as soon as possible. Once it has started, neither a new time nor a cancel is taken.
    assert _post(alice, f"{page}/reschedule", page, send_at="").status_code == 303
    assert _send_due(web.sessions, deps, utcnow()) == [_announcement(web).id]
    late = _post(alice, f"{page}/reschedule", page, send_at="2030-06-05 10:00")
    assert late.status_code == 409 and _announcement(web).status is AnnouncementStatus.SENT
    assert _post(alice, f"{page}/cancel", page).status_code == 409

    eddie_is, alice_is = f"admin:{_admin_id(web, EDITOR)}", f"admin:{_admin_id(web, APPROVER)}"
    changes = [
        (actor, detail) for actor, action, detail in _trail(web) if action == "announcement.reschedule"
    ]
    assert [(actor, detail["approval"]) for actor, detail in changes] == [
        (eddie_is, "awaiting"),
        (alice_is, "kept"),
        (eddie_is, "withdrawn"),
        (alice_is, "kept"),
    ]
    assert changes[0][1]["send_at_before"] == "2030-06-01T08:30:00+00:00"
    assert changes[0][1]["send_at"] == "2030-06-02T09:00:00+00:00"
