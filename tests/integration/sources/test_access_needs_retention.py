"""Answers to a meeting's optional question are health data, on both databases: the retention rule
deletes them once the minutes are out or the meeting is cancelled, and otherwise its period after
the meeting ended (one second before, at and after), with evidence and the report agreeing; the
person's data export holds their answers and the items their digests listed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import DigestEntry, Event, MeetingAnswer, Message, RetentionEvidence, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.retention import NOTICE_MAXIMUM, Period, RetentionKind
from notifier.domain.statuses import EventKind, Lane, MessageStatus
from notifier.services.privacy.retention import default_period, run_to_completion
from notifier.services.privacy.retention_report import retention_report
from notifier.services.privacy.rights_export import bundle_as_csv, export_bundle
from tests.integration.sources.test_meeting_answers import NOW, _answer, _create, _links, _world
from tests.support.admin_api import API

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

SECOND = timedelta(seconds=1)
QUESTION = "Do you need step-free access?"


def _needs(sessions: sessionmaker[Session]) -> dict[int, int]:
    """How many answers of each meeting still hold health data."""
    with unit_of_work(sessions) as uow:
        rows = uow.session.scalars(select(MeetingAnswer).where(MeetingAnswer.access_needs.is_not(None)))
        found: dict[int, int] = {}
        for row in rows:
            found[row.meeting_id] = found.get(row.meeting_id, 0) + 1
        return found


def test_health_data_goes_after_the_meeting_at_the_latest(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(NOW, tick=False):
        web, editor = _world(sessions)
        meetings = []
        for _ in ("held", "cancelled"):
            meetings.append(_create(web, editor, access_question=QUESTION))
            _answer(web.browser(), _links(web)["ann"], "yes", access_needs="A ramp, please")
        held, cancelled = meetings
        assert (
            web.browser()
            .post(f"{API}/meetings/{cancelled['id']}/cancel", json={}, headers=editor)
            .status_code
            == 200
        )
    period = default_period(RetentionKind.MEETING_ACCESS_NEEDS, web.settings)
    assert period == Period(days=14) and period.fits_within(
        NOTICE_MAXIMUM[RetentionKind.MEETING_ACCESS_NEEDS]
    )
    run_to_completion(sessions, web.settings, NOW + SECOND)  # a cancelled meeting's go at once
    assert _needs(sessions) == {held["id"]: 1}
    due = period.after(datetime.fromisoformat(held["end"]))
    with unit_of_work(sessions) as uow:
        network_id = uow.session.scalars(select(Subscriber.network_id)).first()
        assert network_id is not None
        for moment, due_now in ((due - SECOND, 0), (due, 1), (due + SECOND, 1)):
            lines = retention_report(uow.session, web.settings, network_id, moment)
            (line,) = [x for x in lines if x.kind is RetentionKind.MEETING_ACCESS_NEEDS]
            assert (line.due_now, line.next_due_at) == (due_now, due if not due_now else None)
    run_to_completion(sessions, web.settings, due - SECOND)
    assert _needs(sessions) == {held["id"]: 1}
    run_to_completion(sessions, web.settings, due)
    assert _needs(sessions) == {}
    with unit_of_work(sessions) as uow:
        evidence = uow.session.scalars(
            select(RetentionEvidence).where(RetentionEvidence.kind == RetentionKind.MEETING_ACCESS_NEEDS)
        ).all()
        assert sorted(e.counts.get("answers_cleared", 0) for e in evidence) == [0, 1, 1]
        assert {e.period for e in evidence} == {"14 days"}


def test_the_export_holds_their_answers_and_digest_entries(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(NOW, tick=False):
        web, editor = _world(sessions)
        meeting = _create(web, editor, capacity=1, access_question=QUESTION)
        links = _links(web)
        _answer(web.browser(), links["ann"], "yes", access_needs="A hearing loop")
        _answer(web.browser(), links["ben"], "yes")
        with unit_of_work(sessions) as uow:
            ann = uow.session.scalars(select(Subscriber).where(Subscriber.email == "ann@dept.gov.uk")).one()
            event = Event(
                network_id=ann.network_id,
                kind=EventKind.CONTENT,
                source_key="page:1",
                title="Spring forum",
                payload={},
            )
            uow.session.add(event)
            uow.session.flush()
            digest = Message(
                network_id=ann.network_id,
                event_id=None,
                topic_id=None,
                email_kind="digest",
                lane=Lane.BULK,
                status=MessageStatus.DONE,
                context={},
            )
            uow.session.add(digest)
            uow.session.flush()
            uow.session.add(
                DigestEntry(
                    network_id=ann.network_id, subscriber_id=ann.id, event_id=event.id, message_id=digest.id
                )
            )
            uow.session.flush()
            bundle = export_bundle(uow.session, ann, notify_retention_days=7, now=NOW)
            ben = uow.session.scalars(select(Subscriber).where(Subscriber.email == "ben@dept.gov.uk")).one()
            bens = export_bundle(uow.session, ben, notify_retention_days=7, now=NOW)
    (answer,) = bundle["meeting_answers"]
    assert (
        answer["meeting"] == meeting["title"] and answer["answer"] == "yes" and answer["place"] == "confirmed"
    )
    assert answer["question"] == QUESTION and answer["your_answer_to_the_question"] == "A hearing loop"
    assert bundle["digest_entries"] == [
        {
            "item": "Spring forum",
            "kind": "content",
            "summary_message": digest.id,
            "listed_at": NOW.isoformat(),
        }
    ]
    assert "meeting_answers,1,your_answer_to_the_question,A hearing loop" in bundle_as_csv(bundle)
    assert bens["meeting_answers"][0]["place"] == "waiting" and bens["digest_entries"] == []
    assert "A hearing loop" not in str(bens)
