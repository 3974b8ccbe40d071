"""Faults a test or benchmark can switch on to disturb a running sandbox, reproducibly (seeded).

Set at start (CLI options or the config file) and changed at runtime by `POST /_sandbox/faults`.
Shares are probabilities between 0 and 1; `behaviour/faults.py` draws them from one seeded random
generator so that a run with the same seed and the same request order sees the same faults.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Share = Field(default=0.0, ge=0.0, le=1.0)


class TimeoutMode(StrEnum):
    HOLD = "hold"  # keep the response back for timeout_hold_seconds (longer than the client waits)
    DROP = "drop"  # reset the connection instead of answering


class FaultScope(StrEnum):
    SEND = "send"  # only POST /v2/notifications/email
    ALL = "all"  # every /v2 request (GETs too)


class FaultSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: float = Field(default=0.0, ge=0.0)
    latency_jitter_ms: float = Field(default=0.0, ge=0.0)
    server_error_share: float = Share  # answer 500 before anything is stored
    reset_share: float = Share  # reset the connection before anything is stored
    timeout_share: float = Share  # store the notification, then never answer in time
    timeout_mode: TimeoutMode = TimeoutMode.HOLD
    timeout_hold_seconds: float = Field(default=35.0, ge=0.0)
    throttle_seconds: float = Field(default=0.0, ge=0.0)  # answer RateLimitError for this long...
    throttle_every_seconds: float = Field(default=0.0, ge=0.0)  # ...at the start of every such period
    permanent_failure_share: float = Share  # stored emails that end permanent-failure
    temporary_failure_share: float = Share
    technical_failure_share: float = Share
    scope: FaultScope = FaultScope.SEND
    # Sends to these addresses are always answered 500 before anything is stored (a poison recipient).
    server_error_addresses: tuple[str, ...] = ()
    seed: int | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.throttle_seconds and self.throttle_every_seconds < self.throttle_seconds:
            raise ValueError("throttle_every_seconds must be at least throttle_seconds")
        outcome_total = (
            self.permanent_failure_share + self.temporary_failure_share + self.technical_failure_share
        )
        if outcome_total > 1.0:
            raise ValueError("the failure shares add up to more than 1")
        if self.server_error_share + self.reset_share + self.timeout_share > 1.0:
            raise ValueError("server_error_share + reset_share + timeout_share add up to more than 1")
        return self
