"""The tables. Every row that belongs to a network carries network_id, and child rows point at their
parents through (network_id, id) pairs, so the database itself refuses a cross-network link."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from notifier.db.base import Base, BigId, IdPk, utcnow
from notifier.domain.statuses import (
    ConsentAction,
    ConsentSource,
    DeliveryStatus,
    EventKind,
    Frequency,
    Lane,
    MessageStatus,
    SubscriberStatus,
    SubscriptionEndReason,
    SuppressionReason,
)


def enum_type(enum: type[StrEnum]) -> Enum:
    """Store an enum's values (not names) as a short string, the same on SQLite and PostgreSQL."""
    return Enum(
        enum,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def same_network_fk(
    column: str, table: str, *, ondelete: str | None = "CASCADE", deferred: bool = False
) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["network_id", column],
        [f"{table}.network_id", f"{table}.id"],
        ondelete=ondelete,
        deferrable=True if deferred else None,
        initially="DEFERRED" if deferred else None,
    )


def partial_index(name: str, *columns: Any, where: str, unique: bool = False) -> Index:
    """An index of the rows matching `where` only, on both databases. A query uses it only when its own
    WHERE names the same predicate, with literals (repositories/rows.literal_of)."""
    return Index(name, *columns, unique=unique, sqlite_where=text(where), postgresql_where=text(where))


def network_id_column() -> Mapped[int]:
    return mapped_column(BigId, ForeignKey("network.id", ondelete="CASCADE"), index=True)


class Network(Base):
    __tablename__ = "network"

    id: Mapped[IdPk]
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    site_url: Mapped[str] = mapped_column(String(500))
    notify_template_id: Mapped[str | None] = mapped_column(String(36))
    notify_reply_to_id: Mapped[str | None] = mapped_column(String(36))
    allowed_email_domains: Mapped[list[str]] = mapped_column(default=list)
    privacy_notice_url: Mapped[str] = mapped_column(String(500))
    privacy_notice_version: Mapped[str] = mapped_column(String(50))
    webhook_secret: Mapped[str] = mapped_column(String(200))
    requires_sign_off: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When its site was connected (every page then recorded, none sent); pages dated before it never
    # send. The site's time zone (its _config.yml's, else the zone of the machine that ran the hook):
    # emails print the site's dates in it.
    site_connected_at: Mapped[datetime | None]
    site_timezone: Mapped[str | None] = mapped_column(String(64))


class Topic(Base):
    __tablename__ = "topic"
    __table_args__ = (UniqueConstraint("network_id", "slug"), UniqueConstraint("network_id", "id"))

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    members_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscriber(Base):
    __tablename__ = "subscriber"
    __table_args__ = (UniqueConstraint("network_id", "email"), UniqueConstraint("network_id", "id"))

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    email: Mapped[str] = mapped_column(String(320))  # normalised: trimmed and lower-cased
    # Keyed hash of the address: fan-out and re-checks match suppressions on it without the address.
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    # A new address asked for in a rectification: used only to send its confirmation link, and it
    # replaces `email` only once that link is followed (services/subscribers/email_change.py).
    pending_email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[SubscriberStatus] = mapped_column(enum_type(SubscriberStatus))
    consecutive_temporary_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]  # when nothing active remained: the retention clock starts here


