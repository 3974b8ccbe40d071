"""event sources

Revision ID: 0003
Revises: 0002
Created: 2026-11-22 15:32:50.760590
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum("editor", "approver", "admin", name="adminrole", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("holder_email", sa.String(length=320), nullable=False),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_api_token_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_api_token_network_id_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_network_id"), ["network_id"], unique=False)

    op.create_table(
        "audit_record",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("occurred_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_audit_record_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_record")),
    )
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_record_network_id"), ["network_id"], unique=False)
        batch_op.create_index("ix_audit_record_network_time", ["network_id", "occurred_at"], unique=False)

    op.create_table(
        "content_page",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("revision", sa.String(length=100), nullable=False),
        sa.Column("first_seen_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_content_page_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_page")),
        sa.UniqueConstraint("network_id", "url", name=op.f("uq_content_page_network_id_url")),
    )
    with op.batch_alter_table("content_page", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_page_network_id"), ["network_id"], unique=False)

    op.create_table(
        "digest_run",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum("immediate", "daily", "weekly", name="frequency", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("period_start", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_digest_run_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_run")),
        sa.UniqueConstraint(
            "network_id",
            "frequency",
            "period_start",
            name=op.f("uq_digest_run_network_id_frequency_period_start"),
        ),
    )
    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_run_network_id"), ["network_id"], unique=False)

    op.create_table(
        "meeting",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uid", sa.String(length=200), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("start_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("topic_ids", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("scheduled", "cancelled", name="meetingstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reminder_minutes", sa.Integer(), nullable=False),
        sa.Column("reminder_sent_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("minutes_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_meeting_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_meeting_network_id_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_meeting_uid")),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_due", ["status", "start_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_network_id"), ["network_id"], unique=False)

    op.create_table(
        "announcement",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("topic_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "awaiting_approval",
                "scheduled",
                "sent",
                "cancelled",
                name="announcementstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("author_token_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("approver_token_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("send_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approver_token_id"],
            ["api_token.id"],
            name=op.f("fk_announcement_approver_token_id_api_token"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_token_id"],
            ["api_token.id"],
            name=op.f("fk_announcement_author_token_id_api_token"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["network_id", "topic_id"],
            ["topic.network_id", "topic.id"],
            name=op.f("fk_announcement_network_id_topic"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_announcement_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement")),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_announcement_network_id_id")),
    )
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.create_index("ix_announcement_due", ["status", "send_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_announcement_network_id"), ["network_id"], unique=False)

    op.create_table(
        "meeting_invitee",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("meeting_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subscriber_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id", "meeting_id"],
            ["meeting.network_id", "meeting.id"],
            name=op.f("fk_meeting_invitee_network_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id", "subscriber_id"],
            ["subscriber.network_id", "subscriber.id"],
            name=op.f("fk_meeting_invitee_network_id_subscriber"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_meeting_invitee_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_invitee")),
        sa.UniqueConstraint(
            "meeting_id", "subscriber_id", name=op.f("uq_meeting_invitee_meeting_id_subscriber_id")
        ),
    )
    with op.batch_alter_table("meeting_invitee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_invitee_network_id"), ["network_id"], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes, on both databases.
    for table in (
        "meeting_invitee",
        "announcement",
        "meeting",
        "digest_run",
        "content_page",
        "audit_record",
        "api_token",
    ):
        op.drop_table(table)
