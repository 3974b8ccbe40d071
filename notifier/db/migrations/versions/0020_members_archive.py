"""the members' archive: an item per bulk email (no reader's personalisation), the topics it went to,
readers' sign-in links, sessions and private feeds; search by a GIN index on PostgreSQL and an FTS5
table kept in step by triggers on SQLite

Revision ID: 0020
Revises: 0018
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = notifier.db.base.UTCDateTime(timezone=True)

SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE archive_item_fts USING fts5(search_text, content='archive_item', "
    "content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER archive_item_fts_insert AFTER INSERT ON archive_item BEGIN "
    "INSERT INTO archive_item_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER archive_item_fts_delete AFTER DELETE ON archive_item BEGIN "
    "INSERT INTO archive_item_fts(archive_item_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER archive_item_fts_update AFTER UPDATE OF search_text ON archive_item BEGIN "
    "INSERT INTO archive_item_fts(archive_item_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO archive_item_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
POSTGRES_SEARCH = (
    "CREATE INDEX ix_archive_item_search ON archive_item "
    "USING gin (to_tsvector('english'::regconfig, search_text))"
)


def _network(table: str) -> sa.Column[Any]:
    return sa.Column("network_id", BIG_ID, nullable=False)


def _same_network(table: str, column: str, parent: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["network_id", column],
        [f"{parent}.network_id", f"{parent}.id"],
        name=op.f(f"fk_{table}_network_id_{parent}"),
        ondelete="CASCADE",
    )


def _network_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["network_id"], ["network.id"], name=op.f(f"fk_{table}_network_id_network"), ondelete="CASCADE"
    )


def _items() -> None:
    op.create_table(
        "archive_item",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        _network("archive_item"),
        sa.Column("source_key", sa.String(length=100), nullable=False),
        sa.Column("email_kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("sent_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("withdrawn_at", WHEN, nullable=True),
        sa.Column("withdrawn_by", sa.String(length=60), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawn_by IS NULL)", name=op.f("ck_archive_item_withdrawal_named")
        ),
        _network_fk("archive_item"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_item")),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_archive_item_network_id_id")),
        sa.UniqueConstraint("network_id", "source_key", name=op.f("uq_archive_item_network_id_source_key")),
    )
    op.create_index(op.f("ix_archive_item_network_id"), "archive_item", ["network_id"])
    op.create_index("ix_archive_item_network_id_sent_at", "archive_item", ["network_id", "sent_at"])
    op.create_table(
        "archive_item_topic",
        _network("archive_item_topic"),
        sa.Column("item_id", BIG_ID, nullable=False),
        sa.Column("topic_id", BIG_ID, nullable=False),
        _same_network("archive_item_topic", "item_id", "archive_item"),
        _same_network("archive_item_topic", "topic_id", "topic"),
        sa.PrimaryKeyConstraint("item_id", "topic_id", name=op.f("pk_archive_item_topic")),
    )
    op.create_index("ix_archive_item_topic_topic_id_item_id", "archive_item_topic", ["topic_id", "item_id"])


def _readers() -> None:
    for table in ("archive_sign_in_link", "archive_session", "archive_feed"):
        columns: list[sa.Column[Any]] = [
            sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
            _network(table),
            sa.Column("subscriber_id", BIG_ID, nullable=False),
            sa.Column("created_at", WHEN, nullable=False),
        ]
        if table == "archive_sign_in_link":
            columns += [sa.Column("expires_at", WHEN, nullable=False), sa.Column("used_at", WHEN)]
        elif table == "archive_session":
            columns += [
                sa.Column("secret_hash", sa.String(length=64), nullable=False),
                sa.Column("last_seen_at", WHEN, nullable=False),
                sa.Column("expires_at", WHEN, nullable=False),
                sa.Column("ended_at", WHEN),
            ]
        else:
            columns.append(sa.Column("revoked_at", WHEN))
        unique = (
            [sa.UniqueConstraint("secret_hash", name=op.f("uq_archive_session_secret_hash"))]
            if table == "archive_session"
            else []
        )
        op.create_table(
            table,
            *columns,
            _network_fk(table),
            _same_network(table, "subscriber_id", "subscriber"),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            *unique,
        )
        op.create_index(op.f(f"ix_{table}_network_id"), table, ["network_id"])
        op.create_index(op.f(f"ix_{table}_subscriber_id"), table, ["subscriber_id"])


def upgrade() -> None:
    _items()
    _readers()
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        op.execute(POSTGRES_SEARCH)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS archive_item_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS archive_item_fts")
    for table in ("archive_feed", "archive_session", "archive_sign_in_link", "archive_item_topic"):
        op.drop_table(table)
    op.drop_table("archive_item")
