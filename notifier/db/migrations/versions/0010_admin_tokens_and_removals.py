"""api_token: the admin a web admin's acting token acts for, so its actions are audited as that admin;
and admins removed earlier who hold nothing else start their retention clock at their removal

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
    # Plain ALTER TABLE (SQLite 3.35+ too), not a batch copy: copying api_token on SQLite would fire
    # admin_member.acting_token_id's ON DELETE SET NULL and lose every admin's link to their token.
    op.add_column("api_token", sa.Column("acting_admin_id", BIG_ID, nullable=True))
    # Acting tokens made before this revision: the admin whose acting token each one is.
    op.execute(
        "UPDATE api_token SET acting_admin_id = "
        "(SELECT admin_member.id FROM admin_member WHERE admin_member.acting_token_id = api_token.id) "
        "WHERE EXISTS (SELECT 1 FROM admin_member WHERE admin_member.acting_token_id = api_token.id)"
    )
    # Removing an admin now marks them left when no subscription is active (services/admin/team.py), so
    # retention deletes them 6 months later. Those removed before: the same, from their removal.
    op.execute(
        "UPDATE subscriber SET status = 'left', left_at = ("
        "SELECT MAX(admin_member.removed_at) FROM admin_member WHERE admin_member.subscriber_id = subscriber.id"
        ") WHERE status = 'active' "
        "AND EXISTS (SELECT 1 FROM admin_member WHERE admin_member.subscriber_id = subscriber.id "
        "AND admin_member.removed_at IS NOT NULL) "
        "AND NOT EXISTS (SELECT 1 FROM admin_member WHERE admin_member.subscriber_id = subscriber.id "
        "AND admin_member.removed_at IS NULL) "
        "AND NOT EXISTS (SELECT 1 FROM subscription WHERE subscription.subscriber_id = subscriber.id "
        "AND subscription.ended_at IS NULL)"
    )


def downgrade() -> None:
    # Who was marked left stays left: their retention clock keeps running.
    op.drop_column("api_token", "acting_admin_id")
