"""Admin API tokens, for automation (the site's builds, imports, reading): random, shown once, stored as
SHA-256, scoped to one network and one role, and naming the admin who made them. A token never
approves anything, so none is made with the approver role: approvers are people, signed in."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import AdminMember, ApiToken, Network
from notifier.domain.sources import AdminRole

TOKEN_PREFIX = "ntf_"  # noqa: S105 - a prefix that marks our tokens, not a secret


class TokenError(ValueError):
    """The token cannot be made; the message names the field."""


@dataclass(frozen=True)
class IssuedToken:
    token_id: int
    secret: str  # shown once; only its hash is kept


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


TOKEN_ROLES = (AdminRole.EDITOR, AdminRole.ADMIN)


def issue_token(
    session: Session,
    network: Network,
    *,
    role: AdminRole,
    label: str,
    holder_email: str,
    created_by: AdminMember,
) -> IssuedToken:
    """`created_by`: the live admin (admin role) of this network who makes it."""
    if role not in TOKEN_ROLES:
        raise TokenError(
            "role: tokens are for automation and never approve, so none has the approver role; approvers "
            "are people, invited on the web admin's Team page (give a token the editor or admin role)"
        )
    if created_by.network_id != network.id or created_by.removed_at is not None or created_by.suspended_at:
        raise TokenError("created_by: the token's maker must be an admin of this network")
    if not created_by.role.allows(AdminRole.ADMIN):
        raise TokenError("created_by: only an admin makes tokens")
    label = label.strip()
    if not label or len(label) > 100:
        raise TokenError("label: give a short label (1 to 100 characters) saying whose token it is")
    try:
        email = validate_email(holder_email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise TokenError("email: the holder's work email address is not valid") from exc
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        network_id=network.id,
        token_hash=hash_token(secret),
        role=role,
        label=label,
        holder_email=email,
        created_by_admin_id=created_by.id,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token.id, secret)


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The live token with this secret, or None. The hash lookup is exact; no secret is compared."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    return session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None))
    ).one_or_none()


def revoke(session: Session, network: Network, token_id: int) -> bool:
    token = session.get(ApiToken, token_id)
    if token is None or token.network_id != network.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def list_tokens(session: Session, network: Network) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.network_id == network.id).order_by(ApiToken.id))
    )
