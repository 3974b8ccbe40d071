"""Each network's route to Notify: its own service when it has one, else the deployment's.

Gateways are built once per key and limiters once per bucket ("<service id>:<key type>"), so two
networks on one service share that service's bucket, and networks on different services do not.
A network's choice is read from the database at most every `refresh_seconds`, so a key set or
cleared on the admin side is used within that time without restarting workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from notifier.config import NotifyKeyType, Settings
from notifier.db.session import unit_of_work
from notifier.domain.notify_keys import service_id_of
from notifier.gateway.notify import NotifyGateway, build_gateway
from notifier.ratelimit import build_limiter
from notifier.ratelimit.base import RateLimiter
from notifier.services.admin.notify_services import credentials_for
from notifier.services.common.secrets_at_rest import SecretBox
from notifier.services.delivery.routing import NotifyRoute


class NetworkNotifyRouter:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        *,
        refresh_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._box = SecretBox.from_settings(settings)
        self._refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._gateways: dict[tuple[str, str], NotifyGateway] = {}
        self._limiters: dict[str, RateLimiter] = {}
        self._routes: dict[int, tuple[float, NotifyRoute]] = {}
        self.default = self._route_for(
            settings.notify_api_key, settings.notify_template_id, settings.notify_key_type
        )

    def route(self, network_id: int) -> NotifyRoute:
        now = self._monotonic()
        cached = self._routes.get(network_id)
        if cached is not None and now - cached[0] < self._refresh_seconds:
            return cached[1]
        with unit_of_work(self._sessions) as uow:
            credentials = credentials_for(uow.session, self._box, network_id)
        if credentials is None:
            found = self.default
        else:
            found = self._route_for(credentials.api_key, credentials.template_id, credentials.key_type)
        self._routes[network_id] = (now, found)
        return found

    def _route_for(self, api_key: str, template_id: str, key_type: NotifyKeyType) -> NotifyRoute:
        # Notify keeps one bucket per service and key type; ours mirrors it.
        bucket = f"{service_id_of(api_key)}:{key_type.value}"
        with self._lock:
            gateway = self._gateways.get((api_key, template_id))
            if gateway is None:
                gateway = build_gateway(self._settings, api_key=api_key, template_id=template_id)
                self._gateways[(api_key, template_id)] = gateway
            limiter = self._limiters.get(bucket)
            if limiter is None:
                limiter = self._limiters[bucket] = build_limiter(self._settings, bucket)
        return NotifyRoute(bucket, gateway, limiter)
