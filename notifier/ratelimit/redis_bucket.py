"""The fleet's bucket: one atomic Lua script in Redis per acquire, timed by Redis TIME."""

from __future__ import annotations

import hashlib
import math

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from notifier.domain.statuses import Lane
from notifier.ratelimit.base import LimiterUnavailable
from notifier.ratelimit.bucket import BucketShape

DEFAULT_REDIS_KEY = "notifier:ratelimit:notify"


# take_tokens (bucket.py), atomically inside Redis, timed by Redis TIME. KEYS[1] bucket hash; ARGV:
# refill per second, capacity, floor for this lane, key TTL in ms, tokens wanted. Returns "taken wait"
# as a string (Lua numbers would be truncated to integers on the way out).
REDIS_BUCKET_MANY_SCRIPT = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local floor = tonumber(ARGV[3])
local wanted = tonumber(ARGV[5])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'updated_at')
local tokens = tonumber(saved[1]) or capacity
local updated_at = tonumber(saved[2]) or now
if now > updated_at then
  tokens = math.min(capacity, tokens + (now - updated_at) * rate)
  updated_at = now
end
local taken = math.min(wanted, math.max(0, math.floor(tokens - floor)))
local wait = 0
if taken >= 1 then
  tokens = tokens - taken
else
  wait = (floor + 1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
           'updated_at', string.format('%.17g', updated_at))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return string.format('%d %.17g', taken, wait)
"""
_REDIS_BUCKET_MANY_SCRIPT_SHA = hashlib.sha1(
    REDIS_BUCKET_MANY_SCRIPT.encode(), usedforsecurity=False
).hexdigest()

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
        taken, wait = self.acquire_many(lane, 1)
        return 0.0 if taken else wait

    def acquire_many(self, lane: Lane, wanted: int) -> tuple[int, float]:
        args = (self.shape.refill_per_second, self.shape.burst, self.shape.floor(lane), self._ttl_ms, wanted)
        try:
            try:
                answer = self._redis.evalsha(_REDIS_BUCKET_MANY_SCRIPT_SHA, 1, self.key, *args)
            except redis.exceptions.NoScriptError:  # first use on this server, or after SCRIPT FLUSH
                answer = self._redis.eval(REDIS_BUCKET_MANY_SCRIPT, 1, self.key, *args)
        except redis.exceptions.RedisError as error:
            raise LimiterUnavailable(f"Redis rate limiter unavailable: {type(error).__name__}") from error
        taken, wait = (answer.decode() if isinstance(answer, bytes) else str(answer)).split()
        return int(taken), float(wait)

    def drain(self) -> None:
        try:
            self._redis.eval(REDIS_DRAIN_SCRIPT, 1, self.key, self._ttl_ms)
        except redis.exceptions.RedisError as error:
            raise LimiterUnavailable(f"Redis rate limiter unavailable: {type(error).__name__}") from error


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
