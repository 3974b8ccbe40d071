"""The access log: one line per request with the route's template, never the path as sent.

Paths carry signed tokens (preferences, unsubscribe, confirmation, data-request and export links), so
the line names `/preferences/{token}`, not the token; a path that matched no route keeps only its first
segment. The query string is never logged. The client address is logged only when an operator sets
`NOTIFIER_LOG_CLIENT_ADDRESSES` (it is personal data). uvicorn's own access log is turned off.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("notifier.access")


def route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    if isinstance(route, Mount):
        return f"{route.path}/{{path}}"
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    segments = [s for s in str(scope.get("path", "")).split("/") if s]
    return "/" if not segments else f"/{segments[0]}" + ("/{unmatched}" if len(segments) > 1 else "")


class AccessLog:
    def __init__(self, app: ASGIApp, *, client_addresses: bool = False) -> None:
        self.app = app
        self.client_addresses = client_addresses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the app fails before it starts a response

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            fields: dict[str, object] = {
                "method": scope.get("method"),
                "path": route_template(scope),
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
            if self.client_addresses and scope.get("client"):
                fields["client"] = scope["client"][0]
            log.info("http.request", **fields)
