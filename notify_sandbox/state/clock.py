"""The sandbox clock: real time plus an offset that tests move forward with `POST /_sandbox/clock`.

Status changes, callback retries, the 72 h timeout, the token bucket and the daily-limit day all read
this clock. JWT `iat` checks do not: clients sign with the real time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SandboxClock:
    def __init__(self) -> None:
        self.offset_seconds = 0.0

    def timestamp(self) -> float:
        return time.time() + self.offset_seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def monotonic(self) -> float:
        return time.monotonic() + self.offset_seconds

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self.offset_seconds += seconds
