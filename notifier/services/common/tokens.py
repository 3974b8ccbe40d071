"""Signed, purpose-salted, expiring tokens for links in emails. They carry ids, never personal data.

A signer holds the signing keys, newest first: the newest signs, every one verifies, so a link signed
before a rotation keeps working until its key is removed (docs/operations.md, "Keys").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from notifier.domain.ids import storable_id


class TokenPurpose(StrEnum):
    UNSUBSCRIBE = "unsubscribe"
    MANAGE = "manage-preferences"
    CONFIRM = "confirm-subscription"
    MEETING = "meeting"  # a meeting's page, calendar file and joining link (services/sources/calendar.py)
    MEETING_ATTENDEE = "meeting-attendee"  # one recipient's calendar file: names them as ATTENDEE
    MEETING_ANSWER = "meeting-answer"  # one recipient's answer page (services/sources/answers.py)
    DATA_REQUEST = "data-request"  # verifying a data-subject request (services/privacy/rights.py)
    EMAIL_CHANGE = "email-change"  # a new address confirming itself (services/subscribers/email_change.py)
    ADMIN_SIGN_IN = "admin-sign-in"  # an admin's one-time sign-in link (services/admin/web_sessions.py)
    ARCHIVE_SIGN_IN = "archive-sign-in"  # a reader's one-time link into the archive (services/archive/)
    ARCHIVE_FEED = "archive-feed"  # a reader's private feed address, until revoked (services/archive/)


class InvalidToken(Exception):
    """The token is forged, damaged or for another purpose."""


class ExpiredToken(InvalidToken):
    """The token was genuine but is too old."""


@dataclass(frozen=True)
class TokenSigner:
    secret_key: str | tuple[str, ...]  # one key, or the signing keys newest first

    @property
    def oldest_first(self) -> tuple[str, ...]:
        """As itsdangerous takes a list of keys: it signs with the last."""
        return (self.secret_key,) if isinstance(self.secret_key, str) else tuple(reversed(self.secret_key))

    def _serializer(self, purpose: TokenPurpose) -> URLSafeTimedSerializer:
        return _serializer(self.oldest_first, purpose)

    def sign(self, purpose: TokenPurpose, payload: dict[str, Any]) -> str:
        return self._serializer(purpose).dumps(payload)

    def verify(self, purpose: TokenPurpose, token: str, *, max_age_seconds: int | None) -> dict[str, Any]:
        """The signed payload; `max_age_seconds=None` for links that never expire."""
        try:
            payload = self._serializer(purpose).loads(token, max_age=max_age_seconds)
        except SignatureExpired as exc:
            raise ExpiredToken(f"this {purpose.value} link has expired") from exc
        except BadSignature as exc:
            raise InvalidToken(f"this {purpose.value} link is not valid") from exc
        if not isinstance(payload, dict):
            raise InvalidToken(f"this {purpose.value} link is not valid")
        return payload

    def unverified_network_id(self, token: str) -> int | None:
        """The network id a damaged or expired link seems to carry, read without trusting it: only to
        show that network's header and contact link on the "link problem" page, never to act."""
        _valid, payload = URLSafeTimedSerializer(list(self.oldest_first)).loads_unsafe(
            token
        )  # (False, None) if unreadable
        network_id = payload.get("n") if isinstance(payload, dict) else None
        if isinstance(network_id, bool) or not isinstance(network_id, int) or not storable_id(network_id):
            return None  # forged to any number: only an id a row can have is looked up
        return network_id


@functools.lru_cache(maxsize=64)
def _serializer(keys_oldest_first: tuple[str, ...], purpose: TokenPurpose) -> URLSafeTimedSerializer:
    """One serializer per set of keys and purpose, made once: it holds no state between calls, and
    every email of a send signs two tokens with it."""
    return URLSafeTimedSerializer(list(keys_oldest_first), salt=f"notifier.{purpose.value}")
