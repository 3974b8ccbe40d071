"""delivery ids in blocks per session: PostgreSQL hands each session 5,000 ids at a time, so the slices
of one fan-out, inserting at once, get runs of ids that do not interleave (see repositories/deliveries
`_own_runs`)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID_BLOCK = 5000  # the default fan-out batch: one batch's ids come from at most two blocks


def _set_cache(size: int) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has one writer at a time: its ids never interleave
    op.execute(
        f"DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s CACHE {size}', "
        "pg_get_serial_sequence('delivery', 'id')); END $$"
    )


def upgrade() -> None:
    _set_cache(ID_BLOCK)


def downgrade() -> None:
    _set_cache(1)
