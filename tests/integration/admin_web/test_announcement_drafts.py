"""Issue 27's announcements, in the web admin on both databases: a draft changes until it is submitted
(and what is approved is what was submitted); any announcement copies into a new draft; several topics
reach each reader once, and the check page's count is what fan-out queues; a send time in the past is
refused on the form, at the second; the report lists failed addresses with Notify's reason for an admin
and only the figures for an editor. The admin API takes one topic or several."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import (
    AdminMember,
    Announcement,
    AnnouncementTopic,
    AuditRecord,
    Delivery,
    Network,
    Subscriber,
    Topic,
)
from notifier.db.session import UnitOfWork, unit_of_work
from notifier.domain.sources import AdminRole, AnnouncementStatus
from notifier.domain.statuses import NotifyStatus, SubscriberStatus
from notifier.services.common.actors import person_actor
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.delivery.receipts import Receipt, apply_receipt
from notifier.services.sources import announcements as service
from notifier.services.sources.announcements import AnnouncementError, send_due
from notifier.services.sources.meetings import SourceDeps
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics, subscriber

pytestmark = pytest.mark.dates

EDITOR = "eddie.editor@justice.gov.uk"
APPROVER = "alice.approver@cabinetoffice.gov.uk"
ADMIN = "ada.admin@hmrc.gov.uk"
# News: readers 0, 1, 2; Events: readers 2 and 3. Reader 2 takes both.
NEWS_ONLY, BOTH, EVENTS_ONLY = ["reader.0", "reader.1"], ["reader.2"], ["reader.3"]
NOW = datetime(2030, 6, 1, 8, 30, tzinfo=UTC)  # 09:30 in London (summer time)


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> Iterator[AdminWeb]:
    with time_machine.travel(NOW, tick=False):
        with unit_of_work(sessions) as uow:
            alpha, (news, events) = network_with_topics(
                uow.session, "alpha", ["news", "events"], sign_off=True
            )
            network_with_topics(uow.session, "beta", ["news"])
            for name in NEWS_ONLY:
                subscriber(uow.session, alpha, f"{name}@hmrc.gov.uk", [news])
            for name in BOTH:
                subscriber(uow.session, alpha, f"{name}@hmrc.gov.uk", [news, events])
            for name in EVENTS_ONLY:
                subscriber(uow.session, alpha, f"{name}@hmrc.gov.uk", [events])
        admin_web = make_admin_web(sessions)
        invite(admin_web, "alpha", EDITOR, AdminRole.EDITOR, name="Eddie Editor")
        invite(admin_web, "alpha", APPROVER, AdminRole.APPROVER, name="Alice Approver")
        invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN, name="Ada Admin")
        yield admin_web


def _post(client, path: str, page: str, data: dict[str, str | list[str]]):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_from(client, page), **data}, follow_redirects=False)


FORM = "/admin/alpha/announcements/new"


def _draft(client, topics: list[str], subject: str = "AGM", body: str = "Come along.") -> str:  # type: ignore[no-untyped-def]
    saved = _post(client, FORM, FORM, {"topic": topics, "subject": subject, "body": body, "action": "save"})
    assert saved.status_code == 303, saved.text
    return str(saved.headers["location"])


def _row(web: AdminWeb, page: str) -> Announcement:
    with unit_of_work(web.sessions) as uow:
        return uow.session.get_one(Announcement, int(page.rsplit("/", 1)[1].split("?", maxsplit=1)[0]))


def _topics(web: AdminWeb, announcement_id: int) -> set[str]:
    with unit_of_work(web.sessions) as uow:
        return set(
            uow.session.scalars(
                select(Topic.slug)
                .join(AnnouncementTopic, AnnouncementTopic.topic_id == Topic.id)
                .where(AnnouncementTopic.announcement_id == announcement_id)
            )
        )


def _actions(web: AdminWeb, announcement_id: int) -> list[tuple[str, dict[str, object]]]:
    with unit_of_work(web.sessions) as uow:
        rows = uow.session.scalars(
            select(AuditRecord)
            .where(AuditRecord.object_type == "announcement", AuditRecord.object_id == announcement_id)
            .order_by(AuditRecord.id)
        )
        return [(r.action, r.detail) for r in rows]


def _send(web: AdminWeb) -> list[int]:
    """What beat does at the send time, then fan-out of every message and the sends."""
    deps = SourceDeps.from_settings(web.settings, web.queue)
    with unit_of_work(web.sessions) as uow:
        started = send_due(uow, deps, utcnow())
    for message_id in list(dict.fromkeys(web.queue.fanouts)):
        fan_out_next_batch(web.sessions, web.queue, message_id, batch_size=100, chunk_size=100)
    web.send_queued()
    return started


def _approved(web: AdminWeb, page: str) -> None:
    eddie = sign_in(web, "alpha", EDITOR)
    assert _post(eddie, f"{page}/submit", page, {"send_at": ""}).status_code == 303
    alice = sign_in(web, "alpha", APPROVER)
    assert _post(alice, f"{page}/approve", page, {}).status_code == 303


def test_a_draft_changes_until_submitted_and_the_approval_is_of_what_was_submitted(web: AdminWeb) -> None:
    with time_machine.travel(NOW, tick=False):
        eddie = sign_in(web, "alpha", EDITOR)
        page = _draft(eddie, ["news"], subject="AGM on 3 March")
        edit = f"{page}/edit"
        form = eddie.get(edit)
        assert form.status_code == 200 and 'value="AGM on 3 March"' in form.text
        assert 'action="/admin/alpha/announcements/' in form.text and "/edit" in form.text
        refused = _post(eddie, edit, edit, {"topic": [], "subject": "", "body": "x"})
        assert refused.status_code == 400 and "Select the topic" in refused.text
        assert _row(web, page).subject == "AGM on 3 March"  # nothing half-stored
        changed = _post(eddie, edit, edit, {"topic": ["news", "events"], "subject": "AGM on 4 March",
                                            "body": "Moved a day.", "action": "save"})  # fmt: skip
        assert changed.status_code == 303 and changed.headers["location"].endswith("done=changed")
        row = _row(web, page)
        assert (row.subject, row.body) == ("AGM on 4 March", "Moved a day.")
        assert _topics(web, row.id) == {"news", "events"}
        assert 'This will go to <span id="audience-people">4</span> people' in eddie.get(page).text

        assert _post(eddie, f"{page}/submit", page, {"send_at": ""}).status_code == 303
        assert "Change the draft" not in eddie.get(page).text
        late_form = eddie.get(edit)
        assert late_form.status_code == 409 and "can no longer be changed" in late_form.text
        late = _post(eddie, edit, page, {"topic": ["news"], "subject": "Sneaky", "body": "Changed after."})
        assert late.status_code == 409
        assert _row(web, page).subject == "AGM on 4 March"

        alice = sign_in(web, "alpha", APPROVER)
        assert _post(alice, f"{page}/approve", page, {}).status_code == 303
        assert _send(web) == [row.id]
        subjects = {m.subject for m in web.gateway.sent if m.email_address.startswith("reader.")}
        assert subjects == {"Alpha Network: AGM on 4 March"}
        actions = [action for action, _ in _actions(web, row.id)]
        assert actions[:3] == ["announcement.create", "announcement.edit", "announcement.submit"]
        edit_detail = _actions(web, row.id)[1][1]
        assert edit_detail["changed"] == "subject,body,topics"


def test_any_announcement_copies_into_a_new_draft_and_the_original_stays(web: AdminWeb) -> None:
    with time_machine.travel(NOW, tick=False):
        eddie = sign_in(web, "alpha", EDITOR)
        page = _draft(eddie, ["events", "news"], subject="Summer party", body="On the roof.")
        _approved(web, page)
        _send(web)
        original = _row(web, page)
        assert original.status is AnnouncementStatus.SENT
        copied = _post(eddie, f"{page}/copy", page, {})
        assert copied.status_code == 303 and copied.headers["location"].endswith("done=copied")
        copy = _row(web, copied.headers["location"])
        assert copy.id != original.id and copy.status is AnnouncementStatus.DRAFT
        assert (copy.subject, copy.body, copy.message_id) == ("Summer party", "On the roof.", None)
        assert _topics(web, copy.id) == {"news", "events"} and copy.topic_id == original.topic_id
        assert _row(web, page).status is AnnouncementStatus.SENT  # untouched
        assert "copied from the announcement" in eddie.get(copied.headers["location"]).text
        assert [a for a, _ in _actions(web, copy.id)] == ["announcement.create", "announcement.copy"]
        assert _actions(web, copy.id)[1][1]["copied_from"] == original.id
        # The copy is a draft like any other: it changes.
        edit = f"{copied.headers['location'].split('?')[0]}/edit"
        assert (
            _post(
                eddie, edit, edit, {"topic": ["news"], "subject": "Winter party", "body": "Inside."}
            ).status_code
            == 303
        )


def test_several_topics_reach_each_reader_once_and_the_count_is_what_fan_out_queues(web: AdminWeb) -> None:
    with time_machine.travel(NOW, tick=False):
        eddie = sign_in(web, "alpha", EDITOR)
        page = _draft(eddie, ["news", "events"])
        readers = len(NEWS_ONLY + BOTH + EVENTS_ONLY)
        shown = eddie.get(page).text
        assert f'This will go to <span id="audience-people">{readers}</span> people' in shown
        with unit_of_work(web.sessions) as uow:  # a restricted person drops out of the count at once
            reader = uow.session.scalars(
                select(Subscriber).where(Subscriber.email == "reader.3@hmrc.gov.uk")
            ).one()
            reader.status = SubscriberStatus.RESTRICTED
        assert f'<span id="audience-people">{readers - 1}</span>' in eddie.get(page).text
        _approved(web, page)
        _send(web)
        with unit_of_work(web.sessions) as uow:
            queued = list(
                uow.session.scalars(select(Delivery.subscriber_id).where(Delivery.event_id.is_not(None)))
            )
        assert len(queued) == len(set(queued)) == readers - 1  # the count shown, each reader once
        to_readers = [m.email_address for m in web.gateway.sent if m.email_address.startswith("reader.")]
        assert sorted(to_readers) == sorted(f"{n}@hmrc.gov.uk" for n in NEWS_ONLY + BOTH)
        assert _row(web, page).message_id is not None


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [("2030-06-01 09:29:59", False), ("2030-06-01 09:30:00", False), ("2030-06-01 09:30:01", True)],
)
def test_a_send_time_in_the_past_is_refused_on_the_form(web: AdminWeb, typed: str, accepted: bool) -> None:
    """The clock reads 09:30:00 in London: one second before and the very second are past."""
    with time_machine.travel(NOW, tick=False):
        eddie = sign_in(web, "alpha", EDITOR)
        page = _draft(eddie, ["news"])
        answer = _post(eddie, f"{page}/submit", page, {"send_at": typed})
        if accepted:
            assert answer.status_code == 303
            row = _row(web, page)
            assert row.status is AnnouncementStatus.AWAITING_APPROVAL
            assert row.send_at == datetime(2030, 6, 1, 8, 30, 1, tzinfo=UTC)
            return
        assert answer.status_code == 400
        assert '<a href="#send_at">The send time is in the past' in answer.text  # the summary names the field
        assert 'id="send_at-error"' in answer.text and f'value="{typed}"' in answer.text
        assert _row(web, page).status is AnnouncementStatus.DRAFT and _row(web, page).send_at is None


def _fail(web: AdminWeb, email: str, status: NotifyStatus) -> None:
    """Notify's receipt for the delivery to `email`."""
    with unit_of_work(web.sessions) as uow:
        delivery_id = uow.session.scalars(
            select(Delivery.id)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Subscriber.email == email)
        ).one()
        receipt = Receipt(web.gateway.held[str(delivery_id)], str(delivery_id), status)
        assert apply_receipt(uow.session, receipt, now=utcnow(), temporary_failure_limit=1)


