"""What an admin of a network can act through: web sessions and admin API tokens, ended set-based in
the caller's transaction (removing an admin, lowering their role, erasing them)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from notifier.db.models import AdminMember, AdminSession, ApiToken
from notifier.domain.sources import AdminRole
from notifier.repositories.rows import affected


def end_sessions(
    session: Session, network_id: int, admin_ids: Collection[int], *, now: datetime, reason: str
) -> int:
    return affected(
        session.execute(
            update(AdminSession)
            .where(
                AdminSession.network_id == network_id,
                AdminSession.admin_id.in_(admin_ids),
                AdminSession.ended_at.is_(None),
            )
            .values(ended_at=now, ended_reason=reason)
        )
    )


def revoke_tokens(
    session: Session,
    network_id: int,
    admin_ids: Collection[int],
    holder_emails: Collection[str],
    *,
    now: datetime,
    above: AdminRole | None = None,
) -> int:
    """Every live token of the network these admins made, act through or hold (by address); with
    `above`, only the tokens whose role is higher than that."""
    acting = select(AdminMember.acting_token_id).where(
        AdminMember.network_id == network_id, AdminMember.id.in_(admin_ids)
    )
    theirs = or_(
        ApiToken.created_by_admin_id.in_(admin_ids),
        ApiToken.acting_admin_id.in_(admin_ids),
        ApiToken.id.in_(acting),
        func.lower(ApiToken.holder_email).in_([e.lower() for e in holder_emails if e]),
    )
    statement = update(ApiToken).where(
        ApiToken.network_id == network_id, ApiToken.revoked_at.is_(None), theirs
    )
    if above is not None:
        statement = statement.where(ApiToken.role.in_([r for r in AdminRole if r.rank > above.rank]))
    return affected(session.execute(statement.values(revoked_at=now)))
