"""archive search: on PostgreSQL each item's tsvector is stored (a generated column) and the GIN index
is on it, so a match costs no to_tsvector per row; SQLite keeps its FTS5 table as it is

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

STORED = (
    "ALTER TABLE archive_item ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, search_text)) STORED"
)
OLD_INDEX = (
    "CREATE INDEX ix_archive_item_search ON archive_item "
    "USING gin (to_tsvector('english'::regconfig, search_text))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_archive_item_search")
    op.execute(STORED)
    op.execute("CREATE INDEX ix_archive_item_search ON archive_item USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_archive_item_search")
    op.execute("ALTER TABLE archive_item DROP COLUMN search_vector")
    op.execute(OLD_INDEX)
