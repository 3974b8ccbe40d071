"""a subscriber's new email address, held until the new address confirms it

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable with no default: a plain ADD COLUMN on both SQLite and PostgreSQL, no table rewrite.
    op.add_column("subscriber", sa.Column("pending_email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    # SQLite has had DROP COLUMN since 3.35; the column has no index or constraint to get in the way.
    op.drop_column("subscriber", "pending_email")
