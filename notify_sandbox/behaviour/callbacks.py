"""Delivery-status callbacks as Notify sends them (facts §6.2).

POST to the service's callback URL with `Authorization: Bearer <token>`, a 5 s timeout, and up to 5
more attempts 300 s apart (sandbox clock) after a connection error, a timeout, a 5xx or a 429.
Other answers end it. TLS is verified except for loopback hosts (local receivers use self-signed
certificates); plain http is allowed to loopback only (checked in SandboxConfig).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from notify_sandbox.config.settings import ServiceConfig, is_loopback_host
from notify_sandbox.rendering.timestamps import iso_or_none
from notify_sandbox.state.clock import SandboxClock
from notify_sandbox.state.store import CallbackAttempt, StoredNotification

MAX_CONCURRENT_CALLBACKS = 64


def callback_body(notification: StoredNotification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "reference": notification.reference,
        "to": notification.email_address,
        "status": notification.status.value,
        "created_at": iso_or_none(notification.created_at),
        "completed_at": iso_or_none(notification.completed_at),
        "sent_at": iso_or_none(notification.sent_at),
        "notification_type": "email",
        "template_id": notification.template.id,
        "template_version": notification.template.version,
    }


def is_retryable(status_code: int | None) -> bool:
    return status_code is None or status_code >= 500 or status_code == 429


class CallbackSender:
    """One service's callbacks: its URL and bearer token."""

    def __init__(
        self,
        config: ServiceConfig,
        clock: SandboxClock,
        schedule_retry: Callable[[StoredNotification, float], None],
    ) -> None:
        if not config.callback_url or not config.callback_token:
            raise ValueError("callbacks need a callback_url and a callback_token")
        self._url = config.callback_url
        self._headers = {
            "Authorization": f"Bearer {config.callback_token}",
            "Content-Type": "application/json",
        }
        self._attempts_allowed = 1 + config.callback_retries
        self._retry_seconds = config.callback_retry_seconds
        self._clock = clock
        self._schedule_retry = schedule_retry
        verify = not is_loopback_host(urlsplit(config.callback_url).hostname)
        self._client = httpx.AsyncClient(
            timeout=config.callback_timeout_seconds, verify=verify, follow_redirects=False
        )
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_CALLBACKS)
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, notification: StoredNotification) -> None:
        task = asyncio.get_running_loop().create_task(self._attempt(notification))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def in_flight(self) -> int:
        """Callbacks started and not yet ended (their attempt recorded)."""
        return len(self._tasks)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()

    async def _attempt(self, notification: StoredNotification) -> None:
        body = callback_body(notification)
        status_code: int | None = None
        error: str | None = None
        async with self._slots:
            try:
                response = await self._client.post(self._url, json=body, headers=self._headers)
                status_code = response.status_code
            except httpx.HTTPError as e:
                error = type(e).__name__
        notification.callbacks.append(CallbackAttempt(self._clock.now(), status_code, error))
        if is_retryable(status_code) and len(notification.callbacks) < self._attempts_allowed:
            self._schedule_retry(notification, self._retry_seconds)
