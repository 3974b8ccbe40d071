"""A group's Notify calls made at once (the worker's call pool), on both databases: each email once,
every outcome recorded as when they were sent one after another."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Delivery
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus, Lane
from notifier.gateway.base import EmailRequest, OutcomeKind, SendOutcome
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.sending import Sender, SendingConfig, Step
from tests.integration.delivery.test_sending import SETTINGS, _chunk, _message_with
from tests.support.fakes import ScriptedGateway, UnlimitedLimiter


class SlowNotify(ScriptedGateway):
    """Takes 20 ms a call, counts how many calls were in flight at once, answers some rows as told."""

    def __init__(self, answers: dict[int, OutcomeKind] | None = None) -> None:
        super().__init__()
        self.answers = answers or {}  # position of the recipient (person<n>) -> outcome
        self.in_flight = self.most_in_flight = 0
        self._count_lock = threading.Lock()

    def send(self, request: EmailRequest) -> SendOutcome:
        with self._count_lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(0.02)
        with self._count_lock:
            self.in_flight -= 1
        person = int(request.email_address.removeprefix("person").split("@")[0])
        kind = self.answers.get(person, OutcomeKind.ACCEPTED)
        if kind in (OutcomeKind.ACCEPTED, OutcomeKind.AMBIGUOUS):
            return super().send(request) if kind is OutcomeKind.ACCEPTED else self._reached(request)
        with self._lock:
            self.sent.append(request)
        return SendOutcome(kind, reason=f"scripted {kind.value}", status_code=400)

    def _reached(self, request: EmailRequest) -> SendOutcome:
        """A 500 after Notify stored the email: a lookup by reference finds it."""
        super().send(request)
        return SendOutcome(OutcomeKind.AMBIGUOUS, reason="scripted ambiguous", status_code=500)


@pytest.fixture
def sender_for(sessions: sessionmaker[Session]) -> Iterator[object]:
    made: list[Sender] = []

    def build(gateway: ScriptedGateway) -> Sender:
        sender = Sender(
            sessions,
            gateway,
            UnlimitedLimiter(),
            TemplateComposer.from_settings(SETTINGS),
            SendingConfig(ambiguous_grace_seconds=0.0, group_size=20, calls_in_flight=8),
            sleep=lambda _: None,
        )
        made.append(sender)
        return sender

    yield build
    for sender in made:
        sender.calls.shutdown()


def _rows(sessions: sessionmaker[Session], message_id: int) -> list[tuple[DeliveryStatus, int, str | None]]:
    with unit_of_work(sessions) as uow:
        return [
            tuple(row)  # type: ignore[misc]
            for row in uow.session.execute(
                select(Delivery.status, Delivery.attempts, Delivery.notify_id)
                .where(Delivery.message_id == message_id)
                .order_by(Delivery.id)
            )
        ]


def test_a_groups_emails_go_out_together_and_each_is_recorded_once(
    sessions: sessionmaker[Session], sender_for: object
) -> None:
    message_id, queue = _message_with(sessions, 45)
    gateway = SlowNotify()
    report = sender_for(gateway).send_chunk(*_chunk(queue))  # type: ignore[operator]
    assert report.steps[Step.ACCEPTED] == 45 and report.retry_in_seconds is None
    assert gateway.most_in_flight > 1
    assert len(gateway.sent) == 45 and len({r.reference for r in gateway.sent}) == 45
    rows = _rows(sessions, message_id)
    assert {(status, attempts) for status, attempts, _ in rows} == {(DeliveryStatus.ACCEPTED, 1)}
    assert len({notify_id for _, _, notify_id in rows}) == 45


def test_mixed_outcomes_in_one_concurrent_group_are_each_recorded_as_before(
    sessions: sessionmaker[Session], sender_for: object
) -> None:
    message_id, queue = _message_with(sessions, 10)
    gateway = SlowNotify({3: OutcomeKind.AMBIGUOUS, 5: OutcomeKind.PERMANENT, 7: OutcomeKind.RETRYABLE})
    sender = sender_for(gateway)  # type: ignore[operator]
    report = sender.send_chunk(*_chunk(queue))
    assert +report.steps == {Step.ACCEPTED: 7, Step.UNSETTLED: 1, Step.FAILED: 1, Step.RELEASED: 1}
    gateway.answers.clear()
    sender.send_chunk(*_chunk(queue))  # the ambiguous one is found at Notify; the retryable one is sent
    statuses = [status for status, _, _ in _rows(sessions, message_id)]
    assert statuses.count(DeliveryStatus.ACCEPTED) == 9 and DeliveryStatus.TECHNICAL_FAILURE in statuses
    references = [r.reference for r in gateway.sent]
    assert len(references) == 11  # ten first tries, the retryable one again; the ambiguous one was found


class ThrottledOnce(ScriptedGateway):
    """Notify answers the group's first call 429 (RateLimitError) and accepts the rest."""

    def send(self, request: EmailRequest) -> SendOutcome:
        with self._lock:
            first = not self.sent
            self.sent.append(request)
        if first:
            return SendOutcome(OutcomeKind.THROTTLED, reason="scripted 429", status_code=429)
        return SendOutcome(OutcomeKind.ACCEPTED, notify_id=f"n-{request.reference}")


class TokensOnlyForTheGroup(UnlimitedLimiter):
    """The group's own tokens, then none for a while: the calls a 429 held back must wait."""

    def __init__(self) -> None:
        self.given = False

    def acquire_many(self, lane: Lane, wanted: int) -> tuple[int, float]:
        if self.given:
            return 0, 1.0
        self.given = True
        return wanted, 0.0


def test_a_group_held_back_by_a_429_gives_back_only_rows_still_under_its_own_claim(
    sessions: sessionmaker[Session],
) -> None:
    """While the group waits past its claim hold for tokens, another worker re-queues and claims one
    of its rows (as a chunk's lookup does after the grace): the late give-back must leave that row
    with its new claim, or it would be sent a second time."""
    message_id, queue = _message_with(sessions, 3)
    moments = [datetime(2026, 11, 30, 12, tzinfo=UTC)]
    clock = lambda: moments[-1]  # noqa: E731 - moved on only by the injected sleep
    taken_over: list[int] = []

    def sleep(seconds: float) -> None:
        with unit_of_work(sessions) as uow:  # the other worker: its own claim, a minute later
            row = uow.session.scalars(
                select(Delivery)
                .where(Delivery.message_id == message_id, Delivery.status == DeliveryStatus.SENDING)
                .order_by(Delivery.id.desc())
                .limit(1)
            ).one()
            row.updated_at = moments[-1] + timedelta(minutes=1)
            taken_over.append(row.id)
        moments.append(moments[-1] + timedelta(seconds=seconds + 5))  # past the 3 s claim hold

    sender = Sender(
        sessions,
        ThrottledOnce(),
        TokensOnlyForTheGroup(),
        TemplateComposer.from_settings(SETTINGS),
        SendingConfig(group_size=20, calls_in_flight=1),
        clock=clock,
        sleep=sleep,
    )
    report = sender.send_chunk(*_chunk(queue))
    assert len(taken_over) == 1
    assert report.steps[Step.RELEASED] == 2 and report.steps[Step.NOT_CLAIMED] == 1
    with unit_of_work(sessions) as uow:
        statuses = dict(
            uow.session.execute(
                select(Delivery.id, Delivery.status).where(Delivery.message_id == message_id)
            ).all()
        )
    assert statuses.pop(taken_over[0]) is DeliveryStatus.SENDING  # still the other worker's claim
    assert set(statuses.values()) == {DeliveryStatus.QUEUED}  # the 429'd row and the one never called
