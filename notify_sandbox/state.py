"""The parts of one running sandbox, built from its config. All of it lives on one event loop."""

from __future__ import annotations

from notify_sandbox.auth import Authenticator
from notify_sandbox.clock import SandboxClock
from notify_sandbox.config import SandboxConfig
from notify_sandbox.faults import FaultInjector
from notify_sandbox.lifecycle import Lifecycle
from notify_sandbox.limits import SendLimits
from notify_sandbox.sending import EmailSender
from notify_sandbox.store import NotificationStore
from notify_sandbox.unsubscribe import OneClickUnsubscriber


class SandboxState:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SandboxClock()
        self.store = NotificationStore()
        self.faults = FaultInjector(config.faults)
        self.authenticator = Authenticator(config)
        self.limits = SendLimits(config, self.clock)
        self.lifecycle = Lifecycle(config, self.clock, self.store)
        self.sender = EmailSender(config, self.clock, self.store, self.limits, self.lifecycle, self.faults)
        self.unsubscriber = OneClickUnsubscriber()

    async def close(self) -> None:
        await self.lifecycle.close()
        await self.unsubscriber.close()
