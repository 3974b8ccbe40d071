"""A real Redis for the limiter tests: NOTIFIER_TEST_REDIS_URL (run `bash scripts/services.sh`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from notifier.ratelimit import connect_limiter_redis


@pytest.fixture(scope="session")
def limiter_redis_url() -> str:
    url = os.environ.get("NOTIFIER_TEST_REDIS_URL")
    if not url:
        pytest.fail(
            "NOTIFIER_TEST_REDIS_URL is not set: run `bash scripts/services.sh` and export what it prints"
        )
    client = connect_limiter_redis(url)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at NOTIFIER_TEST_REDIS_URL does not answer: {error}")
    finally:
        client.close()
    return url


@pytest.fixture
def limiter_redis(limiter_redis_url: str) -> Iterator[redis.Redis]:
    client = connect_limiter_redis(limiter_redis_url)
    yield client
    client.close()


@pytest.fixture
def bucket_key(limiter_redis: redis.Redis) -> Iterator[str]:
    key = f"notifier:test:ratelimit:{uuid.uuid4()}"
    yield key
    limiter_redis.delete(key)
