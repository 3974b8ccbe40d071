"""Status progression and delivery-receipt callbacks, driven by the sandbox clock (facts §6).

created -> sending after `sending_delay_seconds`, -> the final status after `final_delay_seconds`
(both from created_at). An email whose outcome is `timeout` stays `sending` until the 72 h sweep makes
it temporary-failure. Events sit in one heap ordered by sandbox time; advancing the clock re-arms the
timer so everything now due happens at once.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from enum import StrEnum

from notify_sandbox.behaviour.callbacks import CallbackSender
from notify_sandbox.config.settings import Outcome, SandboxConfig
from notify_sandbox.state.clock import SandboxClock
from notify_sandbox.state.store import NotificationStatus, NotificationStore, StoredNotification

TIMEOUT_AFTER_SECONDS = 72 * 3600
# Events this close together run in one timer call: timers may fire a little early, and batching
# keeps a busy sandbox from waking for every single status change.
TIMER_SLACK_SECONDS = 0.01
# Notify queues delivery-status callbacks for receipts and for the 72 h sweep; no code path was
# found that queues one for an email's technical failure, so none is sent for it.
CALLBACK_STATUSES = frozenset(
    {NotificationStatus.DELIVERED, NotificationStatus.PERMANENT_FAILURE, NotificationStatus.TEMPORARY_FAILURE}
)
_OUTCOME_STATUS = {
    Outcome.DELIVERED: NotificationStatus.DELIVERED,
    Outcome.PERMANENT_FAILURE: NotificationStatus.PERMANENT_FAILURE,
    Outcome.TEMPORARY_FAILURE: NotificationStatus.TEMPORARY_FAILURE,
    Outcome.TECHNICAL_FAILURE: NotificationStatus.TECHNICAL_FAILURE,
}


class Event(StrEnum):
    SENDING = "sending"
    FINAL = "final"
    TIMEOUT = "timeout"
    CALLBACK = "callback"


class Lifecycle:
    def __init__(self, config: SandboxConfig, clock: SandboxClock, store: NotificationStore) -> None:
        self._config = config
        self._clock = clock
        self._store = store
        self._heap: list[tuple[float, int, Event, StoredNotification]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due = float("inf")
        self._callbacks = {
            s.service_id: CallbackSender(s, clock, self._schedule_retry)
            for s in config.services
            if s.callback_url
        }

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for callbacks in self._callbacks.values():
            await callbacks.close()

    def track(self, notification: StoredNotification) -> None:
        created = notification.created_at.timestamp()
        self._push(created + self._config.sending_delay_seconds, Event.SENDING, notification)
        if notification.outcome is Outcome.TIMEOUT:
            self._push(created + TIMEOUT_AFTER_SECONDS, Event.TIMEOUT, notification)
        else:
            self._push(created + self._config.final_delay_seconds, Event.FINAL, notification)

    def wake(self) -> None:
        """The clock moved: run whatever is due now, before the control API answers (so a test that moved
        the clock finds it done, or its callbacks in flight), and re-arm for the rest."""
        if self._timer is not None:
            self._timer.cancel()
        self._run_due()

    def force(self, notification: StoredNotification, status: NotificationStatus) -> None:
        """Set a status now (tests use it for technical failures and the like); finals send callbacks."""
        self._set(notification, status)

    def pending_events(self) -> int:
        return len(self._heap)

    def callbacks_in_flight(self) -> int:
        return sum(callbacks.in_flight() for callbacks in self._callbacks.values())

    def _push(self, due: float, event: Event, notification: StoredNotification) -> None:
        heapq.heappush(self._heap, (due, next(self._order), event, notification))
        if due < self._timer_due:
            self._rearm(force=False)

    def _schedule_retry(self, notification: StoredNotification, delay: float) -> None:
        self._push(self._clock.timestamp() + delay, Event.CALLBACK, notification)

    def _rearm(self, *, force: bool) -> None:
        if self._timer is not None and (force or (self._heap and self._heap[0][0] < self._timer_due)):
            self._timer.cancel()
            self._timer, self._timer_due = None, float("inf")
        if self._timer is None and self._heap:
            self._timer_due = self._heap[0][0]
            delay = max(0.0, self._timer_due - self._clock.timestamp())
            self._timer = asyncio.get_running_loop().call_later(delay, self._run_due)

    def _run_due(self) -> None:
        self._timer, self._timer_due = None, float("inf")
        due_by = self._clock.timestamp() + TIMER_SLACK_SECONDS
        while self._heap and self._heap[0][0] <= due_by:
            _, _, event, notification = heapq.heappop(self._heap)
            self._apply(event, notification)
        self._rearm(force=False)

    def _apply(self, event: Event, notification: StoredNotification) -> None:
        status = notification.status
        if event is Event.SENDING and status is NotificationStatus.CREATED:
            technical = notification.outcome is Outcome.TECHNICAL_FAILURE
            self._set(
                notification,
                NotificationStatus.TECHNICAL_FAILURE if technical else NotificationStatus.SENDING,
            )
        elif event is Event.FINAL and status is NotificationStatus.SENDING:
            self._set(notification, _OUTCOME_STATUS[notification.outcome])
        elif event is Event.TIMEOUT and not status.is_final:
            self._set(notification, NotificationStatus.TEMPORARY_FAILURE)
        elif event is Event.CALLBACK and (callbacks := self._callbacks.get(notification.service_id)):
            callbacks.send(notification)

    def _set(self, notification: StoredNotification, status: NotificationStatus) -> None:
        self._store.set_status(notification, status, self._clock.now())
        if status in CALLBACK_STATUSES and (callbacks := self._callbacks.get(notification.service_id)):
            callbacks.send(notification)
