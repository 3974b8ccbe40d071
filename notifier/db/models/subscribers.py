"""The subscribers' side: pending sign-ups, consent statements, memberships and the form rate limit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from notifier.db.base import Base, BigId, IdPk, utcnow
from notifier.db.models.core import enum_type, network_id_column, same_network_fk
from notifier.domain.statuses import ConsentSource, Frequency, MembershipStatus


class ConsentText(Base):
    """The consent statement people agreed to, kept per privacy-notice version (the ledger cites it)."""

    __tablename__ = "consent_text"
    __table_args__ = (UniqueConstraint("network_id", "version"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    version: Mapped[str] = mapped_column(String(50))
    statement: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Signup(Base):
    """A request to subscribe (or join) that waits for its confirmation link. It holds no consent:
    the ledger is only written when it is confirmed, and it is deleted when its link expires."""

    __tablename__ = "signup"
    __table_args__ = (
        same_network_fk("subscriber_id", "subscriber"),
        Index("ix_signup_expires_at", "expires_at"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    subscriber_id: Mapped[int] = mapped_column(BigId, index=True)
    topic_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    frequency: Mapped[Frequency] = mapped_column(enum_type(Frequency))
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[ConsentSource] = mapped_column(enum_type(ConsentSource))
    notice_version: Mapped[str] = mapped_column(String(50))
    wants_membership: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    # An imported person is reminded once (services/subscribers/import_reminders.py).
    reminded_at: Mapped[datetime | None]


class Membership(Base):
    """A person's membership of the network, from request to its end; closed rows are the history."""

    __tablename__ = "membership"
    __table_args__ = (
        same_network_fk("subscriber_id", "subscriber"),
        # At most one open (requested or approved) membership per person.
        Index(
            "uq_membership_open",
            "subscriber_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        # Deleting a subscriber cascades here, once per person: the check needs an index on the key.
        Index("ix_membership_network_id_subscriber_id", "network_id", "subscriber_id"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    subscriber_id: Mapped[int] = mapped_column(BigId)
    status: Mapped[MembershipStatus] = mapped_column(enum_type(MembershipStatus))
    eligibility_statement: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(300), default="")


class FormAttempt(Base):
    """One submission of a public form, keyed by a keyed hash of the client's address (no raw IP)."""

    __tablename__ = "form_attempt"
    __table_args__ = (Index("ix_form_attempt_client", "client_hash", "created_at"),)

    id: Mapped[IdPk]
    client_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
