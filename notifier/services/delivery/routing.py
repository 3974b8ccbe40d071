"""Which Notify service a network's email goes through: its gateway and its limiter bucket.

A network may bring its own Notify service; the limiter keeps one bucket per service and key type,
so networks on different services each get their service's full rate, and networks on one service
share its bucket. The router is built where the adapters are (workers/notify_routes.py); services
see only this Protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from notifier.gateway.base import EmailGateway
from notifier.ratelimit.base import RateLimiter


@dataclass(frozen=True, slots=True)
class NotifyRoute:
    bucket: str  # "<service id>:<key type>": what shares a rate limit at Notify
    gateway: EmailGateway
    limiter: RateLimiter


class NotifyRouter(Protocol):
    def route(self, network_id: int) -> NotifyRoute: ...


class SingleServiceRouter:
    """Every network through one service: the deployment without per-network services, and unit tests."""

    def __init__(self, gateway: EmailGateway, limiter: RateLimiter, bucket: str = "deployment") -> None:
        self._route = NotifyRoute(bucket, gateway, limiter)

    def route(self, network_id: int) -> NotifyRoute:
        return self._route
