"""content_page: the site's state lives in notifier (every page known, with what its email needs, when
it was last in a whole-site list and when it went); network: when its site was connected and its
zone; announcement: a known page sent again on purpose goes through the same sign-off

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from notifier.db.base import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of `network` on SQLite would cascade its deletion to every row.
    op.add_column("network", sa.Column("site_connected_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("network", sa.Column("site_timezone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("content_page") as batch_op:
        batch_op.add_column(sa.Column("path", sa.String(length=500), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("collection", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("title", sa.String(length=300), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("page_date", UTCDateTime(timezone=True), nullable=True))
        # Pages recorded before this revision were all sent by the hook.
        batch_op.add_column(sa.Column("outcome", sa.String(length=32), nullable=False, server_default="sent"))
        batch_op.add_column(sa.Column("note", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("email", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("seen_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("gone_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint("uq_content_page_network_id_id", ["network_id", "id"])
    with op.batch_alter_table("content_page") as batch_op:
        for column in ("path", "collection", "title", "outcome", "note"):
            batch_op.alter_column(column, server_default=None)
    with op.batch_alter_table("announcement") as batch_op:
        batch_op.add_column(sa.Column("content_page_id", BIG_ID, nullable=True))
        batch_op.create_foreign_key(
            "fk_announcement_network_id_content_page",
            "content_page",
            ["network_id", "content_page_id"],
            ["network_id", "id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("announcement") as batch_op:
        batch_op.drop_constraint("fk_announcement_network_id_content_page", type_="foreignkey")
        batch_op.drop_column("content_page_id")
    with op.batch_alter_table("content_page") as batch_op:
        batch_op.drop_constraint("uq_content_page_network_id_id", type_="unique")
        for column in ("gone_at", "seen_at", "email", "note", "outcome", "page_date", "title"):
            batch_op.drop_column(column)
        batch_op.drop_column("collection")
        batch_op.drop_column("path")
    op.drop_column("network", "site_timezone")
    op.drop_column("network", "site_connected_at")
