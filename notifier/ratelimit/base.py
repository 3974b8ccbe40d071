"""What services know of the limiter: its Protocol and the one error it raises."""

from __future__ import annotations

from typing import Protocol

from notifier.domain.statuses import Lane


class LimiterUnavailable(Exception):
    """The limiter's store (Redis or the SQLite file) did not answer; send nothing, retry later."""


class RateLimiter(Protocol):
    def acquire(self, lane: Lane) -> float:
        """0.0 when a token was taken now; else the seconds until one may be free (nothing taken)."""
        ...

    def acquire_many(self, lane: Lane, wanted: int) -> tuple[int, float]:
        """Take up to `wanted` tokens at once: (taken, 0.0), or (0, seconds until one may be free)."""
        ...

    def drain(self) -> None:
        """Empty the bucket (Notify answered 429 RateLimitError): every sender waits for the refill."""
        ...
