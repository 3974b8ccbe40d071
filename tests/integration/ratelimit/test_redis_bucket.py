"""The fleet bucket against a real Redis: atomic under threads and processes, the reserve, Redis TIME."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
import redis
import time_machine

from notifier.ratelimit import Lane, RedisTokenBucket
from tests.integration.ratelimit.hammer import hammer, run_hammers

pytestmark = [pytest.mark.redis, pytest.mark.dates]

# One token a minute: during a test of a few seconds the bucket holds exactly its burst, so any race that
# let two callers take the same token would show up as more than `burst` grants.
ALMOST_NO_REFILL = 1


def redis_seconds(client: redis.Redis) -> float:
    seconds, microseconds = cast(tuple[int, int], client.time())  # redis-py types sync and async alike
    return float(seconds) + microseconds / 1_000_000


def test_many_threads_never_get_more_than_the_burst(limiter_redis: redis.Redis, bucket_key: str) -> None:
    bucket = RedisTokenBucket(limiter_redis, bucket_key, per_minute=ALMOST_NO_REFILL, burst=300, reserve=0)
    tally, _ = hammer(bucket, Lane.TRANSACTIONAL, threads=16, seconds=1.0)
    assert tally.granted == 300
    assert tally.acquires > 300  # the race really happened: most calls were refused


def test_two_processes_share_one_bucket_and_its_refill(limiter_redis_url: str, bucket_key: str) -> None:
    per_minute, burst = 1200, 50  # 20 tokens a second
    client = redis.Redis.from_url(limiter_redis_url)
    try:
        before = redis_seconds(client)
        results = run_hammers(
            "redis", limiter_redis_url, 2, "--key", bucket_key, "--per-minute", str(per_minute),
            "--burst", str(burst), "--threads", "6", "--seconds", "1.5",
        )  # fmt: skip
        elapsed = redis_seconds(client) - before
    finally:
        client.close()
    granted = sum(int(result["granted"]) for result in results)
    hammered = max(result["seconds"] for result in results)
    assert all(result["granted"] > 0 for result in results), results  # both processes drew on it
    assert granted <= burst + elapsed * per_minute / 60 + 1  # never more than capacity + refill
    assert granted >= burst + hammered * per_minute / 60 * 0.8  # and the refill really was handed out


def test_bulk_leaves_the_reserve_even_when_both_lanes_race(
    limiter_redis: redis.Redis, bucket_key: str
) -> None:
    bucket = RedisTokenBucket(limiter_redis, bucket_key, per_minute=ALMOST_NO_REFILL, burst=40, reserve=10)
    bulk, _ = hammer(bucket, Lane.BULK, threads=8, seconds=0.5)
    assert bulk.granted == 30
    transactional, _ = hammer(bucket, Lane.TRANSACTIONAL, threads=8, seconds=0.5)
    assert transactional.granted == 10
    assert bucket.acquire(Lane.BULK) == pytest.approx(11 * 60, abs=2)  # 11 tokens at one a minute
    assert bucket.acquire(Lane.TRANSACTIONAL) == pytest.approx(60, abs=2)


def test_the_bucket_runs_on_redis_time_not_the_callers_clock(
    limiter_redis: redis.Redis, bucket_key: str
) -> None:
    bucket = RedisTokenBucket(limiter_redis, bucket_key, per_minute=60, burst=3, reserve=0)
    for _ in range(3):
        assert bucket.acquire(Lane.TRANSACTIONAL) == 0.0
    with time_machine.travel(datetime.now(UTC) + timedelta(days=1), tick=True):
        # A bucket timed by this process's clock would now be full again.
        assert bucket.acquire(Lane.TRANSACTIONAL) > 0.5
        stored = float(cast(bytes, limiter_redis.hget(bucket_key, "updated_at")))
    assert abs(stored - redis_seconds(limiter_redis)) < 5


def test_state_expires_once_the_bucket_would_be_full_anyway(
    limiter_redis: redis.Redis, bucket_key: str
) -> None:
    bucket = RedisTokenBucket(limiter_redis, bucket_key, per_minute=3000, burst=1000, reserve=100)
    bucket.acquire(Lane.BULK)
    ttl_ms = cast(int, limiter_redis.pttl(bucket_key))
    assert 20_000 < ttl_ms <= 21_000  # 1000 tokens at 50 a second, plus a second


def test_the_script_is_reloaded_after_a_script_flush(limiter_redis: redis.Redis, bucket_key: str) -> None:
    bucket = RedisTokenBucket(limiter_redis, bucket_key, per_minute=60, burst=2, reserve=0)
    assert bucket.acquire(Lane.TRANSACTIONAL) == 0.0
    limiter_redis.script_flush()
    assert bucket.acquire(Lane.TRANSACTIONAL) == 0.0
    assert bucket.acquire(Lane.TRANSACTIONAL) > 0


def test_batches_under_many_threads_never_get_more_than_the_burst(
    limiter_redis: redis.Redis, bucket_key: str
) -> None:
    import threading  # noqa: PLC0415 - only this test starts threads by hand

    bucket = RedisTokenBucket(limiter_redis, bucket_key, per_minute=ALMOST_NO_REFILL, burst=300, reserve=20)
    granted: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(40):
            taken, _ = bucket.acquire_many(Lane.BULK, 7)
            with lock:
                granted.append(taken)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 280  # the burst less the transactional reserve, never a token more
    assert bucket.acquire_many(Lane.TRANSACTIONAL, 50) == (20, 0.0)
