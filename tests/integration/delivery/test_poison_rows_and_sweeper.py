"""One bad row never holds back a chunk; ambiguous sends give up; the sweeper closes and skips messages."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import DeliveryStatus, Lane, MessageStatus
from notifier.gateway.base import EmailRequest, NotificationRecord, OutcomeKind, SendOutcome
from notifier.rendering.emails import EmailKind
from notifier.services.admin.reporting import message_progress
from notifier.services.delivery.composing import ComposedEmail
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.delivery.sending import Sender, SendingConfig, Step
from notifier.services.delivery.sweeper import sweep
from notifier.services.sources.publishing import announce
from tests.integration.delivery.test_sending import SETTINGS, _chunk, _message_with
from tests.support.fakes import RecordingQueue, ScriptedGateway, UnlimitedLimiter
from tests.support.seeding import issue_test_token, network_with_topics, subscriber
from tests.support.webapp import web_app

POISON = "person1@dept.gov.uk"


@dataclass
class PoisonComposer:
    """The real composer, except that one person's email fails to compose, the way `how` says."""

    how: str
    real: TemplateComposer = field(default_factory=lambda: TemplateComposer.from_settings(SETTINGS))

    def compose(self, session: Session, message: Message, subscriber: Subscriber) -> ComposedEmail:
        if subscriber.email == POISON:
            if self.how == "query":  # a stored context that no longer fits what the database holds
                session.execute(text("SELECT missing_column FROM message"))
            raise KeyError("title")  # a stored context missing a field its template needs
        return self.real.compose(session, message, subscriber)


@dataclass
class NotifyAlways500For(ScriptedGateway):
    """Answers one address with a 500 every time and never stores it; accepts everyone else."""

    address: str = POISON

    def send(self, request: EmailRequest) -> SendOutcome:
        if request.email_address == self.address:
            self.sent.append(request)
            return SendOutcome(OutcomeKind.AMBIGUOUS, reason="500 Internal server error", status_code=500)
        return super().send(request)

    def find_by_reference(self, reference: str) -> NotificationRecord | None:
        return super().find_by_reference(reference)


def _sender(
    sessions: sessionmaker[Session], gateway: ScriptedGateway, composer: object = None, attempts: int = 8
) -> Sender:
    return Sender(
        sessions,
        gateway,
        UnlimitedLimiter(),
        composer or TemplateComposer.from_settings(SETTINGS),  # type: ignore[arg-type]
        SendingConfig(ambiguous_grace_seconds=0.0, max_attempts=attempts),
        sleep=lambda _: None,
    )


def _rows(sessions: sessionmaker[Session], message_id: int) -> dict[str, Delivery]:
    with unit_of_work(sessions) as uow:
        rows = uow.session.execute(
            select(Subscriber.email, Delivery)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Delivery.message_id == message_id)
        )
        return {email: delivery for email, delivery in rows}


def _message_status(sessions: sessionmaker[Session], message_id: int) -> MessageStatus:
    with unit_of_work(sessions) as uow:
        return uow.session.get_one(Message, message_id).status


@pytest.mark.parametrize("how", ["exception", "query"])
def test_a_row_that_cannot_be_composed_fails_with_its_reason_and_the_chunk_goes_on(
    sessions: sessionmaker[Session], how: str
) -> None:
    message_id, queue = _message_with(sessions, 4)
    gateway = ScriptedGateway()
    report = _sender(sessions, gateway, PoisonComposer(how)).send_chunk(*_chunk(queue))
    assert report.steps[Step.FAILED] == 1 and report.steps[Step.ACCEPTED] == 3
    rows = _rows(sessions, message_id)
    poison = rows.pop(POISON)
    assert poison.status is DeliveryStatus.TECHNICAL_FAILURE and poison.attempts == 1
    # SQLite reports an unknown column as an OperationalError, PostgreSQL as a ProgrammingError.
    expected = {"KeyError"} if how == "exception" else {"OperationalError", "ProgrammingError"}
    assert poison.failure_reason in {f"could not compose the email: {name}" for name in expected}
    assert poison.completed_at is not None
    assert {d.status for d in rows.values()} == {DeliveryStatus.ACCEPTED}
    assert POISON not in {r.email_address for r in gateway.sent} and len(gateway.sent) == 3
    assert _message_status(sessions, message_id) is MessageStatus.DONE


