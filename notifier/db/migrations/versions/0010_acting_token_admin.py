"""api_token: the admin a web admin's acting token acts for, so its actions are audited as that admin

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("acting_admin_id", BIG_ID, nullable=True))
    # Acting tokens made before this revision: the admin whose acting token each one is.
    op.execute(
        "UPDATE api_token SET acting_admin_id = "
        "(SELECT admin_member.id FROM admin_member WHERE admin_member.acting_token_id = api_token.id) "
        "WHERE EXISTS (SELECT 1 FROM admin_member WHERE admin_member.acting_token_id = api_token.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("acting_admin_id")