def test_the_report_names_failed_addresses_for_an_admin_and_counts_them_for_an_editor(web: AdminWeb) -> None:
    with time_machine.travel(NOW, tick=False):
        eddie = sign_in(web, "alpha", EDITOR)
        page = _draft(eddie, ["news", "events"])
        _approved(web, page)
        _send(web)
        _fail(web, "reader.0@hmrc.gov.uk", NotifyStatus.PERMANENT_FAILURE)
        _fail(web, "reader.3@hmrc.gov.uk", NotifyStatus.TECHNICAL_FAILURE)
        with unit_of_work(web.sessions) as uow:
            ids = {s.email: s.id for s in uow.session.scalars(select(Subscriber))}

        ada = sign_in(web, "alpha", ADMIN)
        shown = ada.get(page).text
        assert 'id="funnel-failed">2<' in shown
        table = shown.split('id="failed-addresses"', 1)[1].split("</table>", 1)[0]
        assert f'href="/admin/alpha/people/{ids["reader.0@hmrc.gov.uk"]}">reader.0@hmrc.gov.uk</a>' in table
        assert "The address does not exist or cannot take email (permanent failure)" in table
        assert f'href="/admin/alpha/people/{ids["reader.3@hmrc.gov.uk"]}">reader.3@hmrc.gov.uk</a>' in table
        assert "A technical problem at Notify or on the way to it (technical failure)" in table
        assert "reader.1@" not in table

        editor_view = eddie.get(page).text
        assert 'id="funnel-failed">2<' in editor_view
        assert "@hmrc.gov.uk" not in editor_view and 'id="failed-addresses"' not in editor_view
        reasons = editor_view.split('id="failed-reasons"', 1)[1].split("</ul>", 1)[0]
        assert "(permanent failure): 1" in reasons and "(technical failure): 1" in reasons