def test_an_address_notify_always_answers_with_500_gives_up_after_the_maximum_attempts(
    sessions: sessionmaker[Session],
) -> None:
    message_id, queue = _message_with(sessions, 3)
    gateway = NotifyAlways500For()
    sender = _sender(sessions, gateway, attempts=3)
    passes = 0
    while sender.send_chunk(*_chunk(queue)).retry_in_seconds is not None:
        passes += 1
        assert passes < 20, "the chunk never settled"
    rows = _rows(sessions, message_id)
    poison = rows.pop(POISON)
    assert poison.status is DeliveryStatus.TECHNICAL_FAILURE and poison.attempts == 3
    assert poison.failure_reason == "gave up after 3 attempts: 500 Internal server error"
    assert sum(r.email_address == POISON for r in gateway.sent) == 3
    assert {d.status for d in rows.values()} == {DeliveryStatus.ACCEPTED}
    assert _message_status(sessions, message_id) is MessageStatus.DONE


def test_the_sweeper_settles_the_last_stuck_row_and_closes_the_message(
    sessions: sessionmaker[Session],
) -> None:
    message_id, queue = _message_with(sessions, 2)
    gateway = ScriptedGateway(script=deque([OutcomeKind.ACCEPTED, OutcomeKind.AMBIGUOUS]))
    sender = _sender(sessions, gateway)
    sender.send_chunk(*_chunk(queue))  # the ambiguous one reached Notify; the task then died
    assert _message_status(sessions, message_id) is MessageStatus.SENDING
    done = sweep(sessions, RecordingQueue(), sender, stuck_after_seconds=0, chunk_size=100)
    assert done["reconciled_accepted"] == 1 and done["messages_closed"] == 1
    assert _message_status(sessions, message_id) is MessageStatus.DONE
    assert len(gateway.sent) == 2


def test_the_sweeper_gives_up_on_a_stuck_row_whose_attempts_are_spent(
    sessions: sessionmaker[Session],
) -> None:
    message_id, queue = _message_with(sessions, 2)
    gateway = NotifyAlways500For()
    sender = _sender(sessions, gateway, attempts=1)
    sender.send_chunk(*_chunk(queue))
    done = sweep(sessions, RecordingQueue(), sender, stuck_after_seconds=0, chunk_size=100)
    assert done["reconciled_failed"] == 1 and done["messages_closed"] == 1
    assert _rows(sessions, message_id)[POISON].status is DeliveryStatus.TECHNICAL_FAILURE


def test_the_sweeper_leaves_a_paused_message_alone_until_it_resumes(sessions: sessionmaker[Session]) -> None:
    message_id, queue = _message_with(sessions, 3)
    sender = _sender(sessions, ScriptedGateway(script=deque([OutcomeKind.DAILY_LIMIT])))
    assert sender.send_chunk(*_chunk(queue)).steps[Step.PAUSED] == 1
    swept = RecordingQueue()
    done = sweep(sessions, swept, sender, stuck_after_seconds=0, chunk_size=100)
    assert not done["chunks_requeued"] and not swept.sends
    with unit_of_work(sessions) as uow:
        uow.session.get_one(Message, message_id).paused_until = utcnow() - timedelta(seconds=1)
    done = sweep(sessions, swept, sender, stuck_after_seconds=0, chunk_size=100)
    assert done["chunks_requeued"] == 1 and [s[0] for s in swept.sends] == [message_id]


