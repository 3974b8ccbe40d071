"""an announcement goes to a topic's subscribers or to the people coming to a meeting (the Yes list
of its answers): topic_id becomes optional, meeting_id names the meeting, and exactly one of the two
is set

Revision ID: 0019
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("announcement") as batch:
        batch.add_column(sa.Column("meeting_id", BIG_ID, nullable=True))
        batch.alter_column("topic_id", existing_type=BIG_ID, nullable=True)
        batch.create_foreign_key(
            "fk_announcement_network_id_meeting",
            "meeting",
            ["network_id", "meeting_id"],
            ["network_id", "id"],
            ondelete="CASCADE",
        )
        batch.create_check_constraint(
            "ck_announcement_one_audience", "(topic_id IS NULL) <> (meeting_id IS NULL)"
        )
        batch.create_index("ix_announcement_meeting_id", ["meeting_id"])


def downgrade() -> None:
    op.execute("DELETE FROM announcement WHERE meeting_id IS NOT NULL")
    with op.batch_alter_table("announcement") as batch:
        batch.drop_index("ix_announcement_meeting_id")
        batch.drop_constraint("ck_announcement_one_audience", type_="check")
        batch.drop_constraint("fk_announcement_network_id_meeting", type_="foreignkey")
        batch.alter_column("topic_id", existing_type=BIG_ID, nullable=False)
        batch.drop_column("meeting_id")
