"""contact_enquiry: why forwarding stopped and who closed it (enquiries wait in the admin until dealt
with); signup: when an imported person was reminded; consent_event: the reason an admin gave for
recording consent on a person's behalf; a frequency change's old subscription row says so

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from notifier.db.base import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable): no batch copy of tables other rows point at.
    op.add_column("contact_enquiry", sa.Column("forward_failure", sa.String(length=300), nullable=True))
    op.add_column(
        "contact_enquiry", sa.Column("forward_failed_at", UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("contact_enquiry", sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("contact_enquiry", sa.Column("closed_by", sa.String(length=40), nullable=True))
    op.add_column("signup", sa.Column("reminded_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("consent_event", sa.Column("reason", sa.String(length=300), nullable=True))
    # A frequency change ended the old row as "unsubscribed" and started the new one at that instant.
    op.execute(
        "UPDATE subscription SET ended_reason = 'frequency_changed' "
        "WHERE ended_reason = 'unsubscribed' AND EXISTS ("
        "SELECT 1 FROM subscription AS later WHERE later.subscriber_id = subscription.subscriber_id "
        "AND later.topic_id = subscription.topic_id AND later.started_at = subscription.ended_at "
        "AND later.id > subscription.id)"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE subscription SET ended_reason = 'unsubscribed' WHERE ended_reason = 'frequency_changed'"
    )
    with op.batch_alter_table("consent_event") as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("signup") as batch_op:
        batch_op.drop_column("reminded_at")
    with op.batch_alter_table("contact_enquiry") as batch_op:
        for column in ("closed_by", "closed_at", "forward_failed_at", "forward_failure"):
            batch_op.drop_column(column)
