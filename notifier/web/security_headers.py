"""Headers a browser enforces, on every response: a Content-Security-Policy that runs only this app's
own scripts and styles, no framing, no MIME sniffing, no Referer beyond this site (a signed link in a
path must not leak to another site), and HSTS in production over https.

The app's few inline scripts and `<style>` blocks (GOV.UK Frontend's `js-enabled` line, `initAll`, a
form's small enhancements, the network's brand colour) carry a nonce made afresh for each response:
`PolicyMiddleware` keeps it in a context variable, page templates read it as `cspNonce` (the name
govuk-frontend-jinja's own template uses), and the header names it. There are no style attributes in
the templates; GOV.UK Notify's preview of an email keeps its inline styles as `data-style`, applied by
the admin pages' own script through the CSSOM, which the policy allows.
"""

from __future__ import annotations

import secrets
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from notifier.config import Environment, Settings

_NONCE: ContextVar[str] = ContextVar("csp_nonce", default="")
HSTS = "max-age=31536000; includeSubDomains"


def csp_nonce() -> str:
    """This response's nonce for inline `<script>` and `<style>` ("" outside a request)."""
    return _NONCE.get()


def content_security_policy(nonce: str) -> str:
    source = f"'self' 'nonce-{nonce}'"
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {source}",
            f"style-src {source}",
            "img-src 'self' data: https:",  # a network's logo lives on its own site (domain/branding.py)
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def wants_hsts(settings: Settings) -> bool:
    return settings.environment is Environment.PRODUCTION and settings.public_base_url.startswith("https://")


class PolicyMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = content_security_policy(nonce)
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                if self.hsts:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        token = _NONCE.set(nonce)
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            _NONCE.reset(token)
