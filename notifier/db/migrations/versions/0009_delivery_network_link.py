"""delivery: drop the network foreign key and index that the message key and a composite index cover

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (network_id, message_id) -> message already proves the network exists, and
    # ix_delivery_network_id_subscriber_id starts with network_id: fan-out pays for neither twice.
    with op.batch_alter_table("delivery") as batch:
        batch.drop_constraint("fk_delivery_network_id_network", type_="foreignkey")
        batch.drop_index("ix_delivery_network_id")


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.create_index("ix_delivery_network_id", ["network_id"], unique=False)
        batch.create_foreign_key(
            "fk_delivery_network_id_network", "network", ["network_id"], ["id"], ondelete="CASCADE"
        )
