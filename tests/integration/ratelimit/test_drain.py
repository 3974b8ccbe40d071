"""Draining the bucket after Notify's 429: every store empties at once and refills from then on."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from notifier.ratelimit import (
    InMemoryTokenBucket,
    Lane,
    RedisTokenBucket,
    SqliteTokenBucket,
    refill_per_minute,
)
from tests.support.settings import make_settings
from tests.unit.ratelimit.test_bucket_arithmetic import FakeClock


def test_a_drained_memory_bucket_waits_for_the_refill_then_serves_transactional_first() -> None:
    clock = FakeClock(start=100.0)
    bucket = InMemoryTokenBucket(per_minute=60, burst=10, reserve=2, clock=clock)
    assert bucket.acquire(Lane.BULK) == 0.0
    bucket.drain()
    assert bucket.acquire(Lane.TRANSACTIONAL) == pytest.approx(1.0)  # one token a second
    assert bucket.acquire(Lane.BULK) == pytest.approx(3.0)  # the reserve of 2 must refill first
    clock.sleep(1.0)
    assert bucket.acquire(Lane.TRANSACTIONAL) == 0.0


def test_a_drained_sqlite_bucket_is_empty_for_every_process(tmp_path: Path) -> None:
    clock = FakeClock(start=1_700_000_000.0)
    path = tmp_path / "ratelimit.db"
    first = SqliteTokenBucket(path, per_minute=60, burst=10, reserve=0, clock=clock)
    second = SqliteTokenBucket(path, per_minute=60, burst=10, reserve=0, clock=clock)
    try:
        first.drain()
        assert second.acquire(Lane.BULK) == pytest.approx(1.0)
        clock.sleep(1.0)
        assert second.acquire(Lane.BULK) == 0.0
    finally:
        first.close()
        second.close()


@pytest.mark.redis
def test_a_drained_redis_bucket_is_empty_for_all(limiter_redis: redis.Redis, bucket_key: str) -> None:
    one = RedisTokenBucket(limiter_redis, bucket_key, per_minute=60, burst=10, reserve=0)
    other = RedisTokenBucket(limiter_redis, bucket_key, per_minute=60, burst=10, reserve=0)
    assert one.acquire(Lane.BULK) == 0.0
    one.drain()
    wait = other.acquire(Lane.BULK)
    assert 0.9 < wait <= 1.0  # Redis TIME moved a little since the drain


def test_the_headroom_keeps_the_refill_just_under_notifys_rate() -> None:
    assert refill_per_minute(make_settings()) == 2940
    assert refill_per_minute(make_settings(rate_limit_headroom=0.0)) == 3000
    assert refill_per_minute(make_settings(rate_limit_per_minute=10, rate_limit_headroom=0.2)) == 8