class Subscription(Base):
    __tablename__ = "subscription"
    __table_args__ = (
        same_network_fk("subscriber_id", "subscriber"),
        same_network_fk("topic_id", "topic"),
        # One active subscription per subscriber and topic; ended rows are the history.
        Index(
            "uq_subscription_active",
            "subscriber_id",
            "topic_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        # Fan-out reads active immediate subscriptions of a topic in subscriber order.
        Index("ix_subscription_fanout", "topic_id", "frequency", "ended_at", "subscriber_id"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    subscriber_id: Mapped[int] = mapped_column(BigId)
    topic_id: Mapped[int] = mapped_column(BigId)
    frequency: Mapped[Frequency] = mapped_column(enum_type(Frequency))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[SubscriptionEndReason | None] = mapped_column(enum_type(SubscriptionEndReason))


class ConsentEvent(Base):
    """Append-only ledger: the current consent of a subscriber is derived from it."""

    __tablename__ = "consent_event"
    __table_args__ = (same_network_fk("subscriber_id", "subscriber"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    subscriber_id: Mapped[int] = mapped_column(BigId, index=True)
    topic_id: Mapped[int | None] = mapped_column(BigId)
    action: Mapped[ConsentAction] = mapped_column(enum_type(ConsentAction))
    source: Mapped[ConsentSource] = mapped_column(enum_type(ConsentSource))
    notice_version: Mapped[str] = mapped_column(String(50))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Consent an admin recorded on the person's behalf (an import, a bulk add) says why.
    reason: Mapped[str | None] = mapped_column(String(300))


class Event(Base):
    """Something that happened in the network's life and may become email."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("network_id", "source_key"), UniqueConstraint("network_id", "id"))

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    source_key: Mapped[str] = mapped_column(String(600))  # e.g. the page URL and revision
    title: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """One email sent to an audience: a topic's subscribers, or named subscribers (transactional)."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("network_id", "id"),
        same_network_fk("event_id", "event"),
        same_network_fk("topic_id", "topic"),
        Index("ix_message_status", "status"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    event_id: Mapped[int | None] = mapped_column(BigId)
    topic_id: Mapped[int | None] = mapped_column(BigId)
    email_kind: Mapped[str] = mapped_column(String(40))
    lane: Mapped[Lane] = mapped_column(enum_type(Lane))
    status: Mapped[MessageStatus] = mapped_column(enum_type(MessageStatus))
    status_note: Mapped[str] = mapped_column(String(300), default="")
    # What the template needs besides the footer.
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    paused_until: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class FanoutSlice(Base):
    """One share of a topic message's audience, by subscriber id, that one fan-out chain works through.

    A large audience is cut into a few slices so that PostgreSQL inserts them on several cores at once;
    each slice keeps its own keyset cursor, advanced in the same transaction as the rows it inserted.
    """

    __tablename__ = "fanout_slice"
    __table_args__ = (same_network_fk("message_id", "message"),)

    message_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slice_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(BigId)
    after_subscriber_id: Mapped[int] = mapped_column(BigId)  # the cursor: every id up to it is done
    last_subscriber_id: Mapped[int | None] = mapped_column(BigId)  # None: no upper end (the last slice)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# The predicate of delivery's partial indexes: rows still linked to a person.
LINKED = "subscriber_id IS NOT NULL"


class Delivery(Base):
    """One message to one subscriber. Its id is the Notify `reference`, so it carries no personal data."""

    __tablename__ = "delivery"
    __table_args__ = (
        # One delivery per message and person, and one email per person per event even when the event
        # goes to several of their topics. Partial: a row whose link retention cleared can conflict with
        # nothing (NULLs never do), so clearing it removes its entries instead of writing new ones.
        partial_index(
            "uq_delivery_message_id_subscriber_id", "message_id", "subscriber_id", where=LINKED, unique=True
        ),
        partial_index(
            "uq_delivery_event_id_subscriber_id", "event_id", "subscriber_id", where=LINKED, unique=True
        ),
        same_network_fk("message_id", "message"),
        # No cascade: erasure clears subscriber_id first, so the counts survive the person. Checked at
        # commit, so deleting a network (its subscribers, and its deliveries through its messages) does
        # not depend on which of its cascades PostgreSQL runs first.
        same_network_fk("subscriber_id", "subscriber", ondelete=None, deferred=True),
        Index("ix_delivery_message_status", "message_id", "status"),
        Index("ix_delivery_status_updated", "status", "updated_at"),
    )

    id: Mapped[IdPk]
    # No foreign key or index of its own: the (network_id, message_id) key already ties the row to its
    # network, and ix_delivery_network_id_subscriber_id serves lookups by network. Each fanned-out row
    # then costs one check and one index less (bench/fanout.py).
    network_id: Mapped[int] = mapped_column(BigId)
    message_id: Mapped[int] = mapped_column(BigId)
    event_id: Mapped[int | None] = mapped_column(
        BigId
    )  # copied from the message; None for transactional mail
    subscriber_id: Mapped[int | None] = mapped_column(BigId)  # cleared by retention; counts stay
    status: Mapped[DeliveryStatus] = mapped_column(enum_type(DeliveryStatus))
    # Not indexed: receipts find their row by `reference` (the id); nothing looks a row up by Notify's id,
    # and every write of a delivery (fan-out, each status change, retention clearing its link) paid for
    # that index (migration 0011).
    notify_id: Mapped[str | None] = mapped_column(String(36))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class DeliveryTally(Base):
    """Deliveries folded away once older than `delivery_fold_months` (services/privacy/folding.py): how
    many of a message's rows had this status, reason, Notify acceptance and minute. Reports add these to
    the rows still stored, so a message reads the same before and after folding."""

    __tablename__ = "delivery_tally"
    __table_args__ = (
        same_network_fk("message_id", "message"),
        CheckConstraint("deliveries > 0", name="counted"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = mapped_column(BigId)
    message_id: Mapped[int] = mapped_column(BigId, index=True)
    status: Mapped[DeliveryStatus] = mapped_column(enum_type(DeliveryStatus))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    reached_notify: Mapped[bool] = mapped_column(Boolean)  # Notify gave it an id
    accepted_minute: Mapped[datetime | None]  # accepted_at to the minute, for sends per minute
    deliveries: Mapped[int] = mapped_column(Integer)
    folded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Suppression(Base):
    """Addresses we must not send to. Keyed by an HMAC of the address, so it survives erasure."""

    __tablename__ = "suppression"
    __table_args__ = (UniqueConstraint("network_id", "email_hash"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    email_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[SuppressionReason] = mapped_column(enum_type(SuppressionReason))
    detail: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
