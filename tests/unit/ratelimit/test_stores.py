"""The SQLite twin on a real file, the fail policy of both stores, and build_limiter's choice."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifier.ratelimit import (
    DEFAULT_REDIS_KEY,
    Lane,
    LimiterUnavailable,
    RedisTokenBucket,
    SqliteTokenBucket,
    build_limiter,
    connect_limiter_redis,
)
from tests.support.settings import make_settings
from tests.unit.ratelimit.test_bucket_arithmetic import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_700_000_000.0)


@pytest.fixture
def sqlite_bucket(tmp_path: Path, clock: FakeClock) -> Iterator[SqliteTokenBucket]:
    bucket = SqliteTokenBucket(
        tmp_path / "var" / "ratelimit.db", per_minute=60, burst=5, reserve=2, clock=clock
    )
    yield bucket
    bucket.close()


def test_sqlite_twin_keeps_the_same_arithmetic(sqlite_bucket: SqliteTokenBucket, clock: FakeClock) -> None:
    granted = [sqlite_bucket.acquire(Lane.BULK) for _ in range(4)]
    assert granted == [0.0, 0.0, 0.0, pytest.approx(1.0)]
    assert sqlite_bucket.acquire(Lane.TRANSACTIONAL) == 0.0
    assert sqlite_bucket.acquire(Lane.TRANSACTIONAL) == 0.0
    assert sqlite_bucket.acquire(Lane.TRANSACTIONAL) == pytest.approx(1.0)
    clock.now += 2.0
    assert sqlite_bucket.acquire(Lane.TRANSACTIONAL) == 0.0


def test_two_handles_on_one_file_share_one_bucket(
    sqlite_bucket: SqliteTokenBucket, tmp_path: Path, clock: FakeClock
) -> None:
    other = SqliteTokenBucket(sqlite_bucket.path, per_minute=60, burst=5, reserve=2, clock=clock)
    try:
        assert sqlite_bucket.acquire(Lane.TRANSACTIONAL) == 0.0
        assert other.acquire(Lane.TRANSACTIONAL) == 0.0
        assert sqlite_bucket.acquire(Lane.TRANSACTIONAL) == 0.0
        assert other.acquire(Lane.TRANSACTIONAL) == 0.0
        assert sqlite_bucket.acquire(Lane.TRANSACTIONAL) == 0.0
        assert other.acquire(Lane.TRANSACTIONAL) == pytest.approx(1.0)
    finally:
        other.close()


def test_sqlite_twin_raises_limiter_unavailable_when_the_file_stays_locked(
    sqlite_bucket: SqliteTokenBucket, clock: FakeClock
) -> None:
    impatient = SqliteTokenBucket(
        sqlite_bucket.path, per_minute=60, burst=5, reserve=2, clock=clock, busy_timeout_seconds=0.05
    )
    holder = sqlite3.connect(sqlite_bucket.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(LimiterUnavailable, match="busy"):
            impatient.acquire(Lane.TRANSACTIONAL)
        holder.execute("ROLLBACK")
        assert impatient.acquire(Lane.TRANSACTIONAL) == 0.0
    finally:
        holder.close()
        impatient.close()


def test_sqlite_twin_refuses_a_path_it_cannot_open(tmp_path: Path) -> None:
    (tmp_path / "ratelimit.db").mkdir()
    with pytest.raises(LimiterUnavailable):
        SqliteTokenBucket(tmp_path / "ratelimit.db", per_minute=60, burst=5, reserve=0)


def test_redis_bucket_raises_limiter_unavailable_when_redis_is_down() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = connect_limiter_redis(f"redis://127.0.0.1:{port}/0")
    bucket = RedisTokenBucket(client, "notifier:test:down", per_minute=60, burst=5, reserve=0)
    try:
        with pytest.raises(LimiterUnavailable, match="ConnectionError"):
            bucket.acquire(Lane.TRANSACTIONAL)
    finally:
        client.close()


def test_build_limiter_uses_sqlite_under_var_without_redis(tmp_path: Path) -> None:
    settings = make_settings(
        var_dir=tmp_path,
        redis_url=None,
        rate_limit_per_minute=120,
        rate_limit_burst=40,
        transactional_reserve=10,
        rate_limit_headroom=0.0,
    )
    limiter = build_limiter(settings)
    assert isinstance(limiter, SqliteTokenBucket)
    try:
        assert limiter.path == tmp_path / "ratelimit.db"
        assert (limiter.shape.per_minute, limiter.shape.burst, limiter.shape.reserve) == (120, 40, 10)
    finally:
        limiter.close()


def test_build_limiter_uses_redis_when_configured(tmp_path: Path) -> None:
    settings = make_settings(
        var_dir=tmp_path,
        redis_url="redis://127.0.0.1:1/0",
        rate_limit_per_minute=3000,
        rate_limit_burst=1000,
        transactional_reserve=100,
    )
    limiter = build_limiter(settings)
    assert isinstance(limiter, RedisTokenBucket)
    assert limiter.key == DEFAULT_REDIS_KEY
    # The default 2 % headroom keeps the fleet just under Notify's 3,000/min.
    assert (limiter.shape.per_minute, limiter.shape.burst, limiter.shape.reserve) == (2940, 1000, 100)
    assert not (tmp_path / "ratelimit.db").exists()
