"""Test doubles for the Protocols at the edge of the services: queue, gateway and limiter."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field

from notifier.domain.statuses import Lane
from notifier.gateway.base import EmailRequest, NotificationRecord, OutcomeKind, SendOutcome


class UnexpectedTask(AssertionError):
    """Something enqueued a task where the test expected none."""


@dataclass
class RecordingQueue:
    fanouts: list[int] = field(default_factory=list)
    sends: list[tuple[int, int, int, Lane]] = field(default_factory=list)

    def enqueue_fanout(self, message_id: int, *, countdown: float = 0) -> None:
        self._take(f"a fan-out of message {message_id}")
        self.fanouts.append(message_id)

    def enqueue_send(
        self,
        message_id: int,
        first_delivery_id: int,
        last_delivery_id: int,
        lane: Lane,
        *,
        countdown: float = 0,
    ) -> None:
        self._take(f"a send of message {message_id} ({first_delivery_id}-{last_delivery_id}, {lane.value})")
        self.sends.append((message_id, first_delivery_id, last_delivery_id, lane))

    def _take(self, task: str) -> None:
        """A recording queue takes every task."""


class RefusingQueue(RecordingQueue):
    """The task queue a test gets unless it asks for a RecordingQueue: enqueueing fails the test at once,
    so no task goes unnoticed (or into some real broker)."""

    def _take(self, task: str) -> None:
        raise UnexpectedTask(f"{task} was enqueued; use a RecordingQueue")


@dataclass
class ScriptedGateway:
    """Accepts everything unless told otherwise; remembers what Notify would hold by reference."""

    script: deque[OutcomeKind] = field(default_factory=deque)
    sent: list[EmailRequest] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # reference -> notify id
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def send(self, request: EmailRequest) -> SendOutcome:
        with self._lock:
            kind = self.script.popleft() if self.script else OutcomeKind.ACCEPTED
            self.sent.append(request)
            if kind in (OutcomeKind.ACCEPTED, OutcomeKind.AMBIGUOUS):
                notify_id = str(uuid.uuid4())
                self.held[request.reference] = notify_id  # an ambiguous send reached Notify after all
                if kind is OutcomeKind.ACCEPTED:
                    return SendOutcome(kind, notify_id=notify_id)
            return SendOutcome(kind, reason=f"scripted {kind.value}")

    def find_by_reference(self, reference: str) -> NotificationRecord | None:
        notify_id = self.held.get(reference)
        return None if notify_id is None else NotificationRecord(notify_id, reference, "created")


class UnlimitedLimiter:
    def acquire(self, lane: Lane) -> float:
        return 0.0

    def acquire_many(self, lane: Lane, wanted: int) -> tuple[int, float]:
        return wanted, 0.0

    def drain(self) -> None:
        """Nothing to empty."""


CLI_QUEUE = RecordingQueue()
RECORDED_QUEUE_FACTORY = "tests.support.fakes:recorded_queue"
REFUSED_QUEUE_FACTORY = "tests.support.fakes:refused_queue"


def recorded_queue(settings: object) -> RecordingQueue:
    """A task-queue factory for commands run in-process that may enqueue (`NOTIFIER_TASK_QUEUE_FACTORY`)."""
    return CLI_QUEUE


def refused_queue(settings: object) -> RefusingQueue:
    """The task-queue factory of every test's settings (tests/support/settings.py) unless it asks for
    `recorded_queue`: product code that loads its queue from the settings gets one that refuses."""
    return RefusingQueue()
