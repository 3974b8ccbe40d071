"""The Team page: changing an admin's role and removing an admin. Removing someone ends their
sessions and retires their acting token at once, and starts the retention clock of a person who has
nothing else left; nobody can remove themselves or change their own role, so a network always keeps
the admin who is doing it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from notifier.db.models import AdminMember, AdminSession, Subscriber
from notifier.domain.sources import AdminRole
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.admin.acting import retire_acting_token
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
    session: Session, actor: AdminMember, admin_id: int, role: AdminRole, *, actor_name: str
) -> AdminMember:
    target = _other_admin(session, actor, admin_id)
    if target.role is not role:
        before, target.role = target.role, role
        audit.record(
            session, actor.network_id, actor_name, "admin_role_changed", "admin_member", target.id,
            before=before.value, after=role.value,
        )  # fmt: skip
    return target


def remove_admin(
    session: Session, actor: AdminMember, admin_id: int, *, actor_name: str, now: datetime
) -> None:
    target = _other_admin(session, actor, admin_id)
    target.removed_at = now
    session.execute(
        update(AdminSession)
        .where(AdminSession.admin_id == target.id, AdminSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason="admin_removed")
    )
    retire_acting_token(session, target)
    # Someone who was only an admin (no subscription left) now holds nothing: the retention clock starts.
    subscriber_repo.mark_left_if_nothing_active(
        session, session.get_one(Subscriber, target.subscriber_id), now
    )
    audit.record(session, actor.network_id, actor_name, "admin_removed", "admin_member", target.id)
