"""The Team page: changing an admin's role and removing an admin. Removing someone ends every session
of theirs and revokes every admin API token they made, act through or hold, at once, so nothing they
had still works; it starts the retention clock of a person who has nothing else left. Lowering a role
revokes those of their tokens whose role is above the new one. Nobody can remove themselves or change
their own role, so a network always keeps the admin who is doing it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import AdminMember, Subscriber
from notifier.domain.sources import AdminRole
from notifier.repositories import admin_access
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.admin.web_sessions import AdminError, active_admin
from notifier.services.common import audit
from notifier.services.common.scope import NotFound


def _other_admin(session: Session, actor: AdminMember, admin_id: int) -> AdminMember:
    target = active_admin(session, actor.network_id, admin_id)
    if target is None:
        raise NotFound("admin")
    if target.id == actor.id:
        raise AdminError("admin: you cannot change or remove yourself; ask another admin")
    return target


def change_role(
    session: Session,
    actor: AdminMember,
    admin_id: int,
    role: AdminRole,
    *,
    actor_name: str,
    now: datetime | None = None,
) -> AdminMember:
    target = _other_admin(session, actor, admin_id)
    if target.role is not role:
        before, target.role = target.role, role
        revoked = 0
        if role.rank < before.rank:
            person = session.get_one(Subscriber, target.subscriber_id)
            revoked = admin_access.revoke_tokens(
                session, target.network_id, [target.id], [person.email], now=now or utcnow(), above=role
            )
        audit.record(
            session, actor.network_id, actor_name, "admin_role_changed", "admin_member", target.id,
            before=before.value, after=role.value, tokens_revoked=revoked,
        )  # fmt: skip
    return target


def remove_admin(
    session: Session, actor: AdminMember, admin_id: int, *, actor_name: str, now: datetime
) -> None:
    target = _other_admin(session, actor, admin_id)
    target.removed_at = now
    person = session.get_one(Subscriber, target.subscriber_id)
    sessions = admin_access.end_sessions(
        session, target.network_id, [target.id], now=now, reason="admin_removed"
    )
    tokens = admin_access.revoke_tokens(session, target.network_id, [target.id], [person.email], now=now)
    # Someone who was only an admin (no subscription left) now holds nothing: the retention clock starts.
    subscriber_repo.mark_left_if_nothing_active(session, person, now)
    audit.record(
        session, actor.network_id, actor_name, "admin_removed", "admin_member", target.id,
        sessions_ended=sessions, tokens_revoked=tokens,
    )  # fmt: skip
