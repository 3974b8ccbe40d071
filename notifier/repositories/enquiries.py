"""Contact-form enquiries: which wait for the steering group, and the forwarder's bookkeeping.

An enquiry waits (for an admin, in the Enquiries page) while it is open and cannot be forwarded: the
network has no steering-group address, or forwarding failed (Notify refused it, or its receipt said
the address did not take it). One that is merely not forwarded yet is the forwarder's, not waiting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from notifier.db.models import ContactEnquiry, Network
from notifier.repositories.rows import affected

STEERING_GROUP_SETTING = "steering_group_email"  # in network.settings
FAILURE_MAX = 300


def steering_group_address(network: Network) -> str | None:
    value = network.settings.get(STEERING_GROUP_SETTING)
    return value if isinstance(value, str) and "@" in value else None


def _open(network_id: int) -> tuple[ColumnElement[bool], ...]:
    return ContactEnquiry.network_id == network_id, ContactEnquiry.closed_at.is_(None)


def waiting_condition(network: Network) -> ColumnElement[bool]:
    """Open enquiries nobody will forward: every open one without an address, else the failed ones."""
    failed = ContactEnquiry.forward_failure.is_not(None)
    if steering_group_address(network) is None:
        return or_(failed, ContactEnquiry.forwarded_notify_id.is_(None))
    return failed


def waiting_summary(session: Session, network: Network) -> tuple[int, datetime | None]:
    """(how many wait for an admin, when the newest of them arrived)."""
    count, newest = session.execute(
        select(func.count(), func.max(ContactEnquiry.received_at)).where(
            *_open(network.id), waiting_condition(network)
        )
    ).one()
    return int(count or 0), newest


def to_forward(session: Session, limit: int) -> list[tuple[ContactEnquiry, Network]]:
    """Open enquiries not yet with Notify and not failed, oldest first, of networks with an address."""
    addressed = [n.id for n in session.scalars(select(Network)) if steering_group_address(n) is not None]
    if not addressed:
        return []
    rows = session.execute(
        select(ContactEnquiry, Network)
        .join(Network, Network.id == ContactEnquiry.network_id)
        .where(
            ContactEnquiry.network_id.in_(addressed),
            ContactEnquiry.forwarded_notify_id.is_(None),
            ContactEnquiry.forward_failure.is_(None),
            ContactEnquiry.closed_at.is_(None),
        )
        .order_by(ContactEnquiry.id)
        .limit(limit)
    ).all()
    return [(enquiry, network) for enquiry, network in rows]


def record_failure(session: Session, enquiry_id: int, reason: str, now: datetime) -> None:
    session.execute(
        update(ContactEnquiry)
        .where(ContactEnquiry.id == enquiry_id)
        .values(forward_failure=reason[:FAILURE_MAX], forward_failed_at=now)
    )


def retry_refused(session: Session, network_id: int) -> int:
    """Open enquiries Notify refused (it never took them): forward them again, to a new address."""
    result = session.execute(
        update(ContactEnquiry)
        .where(
            *_open(network_id),
            ContactEnquiry.forwarded_notify_id.is_(None),
            ContactEnquiry.forward_failure.is_not(None),
        )
        .values(forward_failure=None, forward_failed_at=None)
    )
    return affected(result)
