"""A small ASGI layer: request, response, router. Kept bare so the sandbox is never the bottleneck."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import struct
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from notify_sandbox.transport.errors import METHOD_NOT_ALLOWED_MESSAGE, NOT_FOUND_MESSAGE, AppLevelError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY_BYTES = 16 * 1024 * 1024
TRANSPORT_SCOPE_KEY = "sandbox.transport"  # set by server.FaultAwareHttpProtocol


@dataclass(slots=True)
class Request:
    scope: Scope
    body: bytes
    path_params: tuple[str, ...] = ()
    _headers: dict[str, str] | None = field(default=None, repr=False)

    @property
    def method(self) -> str:
        return str(self.scope["method"])

    @property
    def path(self) -> str:
        return str(self.scope["path"])

    def header(self, name: str) -> str | None:
        if self._headers is None:
            self._headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.scope["headers"]
            }
        return self._headers.get(name)

    @property
    def query_string(self) -> str:
        return bytes(self.scope.get("query_string", b"")).decode("latin-1")

    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def query_value(self, name: str) -> str | None:
        values = self.query().get(name)
        return values[0] if values else None

    @property
    def url_root(self) -> str:
        """Scheme and host of this request, ending in `/`, as Flask's request.url_root."""
        host = self.header("host")
        if not host:
            server = self.scope.get("server") or ("127.0.0.1", 80)
            host = f"{server[0]}:{server[1]}"
        return f"{self.scope.get('scheme', 'http')}://{host}/"

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    hold_seconds: float = 0.0  # fault injection: wait this long before answering

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Response:
        return cls(status, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), "text/html; charset=utf-8")

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(303, b"", "text/plain", [(b"location", location.encode())])


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise AppLevelError(413, "The data value transmitted exceeds the capacity limit.")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def send_response(send: Send, response: Response) -> None:
    headers = [
        (b"content-type", response.content_type.encode()),
        (b"content-length", str(len(response.body)).encode()),
        *response.headers,
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def reset_connection(scope: Scope, send: Send) -> None:
    """Close the client's connection with a TCP reset, as a crashed load balancer would.

    Needs the transport that server.FaultAwareHttpProtocol puts in the scope; under another server
    the response is cut short instead, which a client sees the same way (no usable answer).
    """
    transport = scope.get(TRANSPORT_SCOPE_KEY)
    if transport is None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        await send({"type": "http.response.body", "body": b"{", "more_body": False})
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    # Let the server notice the lost connection, so it does not try to answer on it.
    for _ in range(3):
        await asyncio.sleep(0)


Handler = Callable[[Request], Awaitable[Response]]


class Router:
    """Exact-path routes in a dict, parametrised ones as regexes; 404/405 in Flask's app-level shape."""

    def __init__(self) -> None:
        self._exact: dict[str, dict[str, Handler]] = {}
        self._patterns: list[tuple[re.Pattern[str], dict[str, Handler]]] = []

    def add(self, method: str, path: str, handler: Handler) -> None:
        if "{" not in path:
            self._exact.setdefault(path, {})[method] = handler
            return
        regex = re.compile("^" + re.sub(r"\{(\w+)(?::(\w+))?\}", _param_regex, path) + "$")
        for pattern, methods in self._patterns:
            if pattern.pattern == regex.pattern:
                methods[method] = handler
                return
        self._patterns.append((regex, {method: handler}))

    def resolve(self, method: str, path: str) -> tuple[Handler, tuple[str, ...]]:
        methods = self._exact.get(path)
        params: tuple[str, ...] = ()
        if methods is None:
            for pattern, candidate in self._patterns:
                match = pattern.match(path)
                if match:
                    methods, params = candidate, match.groups()
                    break
        if methods is None:
            raise AppLevelError(404, NOT_FOUND_MESSAGE)
        handler = methods.get(method) or (methods.get("GET") if method == "HEAD" else None)
        if handler is None:
            # Notify answers 404, not 405, for e.g. POST /v2/notifications/foo (a typed URL part).
            raise (
                AppLevelError(405, METHOD_NOT_ALLOWED_MESSAGE)
                if not params
                else AppLevelError(404, NOT_FOUND_MESSAGE)
            )
        return handler, params


def _param_regex(match: re.Match[str]) -> str:
    return r"(\d+)" if match.group(2) == "int" else r"([^/]+)"
