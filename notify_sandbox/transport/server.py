"""Running the sandbox under uvicorn (httptools + uvloop), on a socket bound before start-up so that
`--port 0` works and the printed base URL is known to be right."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from notify_sandbox.transport.http import TRANSPORT_SCOPE_KEY, Receive, Scope, Send

AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class FaultAwareHttpProtocol(HttpToolsProtocol):
    """Puts the connection's transport in each request's scope, so a fault can reset the connection."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope[TRANSPORT_SCOPE_KEY] = self.transport  # type: ignore[literal-required]


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def base_url_for(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(app: AsgiApp, sock: socket.socket, *, log_level: str = "warning") -> None:
    """Serve `app` until interrupted. The socket must already be bound."""
    server_config = uvicorn.Config(
        app,
        http=FaultAwareHttpProtocol,
        loop="uvloop",
        lifespan="on",
        access_log=False,
        log_level=log_level,
        backlog=2048,
        timeout_keep_alive=75,
        timeout_graceful_shutdown=2,  # a response held back by a timeout fault must not stall a stop
    )
    uvicorn.Server(server_config).run(sockets=[sock])
