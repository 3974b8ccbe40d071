"""The parts of one running sandbox, built from its config. All of it lives on one event loop.

The clock, the store (the outbox), the faults and the status lifecycle are shared; each hosted service
has its own limits and sender (templates, reply-to addresses, trial mode), and its own callbacks.
"""

from __future__ import annotations

from notify_sandbox.behaviour.faults import FaultInjector
from notify_sandbox.behaviour.lifecycle import Lifecycle
from notify_sandbox.behaviour.limits import SendLimits
from notify_sandbox.behaviour.sending import EmailSender
from notify_sandbox.behaviour.unsubscribe import OneClickUnsubscriber
from notify_sandbox.config.settings import SandboxConfig, ServiceConfig
from notify_sandbox.state.clock import SandboxClock
from notify_sandbox.state.store import NotificationStore
from notify_sandbox.transport.errors import AppLevelError


class ServiceState:
    """One hosted service at runtime."""

    def __init__(self, config: ServiceConfig, limits: SendLimits, sender: EmailSender) -> None:
        self.config = config
        self.limits = limits
        self.sender = sender


class SandboxState:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SandboxClock()
        self.store = NotificationStore(config.service_id)
        self.faults = FaultInjector(config.faults, self.clock)
        self.lifecycle = Lifecycle(config, self.clock, self.store)
        self.services: dict[str, ServiceState] = {}
        for service in config.services:
            limits = SendLimits(service, self.clock)
            sender = EmailSender(
                service, config.outcomes, self.clock, self.store, limits, self.lifecycle, self.faults
            )
            self.services[service.service_id] = ServiceState(service, limits, sender)
        self.unsubscriber = OneClickUnsubscriber()

    def service_named(self, name_or_id: str) -> ServiceState:
        """A hosted service by its name or id (the `?service=` of the control endpoints), or a 404."""
        found = self.config.find_service(name_or_id)
        if found is None:
            raise AppLevelError(404, f"no service named {name_or_id!r} in this sandbox")
        return self.services[found.service_id]

    def service_of(self, service_id: str) -> ServiceConfig:
        return self.services[service_id].config

    async def close(self) -> None:
        await self.lifecycle.close()
        await self.unsubscriber.close()
