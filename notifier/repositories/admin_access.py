"""The admin API tokens an admin of a network made or holds, revoked set-based in the caller's
transaction (removing an admin, their term ending, lowering their role, erasing them). Web sessions
are a person's, checked against their roles on every request, so they need no ending here."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from notifier.db.models import AdminMember, ApiToken
from notifier.domain.sources import AdminRole
from notifier.repositories.rows import affected


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
