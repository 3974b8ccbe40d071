"""Hammer one shared bucket from several threads; run as a separate process by the tests.

python -m tests.integration.ratelimit.hammer redis|sqlite TARGET --key K --per-minute N --burst N
    --reserve N --lane bulk|transactional --threads N --seconds S --start-at EPOCH

Prints one JSON line: {"granted": tokens taken, "acquires": calls made, "seconds": time spent hammering}.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from notifier.ratelimit import Lane, RateLimiter, RedisTokenBucket, SqliteTokenBucket, connect_limiter_redis

REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Tally:
    granted: int = 0
    acquires: int = 0


def hammer(limiter: RateLimiter, lane: Lane, threads: int, seconds: float) -> tuple[Tally, float]:
    """Call acquire as fast as possible from `threads` threads for `seconds`; count what was granted."""
    tally = Tally()
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds

    def run() -> None:
        granted = acquires = 0
        while time.monotonic() < stop_at:
            acquires += 1
            if limiter.acquire(lane) == 0.0:
                granted += 1
        with lock:
            tally.granted += granted
            tally.acquires += acquires

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return tally, time.monotonic() - started


def limiter_from(args: argparse.Namespace) -> tuple[RateLimiter, Callable[[], None]]:
    if args.backend == "redis":
        client = connect_limiter_redis(args.target)
        bucket = RedisTokenBucket(client, args.key, args.per_minute, args.burst, args.reserve)
        return bucket, client.close
    sqlite_bucket = SqliteTokenBucket(Path(args.target), args.per_minute, args.burst, args.reserve)
    return sqlite_bucket, sqlite_bucket.close


def run_hammers(backend: str, target: str, count: int, *options: str) -> list[dict[str, float]]:
    """Start `count` hammer processes that begin together; what each was granted, once all have finished."""
    start_at = f"{time.time() + 2.0:.3f}"  # time for every interpreter to start before the race
    command = [
        sys.executable,
        "-m",
        "tests.integration.ratelimit.hammer",
        backend,
        target,
        "--start-at",
        start_at,
    ]
    processes = [
        subprocess.Popen(
            [*command, *options], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(count)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("backend", choices=["redis", "sqlite"])
    parser.add_argument("target", help="Redis URL or SQLite file")
    parser.add_argument("--key", default="notifier:test:hammer")
    parser.add_argument("--per-minute", type=int, required=True)
    parser.add_argument("--burst", type=int, required=True)
    parser.add_argument("--reserve", type=int, default=0)
    parser.add_argument("--lane", type=Lane, default=Lane.TRANSACTIONAL)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--start-at", type=float, default=0.0, help="wall-clock epoch to start together")
    args = parser.parse_args()
    limiter, close = limiter_from(args)
    try:
        time.sleep(max(0.0, args.start_at - time.time()))
        tally, seconds = hammer(limiter, args.lane, args.threads, args.seconds)
    finally:
        close()
    print(json.dumps({"granted": tally.granted, "acquires": tally.acquires, "seconds": seconds}))


if __name__ == "__main__":
    main()
