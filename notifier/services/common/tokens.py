"""Signed, purpose-salted, expiring tokens for links in emails. They carry ids, never personal data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenPurpose(StrEnum):
    UNSUBSCRIBE = "unsubscribe"
    MANAGE = "manage-preferences"
    CONFIRM = "confirm-subscription"
    MEETING = "meeting"  # a meeting's page, calendar file and joining link (services/sources/calendar.py)
    DATA_REQUEST = "data-request"  # verifying a data-subject request (services/privacy/rights.py)
    EMAIL_CHANGE = "email-change"  # a new address confirming itself (services/subscribers/email_change.py)
    ADMIN_SIGN_IN = "admin-sign-in"  # an admin's one-time sign-in link (services/admin/web_sessions.py)


class InvalidToken(Exception):
    """The token is forged, damaged or for another purpose."""


class ExpiredToken(InvalidToken):
    """The token was genuine but is too old."""


@dataclass(frozen=True)
class TokenSigner:
    secret_key: str

    def _serializer(self, purpose: TokenPurpose) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=f"notifier.{purpose.value}")

    def sign(self, purpose: TokenPurpose, payload: dict[str, Any]) -> str:
        return self._serializer(purpose).dumps(payload)

    def verify(self, purpose: TokenPurpose, token: str, *, max_age_seconds: int) -> dict[str, Any]:
        try:
            payload = self._serializer(purpose).loads(token, max_age=max_age_seconds)
        except SignatureExpired as exc:
            raise ExpiredToken(f"this {purpose.value} link has expired") from exc
        except BadSignature as exc:
            raise InvalidToken(f"this {purpose.value} link is not valid") from exc
        if not isinstance(payload, dict):
            raise InvalidToken(f"this {purpose.value} link is not valid")
        return payload
