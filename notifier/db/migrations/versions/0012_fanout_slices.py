"""fan-out in slices: each slice of a message's audience keeps its own cursor, so slices insert in parallel

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fanout_slice",
        sa.Column("message_id", BIG_ID, nullable=False),
        sa.Column("slice_no", sa.Integer(), nullable=False),
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("after_subscriber_id", BIG_ID, nullable=False),
        sa.Column("last_subscriber_id", BIG_ID, nullable=True),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("updated_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id", "message_id"],
            ["message.network_id", "message.id"],
            name=op.f("fk_fanout_slice_network_id_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "slice_no", name=op.f("pk_fanout_slice")),
    )
    # A message part-way through fan-out carries on where its one cursor stopped, as a single slice.
    op.execute(
        "INSERT INTO fanout_slice (message_id, slice_no, network_id, after_subscriber_id, last_subscriber_id,"
        " finished, updated_at)"
        " SELECT id, 0, network_id, fanout_cursor, NULL, false, updated_at FROM message"
        " WHERE status = 'fanning_out'"
    )
    with op.batch_alter_table("message") as batch:
        batch.drop_column("fanout_cursor")


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("fanout_cursor", BIG_ID, nullable=False, server_default="0"))
    # Fan-out is idempotent (ON CONFLICT DO NOTHING), so restarting from 0 inserts nothing twice.
    op.drop_table("fanout_slice")