class LosingQueue(RecordingQueue):
    """The process died right after the commit: every enqueue registered for after it is lost."""

    def enqueue_fanout(self, message_id: int, *, countdown: float = 0) -> None:
        return None

    def enqueue_send(self, *args: object, **kwargs: object) -> None:
        return None


def test_what_was_committed_but_never_enqueued_is_found_and_enqueued_by_the_sweeper(
    sessions: sessionmaker[Session],
) -> None:
    lost = LosingQueue()
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        people = [subscriber(uow.session, network, f"person{i}@dept.gov.uk", [news]) for i in range(3)]
        bulk = announce(uow, lost, network, news, subject="Forum", body="Come along.").id
        confirm = queue_one_email(
            uow,
            lost,
            people[0],
            EmailKind.CONFIRM_SUBSCRIPTION,
            {
                "confirm_url": "https://notifier.example.gov.uk/confirm/x",
                "expiry_days": 7,
                "topic_names": ["News"],
            },
            now=utcnow(),
        ).id
    sender = _sender(sessions, ScriptedGateway())

    swept = RecordingQueue()
    done = sweep(sessions, swept, sender, stuck_after_seconds=0, chunk_size=100)
    assert swept.fanouts == [bulk] and done["fanout_requeued"] == 1
    assert [(s[0], s[3]) for s in swept.sends] == [(confirm, Lane.TRANSACTIONAL)]

    fan_out_next_batch(sessions, lost, bulk, batch_size=1000, chunk_size=100)  # its chunks are lost too
    swept = RecordingQueue()
    sweep(sessions, swept, sender, stuck_after_seconds=0, chunk_size=100)
    assert {(s[0], s[3]) for s in swept.sends} == {(bulk, Lane.BULK), (confirm, Lane.TRANSACTIONAL)}
    for message_id, first, last, _ in swept.sends:
        sender.send_chunk(message_id, first, last)
    assert _message_status(sessions, bulk) is MessageStatus.DONE
    assert _message_status(sessions, confirm) is MessageStatus.DONE
    assert len(_rows(sessions, bulk)) == 3 and len(sender.gateway.sent) == 4  # type: ignore[attr-defined]


def test_status_and_the_admin_api_show_a_messages_failures_grouped_by_reason(
    isolated_sessions: sessionmaker[Session], isolated_database_url: str
) -> None:
    """A database of its own: `notifier status` runs in a process of its own."""
    sessions = isolated_sessions
    message_id, queue = _message_with(sessions, 5)
    gateway = NotifyAlways500For(address="person3@dept.gov.uk")
    sender = _sender(sessions, gateway, PoisonComposer("exception"), attempts=2)
    while sender.send_chunk(*_chunk(queue)).retry_in_seconds is not None:
        pass
    compose = "could not compose the email: KeyError"
    gave_up = "gave up after 2 attempts: 500 Internal server error"
    with unit_of_work(sessions) as uow:
        progress = message_progress(uow.session, message_id)
        network = uow.session.get_one(Network, uow.session.get_one(Message, message_id).network_id)
        token = issue_test_token(uow.session, network, AdminRole.EDITOR, "a@dept.gov.uk")
    assert progress is not None and progress.counts["failed"] == 2 and progress.status == "done"
    assert progress.counts["sent"] == 3  # the two failures never reached Notify
    assert sorted(progress.failures) == sorted([(compose, 1), (gave_up, 1)])

    web = web_app(sessions)
    answer = web.client.get(
        f"/admin/api/networks/{network.slug}/messages/{message_id}",
        headers={"Authorization": f"Bearer {token.secret}"},
    )
    assert answer.status_code == 200
    assert sorted((f["reason"], f["count"]) for f in answer.json()["failures"]) == sorted(progress.failures)

    env = {**os.environ, "NOTIFIER_DATABASE_URL": isolated_database_url, "COLUMNS": "200"}
    shown = subprocess.run(
        [sys.executable, "-m", "notifier", "status", str(message_id)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert compose in shown and gave_up in shown and "failed: 1" in shown
