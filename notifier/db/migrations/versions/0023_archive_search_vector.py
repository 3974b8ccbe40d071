"""archive search: on PostgreSQL each item's tsvector is stored (a generated column) and the GIN index
is on it, so a match costs no to_tsvector per row; SQLite keeps its FTS5 table as it is. On both, an
item's search text loses its second line, the title's own field again (its excerpt starts at the body)

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
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


ITEMS = sa.table("archive_item", sa.column("id", sa.BigInteger), sa.column("search_text", sa.Text))
BATCH = 1_000


def _title_once(text: str) -> str:
    """Before 0023 the title's line was followed by the field it was made of (a subject, a title): the
    text without that line, which holds no word the title's line does not."""
    lines = text.split("\n")
    if len(lines) > 1 and lines[1] and lines[1] in lines[0]:
        del lines[1]
    return "\n".join(lines)


def _titles_once() -> None:
    bind, last = op.get_bind(), 0
    while rows := bind.execute(
        sa.select(ITEMS.c.id, ITEMS.c.search_text).where(ITEMS.c.id > last).order_by(ITEMS.c.id).limit(BATCH)
    ).all():
        changed = [{"item": i, "text": _title_once(t)} for i, t in rows if _title_once(t) != t]
        if changed:
            bind.execute(
                ITEMS.update()
                .where(ITEMS.c.id == sa.bindparam("item"))
                .values(search_text=sa.bindparam("text")),
                changed,
            )
        last = rows[-1][0]


def upgrade() -> None:
    _titles_once()
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_archive_item_search")
    op.execute(STORED)
    op.execute("CREATE INDEX ix_archive_item_search ON archive_item USING gin (search_vector)")
    # The search chooses its plan by the new column's statistics: gather them now, not at autovacuum's.
    op.execute("ANALYZE archive_item")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_archive_item_search")
    op.execute("ALTER TABLE archive_item DROP COLUMN search_vector")
    op.execute(OLD_INDEX)
