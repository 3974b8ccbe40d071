"""data-subject requests recorded on a person's behalf: how each arrived, who checked it was theirs and how

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ALTER TABLE (nullable columns), as 0022: no batch copy of a table others point at.
    op.add_column("data_request", sa.Column("arrived_by", sa.String(length=32), nullable=True))
    op.add_column("data_request", sa.Column("recorded_by_admin_id", BIG_ID, nullable=True))
    op.add_column("data_request", sa.Column("identity_check", sa.String(length=300), nullable=True))


def downgrade() -> None:
    for column in ("identity_check", "recorded_by_admin_id", "arrived_by"):
        op.drop_column("data_request", column)
