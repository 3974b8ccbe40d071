"""The sandbox as an ASGI application: `build_app(config)`."""

from __future__ import annotations

import asyncio

from notify_sandbox.api.routes import register_v2
from notify_sandbox.behaviour.sandbox import SandboxState
from notify_sandbox.config.settings import SandboxConfig
from notify_sandbox.control.routes import register_control
from notify_sandbox.transport.errors import AppLevelError, DropConnection, NotifyError
from notify_sandbox.transport.http import (
    Receive,
    Request,
    Response,
    Router,
    Scope,
    Send,
    read_body,
    reset_connection,
    send_response,
)


class SandboxApp:
    def __init__(self, config: SandboxConfig) -> None:
        self.state = SandboxState(config)
        self._router = Router()
        register_v2(self._router, self.state)
        register_control(self._router, self.state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            handler, params = self._router.resolve(scope["method"], scope["path"])
            request = Request(scope, await read_body(receive), params)
            response = await handler(request)
        except NotifyError as e:
            response = Response.json(e.body(), e.status_code)
        except AppLevelError as e:
            response = Response.json(e.body(), e.status_code)
        except DropConnection:
            await reset_connection(scope, send)
            return
        if response.hold_seconds:
            await asyncio.sleep(response.hold_seconds)
        await send_response(send, response)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.state.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def build_app(config: SandboxConfig) -> SandboxApp:
    """The Notify v2 API (at the root) plus `/_sandbox/*`, ready for any ASGI server."""
    return SandboxApp(config)
