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
down_revision = "0015"
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


def _answers() -> None:
    op.create_table(
        "meeting_answer",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("meeting_id", BIG_ID, nullable=False),
        sa.Column("subscriber_id", BIG_ID, nullable=False),
        sa.Column(
            "answer",
            sa.Enum("yes", "no", "maybe", name="answer", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "place",
            sa.Enum("confirmed", "waiting", "offered", "lapsed", name="place", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("waiting_since", WHEN, nullable=True),
        sa.Column("offer_expires_at", WHEN, nullable=True),
        sa.Column("access_needs", sa.Text(), nullable=True),
        sa.Column("answered_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.CheckConstraint(
            "answer = 'yes' OR place IS NULL", name=op.f("ck_meeting_answer_place_only_for_yes")
        ),
        sa.CheckConstraint(
            "place <> 'offered' OR offer_expires_at IS NOT NULL",
            name=op.f("ck_meeting_answer_offer_has_limit"),
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_meeting_answer_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id", "meeting_id"],
            ["meeting.network_id", "meeting.id"],
            name=op.f("fk_meeting_answer_network_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id", "subscriber_id"],
            ["subscriber.network_id", "subscriber.id"],
            name=op.f("fk_meeting_answer_network_id_subscriber"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_answer")),
        sa.UniqueConstraint(
            "meeting_id", "subscriber_id", name=op.f("uq_meeting_answer_meeting_id_subscriber_id")
        ),
    )
    op.create_index(op.f("ix_meeting_answer_network_id"), "meeting_answer", ["network_id"])
    op.create_index(
        "ix_meeting_answer_meeting_place", "meeting_answer", ["meeting_id", "place", "waiting_since"]
    )
    op.create_index(
        "ix_meeting_answer_network_id_subscriber_id", "meeting_answer", ["network_id", "subscriber_id"]
    )


def upgrade() -> None:
    _pin_organisers()
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("time_announced_at", WHEN, nullable=True))
        batch.add_column(sa.Column("answers_until", WHEN, nullable=True))
        batch.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("access_question", sa.String(300), nullable=False, server_default=""))
        batch.create_check_constraint("ck_meeting_capacity_positive", "capacity > 0")
    _answers()
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
    op.drop_table("meeting_answer")
    op.drop_table("digest_entry")
    with op.batch_alter_table("digest_run") as batch:
        batch.drop_column("lists_items")
    with op.batch_alter_table("meeting") as batch:
        batch.drop_constraint("ck_meeting_capacity_positive", type_="check")
        for column in ("access_question", "capacity", "answers_until", "time_announced_at"):
            batch.drop_column(column)
