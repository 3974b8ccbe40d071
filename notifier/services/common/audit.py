"""The audit trail of admin actions: who (a web admin, a token id or the CLI), what, to which object,
when. A web admin's actions are theirs (`admin:<id>`) even through the acting token the announcement
service needs; an admin API token's are the token's (`token:<id>`).

Only ids and action names go in: never a name, an address or free text someone typed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import ApiToken, AuditRecord

CLI_ACTOR = "cli"
ANONYMOUS_ACTOR = "anonymous"  # someone not signed in: a refused or failed sign-in


def token_actor(token_id: int) -> str:
    return f"token:{token_id}"


def admin_actor(admin_id: int) -> str:
    return f"admin:{admin_id}"


def actor_of_token(token: ApiToken | None) -> str:
    """Who acts through a token: the web admin an acting token acts for, else the token; no token is
    the CLI."""
    if token is None:
        return CLI_ACTOR
    if token.acting_admin_id is not None:
        return admin_actor(token.acting_admin_id)
    return token_actor(token.id)


def record(
    session: Session,
    network_id: int,
    actor: str,
    action: str,
    object_type: str,
    object_id: int | None,
    **detail: int | str | bool | None,
) -> None:
    """Add an audit row in the caller's transaction, so it commits (or not) with the action."""
    session.add(
        AuditRecord(
            network_id=network_id,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
            occurred_at=utcnow(),
        )
    )


def recent(session: Session, network_id: int, limit: int = 100) -> list[AuditRecord]:
    return list(
        session.scalars(
            select(AuditRecord)
            .where(AuditRecord.network_id == network_id)
            .order_by(AuditRecord.id.desc())
            .limit(limit)
        )
    )
