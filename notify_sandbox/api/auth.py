"""Notify's API authentication (facts §1.3): the same checks, in the same order, with the same messages.

The token checks are the ones the real API uses (it imports them from notifications-python-client).
Verified tokens are cached by their raw string: a token's signature proves which key made it, so
only the ±30 s `iat` window (real time, as clients sign with real time) needs re-checking on a hit.
"""

from __future__ import annotations

import calendar
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from notifications_python_client.errors import (
    TokenAlgorithmError,
    TokenDecodeError,
    TokenError,
    TokenExpiredError,
    TokenIssuerError,
)

from notify_sandbox.config.settings import ApiKeySpec, ServiceConfig
from notify_sandbox.transport.errors import auth_error

CLOCK_BOUND_SECONDS = 30
CACHE_SWEEP_SIZE = 20_000
GENERIC_AUTH_MESSAGE = (
    "Invalid token: make sure your API token matches the example at "
    "https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header"
)
CLOCK_ERROR = "Error: Your system clock must be accurate to within 30 seconds"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a request: the service (the token's `iss`) and which of its keys signed it."""

    service_id: str
    key: ApiKeySpec


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    caller: Caller
    issued_at: int


def _epoch_seconds() -> int:
    return calendar.timegm(time.gmtime())


class Authenticator:
    """Checks tokens for every service the sandbox hosts: a key authenticates only its own service."""

    def __init__(self, services: Iterable[ServiceConfig]) -> None:
        self._services = {s.service_id: s for s in services}
        self._verified: dict[str, VerifiedToken] = {}

    def authenticate(self, authorization: str | None) -> Caller:
        """The service and API key that signed this request, or a NotifyError (401/403 AuthError)."""
        if not authorization:
            raise auth_error(401, "Unauthorized: authentication token must be provided")
        if authorization[:7].title() != "Bearer ":
            raise auth_error(401, "Unauthorized: authentication bearer scheme must be used")
        token = authorization[7:].strip()
        cached = self._verified.get(token)
        if cached is not None:
            self._check_window(cached.issued_at)
            return cached.caller
        return self._verify(token)

    def _check_window(self, issued_at: int) -> None:
        now = _epoch_seconds()
        if now > issued_at + CLOCK_BOUND_SECONDS or issued_at > now + CLOCK_BOUND_SECONDS:
            raise auth_error(403, CLOCK_ERROR)

    def _verify(self, token: str) -> Caller:
        try:
            issuer = get_token_issuer(token)  # type: ignore[no-untyped-call]  # the client is untyped
        except TokenIssuerError as e:
            raise auth_error(403, "Invalid token: iss field not provided") from e
        except TokenDecodeError as e:
            raise auth_error(403, GENERIC_AUTH_MESSAGE) from e
        service = self._check_service(issuer)
        for key in service.api_keys:
            if self._signed_with(token, key):
                if key.revoked:
                    raise auth_error(403, "Invalid token: API key revoked")
                caller = Caller(service.service_id, key)
                self._remember(token, caller)
                return caller
        raise auth_error(403, "Invalid token: API key not found")

    def _check_service(self, issuer: object) -> ServiceConfig:
        try:
            service_id = str(uuid.UUID(str(issuer)))
        except ValueError as e:
            raise auth_error(403, "Invalid token: service id is not the right data type") from e
        service = self._services.get(service_id)
        if service is None:
            raise auth_error(403, "Invalid token: service not found")
        if not service.api_keys:
            raise auth_error(403, "Invalid token: service has no API keys")
        if service.archived:
            raise auth_error(403, "Invalid token: service is archived")
        return service

    @staticmethod
    def _signed_with(token: str, key: ApiKeySpec) -> bool:
        """Whether this key signed the token. A missing `iat` also lands in TokenDecodeError, as in Notify."""
        try:
            decode_jwt_token(token, key.secret)  # type: ignore[no-untyped-call]
        except TokenExpiredError as e:
            raise auth_error(403, CLOCK_ERROR) from e
        except TokenAlgorithmError as e:
            raise auth_error(403, "Invalid token: algorithm used is not HS256") from e
        except TokenDecodeError:
            return False
        except TokenError as e:
            raise auth_error(403, GENERIC_AUTH_MESSAGE) from e
        return True

    def _remember(self, token: str, caller: Caller) -> None:
        if len(self._verified) >= CACHE_SWEEP_SIZE:
            oldest_useful = _epoch_seconds() - CLOCK_BOUND_SECONDS
            self._verified = {t: v for t, v in self._verified.items() if v.issued_at >= oldest_useful}
        try:
            issued_at = int(_unverified_claims(token)["iat"])
        except (KeyError, TypeError, ValueError):
            return
        self._verified[token] = VerifiedToken(caller, issued_at)


def _unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False}, algorithms=["HS256"])
    return claims
