"""Notify's per-minute token bucket and daily limit (facts §4), checked before the body is read."""

from __future__ import annotations

import math
from datetime import date

from notify_sandbox.config.settings import KeyType, ServiceConfig
from notify_sandbox.state.clock import SandboxClock
from notify_sandbox.transport.errors import NotifyError

MAX_BUCKET_CAPACITY = 1000


class TokenBucket:
    """Refills `rate_limit/60` tokens a second up to `min(ceil(rate_limit/3) + 1, 1000)`; starts full."""

    def __init__(self, rate_limit: int, now: float) -> None:
        self.capacity = float(min(math.ceil(rate_limit / 3) + 1, MAX_BUCKET_CAPACITY))
        self.refill_per_second = rate_limit / 60.0
        self.tokens = self.capacity
        self._last = now

    def take(self, now: float) -> bool:
        elapsed = max(0.0, now - self._last)
        self._last = now
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class SendLimits:
    """One service's limits: a bucket per key type, and the daily count shared by live and team keys."""

    def __init__(self, config: ServiceConfig, clock: SandboxClock) -> None:
        self._clock = clock
        self._rate_limit = config.rate_limit
        self._daily_limit = config.effective_daily_limit
        self._buckets = {t: TokenBucket(config.rate_limit, clock.monotonic()) for t in KeyType}
        self._day: date | None = None
        self._sent_today = 0

    def check(self, key_type: KeyType) -> None:
        """Take a token, then check the day's count: raise 429 RateLimitError or TooManyRequestsError."""
        if not self._buckets[key_type].take(self._clock.monotonic()):
            raise rate_limit_error(key_type, self._rate_limit)
        if key_type is KeyType.TEST:
            return  # test keys have their own counter, which Notify never increments
        if self.sent_today() + 1 > self._daily_limit:
            raise NotifyError.one(
                429, "TooManyRequestsError", f"Exceeded send limits (email: {self._daily_limit}) for today"
            )

    def sent_today(self) -> int:
        today = self._clock.now().date()
        if today != self._day:
            self._day, self._sent_today = today, 0
        return self._sent_today

    def count_sent(self, key_type: KeyType) -> None:
        """Called when a notification is stored (smoke tests and test keys are not counted)."""
        if key_type is not KeyType.TEST:
            self.sent_today()
            self._sent_today += 1


def rate_limit_error(key_type: KeyType, rate_limit: int) -> NotifyError:
    return NotifyError.one(
        429,
        "RateLimitError",
        f"Exceeded rate limit for key type {key_type.label} of {rate_limit} requests per 60 seconds",
    )
