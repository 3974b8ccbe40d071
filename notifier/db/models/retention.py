"""Retention and data-subject rights: per-network rules, evidence of each run, requests, enquiries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notifier.db.base import Base, BigId, IdPk, utcnow
from notifier.db.models.core import (
    LINKED,
    Delivery,
    Subscriber,
    Subscription,
    enum_type,
    network_id_column,
    partial_index,
)
from notifier.domain.retention import RetentionKind
from notifier.domain.rights import DataRequestKind, DataRequestOrigin, DataRequestStatus, RequestArrival
from notifier.domain.statuses import IN_FLIGHT_DELIVERY_STATUSES, SubscriberStatus


class RetentionRule(Base):
    """A network's own period for one rule; with no row, the privacy notice's default applies."""

    __tablename__ = "retention_rule"
    __table_args__ = (UniqueConstraint("network_id", "kind"),)

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    kind: Mapped[RetentionKind] = mapped_column(enum_type(RetentionKind))
    months: Mapped[int] = mapped_column(Integer, default=0)
    days: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetentionEvidence(Base):
    """What one retention run did under one rule: counts and times, never personal data."""

    __tablename__ = "retention_evidence"
    __table_args__ = (UniqueConstraint("run_id", "network_id", "kind"),)

    id: Mapped[IdPk]
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    network_id: Mapped[int] = network_id_column()
    kind: Mapped[RetentionKind] = mapped_column(enum_type(RetentionKind))
    period: Mapped[str] = mapped_column(String(60))  # the rule as it stood, e.g. "6 months"
    cutoff: Mapped[datetime]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataRequest(Base):
    """A data-subject request tracked against its one-month deadline.

    `details` holds what the person asked for (a corrected name, say) and is emptied when the request
    closes; `subscriber_id` is cleared when the person is erased, so a closed request is anonymous.
    """

    __tablename__ = "data_request"
    __table_args__ = (
        UniqueConstraint("network_id", "id"),
        # No cascade: an erasure request outlives the subscriber row until Notify's copy has expired.
        ForeignKeyConstraint(
            ["network_id", "subscriber_id"], ["subscriber.network_id", "subscriber.id"], ondelete=None
        ),
        Index("ix_data_request_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    subscriber_id: Mapped[int | None] = mapped_column(BigId, index=True)
    kind: Mapped[DataRequestKind] = mapped_column(enum_type(DataRequestKind))
    origin: Mapped[DataRequestOrigin] = mapped_column(enum_type(DataRequestOrigin))
    status: Mapped[DataRequestStatus] = mapped_column(enum_type(DataRequestStatus))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outcome: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]
    acted_at: Mapped[datetime | None]
    # Erasure: Notify's own copy of the person's last email is gone after this moment.
    notify_clear_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    # A request recorded on the person's behalf (from 0025): how it arrived, the admin who recorded it and
    # checked it was theirs (an admin_member id; no foreign key, like audit records), and how they checked.
    arrived_by: Mapped[RequestArrival | None] = mapped_column(enum_type(RequestArrival))
    recorded_by_admin_id: Mapped[int | None] = mapped_column(BigId)
    identity_check: Mapped[str | None] = mapped_column(String(300))


class ContactEnquiry(Base):
    """A message sent through the contact form, kept 6 months. It is forwarded to the steering group's
    address; until it is (no address set, or Notify refused it), it waits in the admin's Enquiries
    page, where an admin replies by email and closes it."""

    __tablename__ = "contact_enquiry"

    id: Mapped[IdPk]
    network_id: Mapped[int] = network_id_column()
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    message: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    forwarded_notify_id: Mapped[str | None] = mapped_column(String(36))
    # Why forwarding stopped (Notify refused it, or its receipt says it failed); it waits for an admin.
    forward_failure: Mapped[str | None] = mapped_column(String(300))
    forward_failed_at: Mapped[datetime | None]
    # Dealt with by an admin (replied to or nothing to do): `admin:<id>`, never a name.
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(40))


# Erasure finds a person's deliveries by the link it clears, and every subscriber DELETE makes the
# database check the delivery foreign key: without this index both read the whole delivery table.
# Partial, like delivery's unique indexes: a cleared row leaves it rather than adding a NULL entry.
partial_index(
    "ix_delivery_network_id_subscriber_id", Delivery.network_id, Delivery.subscriber_id, where=LINKED
)
# The same for subscriptions: their only index on the person is partial (active rows).
Index("ix_subscription_network_id_subscriber_id", Subscription.network_id, Subscription.subscriber_id)

# The delivery-link rule's candidates, in the order it walks them: linked rows no longer in flight,
# per network by last change. Rows leave it as their link is cleared, so a run reads only what is due
# (repositories/retention.py spells the same predicate, with literals, so both databases use it).
LINK_DUE_PREDICATE = "subscriber_id IS NOT NULL AND status NOT IN ({})".format(
    ", ".join(f"'{status.value}'" for status in IN_FLIGHT_DELIVERY_STATUSES)
)
partial_index(
    "ix_delivery_link_due", Delivery.network_id, Delivery.updated_at, Delivery.id, where=LINK_DUE_PREDICATE
)
# The leaver and never-confirmed rules read only people in those states, not the whole network;
# leavers in the order the rule takes them (longest gone first), so no plan walks the primary key.
partial_index(
    "ix_subscriber_left",
    Subscriber.network_id,
    Subscriber.left_at,
    Subscriber.id,
    where=f"status = '{SubscriberStatus.LEFT.value}'",
)
partial_index(
    "ix_subscriber_pending",
    Subscriber.network_id,
    Subscriber.created_at,
    where=f"status = '{SubscriberStatus.PENDING.value}'",
)
