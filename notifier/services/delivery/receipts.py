"""Notify's delivery receipts: move deliveries forward and feed suppression."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import ContactEnquiry, Delivery, Subscriber, Suppression
from notifier.domain.ids import id_from_text
from notifier.domain.references import ENQUIRY_REFERENCE_PREFIX
from notifier.domain.statuses import (
    NOTIFY_TO_DELIVERY_STATUS,
    DeliveryStatus,
    NotifyStatus,
    SubscriptionEndReason,
    SuppressionReason,
)
from notifier.repositories import deliveries as delivery_repo
from notifier.repositories import enquiries as enquiry_repo
from notifier.repositories import subscribers as subscriber_repo


@dataclass(frozen=True)
class Receipt:
    notify_id: str
    reference: str | None
    status: NotifyStatus


class UnknownReceipt(LookupError):
    """No delivery matches the receipt's reference and id (yet)."""


def apply_receipt(session: Session, receipt: Receipt, *, now: datetime, temporary_failure_limit: int) -> bool:
    """Apply one receipt; True when it changed something. Duplicates and stale receipts change nothing."""
    if receipt.reference and receipt.reference.startswith(ENQUIRY_REFERENCE_PREFIX):
        return _enquiry_receipt(session, receipt, now)  # a contact-form enquiry, forwarded
    delivery = _find_delivery(session, receipt)
    target = NOTIFY_TO_DELIVERY_STATUS[receipt.status]
    if target is DeliveryStatus.ACCEPTED:
        return False  # created/sending tell us nothing new once Notify has accepted
    if delivery.status is DeliveryStatus.SENDING:
        # The receipt overtook our own record of acceptance (possible after an ambiguous send).
        delivery_repo.transition(
            session, delivery.id, DeliveryStatus.ACCEPTED, now, notify_id=receipt.notify_id, accepted_at=now
        )
    moved = delivery_repo.transition(session, delivery.id, target, now, completed_at=now)
    if moved and delivery.subscriber_id is not None:
        _feed_suppression(session, delivery, target, now, temporary_failure_limit)
    return moved


ENQUIRY_FAILURES = {
    NotifyStatus.PERMANENT_FAILURE: "the steering group's address does not exist or refused it",
    NotifyStatus.TEMPORARY_FAILURE: "the steering group's inbox was full or unavailable",
    NotifyStatus.TECHNICAL_FAILURE: "Notify could not send it (a technical failure)",
}


def _enquiry_receipt(session: Session, receipt: Receipt, now: datetime) -> bool:
    """A forwarded enquiry that did not reach the steering group waits for an admin instead."""
    enquiry_id = _reference_id(receipt.reference, ENQUIRY_REFERENCE_PREFIX)
    failure = ENQUIRY_FAILURES.get(receipt.status)
    enquiry = session.get(ContactEnquiry, enquiry_id) if enquiry_id is not None else None
    if failure is None or enquiry is None or enquiry.forwarded_notify_id != receipt.notify_id:
        return False
    if enquiry.forward_failure is not None:
        return False  # a repeated receipt
    enquiry_repo.record_failure(session, enquiry.id, f"Forwarded, but {failure}", now)
    return True


def _reference_id(reference: str | None, prefix: str = "") -> int | None:
    if not reference or not reference.startswith(prefix):
        return None
    return id_from_text(reference[len(prefix) :])


def network_of_reference(session: Session, reference: str | None) -> int | None:
    """The network that sent the email a receipt is about (its bearer token decides), if any."""
    enquiry_id = _reference_id(reference, ENQUIRY_REFERENCE_PREFIX)
    if enquiry_id is not None:
        return session.scalar(select(ContactEnquiry.network_id).where(ContactEnquiry.id == enquiry_id))
    delivery_id = _reference_id(reference)
    if delivery_id is None:
        return None
    return session.scalar(select(Delivery.network_id).where(Delivery.id == delivery_id))


def _find_delivery(session: Session, receipt: Receipt) -> Delivery:
    delivery = None
    delivery_id = id_from_text(receipt.reference)
    if delivery_id is not None:
        delivery = session.get(Delivery, delivery_id)
    if delivery is None or (delivery.notify_id not in (None, receipt.notify_id)):
        raise UnknownReceipt(f"no delivery for notification {receipt.notify_id}")
    return delivery


def _feed_suppression(
    session: Session, delivery: Delivery, status: DeliveryStatus, now: datetime, limit: int
) -> None:
    assert delivery.subscriber_id is not None
    subscriber = session.get_one(Subscriber, delivery.subscriber_id)
    if status is DeliveryStatus.DELIVERED:
        subscriber_repo.reset_temporary_failures(session, subscriber.id)
        return
    if status is DeliveryStatus.PERMANENT_FAILURE:
        suppress(session, subscriber, SuppressionReason.PERMANENT_FAILURE, now, "Notify: permanent-failure")
    elif status is DeliveryStatus.TEMPORARY_FAILURE:
        failures = subscriber_repo.count_temporary_failure(session, subscriber.id)
        if failures >= limit:
            suppress(
                session,
                subscriber,
                SuppressionReason.REPEATED_TEMPORARY_FAILURE,
                now,
                f"{failures} temporary failures in a row",
            )


def suppress(
    session: Session, subscriber: Subscriber, reason: SuppressionReason, now: datetime, detail: str
) -> None:
    """Stop all email to the address, end its subscriptions and start the retention clock."""
    subscriber_repo.add_suppression(
        session,
        Suppression(
            network_id=subscriber.network_id,
            email_hash=subscriber.email_hash,
            reason=reason,
            detail=detail,
            created_at=now,
        ),
    )
    subscriber_repo.end_subscriptions(session, subscriber.id, SubscriptionEndReason.SUPPRESSED, now)
    subscriber_repo.mark_left_if_nothing_active(session, subscriber, now)
