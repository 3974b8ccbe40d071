"""The steering group's web admin: admins (people with a role in one network), their one-time
sign-in links and their server-side sessions, and the quarterly access reviews. Secrets are kept
only as SHA-256 hashes.

A link and a session belong to a person, not to one network: they name the keyed hash of the
person's work address (the same `email_hash` their subscriber row has in every network), so one
sign-in reaches every network where that address holds a live role."""

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
    # Retired by migration 0022 (approvals are made by people, not through tokens): the token a web
    # admin once acted through, kept so SQLite need not copy the table to drop it. Never set now.
    acting_token_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("api_token.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    removed_reason: Mapped[str | None] = mapped_column(String(40))  # services/admin/turnover.Ended
    # A term of office: the role ends by itself then (beat), after a reminder two weeks before.
    term_ends_at: Mapped[datetime | None]
    term_reminder_sent_at: Mapped[datetime | None]
    last_signed_in_at: Mapped[datetime | None]
    # Not signed in for the inactivity limit: the role holds nothing until an admin reinstates it.
    suspended_at: Mapped[datetime | None]
    reinstated_at: Mapped[datetime | None]  # the inactivity clock runs again from here
    access_confirmed_at: Mapped[datetime | None]  # the last access review that confirmed the role


class AdminSignInLink(Base):
    """One emailed sign-in link for a person: it works once (used_at is claimed conditionally) and until
    expires_at. An invitation's link names the network it invites to and who invited."""

    __tablename__ = "admin_sign_in_link"
    __table_args__ = (Index("ix_admin_sign_in_link_expires_at", "expires_at"),)

    id: Mapped[IdPk]
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    # The network the link leads to once used (where it was asked for, or the invitation's); None: the list.
    network_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("network.id", ondelete="CASCADE"))
    invited_by: Mapped[str | None] = mapped_column(String(60))  # an invitation's audit actor
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
    """A signed-in browser: the cookie holds a random secret, the row only its hash. It is the person's,
    valid in each network where their address holds a live role, checked on every request."""

    __tablename__ = "admin_session"

    id: Mapped[IdPk]
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # the absolute limit; the idle limit runs from last_seen_at
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(40))  # signed_out, revoked, replaced


class AccessReview(Base):
    """A quarter's access review of one network, emailed to its admins once (the unique key is the claim)."""

    __tablename__ = "access_review"
    __table_args__ = (UniqueConstraint("network_id", "quarter_start"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    quarter_start: Mapped[datetime]
    sent_at: Mapped[datetime]
