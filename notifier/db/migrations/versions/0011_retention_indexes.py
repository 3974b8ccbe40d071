"""retention indexes: delivery's person indexes partial, the link rule's own index, the unused
Notify-id index dropped, and the missing indexes behind subscriber deletes (membership, meeting
invitee) and the leaver and unconfirmed rules

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LINKED = "subscriber_id IS NOT NULL"
LINK_DUE = "subscriber_id IS NOT NULL AND status NOT IN ('queued', 'sending')"


def _partial(name: str, table: str, columns: list[str], predicate: str, *, unique: bool = False) -> None:
    where = sa.text(predicate)
    op.create_index(name, table, columns, unique=unique, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    # Clearing a delivery's link (retention, erasure) wrote a new entry with a NULL person into each of
    # these three indexes. A NULL never conflicts and is never looked up, so they now hold linked rows
    # only: the same uniqueness, and a cleared row costs three index writes fewer.
    with op.batch_alter_table("delivery") as batch:
        batch.drop_constraint("uq_delivery_message_id_subscriber_id", type_="unique")
        batch.drop_constraint("uq_delivery_event_id_subscriber_id", type_="unique")
        batch.drop_index("ix_delivery_network_id_subscriber_id")
    _partial(
        "uq_delivery_message_id_subscriber_id",
        "delivery",
        ["message_id", "subscriber_id"],
        LINKED,
        unique=True,
    )
    _partial(
        "uq_delivery_event_id_subscriber_id", "delivery", ["event_id", "subscriber_id"], LINKED, unique=True
    )
    _partial("ix_delivery_network_id_subscriber_id", "delivery", ["network_id", "subscriber_id"], LINKED)
    # Nothing looks a delivery up by Notify's id (receipts use the reference, the row's id), yet every
    # insert and update of a delivery wrote an entry here.
    op.drop_index("ix_delivery_notify_id", table_name="delivery")
    # The delivery-link rule walked the whole table by primary key, every run, to find the rows due.
    _partial("ix_delivery_link_due", "delivery", ["network_id", "updated_at", "id"], LINK_DUE)
    _partial("ix_subscriber_left", "subscriber", ["network_id", "left_at", "id"], "status = 'left'")
    _partial("ix_subscriber_pending", "subscriber", ["network_id", "created_at"], "status = 'pending'")
    # A subscriber DELETE cascades to these per person; without an index each cascade read the table.
    op.create_index("ix_membership_network_id_subscriber_id", "membership", ["network_id", "subscriber_id"])
    op.create_index(
        "ix_meeting_invitee_network_id_subscriber_id", "meeting_invitee", ["network_id", "subscriber_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_meeting_invitee_network_id_subscriber_id", table_name="meeting_invitee")
    op.drop_index("ix_membership_network_id_subscriber_id", table_name="membership")
    op.drop_index("ix_subscriber_pending", table_name="subscriber")
    op.drop_index("ix_subscriber_left", table_name="subscriber")
    op.drop_index("ix_delivery_link_due", table_name="delivery")
    op.create_index("ix_delivery_notify_id", "delivery", ["notify_id"])
    op.drop_index("ix_delivery_network_id_subscriber_id", table_name="delivery")
    op.drop_index("uq_delivery_event_id_subscriber_id", table_name="delivery")
    op.drop_index("uq_delivery_message_id_subscriber_id", table_name="delivery")
    op.create_index("ix_delivery_network_id_subscriber_id", "delivery", ["network_id", "subscriber_id"])
    with op.batch_alter_table("delivery") as batch:
        batch.create_unique_constraint(
            "uq_delivery_message_id_subscriber_id", ["message_id", "subscriber_id"]
        )
        batch.create_unique_constraint("uq_delivery_event_id_subscriber_id", ["event_id", "subscriber_id"])
