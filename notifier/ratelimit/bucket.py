"""The token-bucket arithmetic shared by every store, the in-process bucket, and waiting for a token."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from notifier.domain.statuses import Lane
from notifier.ratelimit.base import RateLimiter


@dataclass(frozen=True, slots=True)
class BucketShape:
    per_minute: int
    burst: int
    reserve: int

    def __post_init__(self) -> None:
        if self.per_minute < 1 or self.burst < 1:
            raise ValueError("per_minute and burst must be at least 1")
        if not 0 <= self.reserve < self.burst:
            raise ValueError("reserve must be at least 0 and smaller than burst, or bulk could never send")

    @property
    def refill_per_second(self) -> float:
        return self.per_minute / 60.0

    def floor(self, lane: Lane) -> int:
        """Tokens that must still be there after this lane takes one."""
        return self.reserve if lane is Lane.BULK else 0

    @property
    def seconds_to_fill(self) -> float:
        return self.burst / self.refill_per_second


@dataclass(frozen=True, slots=True)
class BucketState:
    tokens: float
    updated_at: float  # seconds on the clock of whoever keeps the bucket


def take_token(
    state: BucketState | None, now: float, shape: BucketShape, lane: Lane
) -> tuple[BucketState, float]:
    """Refill for the time elapsed, then take one token if the lane may; returns (new state, wait seconds).

    A missing bucket starts full. A clock that went backwards refills nothing (and never un-fills).
    """
    new_state, _, wait = take_tokens(state, now, shape, lane, 1)
    return new_state, wait


def take_tokens(
    state: BucketState | None, now: float, shape: BucketShape, lane: Lane, wanted: int
) -> tuple[BucketState, int, float]:
    """Take up to `wanted` tokens, leaving the lane's floor; (new state, taken, wait when none taken)."""
    if state is None:
        state = BucketState(tokens=float(shape.burst), updated_at=now)
    elapsed = max(0.0, now - state.updated_at)
    tokens = min(float(shape.burst), state.tokens + elapsed * shape.refill_per_second)
    updated_at = max(now, state.updated_at)
    floor = shape.floor(lane)
    taken = min(wanted, max(0, math.floor(tokens - floor)))
    if taken >= 1:
        return BucketState(tokens=tokens - taken, updated_at=updated_at), taken, 0.0
    wait = (floor + 1 - tokens) / shape.refill_per_second
    return BucketState(tokens=tokens, updated_at=updated_at), 0, wait


def drained(state: BucketState | None, now: float) -> BucketState:
    return BucketState(tokens=0.0, updated_at=max(now, state.updated_at) if state else now)


class InMemoryTokenBucket:
    """The bucket for one process; `clock` is injectable so tests can drive time."""

    def __init__(
        self, per_minute: int, burst: int, reserve: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.shape = BucketShape(per_minute, burst, reserve)
        self._clock = clock
        self._state: BucketState | None = None
        self._lock = threading.Lock()

    def acquire(self, lane: Lane) -> float:
        with self._lock:
            self._state, wait = take_token(self._state, self._clock(), self.shape, lane)
        return wait

    def acquire_many(self, lane: Lane, wanted: int) -> tuple[int, float]:
        with self._lock:
            self._state, taken, wait = take_tokens(self._state, self._clock(), self.shape, lane, wanted)
        return taken, wait

    def drain(self) -> None:
        with self._lock:
            self._state = drained(self._state, self._clock())


def wait_for_token(
    limiter: RateLimiter,
    lane: Lane,
    *,
    deadline_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> bool:
    """Block until a token is taken (True) or until it could not be within `deadline_seconds` (False).

    LimiterUnavailable propagates: the caller retries the send later rather than sending unthrottled.
    """
    give_up_at = monotonic() + deadline_seconds
    while True:
        wait = limiter.acquire(lane)
        if wait <= 0:
            return True
        remaining = give_up_at - monotonic()
        if wait > remaining:
            return False
        sleep(wait)
