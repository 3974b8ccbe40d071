"""What services need from the outside, as Protocols: the task queue, the limiter, the clock of record.

The web app and the workers plug in Celery-backed implementations; unit tests plug in recorders.
"""

from __future__ import annotations

from typing import Protocol

from notifier.domain.statuses import Lane


class TaskQueue(Protocol):
    def enqueue_fanout(self, message_id: int, *, countdown: float = 0) -> None: ...

    def enqueue_send(
        self,
        message_id: int,
        first_delivery_id: int,
        last_delivery_id: int,
        lane: Lane,
        *,
        countdown: float = 0,
    ) -> None: ...


class RateLimiter(Protocol):
    def acquire(self, lane: Lane) -> float:
        """0.0 when a token was taken now; otherwise seconds to wait (nothing taken)."""
        ...

    def drain(self) -> None:
        """Empty the bucket for every sender: Notify answered 429 RateLimitError."""
        ...
