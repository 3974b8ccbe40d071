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

from fastapi import Depends, FastAPI, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from notifier.config import Settings
from notifier.web.cookies import CSRF_COOKIE
from notifier.web.problems import Problem, answer, form_not_checked

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


@dataclass(eq=False)
class FormNotChecked(Problem):
    """The refusal of a form that failed its CSRF check, with the fresh token its page carries."""

    token: CsrfToken | None = None


async def _checked_form(request: Request) -> None:
    """Refuses a POST whose form does not carry this browser's CSRF token: nothing is changed, and the
    answer holds what was sent (text fields; never a file) under a new token, to send again."""
    settings: Settings = request.app.state.settings
    form = await request.form()
    value = form.get(FIELD_NAME)
    if is_valid(request, settings, value if isinstance(value, str) else ""):
        return
    fresh = issue(request, settings)
    fields = [
        (name, text) for name, text in form.multi_items() if isinstance(text, str) and name != FIELD_NAME
    ]
    refusal = form_not_checked(request.url.path, fields, fresh.form_value)
    raise FormNotChecked(**{**vars(refusal), "token": fresh})


def _refused_form(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FormNotChecked)  # registered for FormNotChecked only
    response = answer(request, exc)
    return attach(response, exc.token, request.app.state.settings) if exc.token else response


def install_form_checks(app: FastAPI) -> None:
    app.add_exception_handler(FormNotChecked, _refused_form)


# For a route's `dependencies=[...]`: it runs before the route's own parameters are read.
CheckedForm = Depends(_checked_form)
