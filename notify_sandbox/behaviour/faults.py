"""Which fault, if any, disturbs each request, drawn from the settings in `config/faults.py`.

One seeded random generator draws every share, so that a run with the same seed and the same request
order sees the same faults.
"""

from __future__ import annotations

import random
from enum import StrEnum
from typing import Any

from notify_sandbox.config.faults import FaultScope, FaultSettings
from notify_sandbox.state.clock import SandboxClock


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
