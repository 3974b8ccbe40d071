"""announcements to several topics: announcement_topic, filled from each announcement's one topic

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _same_network(column: str, parent: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["network_id", column],
        [f"{parent}.network_id", f"{parent}.id"],
        name=op.f(f"fk_announcement_topic_network_id_{parent}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "announcement_topic",
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("announcement_id", BIG_ID, nullable=False),
        sa.Column("topic_id", BIG_ID, nullable=False),
        _same_network("announcement_id", "announcement"),
        _same_network("topic_id", "topic"),
        sa.PrimaryKeyConstraint("announcement_id", "topic_id", name=op.f("pk_announcement_topic")),
    )
    op.create_index("ix_announcement_topic_topic_id", "announcement_topic", ["topic_id"])
    # Every announcement to a topic so far went to that one topic.
    op.execute(
        "INSERT INTO announcement_topic (network_id, announcement_id, topic_id) "
        "SELECT network_id, id, topic_id FROM announcement WHERE topic_id IS NOT NULL"
    )


def downgrade() -> None:
    # announcement.topic_id (the first topic) stays: a downgraded announcement goes to that one alone.
    op.drop_table("announcement_topic")
