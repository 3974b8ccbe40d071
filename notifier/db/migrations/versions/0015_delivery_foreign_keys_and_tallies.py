"""delivery: the real foreign keys back on PostgreSQL (0014's statement triggers and seal lock go), and
per-message tallies that old deliveries are folded into

The seal of 0014 let through what a foreign key never allows: with a fan-out batch open, a REPEATABLE
READ transaction could delete the message and commit, leaving deliveries that name nothing; and a
data-only restore loaded `delivery` before its parents with nothing refusing it loudly. Fan-out's
target holds with the keys (docs/benchmarks.md), so the keys come back, as the model declares them on
both databases. Any orphan the seal let through is first repaired as the keys would have had it: a
delivery of a deleted message goes (ON DELETE CASCADE), a link to a deleted subscriber is cleared
(as erasure clears it); otherwise adding the keys would fail on the first one.

`delivery_tally` keeps what reports read of deliveries folded away after `delivery_fold_months`
(services/privacy/folding.py): counts per message, status, failure reason, whether Notify took it, and
the minute it did.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUSES = ("queued", "sending", "accepted", "delivered", "temporary_failure", "permanent_failure",
            "technical_failure", "skipped")  # fmt: skip

ORPHANS = [
    """DELETE FROM delivery d WHERE NOT EXISTS
        (SELECT 1 FROM message m WHERE m.network_id = d.network_id AND m.id = d.message_id)""",
    """UPDATE delivery d SET subscriber_id = NULL WHERE d.subscriber_id IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM subscriber s WHERE s.network_id = d.network_id AND s.id = d.subscriber_id)""",
]


def _seal() -> ModuleType:
    """Migration 0014 itself, so its SQL is written once: its UNSEAL takes the triggers out here, and its
    upgrade (keys out by name, triggers in) is this downgrade's last step."""
    path = next(Path(__file__).parent.glob("0014_*.py"))
    spec = importlib.util.spec_from_file_location("notifier_migration_0014", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in [*ORPHANS, *_seal().UNSEAL.strip().splitlines()]:
            op.execute(statement)
        _add_key(op, "message", ondelete="CASCADE")
        _add_key(op, "subscriber", deferrable=True, initially="DEFERRED")
    else:  # SQLite kept its keys; the subscriber's is now checked at commit, as on PostgreSQL
        _subscriber_key_on_sqlite(deferrable=True, initially="DEFERRED")
    op.create_table(
        "delivery_tally",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("message_id", BIG_ID, nullable=False),
        sa.Column(
            "status", sa.Enum(*STATUSES, name="deliverystatus", native_enum=False, length=32), nullable=False
        ),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("reached_notify", sa.Boolean(), nullable=False),
        sa.Column("accepted_minute", notifier.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("folded_at", notifier.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("deliveries > 0", name=op.f("ck_delivery_tally_counted")),
        sa.ForeignKeyConstraint(
            ["network_id", "message_id"],
            ["message.network_id", "message.id"],
            name=op.f("fk_delivery_tally_network_id_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_tally")),
    )
    op.create_index(op.f("ix_delivery_tally_message_id"), "delivery_tally", ["message_id"], unique=False)


def _name(parent: str) -> str:
    return f"fk_delivery_network_id_{parent}"


def _add_key(target: Any, parent: str, **options: Any) -> None:
    """delivery (network_id, <parent>_id) -> <parent> (network_id, id), through `op` or a batch."""
    columns = (parent, ["network_id", f"{parent}_id"], ["network_id", "id"])
    if target is op:
        op.create_foreign_key(_name(parent), "delivery", *columns, **options)
    else:
        target.create_foreign_key(_name(parent), *columns, **options)


def downgrade() -> None:
    op.drop_index(op.f("ix_delivery_tally_message_id"), table_name="delivery_tally")
    op.drop_table("delivery_tally")
    if op.get_bind().dialect.name == "postgresql":
        _seal().upgrade()
        return
    _subscriber_key_on_sqlite()


def _subscriber_key_on_sqlite(**options: Any) -> None:
    """Batch mode copies the table; its indexes are then made again in their first order, because
    SQLite's planner breaks cost ties by an index's age (tests/integration/retention/
    test_retention_indexes.py holds erasure to ix_delivery_network_id_subscriber_id)."""
    indexes = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'delivery'"
            " AND sql IS NOT NULL ORDER BY rowid"
        )
        .all()
    )
    with op.batch_alter_table("delivery") as batch:
        batch.drop_constraint(_name("subscriber"), type_="foreignkey")
        _add_key(batch, "subscriber", **options)
    for name, _ in indexes:
        op.execute(f"DROP INDEX {name}")
    for _, sql in indexes:
        op.execute(sql)
