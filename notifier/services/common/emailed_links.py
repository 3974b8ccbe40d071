"""What the admins' and the archive readers' sign-ins share. An emailed link is a row that a signed
token names. It can be used once, before it expires, and a conditional UPDATE claims it. The session
it opens is a row that keeps only the SHA-256 of the random secret in the cookie. Who may sign in,
what the link leads to and what is audited stay with each sign-in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Literal

from sqlalchemy import update
from sqlalchemy.orm import Session

from notifier.db.models import AdminSignInLink, ArchiveSignInLink
from notifier.repositories.rows import affected
from notifier.services.common.tokens import InvalidToken

SignInLink = AdminSignInLink | ArchiveSignInLink


def token_failure(exc: InvalidToken) -> Literal["invalid", "expired"]:
    """A token that fails to verify: forged or damaged, or past its signature's age."""
    return "invalid" if type(exc) is InvalidToken else "expired"


def spent(link: SignInLink, now: datetime) -> Literal["used", "expired"] | None:
    """Why the link can no longer sign anyone in, or None while it can."""
    if link.used_at is not None:
        return "used"
    if link.expires_at <= now:
        return "expired"
    return None


def claim(session: Session, link: SignInLink, now: datetime) -> bool:
    """Use the link: True for the one request whose conditional UPDATE marks it used."""
    model = type(link)
    marked = session.execute(
        update(model).where(model.id == link.id, model.used_at.is_(None)).values(used_at=now)
    )
    return affected(marked) == 1


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_session_secret() -> tuple[str, str]:
    """(the secret for the cookie, the hash the session row keeps)."""
    secret = secrets.token_urlsafe(32)
    return secret, secret_hash(secret)
