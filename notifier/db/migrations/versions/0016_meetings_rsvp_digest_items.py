"""meetings people can answer and digests that never lose or repeat: when a meeting's time was last
announced (reminders keep an hour clear of it); each reader's digest entries (an item in exactly one
email), runs made before them marked so entries never reach back past them

Revision ID: 0016
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = notifier.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("time_announced_at", WHEN, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("time_announced_at")
