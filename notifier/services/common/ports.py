"""What services need from the task queue, as a Protocol.

The web app and the workers plug in Celery-backed implementations; unit tests plug in recorders. The
limiter's and the gateway's Protocols live with them (`notifier.ratelimit.base`, `notifier.gateway.base`).
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
