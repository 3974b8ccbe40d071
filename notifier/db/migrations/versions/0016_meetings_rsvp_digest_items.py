"""meetings people can answer and digests that never lose or repeat: when a meeting's time was last
announced (reminders keep an hour clear of it); each reader's digest entries (an item in exactly one
email), runs made before them marked so entries never reach back past them; the meeting organiser
pinned for networks that already sent invitations (the address their calendar files carry), as there
is no longer a made-up default

Revision ID: 0016
Revises: 0014
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = notifier.db.base.UTCDateTime(timezone=True)


def _same_network(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["network_id", column],
        [f"{table}.network_id", f"{table}.id"],
        name=op.f(f"fk_digest_entry_network_id_{table}"),
        ondelete="CASCADE",
    )


def _pin_organisers() -> None:
    """Networks with meetings keep the organiser their files already name (the steering group's
    address, else the old no-reply default), so no calendar changes under them."""
    network = sa.table(
        "network", sa.column("id", BIG_ID), sa.column("site_url", sa.String), sa.column("settings", sa.JSON)
    )
    meeting = sa.table("meeting", sa.column("network_id", BIG_ID))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(network.c.id, network.c.site_url, network.c.settings).where(
            sa.exists().where(meeting.c.network_id == network.c.id)
        )
    ).all()
    for network_id, site_url, stored in rows:
        settings = dict(stored or {})
        if "@" in str(settings.get("meeting_organizer_email") or ""):
            continue
        contact = str(settings.get("steering_group_email") or "")
        settings["meeting_organizer_email"] = (
            contact if "@" in contact else f"noreply@{urlsplit(site_url).hostname}"
        )
        bind.execute(network.update().where(network.c.id == network_id).values(settings=settings))


def upgrade() -> None:
    _pin_organisers()
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("time_announced_at", WHEN, nullable=True))
    with op.batch_alter_table("digest_run") as batch:
        # Existing runs listed their period the old way: false; the model writes true from now on.
        batch.add_column(sa.Column("lists_items", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "digest_entry",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("subscriber_id", BIG_ID, nullable=False),
        sa.Column("event_id", BIG_ID, nullable=False),
        sa.Column("message_id", BIG_ID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_digest_entry_network_id_network"),
            ondelete="CASCADE",
        ),
        _same_network("subscriber_id", "subscriber"),
        _same_network("event_id", "event"),
        _same_network("message_id", "message"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_entry")),
        sa.UniqueConstraint("subscriber_id", "event_id", name=op.f("uq_digest_entry_subscriber_id_event_id")),
    )
    op.create_index(op.f("ix_digest_entry_network_id"), "digest_entry", ["network_id"])
    op.create_index("ix_digest_entry_message_subscriber", "digest_entry", ["message_id", "subscriber_id"])
    op.create_index(
        "ix_digest_entry_network_id_subscriber_id", "digest_entry", ["network_id", "subscriber_id"]
    )
    op.create_index("ix_digest_entry_network_id_event_id", "digest_entry", ["network_id", "event_id"])


def downgrade() -> None:
    op.drop_table("digest_entry")
    with op.batch_alter_table("digest_run") as batch:
        batch.drop_column("lists_items")
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("time_announced_at")
