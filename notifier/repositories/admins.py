"""The steering group's people: live roles (not removed, not suspended) per network, and one person's
roles across networks, found by the keyed hash of their work address."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from notifier.db.models import AdminMember, Network, Subscriber


def _live() -> tuple[ColumnElement[bool], ...]:
    return (AdminMember.removed_at.is_(None), AdminMember.suspended_at.is_(None))


def live_team(session: Session, network_id: int) -> list[tuple[AdminMember, Subscriber]]:
    """The network's admins who hold their role now, by name."""
    rows = session.execute(
        select(AdminMember, Subscriber)
        .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
        .where(AdminMember.network_id == network_id, *_live())
        .order_by(Subscriber.name, AdminMember.id)
    ).all()
    return [(member, person) for member, person in rows]


def team_of(session: Session, network_id: int) -> list[tuple[AdminMember, Subscriber]]:
    """Everyone with a role now or suspended (not removed), by name."""
    rows = session.execute(
        select(AdminMember, Subscriber)
        .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
        .where(AdminMember.network_id == network_id, AdminMember.removed_at.is_(None))
        .order_by(Subscriber.name, AdminMember.id)
    ).all()
    return [(member, person) for member, person in rows]


def live_admin(session: Session, network_id: int, admin_id: int) -> AdminMember | None:
    query = select(AdminMember).where(
        AdminMember.network_id == network_id,
        AdminMember.id == admin_id,
        *_live(),
    )
    return session.scalars(query).one_or_none()


def member_of(session: Session, network_id: int, subscriber_id: int) -> AdminMember | None:
    """The person's admin row in the network, whatever its state."""
    query = select(AdminMember).where(
        AdminMember.network_id == network_id, AdminMember.subscriber_id == subscriber_id
    )
    return session.scalars(query).one_or_none()


def _roles_of_address(email_hash: str) -> Select[AdminMember, Subscriber, Network]:
    return (
        select(AdminMember, Subscriber, Network)
        .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
        .join(Network, Network.id == AdminMember.network_id)
        .where(Subscriber.email_hash == email_hash, *_live())
        .order_by(Network.name, Network.id)
    )


def roles_of_address(session: Session, email_hash: str) -> list[tuple[AdminMember, Subscriber, Network]]:
    """Every network where this address holds a live role, by network name."""
    return [(row[0], row[1], row[2]) for row in session.execute(_roles_of_address(email_hash)).all()]


def role_of_address(
    session: Session, network_id: int, email_hash: str
) -> tuple[AdminMember, Subscriber] | None:
    found = session.execute(_roles_of_address(email_hash).where(Network.id == network_id)).one_or_none()
    return (found[0], found[1]) if found is not None else None


def current_member(session: Session, network_id: int, admin_id: int) -> AdminMember | None:
    """The network's admin with this id, live or suspended (not removed)."""
    query = select(AdminMember).where(
        AdminMember.network_id == network_id, AdminMember.id == admin_id, AdminMember.removed_at.is_(None)
    )
    return session.scalars(query).one_or_none()
