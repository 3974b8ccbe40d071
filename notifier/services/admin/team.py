"""The Team page's changes: a role, a term of office's end, removing, reinstating a suspended admin,
and confirming someone in the access review. Every change that would take the network below its
floor (two people who can approve, one admin) is refused with the reason, and nobody changes or
removes themselves, so a network always keeps the admin who is doing it. Removing someone (or their
term ending) takes effect at once: access is checked against the role on every request, and every
admin API token they made or hold is revoked. Lowering a role revokes those of their tokens whose
role is above the new one. Removing someone who has nothing else left starts their retention clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import AdminMember, Subscriber
from notifier.domain.london_times import LONDON
from notifier.domain.sign_off import TeamCounts, team_floor_problem
from notifier.domain.sources import AdminRole
from notifier.repositories import admin_access
from notifier.repositories import admins as admin_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.admin.invitations import AdminError
from notifier.services.common import audit
from notifier.services.common.scope import NotFound


def floor_problem(
    session: Session, network_id: int, target: AdminMember, role: AdminRole | None
) -> str | None:
    """Why giving `target` this role (None: no role) would take the team below its floor, or None."""
    live = admin_repo.live_team(session, network_id)
    before = TeamCounts.of(member.role for member, _ in live)
    after_roles = [member.role for member, _ in live if member.id != target.id]
    if role is not None:
        after_roles.append(role)
    return team_floor_problem(before, TeamCounts.of(after_roles))


def _other_admin(session: Session, actor: AdminMember, admin_id: int) -> AdminMember:
    target = admin_repo.current_member(session, actor.network_id, admin_id)
    if target is None:
        raise NotFound("admin")
    if target.id == actor.id:
        raise AdminError("admin: you cannot change or remove yourself; ask another admin")
    return target


def _refuse_below_floor(session: Session, target: AdminMember, role: AdminRole | None) -> None:
    problem = floor_problem(session, target.network_id, target, role)
    if problem:
        raise AdminError(f"admin: {problem}")


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
        _refuse_below_floor(session, target, role)
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


def end_role(session: Session, target: AdminMember, *, reason: str, actor_name: str, now: datetime) -> None:
    """The role ends now (removed, or its term over); the floor was checked by the caller."""
    target.removed_at, target.removed_reason = now, reason
    person = session.get_one(Subscriber, target.subscriber_id)
    tokens = admin_access.revoke_tokens(session, target.network_id, [target.id], [person.email], now=now)
    # Someone who was only an admin (no subscription left) now holds nothing: the retention clock starts.
    subscriber_repo.mark_left_if_nothing_active(session, person, now)
    audit.record(
        session, target.network_id, actor_name, "admin_removed", "admin_member", target.id,
        reason=reason, tokens_revoked=tokens,
    )  # fmt: skip


def remove_admin(
    session: Session, actor: AdminMember, admin_id: int, *, actor_name: str, now: datetime
) -> None:
    target = _other_admin(session, actor, admin_id)
    if target.suspended_at is None:
        _refuse_below_floor(session, target, None)
    end_role(session, target, reason="removed", actor_name=actor_name, now=now)


def set_term(
    session: Session,
    actor: AdminMember,
    admin_id: int,
    ends_at: datetime | None,
    *,
    actor_name: str,
    now: datetime,
) -> AdminMember:
    """A term of office: the role ends by itself then (None: no end date)."""
    target = _other_admin(session, actor, admin_id)
    if ends_at is not None and ends_at <= now:
        raise AdminError("term_ends_at: the end of the term must be in the future")
    target.term_ends_at, target.term_reminder_sent_at = ends_at, None
    audit.record(
        session, actor.network_id, actor_name, "admin_term_set", "admin_member", target.id,
        ends_at=ends_at.isoformat() if ends_at else None,
    )  # fmt: skip
    return target


def reinstate(
    session: Session, actor: AdminMember, admin_id: int, *, actor_name: str, now: datetime
) -> AdminMember:
    """A suspended admin holds their role again; the inactivity clock starts again now."""
    target = _other_admin(session, actor, admin_id)
    if target.suspended_at is None:
        raise AdminError("admin: this person is not suspended")
    target.suspended_at, target.reinstated_at = None, now
    audit.record(session, actor.network_id, actor_name, "admin_reinstated", "admin_member", target.id)
    return target


def confirm_access(
    session: Session, actor: AdminMember, admin_id: int, *, actor_name: str, now: datetime
) -> AdminMember:
    """The access review: this person should keep their role."""
    target = _other_admin(session, actor, admin_id)
    target.access_confirmed_at = now
    audit.record(session, actor.network_id, actor_name, "admin_access_confirmed", "admin_member", target.id)
    return target


def term_end_from(text: str) -> datetime | None:
    """A term's last day as typed (2027-03-31): the role ends as that day ends in London. Blank: none."""
    text = text.strip()
    if not text:
        return None
    try:
        last_day = date.fromisoformat(text)
    except ValueError as exc:
        raise AdminError("term_ends_at: enter the term's last day as a date, like 2027-03-31") from exc
    return datetime.combine(last_day + timedelta(days=1), time(), tzinfo=LONDON).astimezone(UTC)
