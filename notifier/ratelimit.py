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

import hashlib
import math
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from notifier.domain.statuses import Lane  # one Lane for the whole code base; re-exported here

if TYPE_CHECKING:
    from notifier.config import Settings

DEFAULT_REDIS_KEY = "notifier:ratelimit:notify"
SQLITE_FILE_NAME = "ratelimit.db"
DEFAULT_BUCKET_NAME = "notify"

__all__ = [
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


class LimiterUnavailable(Exception):
    """The limiter's store (Redis or the SQLite file) did not answer; send nothing, retry later."""


class RateLimiter(Protocol):
    def acquire(self, lane: Lane) -> float:
        """0.0 when a token was taken now; else the seconds until one may be free (nothing taken)."""
        ...

    def drain(self) -> None:
        """Empty the bucket (Notify answered 429 RateLimitError): every sender waits for the refill."""
        ...


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
    if state is None:
        state = BucketState(tokens=float(shape.burst), updated_at=now)
    elapsed = max(0.0, now - state.updated_at)
    tokens = min(float(shape.burst), state.tokens + elapsed * shape.refill_per_second)
    updated_at = max(now, state.updated_at)
    needed = shape.floor(lane) + 1
    if tokens >= needed:
        return BucketState(tokens=tokens - 1, updated_at=updated_at), 0.0
    return BucketState(tokens=tokens, updated_at=updated_at), (needed - tokens) / shape.refill_per_second


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

    def drain(self) -> None:
        with self._lock:
            self._state = drained(self._state, self._clock())


class SqliteTokenBucket:
    """The bucket in a SQLite file, shared by every process on one machine without Redis."""

    def __init__(
        self,
        path: Path,
        per_minute: int,
        burst: int,
        reserve: int,
        *,
        name: str = DEFAULT_BUCKET_NAME,
        clock: Callable[[], float] = time.time,
        busy_timeout_seconds: float = 5.0,
    ) -> None:
        self.shape = BucketShape(per_minute, burst, reserve)
        self.path = path
        self.name = name
        self._clock = clock
        self._busy_timeout_seconds = busy_timeout_seconds
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._connection().execute(
                "CREATE TABLE IF NOT EXISTS token_bucket "
                "(name TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at REAL NOT NULL)"
            )
        except sqlite3.Error as error:
            raise LimiterUnavailable(f"rate-limit file unusable: {type(error).__name__}: {error}") from error

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # isolation_level=None: we issue BEGIN IMMEDIATE/COMMIT ourselves.
            connection = sqlite3.connect(
                self.path, timeout=self._busy_timeout_seconds, isolation_level=None, check_same_thread=False
            )
            self._enable_wal(connection)
            # Losing the last few acquires on power loss only hands out a few extra tokens once.
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _enable_wal(self, connection: sqlite3.Connection) -> None:
        # Switching a new file to WAL takes a lock that SQLite's busy handler does not wait for, so
        # two processes opening the file at once can see "database is locked": try again briefly.
        deadline = time.monotonic() + self._busy_timeout_seconds
        while True:
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def acquire(self, lane: Lane) -> float:
        try:
            return self._acquire(self._connection(), lane)
        except sqlite3.Error as error:
            raise LimiterUnavailable(f"rate-limit file busy or unusable: {type(error).__name__}") from error

    def drain(self) -> None:
        try:
            self._update(self._connection(), lambda state: (drained(state, self._clock()), 0.0))
        except sqlite3.Error as error:
            raise LimiterUnavailable(f"rate-limit file busy or unusable: {type(error).__name__}") from error

    def _acquire(self, connection: sqlite3.Connection, lane: Lane) -> float:
        return self._update(connection, lambda state: take_token(state, self._clock(), self.shape, lane))

    def _update(
        self,
        connection: sqlite3.Connection,
        change: Callable[[BucketState | None], tuple[BucketState, float]],
    ) -> float:
        connection.execute("BEGIN IMMEDIATE")  # the write lock: one change at a time across processes
        try:
            row = connection.execute(
                "SELECT tokens, updated_at FROM token_bucket WHERE name = ?", (self.name,)
            ).fetchone()
            state = BucketState(tokens=row[0], updated_at=row[1]) if row else None
            new_state, wait = change(state)
            connection.execute(
                "INSERT INTO token_bucket (name, tokens, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
                (self.name, new_state.tokens, new_state.updated_at),
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return wait

    def close(self) -> None:
        with self._connections_lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()


# The same arithmetic as take_token, atomically inside Redis, timed by Redis TIME.
# KEYS[1] bucket hash; ARGV: refill per second, capacity, floor for this lane, key TTL in ms.
# Returns the wait in seconds as a string (Lua numbers would be truncated to integers on the way out).
REDIS_BUCKET_SCRIPT = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local needed = tonumber(ARGV[3]) + 1
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'updated_at')
local tokens = tonumber(saved[1]) or capacity
local updated_at = tonumber(saved[2]) or now
if now > updated_at then
  tokens = math.min(capacity, tokens + (now - updated_at) * rate)
  updated_at = now
end
local wait = 0
if tokens >= needed then
  tokens = tokens - 1
else
  wait = (needed - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
           'updated_at', string.format('%.17g', updated_at))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return string.format('%.17g', wait)
"""
_REDIS_BUCKET_SCRIPT_SHA = hashlib.sha1(REDIS_BUCKET_SCRIPT.encode(), usedforsecurity=False).hexdigest()

# Empty the bucket now (by Redis TIME); KEYS[1] bucket hash, ARGV[1] key TTL in ms.
REDIS_DRAIN_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('HSET', KEYS[1], 'tokens', '0', 'updated_at', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""


class RedisTokenBucket:
    """The fleet's bucket in Redis: every host's acquire runs one Lua script, so none can over-take."""

    def __init__(
        self, redis_client: redis.Redis, key: str, per_minute: int, burst: int, reserve: int
    ) -> None:
        self.shape = BucketShape(per_minute, burst, reserve)
        self.key = key
        self._redis = redis_client
        # A bucket left alone this long is full again, so letting the key expire loses nothing.
        self._ttl_ms = math.ceil(self.shape.seconds_to_fill * 1000) + 1000

    def acquire(self, lane: Lane) -> float:
        args = (self.shape.refill_per_second, self.shape.burst, self.shape.floor(lane), self._ttl_ms)
        try:
            try:
                answer = self._redis.evalsha(_REDIS_BUCKET_SCRIPT_SHA, 1, self.key, *args)
            except redis.exceptions.NoScriptError:  # first use on this server, or after SCRIPT FLUSH
                answer = self._redis.eval(REDIS_BUCKET_SCRIPT, 1, self.key, *args)
        except redis.exceptions.RedisError as error:
            raise LimiterUnavailable(f"Redis rate limiter unavailable: {type(error).__name__}") from error
        return float(answer)  # type: ignore[arg-type]

    def drain(self) -> None:
        try:
            self._redis.eval(REDIS_DRAIN_SCRIPT, 1, self.key, self._ttl_ms)
        except redis.exceptions.RedisError as error:
            raise LimiterUnavailable(f"Redis rate limiter unavailable: {type(error).__name__}") from error


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


def connect_limiter_redis(url: str) -> redis.Redis:
    """A client that gives up within about a second: redis-py's default retries take ~10 s per call.

    A retried script may take a second token when only the reply was lost; that errs on the slow side.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.2), retries=1),
    )


def refill_per_minute(settings: Settings) -> int:
    """Notify's rate less the headroom (3,000/min with 2 % headroom refills 2,940/min)."""
    return max(1, math.floor(settings.rate_limit_per_minute * (1.0 - settings.rate_limit_headroom)))


def build_limiter(settings: Settings) -> RateLimiter:
    """Redis when `redis_url` is set (fleet mode), else the SQLite twin under var/ (embedded default)."""
    if settings.redis_url:
        return RedisTokenBucket(
            connect_limiter_redis(settings.redis_url),
            DEFAULT_REDIS_KEY,
            refill_per_minute(settings),
            settings.rate_limit_burst,
            settings.transactional_reserve,
        )
    return SqliteTokenBucket(
        settings.var_dir / SQLITE_FILE_NAME,
        refill_per_minute(settings),
        settings.rate_limit_burst,
        settings.transactional_reserve,
    )
