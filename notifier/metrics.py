"""Prometheus metrics of the delivery engine: names, labels and the few helpers that feed them.

Labels carry lanes, outcomes and short reasons from a fixed vocabulary, never an address or a name.
Workers count what they send and export it on their own port (`serve_worker_metrics`); the web app
serves `/metrics` with the queue depths it reads from the database (`notifier.web.routes.metrics`).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from prometheus_client import Counter, Gauge, Histogram, start_http_server

from notifier.domain.statuses import Lane

EMAILS = Counter(
    "notifier_emails",
    "Send attempts by lane, outcome (accepted, skipped, failed, throttled, ...) and reason",
    ["lane", "outcome", "reason"],
)
THROTTLE_WAIT_SECONDS = Counter(
    "notifier_throttle_wait_seconds",
    "Seconds sending threads slept waiting for a token of the fleet's rate limiter",
    ["lane"],
)
THROTTLE_WAITS = Counter(
    "notifier_throttle_waits", "Times a sending thread had to wait for a rate-limit token", ["lane"]
)
EVENT_TO_ACCEPTED_SECONDS = Histogram(
    "notifier_event_to_accepted_seconds",
    "Seconds from the message being created (the event) to Notify accepting one of its emails",
    ["lane"],
    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 3600, 7200, 21600, float("inf")),
)
SENDS_PER_SECOND = Gauge(
    "notifier_sends_per_second",
    "Emails Notify accepted per second from this process, averaged over the last 10 seconds",
)
QUEUE_DEPTH = Gauge(
    "notifier_queue_depth",
    "Deliveries waiting to be sent (status queued) per lane, read from the database",
    ["lane"],
)
TASK_RUNS = Counter(
    "notifier_task_runs",
    "Tasks this worker ran to the end, by task name and outcome (ok, failed): a periodic task's count"
    " shows beat's schedule is being kept",
    ["task", "outcome"],
)
IN_FLIGHT = Gauge(
    "notifier_deliveries_sending",
    "Deliveries claimed and not yet settled (status sending), read from the database",
)


class RateWindow:
    """Events per second over a sliding window, cheap enough to call on every accepted email."""

    def __init__(self, seconds: float = 10.0) -> None:
        self.seconds = seconds
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()
        self._started = time.monotonic()

    def add(self, count: int = 1) -> None:
        with self._lock:
            self._stamps.extend([time.monotonic()] * count)

    def per_second(self) -> float:
        now = time.monotonic()
        with self._lock:
            while self._stamps and self._stamps[0] < now - self.seconds:
                self._stamps.popleft()
            count = len(self._stamps)
        return count / max(1e-9, min(self.seconds, now - self._started))


ACCEPTED_WINDOW = RateWindow()
SENDS_PER_SECOND.set_function(ACCEPTED_WINDOW.per_second)


def record_outcome(lane: Lane, outcome: str, reason: str = "") -> None:
    EMAILS.labels(lane=lane.value, outcome=outcome, reason=reason).inc()


def record_accepted(lane: Lane, seconds_since_event: float, *, count: int = 1) -> None:
    """`count` emails accepted at once (a send group's), each `seconds_since_event` after its event."""
    if count < 1:
        return
    EMAILS.labels(lane=lane.value, outcome="accepted", reason="").inc(count)
    histogram = EVENT_TO_ACCEPTED_SECONDS.labels(lane=lane.value)
    for _ in range(count):
        histogram.observe(max(0.0, seconds_since_event))
    ACCEPTED_WINDOW.add(count)


def record_task_run(task: str, outcome: str) -> None:
    TASK_RUNS.labels(task=task, outcome=outcome).inc()


def record_throttle_wait(lane: Lane, seconds: float) -> None:
    THROTTLE_WAITS.labels(lane=lane.value).inc()
    THROTTLE_WAIT_SECONDS.labels(lane=lane.value).inc(seconds)


def serve_worker_metrics(port: int, host: str = "0.0.0.0") -> None:  # noqa: S104 - scraped from outside
    """Serve this process's metrics on http://host:port/metrics from a daemon thread (0: do nothing)."""
    if port:
        start_http_server(port, addr=host)
