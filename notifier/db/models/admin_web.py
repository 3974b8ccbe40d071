"""The steering group's web admin: admins (people with a role in one network), their one-time
sign-in links and their server-side sessions. Secrets are kept only as SHA-256 hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notifier.db.base import Base, BigId, IdPk, utcnow
from notifier.db.models.core import enum_type, network_id_column, same_network_fk
from notifier.domain.sources import AdminRole


class AdminMember(Base):
    """A person of the network (their subscriber row holds the address) with an admin role in it."""

    __tablename__ = "admin_member"
    __table_args__ = (
        UniqueConstraint("network_id", "subscriber_id"),
        UniqueConstraint("network_id", "id"),
        same_network_fk("subscriber_id", "subscriber"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    subscriber_id: Mapped[int] = mapped_column(BigId)
    role: Mapped[AdminRole] = mapped_column(enum_type(AdminRole))
    invited_by: Mapped[str] = mapped_column(String(60))  # an audit actor: "cli" or "admin:<id>"
    # The services that take an admin API token (announcements' sign-off) act through this one. Its
    # secret was never shown to anyone, so it works only through the web admin's session.
    acting_token_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("api_token.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]


class AdminSignInLink(Base):
    """One emailed sign-in link: it works once (used_at is claimed conditionally) and until expires_at."""

    __tablename__ = "admin_sign_in_link"
    __table_args__ = (
        same_network_fk("admin_id", "admin_member"),
        Index("ix_admin_sign_in_link_expires_at", "expires_at"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    admin_id: Mapped[int] = mapped_column(BigId, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AdminAlert(Base):
    """When an admin was last told by email that something of one kind waits for them."""

    __tablename__ = "admin_alert"
    __table_args__ = (UniqueConstraint("admin_id", "kind"), same_network_fk("admin_id", "admin_member"))

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    admin_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(40))  # services/admin/alerts.AlertKind
    last_sent_at: Mapped[datetime]


class AdminSession(Base):
    """A signed-in browser: the cookie holds a random secret, the row only its hash."""

    __tablename__ = "admin_session"
    __table_args__ = (same_network_fk("admin_id", "admin_member"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    admin_id: Mapped[int] = mapped_column(BigId, index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # the absolute limit; the idle limit runs from last_seen_at
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(40))  # signed_out, revoked, replaced
