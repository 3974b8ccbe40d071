"""initial schema

Revision ID: 0001
Revises: none
Created: 2026-11-22 15:20:35.906373
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("site_url", sa.String(length=500), nullable=False),
        sa.Column("notify_template_id", sa.String(length=36), nullable=True),
        sa.Column("notify_reply_to_id", sa.String(length=36), nullable=True),
        sa.Column("allowed_email_domains", sa.JSON(), nullable=False),
        sa.Column("privacy_notice_url", sa.String(length=500), nullable=False),
        sa.Column("privacy_notice_version", sa.String(length=50), nullable=False),
        sa.Column("webhook_secret", sa.String(length=200), nullable=False),
        sa.Column("requires_sign_off", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network")),
        sa.UniqueConstraint("slug", name=op.f("uq_network_slug")),
    )
    op.create_table(
        "event",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "content",
                "meeting",
                "minutes",
                "announcement",
                name="eventkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source_key", sa.String(length=600), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_event_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_event_network_id_id")),
        sa.UniqueConstraint("network_id", "source_key", name=op.f("uq_event_network_id_source_key")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_network_id"), ["network_id"], unique=False)

    op.create_table(
        "subscriber",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "active", "left", name="subscriberstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("consecutive_temporary_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("left_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_subscriber_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriber")),
        sa.UniqueConstraint("network_id", "email", name=op.f("uq_subscriber_network_id_email")),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_subscriber_network_id_id")),
    )
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriber_email_hash"), ["email_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscriber_network_id"), ["network_id"], unique=False)

    op.create_table(
        "suppression",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "permanent_failure",
                "repeated_temporary_failure",
                "complaint",
                "objection",
                "admin",
                name="suppressionreason",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_suppression_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression")),
        sa.UniqueConstraint("network_id", "email_hash", name=op.f("uq_suppression_network_id_email_hash")),
    )
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppression_network_id"), ["network_id"], unique=False)

    op.create_table(
        "topic",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("members_only", sa.Boolean(), nullable=False),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_topic_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic")),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_topic_network_id_id")),
        sa.UniqueConstraint("network_id", "slug", name=op.f("uq_topic_network_id_slug")),
    )
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_network_id"), ["network_id"], unique=False)

    op.create_table(
        "consent_event",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subscriber_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("topic_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "action",
            sa.Enum("granted", "withdrawn", name="consentaction", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "form",
                "admin",
                "import",
                "api",
                "one_click",
                name="consentsource",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("notice_version", sa.String(length=50), nullable=False),
        sa.Column("occurred_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id", "subscriber_id"],
            ["subscriber.network_id", "subscriber.id"],
            name=op.f("fk_consent_event_network_id_subscriber"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_consent_event_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_event")),
    )
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_event_network_id"), ["network_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_event_subscriber_id"), ["subscriber_id"], unique=False)

    op.create_table(
        "message",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("topic_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("email_kind", sa.String(length=40), nullable=False),
        sa.Column(
            "lane",
            sa.Enum("transactional", "bulk", name="lane", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "fanning_out",
                "sending",
                "done",
                "cancelled",
                name="messagestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_note", sa.String(length=300), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("fanout_cursor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paused_until", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id", "event_id"],
            ["event.network_id", "event.id"],
            name=op.f("fk_message_network_id_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id", "topic_id"],
            ["topic.network_id", "topic.id"],
            name=op.f("fk_message_network_id_topic"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_message_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_message_network_id_id")),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_network_id"), ["network_id"], unique=False)
        batch_op.create_index("ix_message_status", ["status"], unique=False)

    op.create_table(
        "subscription",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subscriber_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("topic_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum("immediate", "daily", "weekly", name="frequency", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("started_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "ended_reason",
            sa.Enum(
                "unsubscribed",
                "one_click",
                "suppressed",
                "admin",
                "membership_ended",
                name="subscriptionendreason",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["network_id", "subscriber_id"],
            ["subscriber.network_id", "subscriber.id"],
            name=op.f("fk_subscription_network_id_subscriber"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id", "topic_id"],
            ["topic.network_id", "topic.id"],
            name=op.f("fk_subscription_network_id_topic"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_subscription_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.create_index(
            "ix_subscription_fanout", ["topic_id", "frequency", "ended_at", "subscriber_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subscription_network_id"), ["network_id"], unique=False)
        batch_op.create_index(
            "uq_subscription_active",
            ["subscriber_id", "topic_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "delivery",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("subscriber_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sending",
                "accepted",
                "delivered",
                "temporary_failure",
                "permanent_failure",
                "technical_failure",
                "skipped",
                name="deliverystatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("notify_id", sa.String(length=36), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id", "message_id"],
            ["message.network_id", "message.id"],
            name=op.f("fk_delivery_network_id_message"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id", "subscriber_id"],
            ["subscriber.network_id", "subscriber.id"],
            name=op.f("fk_delivery_network_id_subscriber"),
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_delivery_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("event_id", "subscriber_id", name=op.f("uq_delivery_event_id_subscriber_id")),
        sa.UniqueConstraint("message_id", "subscriber_id", name=op.f("uq_delivery_message_id_subscriber_id")),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_message_status", ["message_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_network_id"), ["network_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_notify_id"), ["notify_id"], unique=False)
        batch_op.create_index("ix_delivery_status_updated", ["status", "updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_status_updated")
        batch_op.drop_index(batch_op.f("ix_delivery_notify_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_network_id"))
        batch_op.drop_index("ix_delivery_message_status")

    op.drop_table("delivery")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_subscription_active",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_subscription_network_id"))
        batch_op.drop_index("ix_subscription_fanout")

    op.drop_table("subscription")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_status")
        batch_op.drop_index(batch_op.f("ix_message_network_id"))

    op.drop_table("message")
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_event_subscriber_id"))
        batch_op.drop_index(batch_op.f("ix_consent_event_network_id"))

    op.drop_table("consent_event")
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_network_id"))

    op.drop_table("topic")
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppression_network_id"))

    op.drop_table("suppression")
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriber_network_id"))
        batch_op.drop_index(batch_op.f("ix_subscriber_email_hash"))

    op.drop_table("subscriber")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_network_id"))

    op.drop_table("event")
    op.drop_table("network")
