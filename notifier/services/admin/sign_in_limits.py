"""Limits on asking for an admin sign-in link, of their own: apart from the public forms' limit
(services/common/form_limits.py), so a busy subscribe form never locks an admin out, nor the other
way round.

Two sliding windows: per client address and per work address (the account). Only real requests are
counted: the route turns a form error (no address, or not an address) away before this is reached.
Attempts are kept in `form_attempt` under keys of their own (a keyed hash with a purpose the forms
never use), so no IP or address is stored and neither limit spends the other's allowance. A refusal
says how long to wait: until the oldest counted request leaves the window.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import FormAttempt
from notifier.repositories import signups as signup_repo


class TooManySignIns(Exception):
    """Over a limit: `wait` is how long until the next request is allowed."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(f"wait {wait}")
        self.wait = wait

    @property
    def minutes(self) -> int:
        return max(1, -(-int(self.wait.total_seconds()) // 60))


@dataclass(frozen=True)
class SignInLimits:
    hash_key: str
    per_client: int
    per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimits:
        return cls(
            settings.hash_key,
            settings.admin_sign_in_client_limit,
            settings.admin_sign_in_address_limit,
            timedelta(seconds=settings.admin_sign_in_window_seconds),
        )

    def key(self, kind: str, value: str) -> str:
        return hmac.new(
            self.hash_key.encode(), f"admin-sign-in-{kind}:{value}".encode(), hashlib.sha256
        ).hexdigest()


def count_sign_in(
    session: Session, limits: SignInLimits, *, client: str, address: str, now: datetime
) -> None:
    """Record one request against both limits, or raise TooManySignIns (nothing recorded then). A request
    leaves the window as it turns `window` old, when the refusal said the wait would end."""
    since = now - limits.window + timedelta(microseconds=1)
    keys = (
        (limits.key("client", client), limits.per_client),
        (limits.key("address", address), limits.per_address),
    )
    for key, limit in keys:
        signup_repo.forget_attempts_before(session, key, since)
        if signup_repo.count_recent_attempts(session, key, since=since) >= limit:
            oldest = signup_repo.oldest_recent_attempt(session, key, since=since) or now
            raise TooManySignIns(oldest + limits.window - now)
    for key, _limit in keys:
        session.add(FormAttempt(client_hash=key, created_at=now))
    session.flush()
