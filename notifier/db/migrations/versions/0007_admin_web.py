"""the web admin: admins with a role per network, one-time sign-in links, server-side sessions

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_member",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subscriber_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "role",
            sa.Enum("editor", "approver", "admin", name="adminrole", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("invited_by", sa.String(length=60), nullable=False),
        sa.Column("acting_token_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id", "subscriber_id"],
            ["subscriber.network_id", "subscriber.id"],
            name=op.f("fk_admin_member_network_id_subscriber"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_admin_member_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["acting_token_id"],
            ["api_token.id"],
            name=op.f("fk_admin_member_acting_token_id_api_token"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_member")),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_admin_member_network_id_id")),
        sa.UniqueConstraint(
            "network_id", "subscriber_id", name=op.f("uq_admin_member_network_id_subscriber_id")
        ),
    )
    with op.batch_alter_table("admin_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_member_network_id"), ["network_id"], unique=False)

    op.create_table(
        "admin_session",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("admin_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id", "admin_id"],
            ["admin_member.network_id", "admin_member.id"],
            name=op.f("fk_admin_session_network_id_admin_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_admin_session_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_session")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_admin_session_secret_hash")),
    )
    with op.batch_alter_table("admin_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_session_admin_id"), ["admin_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_session_network_id"), ["network_id"], unique=False)

    op.create_table(
        "admin_sign_in_link",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("network_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("admin_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id", "admin_id"],
            ["admin_member.network_id", "admin_member.id"],
            name=op.f("fk_admin_sign_in_link_network_id_admin_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_admin_sign_in_link_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_sign_in_link")),
    )
    with op.batch_alter_table("admin_sign_in_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_sign_in_link_admin_id"), ["admin_id"], unique=False)
        batch_op.create_index("ix_admin_sign_in_link_expires_at", ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_sign_in_link_network_id"), ["network_id"], unique=False)

    _admin_alert()


def _admin_alert() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "admin_alert",
        sa.Column("id", big_id, autoincrement=True, nullable=False),
        sa.Column("network_id", big_id, nullable=False),
        sa.Column("admin_id", big_id, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("last_sent_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id", "admin_id"],
            ["admin_member.network_id", "admin_member.id"],
            name=op.f("fk_admin_alert_network_id_admin_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_admin_alert_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_alert")),
        sa.UniqueConstraint("admin_id", "kind", name=op.f("uq_admin_alert_admin_id_kind")),
    )
    with op.batch_alter_table("admin_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_alert_network_id"), ["network_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("admin_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_alert_network_id"))
    op.drop_table("admin_alert")
    with op.batch_alter_table("admin_sign_in_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_sign_in_link_network_id"))
        batch_op.drop_index("ix_admin_sign_in_link_expires_at")
        batch_op.drop_index(batch_op.f("ix_admin_sign_in_link_admin_id"))

    op.drop_table("admin_sign_in_link")
    with op.batch_alter_table("admin_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_session_network_id"))
        batch_op.drop_index(batch_op.f("ix_admin_session_admin_id"))

    op.drop_table("admin_session")
    with op.batch_alter_table("admin_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_member_network_id"))

    op.drop_table("admin_member")
