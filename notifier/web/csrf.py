"""CSRF protection for the people-facing forms, without server-side sessions (double submit).

The browser holds a random value in an HttpOnly, SameSite=Lax cookie; each form carries that value
signed with the newest signing key. A POST is accepted only when the signed field matches the cookie, which a
page on another site can neither read nor set. The RFC 8058 one-click endpoint does not use this: a
mail client posts it with no cookies, and its signed URL is the authority.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from notifier.config import Settings
from notifier.web.cookies import CSRF_COOKIE
from notifier.web.problems import form_not_checked

COOKIE_NAME = CSRF_COOKIE
FIELD_NAME = "csrf_token"
MAX_AGE_SECONDS = 12 * 3600  # a form left open all day still submits


@dataclass(frozen=True)
class CsrfToken:
    cookie_value: str
    form_value: str
    new_cookie: bool


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    # Newest signing key last, as itsdangerous signs with the last and verifies with every one.
    return URLSafeTimedSerializer(list(reversed(settings.signing_secrets)), salt="notifier.csrf")


def issue(request: Request, settings: Settings) -> CsrfToken:
    """The token for a form on this page: the browser's cookie value (a new one if it has none)."""
    current = request.cookies.get(COOKIE_NAME, "")
    cookie = current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)
    return CsrfToken(cookie, _serializer(settings).dumps(cookie), new_cookie=cookie != current)


def attach(response: Response, token: CsrfToken, settings: Settings) -> Response:
    if token.new_cookie:
        response.set_cookie(
            COOKIE_NAME,
            token.cookie_value,
            httponly=True,
            samesite="lax",
            secure=settings.public_base_url.startswith("https://"),
            path="/",
        )
    return response


def is_valid(request: Request, settings: Settings, form_value: str) -> bool:
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie or not form_value:
        return False
    try:
        signed = _serializer(settings).loads(form_value, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed.encode(), cookie.encode())


async def _checked_form(request: Request) -> None:
    """Refuses a POST whose form does not carry this browser's CSRF token (nothing is changed)."""
    settings: Settings = request.app.state.settings
    value = (await request.form()).get(FIELD_NAME)
    if not is_valid(request, settings, value if isinstance(value, str) else ""):
        raise form_not_checked(request.url.path)


# For a route's `dependencies=[...]`: it runs before the route's own parameters are read.
CheckedForm = Depends(_checked_form)
