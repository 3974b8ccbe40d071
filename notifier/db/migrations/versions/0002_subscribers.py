"""subscribers' side: consent texts, sign-ups, memberships, form attempts

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = notifier.db.base.UTCDateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", BIG_ID, autoincrement=True, nullable=False)


def _network_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["network_id"], ["network.id"], name=op.f(f"fk_{table}_network_id_network"), ondelete="CASCADE"
    )


def _subscriber_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["network_id", "subscriber_id"],
        ["subscriber.network_id", "subscriber.id"],
        name=op.f(f"fk_{table}_network_id_subscriber"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "consent_text",
        _id(),
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _network_fk("consent_text"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_text")),
        sa.UniqueConstraint("network_id", "version", name=op.f("uq_consent_text_network_id_version")),
    )
    with op.batch_alter_table("consent_text") as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_text_network_id"), ["network_id"], unique=False)

    op.create_table(
        "signup",
        _id(),
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("subscriber_id", BIG_ID, nullable=False),
        sa.Column("topic_ids", sa.JSON(), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum("immediate", "daily", "weekly", name="frequency", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "form",
                "admin",
                "import",
                "api",
                "one_click",
                name="consentsource",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("notice_version", sa.String(length=50), nullable=False),
        sa.Column("wants_membership", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("confirmed_at", UTC, nullable=True),
        _subscriber_fk("signup"),
        _network_fk("signup"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signup")),
    )
    with op.batch_alter_table("signup") as batch_op:
        batch_op.create_index("ix_signup_expires_at", ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_signup_network_id"), ["network_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_signup_subscriber_id"), ["subscriber_id"], unique=False)

    op.create_table(
        "membership",
        _id(),
        sa.Column("network_id", BIG_ID, nullable=False),
        sa.Column("subscriber_id", BIG_ID, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "declined",
                "cancelled",
                "revoked",
                name="membershipstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("eligibility_statement", sa.Text(), nullable=False),
        sa.Column("requested_at", UTC, nullable=False),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        _subscriber_fk("membership"),
        _network_fk("membership"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
    )
    with op.batch_alter_table("membership") as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_network_id"), ["network_id"], unique=False)
        batch_op.create_index(
            "uq_membership_open",
            ["subscriber_id"],
            unique=True,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )

    op.create_table(
        "form_attempt",
        _id(),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_attempt")),
    )
    with op.batch_alter_table("form_attempt") as batch_op:
        batch_op.create_index("ix_form_attempt_client", ["client_hash", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_attempt") as batch_op:
        batch_op.drop_index("ix_form_attempt_client")
    op.drop_table("form_attempt")
    with op.batch_alter_table("membership") as batch_op:
        batch_op.drop_index("uq_membership_open")
        batch_op.drop_index(batch_op.f("ix_membership_network_id"))
    op.drop_table("membership")
    with op.batch_alter_table("signup") as batch_op:
        batch_op.drop_index(batch_op.f("ix_signup_subscriber_id"))
        batch_op.drop_index(batch_op.f("ix_signup_network_id"))
        batch_op.drop_index("ix_signup_expires_at")
    op.drop_table("signup")
    with op.batch_alter_table("consent_text") as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_text_network_id"))
    op.drop_table("consent_text")
