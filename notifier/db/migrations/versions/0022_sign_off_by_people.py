"""sign-off by people: approval requests, the people behind tokens and announcements, one sign-in for
every network a person administers, terms of office, inactivity and quarterly access reviews

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = notifier.db.base.UTCDateTime(timezone=True)
ADMIN_MEMBER_COLUMNS = (
    "removed_reason",
    "term_ends_at",
    "term_reminder_sent_at",
    "last_signed_in_at",
    "suspended_at",
    "reinstated_at",
    "access_confirmed_at",
)


def upgrade() -> None:
    # Plain ALTER TABLE only (SQLite 3.35+ too), never a batch copy: dropping the copied admin_member,
    # api_token or announcement on SQLite would fire the ON DELETE actions of the tables pointing at
    # them (admin alerts deleted, announcements' authors set NULL). So retired columns stay.
    _people_columns()
    _tokens_and_announcements_name_people()
    _sessions_for_people()
    _approval_requests()
    op.create_table(
        "access_review",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("quarter_start", WHEN, nullable=False),
        sa.Column("sent_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_access_review_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_review")),
        sa.UniqueConstraint(
            "network_id", "quarter_start", name=op.f("uq_access_review_network_id_quarter_start")
        ),
    )
    op.create_index(op.f("ix_access_review_network_id"), "access_review", ["network_id"], unique=False)


def _people_columns() -> None:
    op.add_column("admin_member", sa.Column("removed_reason", sa.String(length=40), nullable=True))
    for name in ADMIN_MEMBER_COLUMNS[1:]:
        op.add_column("admin_member", sa.Column(name, WHEN, nullable=True))
    # The inactivity rule reads the last sign-in: each admin's is their newest session's start.
    op.execute(
        "UPDATE admin_member SET last_signed_in_at = (SELECT MAX(admin_session.created_at) FROM admin_session "
        "WHERE admin_session.admin_id = admin_member.id)"
    )


def _tokens_and_announcements_name_people() -> None:
    op.add_column("announcement", sa.Column("author_admin_id", BIG_ID, nullable=True))
    op.add_column("announcement", sa.Column("approved_by_admin_id", BIG_ID, nullable=True))
    op.add_column("announcement", sa.Column("asked_by", sa.String(length=60), nullable=True))
    # A web admin's acting token was theirs: the announcements it wrote or approved were theirs too.
    for column, token_column in (
        ("author_admin_id", "author_token_id"),
        ("approved_by_admin_id", "approver_token_id"),
    ):
        statement = (
            f"UPDATE announcement SET {column} = (SELECT api_token.acting_admin_id FROM api_token "  # noqa: S608 - our own column names
            f"WHERE api_token.id = announcement.{token_column}) WHERE {token_column} IS NOT NULL"
        )
        op.execute(statement)
    # Acting tokens retire: approvals are made by people signed in, never through a token.
    # (0017 added created_by_admin_id; an acting token was made for, and so by, its admin.)
    op.execute("UPDATE api_token SET created_by_admin_id = acting_admin_id WHERE acting_admin_id IS NOT NULL")
    op.execute(
        "UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP "
        "WHERE acting_admin_id IS NOT NULL AND revoked_at IS NULL"
    )
    op.execute("UPDATE admin_member SET acting_token_id = NULL")


def _sessions_for_people() -> None:
    """Sessions and sign-in links become a person's, across networks: the old ones (per network) end;
    everyone signs in again once."""
    op.drop_table("admin_session")
    op.drop_table("admin_sign_in_link")
    op.create_table(
        "admin_sign_in_link",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("network_id", BIG_ID, nullable=True),
        sa.Column("invited_by", sa.String(length=60), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("used_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_admin_sign_in_link_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_sign_in_link")),
    )
    op.create_index(
        op.f("ix_admin_sign_in_link_email_hash"), "admin_sign_in_link", ["email_hash"], unique=False
    )
    op.create_index("ix_admin_sign_in_link_expires_at", "admin_sign_in_link", ["expires_at"], unique=False)
    op.create_table(
        "admin_session",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("ended_reason", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_session")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_admin_session_secret_hash")),
    )
    op.create_index(op.f("ix_admin_session_email_hash"), "admin_session", ["email_hash"], unique=False)


def _approval_requests() -> None:
    kinds = ("meeting_invitation", "meeting_update", "meeting_cancellation", "minutes", "content",
             "sign_off_setting")  # fmt: skip
    op.create_table(
        "approval_request",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.Enum(*kinds, name="approvalkind", native_enum=False, length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting",
                "approved",
                "declined",
                "withdrawn",
                name="approvalstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("meeting_id", BIG_ID, nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("asked_by", sa.String(length=60), nullable=False),
        sa.Column("asked_by_admin_id", BIG_ID, nullable=True),
        sa.Column("decided_by_admin_id", BIG_ID, nullable=True),
        sa.Column("decided_at", WHEN, nullable=True),
        sa.Column("decision_note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id", "meeting_id"],
            ["meeting.network_id", "meeting.id"],
            name=op.f("fk_approval_request_network_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_approval_request_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_request")),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_approval_request_network_id_id")),
    )
    op.create_index(op.f("ix_approval_request_network_id"), "approval_request", ["network_id"], unique=False)
    op.create_index(
        "ix_approval_request_network_id_status", "approval_request", ["network_id", "status"], unique=False
    )
    for name, column, where in (
        (
            "uq_approval_request_waiting_meeting",
            "meeting_id",
            "status = 'awaiting' AND meeting_id IS NOT NULL",
        ),
        (
            "uq_approval_request_waiting_setting",
            "network_id",
            "status = 'awaiting' AND kind = 'sign_off_setting'",
        ),
    ):
        op.create_index(
            name, "approval_request", [column], unique=True,
            sqlite_where=sa.text(where), postgresql_where=sa.text(where),
        )  # fmt: skip


def downgrade() -> None:
    op.drop_table("access_review")
    op.drop_table("approval_request")
    op.drop_table("admin_session")
    op.drop_table("admin_sign_in_link")
    _per_network_sessions()
    for table, column in (
        ("announcement", "asked_by"),
        ("announcement", "approved_by_admin_id"),
        ("announcement", "author_admin_id"),
        *(("admin_member", name) for name in ADMIN_MEMBER_COLUMNS),
    ):
        op.drop_column(table, column)


def _per_network_sessions() -> None:
    """0007's tables, empty: whoever was signed in signs in again."""
    common = (
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("admin_id", BIG_ID, nullable=False),
    )
    op.create_table(
        "admin_session",
        *common,
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("ended_reason", sa.String(length=40), nullable=True),
        *_admin_keys("admin_session"),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_admin_session_secret_hash")),
    )
    op.create_table(
        "admin_sign_in_link",
        *(column.copy() for column in common),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("used_at", WHEN, nullable=True),
        *_admin_keys("admin_sign_in_link"),
    )
    for table in ("admin_session", "admin_sign_in_link"):
        op.create_index(op.f(f"ix_{table}_network_id"), table, ["network_id"], unique=False)
        op.create_index(op.f(f"ix_{table}_admin_id"), table, ["admin_id"], unique=False)
    op.create_index("ix_admin_sign_in_link_expires_at", "admin_sign_in_link", ["expires_at"], unique=False)


def _admin_keys(table: str) -> tuple[sa.schema.SchemaItem, ...]:
    return (
        sa.ForeignKeyConstraint(
            ["network_id", "admin_id"],
            ["admin_member.network_id", "admin_member.id"],
            name=op.f(f"fk_{table}_network_id_admin_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f(f"fk_{table}_network_id_network"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
