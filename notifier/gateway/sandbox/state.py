"""The parts of one running sandbox, built from its config. All of it lives on one event loop."""

from __future__ import annotations

from notifier.gateway.sandbox.auth import Authenticator
from notifier.gateway.sandbox.clock import SandboxClock
from notifier.gateway.sandbox.config import SandboxConfig
from notifier.gateway.sandbox.faults import FaultInjector
from notifier.gateway.sandbox.lifecycle import Lifecycle
from notifier.gateway.sandbox.limits import SendLimits
from notifier.gateway.sandbox.sending import EmailSender
from notifier.gateway.sandbox.store import NotificationStore
from notifier.gateway.sandbox.unsubscribe import OneClickUnsubscriber


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
