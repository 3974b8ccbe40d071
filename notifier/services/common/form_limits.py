"""A per-client limit on the public forms, kept in the database every web process shares.

Clients are counted by a keyed hash of their address, so no IP address is stored. A sliding window:
a client may submit `limit` times in any `window_seconds`; older attempts are forgotten as it goes.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from notifier.db.models import FormAttempt
from notifier.repositories import signups as signup_repo


def client_hash(hash_key: str, client: str) -> str:
    return hmac.new(hash_key.encode(), f"form-client:{client}".encode(), hashlib.sha256).hexdigest()


def allow_attempt(
    session: Session, *, hash_key: str, client: str, limit: int, window_seconds: int, now: datetime
) -> bool:
    """Record one attempt and say whether it is within the limit (a refused one is not recorded)."""
    key = client_hash(hash_key, client)
    since = now - timedelta(seconds=window_seconds)
    signup_repo.forget_attempts_before(session, key, since)
    if signup_repo.count_recent_attempts(session, key, since=since) >= limit:
        return False
    session.add(FormAttempt(client_hash=key, created_at=now))
    session.flush()
    return True
