"""retention and data-subject rights: rules, evidence, data requests, contact enquiries

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.db.base

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = notifier.db.base.UTCDateTime(timezone=True)
RETENTION_KINDS = (
    "left_subscriber",
    "unconfirmed_signup",
    "contact_enquiry",
    "erasure_request",
    "delivery_link",
    "closed_request",
)


def _kind() -> sa.Column[str]:
    return sa.Column(
        "kind", sa.Enum(*RETENTION_KINDS, name="retentionkind", native_enum=False, length=32), nullable=False
    )


def _id(table: str) -> tuple[sa.Column[int], sa.PrimaryKeyConstraint]:
    return sa.Column("id", BIG_ID, autoincrement=True, nullable=False), sa.PrimaryKeyConstraint(
        "id", name=op.f(f"pk_{table}")
    )


def _network(table: str) -> tuple[sa.Column[int], sa.ForeignKeyConstraint]:
    return sa.Column("network_id", BIG_ID, nullable=False), sa.ForeignKeyConstraint(
        ["network_id"], ["network.id"], name=op.f(f"fk_{table}_network_id_network"), ondelete="CASCADE"
    )


def _status_enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "retention_rule",
        *_id("retention_rule"),
        *_network("retention_rule"),
        _kind(),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.UniqueConstraint("network_id", "kind", name=op.f("uq_retention_rule_network_id_kind")),
    )
    op.create_index(op.f("ix_retention_rule_network_id"), "retention_rule", ["network_id"])
    op.create_table(
        "retention_evidence",
        *_id("retention_evidence"),
        sa.Column("run_id", sa.String(36), nullable=False),
        *_network("retention_evidence"),
        _kind(),
        sa.Column("period", sa.String(60), nullable=False),
        sa.Column("cutoff", UTC, nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=False),
        sa.UniqueConstraint(
            "run_id", "network_id", "kind", name=op.f("uq_retention_evidence_run_id_network_id_kind")
        ),
    )
    op.create_index(op.f("ix_retention_evidence_run_id"), "retention_evidence", ["run_id"])
    op.create_index(op.f("ix_retention_evidence_network_id"), "retention_evidence", ["network_id"])
    _create_data_request()
    op.create_table(
        "contact_enquiry",
        *_id("contact_enquiry"),
        *_network("contact_enquiry"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("forwarded_notify_id", sa.String(36), nullable=True),
    )
    op.create_index(op.f("ix_contact_enquiry_network_id"), "contact_enquiry", ["network_id"])
    op.create_index(op.f("ix_contact_enquiry_received_at"), "contact_enquiry", ["received_at"])
    # Erasure and the subscriber foreign-key check find a person's deliveries through this.
    op.create_index("ix_delivery_network_id_subscriber_id", "delivery", ["network_id", "subscriber_id"])
    op.create_index(
        "ix_subscription_network_id_subscriber_id", "subscription", ["network_id", "subscriber_id"]
    )


def _create_data_request() -> None:
    op.create_table(
        "data_request",
        *_id("data_request"),
        *_network("data_request"),
        sa.Column("subscriber_id", BIG_ID, nullable=True),
        sa.Column(
            "kind",
            _status_enum(
                "datarequestkind",
                "access",
                "rectification",
                "erasure",
                "restriction",
                "lift_restriction",
                "objection",
            ),
            nullable=False,
        ),
        sa.Column("origin", _status_enum("datarequestorigin", "self_service", "admin"), nullable=False),
        sa.Column(
            "status",
            _status_enum(
                "datarequeststatus",
                "awaiting_verification",
                "open",
                "awaiting_notify",
                "completed",
                "expired",
            ),
            nullable=False,
        ),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(300), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("deadline_at", UTC, nullable=False),
        sa.Column("verified_at", UTC, nullable=True),
        sa.Column("acted_at", UTC, nullable=True),
        sa.Column("notify_clear_at", UTC, nullable=True),
        sa.Column("completed_at", UTC, nullable=True),
        sa.UniqueConstraint("network_id", "id", name=op.f("uq_data_request_network_id_id")),
        sa.ForeignKeyConstraint(
            ["network_id", "subscriber_id"],
            ["subscriber.network_id", "subscriber.id"],
            name=op.f("fk_data_request_network_id_subscriber"),
        ),
    )
    op.create_index(op.f("ix_data_request_network_id"), "data_request", ["network_id"])
    op.create_index(op.f("ix_data_request_subscriber_id"), "data_request", ["subscriber_id"])
    op.create_index("ix_data_request_status_deadline", "data_request", ["status", "deadline_at"])


def downgrade() -> None:
    op.drop_index("ix_delivery_network_id_subscriber_id", table_name="delivery")
    op.drop_index("ix_subscription_network_id_subscriber_id", table_name="subscription")
    for table in ("contact_enquiry", "data_request", "retention_evidence", "retention_rule"):
        op.drop_table(table)