def test_only_the_author_changes_a_draft_so_whoever_writes_words_never_approves_them(web: AdminWeb) -> None:
    """Alice may approve; were she able to rewrite Eddie's draft, she could approve her own words."""
    with time_machine.travel(NOW, tick=False):
        eddie = sign_in(web, "alpha", EDITOR)
        page = _draft(eddie, ["news"], subject="AGM", body="Eddie's words.")
        alice = sign_in(web, "alpha", APPROVER)
        edit = f"{page}/edit"
        assert "Change the draft" not in alice.get(page).text
        assert alice.get(edit).status_code == 403
        refused = _post(alice, edit, page, {"topic": ["news"], "subject": "AGM", "body": "Alice's words."})
        assert refused.status_code == 403 and "only its author changes a draft" in refused.text
        assert _row(web, page).body == "Eddie's words."
        # She copies it instead: the copy is hers, so someone else approves it.
        copied = _post(alice, f"{page}/copy", page, {})
        mine = copied.headers["location"].split("?")[0]
        words = {"topic": ["news"], "subject": "AGM", "body": "Alice's words."}
        assert _post(alice, f"{mine}/edit", f"{mine}/edit", words).status_code == 303
        assert _post(alice, f"{mine}/submit", mine, {"send_at": ""}).status_code == 303
        assert _post(alice, f"{mine}/approve", mine, {}).status_code == 403
        assert _row(web, mine).status is AnnouncementStatus.AWAITING_APPROVAL


