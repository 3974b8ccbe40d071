"""Faults a test or benchmark can switch on to disturb a running sandbox, reproducibly (seeded).

Set at start (CLI options or the config file) and changed at runtime by `POST /_sandbox/faults`.
Shares are probabilities between 0 and 1, drawn from one seeded random generator so that a run with
the same seed and the same request order sees the same faults.
"""

from __future__ import annotations

import random
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from notify_sandbox.clock import SandboxClock

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


class RequestFault(StrEnum):
    NONE = "none"
    SERVER_ERROR = "server-error"
    RESET = "reset"


class FaultInjector:
    """Decides, request by request, which fault (if any) applies. Lives on the event loop only."""

    def __init__(self, settings: FaultSettings, clock: SandboxClock) -> None:
        self.settings = settings
        self._clock = clock  # throttle windows follow the sandbox clock, so tests move through them
        self._rng = random.Random(settings.seed)
        self._throttle_epoch = clock.monotonic()

    def replace(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._rng = random.Random(settings.seed)
        self._throttle_epoch = self._clock.monotonic()

    def update(self, changes: dict[str, Any]) -> FaultSettings:
        """Apply a partial change (unknown or bad fields raise pydantic's ValidationError)."""
        self.replace(FaultSettings.model_validate({**self.settings.model_dump(), **changes}))
        return self.settings

    def applies_to(self, is_send: bool) -> bool:
        return is_send or self.settings.scope is FaultScope.ALL

    def latency_seconds(self) -> float:
        s = self.settings
        if not s.latency_ms and not s.latency_jitter_ms:
            return 0.0
        jitter = self._rng.uniform(-s.latency_jitter_ms, s.latency_jitter_ms) if s.latency_jitter_ms else 0.0
        return max(0.0, s.latency_ms + jitter) / 1000.0

    def throttled_now(self) -> bool:
        s = self.settings
        if not s.throttle_seconds or not s.throttle_every_seconds:
            return False
        return (
            self._clock.monotonic() - self._throttle_epoch
        ) % s.throttle_every_seconds < s.throttle_seconds

    def request_fault(self) -> RequestFault:
        """One draw decides between a 500, a reset or nothing, so the shares do not overlap."""
        s = self.settings
        if not s.server_error_share and not s.reset_share:
            return RequestFault.NONE
        draw = self._rng.random()
        if draw < s.server_error_share:
            return RequestFault.SERVER_ERROR
        if draw < s.server_error_share + s.reset_share:
            return RequestFault.RESET
        return RequestFault.NONE

    def fails_address(self, address: object) -> bool:
        return isinstance(address, str) and address.lower() in {
            a.lower() for a in self.settings.server_error_addresses
        }

    def times_out(self) -> bool:
        return bool(self.settings.timeout_share) and self._rng.random() < self.settings.timeout_share

    def forced_outcome(self) -> str | None:
        """A failure status drawn from the failure shares, or None for the normal outcome."""
        s = self.settings
        total = s.permanent_failure_share + s.temporary_failure_share + s.technical_failure_share
        if not total:
            return None
        draw = self._rng.random()
        for status, share in (
            ("permanent-failure", s.permanent_failure_share),
            ("temporary-failure", s.temporary_failure_share),
            ("technical-failure", s.technical_failure_share),
        ):
            if draw < share:
                return status
            draw -= share
        return None
