"""a network's own GOV.UK Notify service: encrypted keys, the sending key type, the callback bearer's hash

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "network_notify_service",
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column(
            "sending_key",
            sa.Enum("live", "team", "test", name="notifykeytype", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("api_key_live", sa.Text(), nullable=True),
        sa.Column("api_key_team", sa.Text(), nullable=True),
        sa.Column("api_key_test", sa.Text(), nullable=True),
        sa.Column("callback_token_sha256", sa.String(length=64), nullable=True),
        sa.Column("updated_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_at", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_network_notify_service_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", name=op.f("pk_network_notify_service")),
    )
    op.create_index(
        op.f("ix_network_notify_service_service_id"), "network_notify_service", ["service_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_network_notify_service_service_id"), table_name="network_notify_service")
    op.drop_table("network_notify_service")
