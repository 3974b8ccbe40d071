"""One rate limiter for every sender, shaped like Notify's own bucket so we never hit its 429s.

Notify refills `rate_limit / 60` tokens a second up to a capacity (1,000 by default) per service and key
type. We keep the same bucket on our side, shared by every sending thread, process and host:

* `RedisTokenBucket` (fleet mode): one atomic Lua script per acquire, timed by Redis `TIME`, so hosts with
  skewed clocks still share one bucket.
* `SqliteTokenBucket` (embedded default): the same arithmetic in a small SQLite file under var/, one
  `BEGIN IMMEDIATE` transaction per acquire, timed by the wall clock, shared by the processes of one machine.
* `InMemoryTokenBucket`: one process only; for unit tests and tools.

Lanes: the last `reserve` tokens belong to the transactional lane (confirmations, data-request emails),
so those overtake a bulk send. Bulk takes a token only while more than `reserve` tokens remain.

Notify's 429 RateLimitError means its bucket is empty whatever ours says (another sender shares the
key, or our clocks drifted): `drain` empties ours too, so the whole fleet waits for the refill together.
The bucket's refill runs `headroom` below Notify's rate (`build_limiter`), so that requests bunched up
by network latency still find tokens at Notify.

Fail policy: when the limiter's store cannot be reached, `acquire` raises `LimiterUnavailable`. The sender
must put the delivery back and try later; it must never send unthrottled.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from notifier.domain.statuses import Lane  # one Lane for the whole code base; re-exported here
from notifier.ratelimit.base import LimiterUnavailable, RateLimiter
from notifier.ratelimit.bucket import (
    BucketShape,
    BucketState,
    InMemoryTokenBucket,
    drained,
    take_token,
    wait_for_token,
)
from notifier.ratelimit.redis_bucket import DEFAULT_REDIS_KEY, RedisTokenBucket, connect_limiter_redis
from notifier.ratelimit.sqlite_bucket import DEFAULT_BUCKET_NAME, SQLITE_FILE_NAME, SqliteTokenBucket

if TYPE_CHECKING:
    from notifier.config import Settings

__all__ = [
    "DEFAULT_REDIS_KEY",
    "BucketShape",
    "BucketState",
    "InMemoryTokenBucket",
    "Lane",
    "LimiterUnavailable",
    "RateLimiter",
    "RedisTokenBucket",
    "SqliteTokenBucket",
    "build_limiter",
    "connect_limiter_redis",
    "drained",
    "refill_per_minute",
    "take_token",
    "wait_for_token",
]


def refill_per_minute(settings: Settings) -> int:
    """Notify's rate less the headroom (3,000/min with 2 % headroom refills 2,940/min)."""
    return max(1, math.floor(settings.rate_limit_per_minute * (1.0 - settings.rate_limit_headroom)))


def build_limiter(settings: Settings, bucket: str | None = None) -> RateLimiter:
    """Redis when `redis_url` is set (fleet mode), else the SQLite twin under var/ (embedded default).

    `bucket` names one Notify service and key type ("<service id>:<key type>"): each has a bucket of
    its own, as at Notify. Without it, the one bucket of the deployment's configured service.
    """
    if settings.redis_url:
        return RedisTokenBucket(
            connect_limiter_redis(settings.redis_url),
            f"{DEFAULT_REDIS_KEY}:{bucket}" if bucket else DEFAULT_REDIS_KEY,
            refill_per_minute(settings),
            settings.rate_limit_burst,
            settings.transactional_reserve,
        )
    return SqliteTokenBucket(
        settings.var_dir / SQLITE_FILE_NAME,
        refill_per_minute(settings),
        settings.rate_limit_burst,
        settings.transactional_reserve,
        name=bucket or DEFAULT_BUCKET_NAME,
    )