def _cancelled_behind_its_back(uow: UnitOfWork, announcement_id: int) -> Announcement:
    """The row as a page read it, then cancelled by another request's commit it has not seen."""
    read = uow.session.get_one(Announcement, announcement_id)
    uow.session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id)
        .values(status=AnnouncementStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return read


def test_an_approval_or_submit_after_a_cancel_committed_meanwhile_is_refused(web: AdminWeb) -> None:
    """The page was read before an editor's cancel committed: approving or submitting must not bring
    the announcement back (a conditional UPDATE, not a write of the row as it was read)."""
    with time_machine.travel(NOW, tick=False):
        eddie = sign_in(web, "alpha", EDITOR)
        waiting, draft = _draft(eddie, ["news"]), _draft(eddie, ["news"], subject="Second")
        assert _post(eddie, f"{waiting}/submit", waiting, {"send_at": ""}).status_code == 303
        deps = SourceDeps.from_settings(web.settings, web.queue)
        waiting_id, draft_id = _row(web, waiting).id, _row(web, draft).id
        with unit_of_work(web.sessions) as uow:
            member = uow.session.scalars(
                select(AdminMember).where(AdminMember.role == AdminRole.APPROVER)
            ).one()
            alice = person_actor(member, uow.session.get_one(Subscriber, member.subscriber_id))
            network = uow.session.get_one(Network, member.network_id)
            read = _cancelled_behind_its_back(uow, waiting_id)
            with pytest.raises(AnnouncementError) as approving:
                service.approve(uow, read, alice)
            assert approving.value.conflict and read.status is AnnouncementStatus.CANCELLED
            read = _cancelled_behind_its_back(uow, draft_id)
            with pytest.raises(AnnouncementError) as submitting:
                service.submit(uow, deps, network, read, alice, send_at=None)
            assert submitting.value.conflict and read.status is AnnouncementStatus.CANCELLED
