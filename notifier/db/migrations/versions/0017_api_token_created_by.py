"""api_token: the web admin who made each token, so removing that admin revokes it

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch copy (see 0010: copying api_token on SQLite would fire
    # admin_member.acting_token_id's ON DELETE SET NULL).
    op.add_column("api_token", sa.Column("created_by_admin_id", BIG_ID, nullable=True))
    # Tokens made on the web admin before this revision: the admin its `token_created` record names.
    op.execute(
        "UPDATE api_token SET created_by_admin_id = ("
        "SELECT CAST(SUBSTR(audit_record.actor, 7) AS BIGINT) FROM audit_record "
        "WHERE audit_record.network_id = api_token.network_id AND audit_record.action = 'token_created' "
        "AND audit_record.object_type = 'api_token' AND audit_record.object_id = api_token.id "
        "AND audit_record.actor LIKE 'admin:%' ORDER BY audit_record.id LIMIT 1"
        ") WHERE acting_admin_id IS NULL"
    )


def downgrade() -> None:
    op.drop_column("api_token", "created_by_admin_id")
