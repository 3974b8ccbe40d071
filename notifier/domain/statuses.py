"""Statuses and kinds as enums, and the forward-only state machine of a delivery. No I/O here."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    CONTENT = "content"
    MEETING = "meeting"
    MINUTES = "minutes"
    ANNOUNCEMENT = "announcement"


class Frequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


class SubscriberStatus(StrEnum):
    PENDING = "pending"  # signed up, not yet confirmed: holds no consent
    ACTIVE = "active"
    LEFT = "left"  # nothing active remains; the retention clock runs from left_at
    RESTRICTED = "restricted"  # a data-subject restriction: data kept, nothing processed or sent


class SubscriptionEndReason(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    FREQUENCY_CHANGED = "frequency_changed"  # still subscribed: the next row has the new frequency
    ONE_CLICK = "one_click"
    SUPPRESSED = "suppressed"
    ADMIN = "admin"
    MEMBERSHIP_ENDED = "membership_ended"


class ConsentAction(StrEnum):
    GRANTED = "granted"
    CHANGED = "changed"  # still consenting, on new terms (e.g. another frequency)
    WITHDRAWN = "withdrawn"


class MembershipStatus(StrEnum):
    REQUESTED = "requested"  # waiting for the steering group
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # the member left
    REVOKED = "revoked"  # an admin ended it


ACTIVE_MEMBERSHIP_STATUSES = frozenset({MembershipStatus.REQUESTED, MembershipStatus.APPROVED})


class ConsentSource(StrEnum):
    FORM = "form"
    ADMIN = "admin"
    IMPORT = "import"
    API = "api"
    ONE_CLICK = "one_click"


class Lane(StrEnum):
    """Transactional mail (confirmations, data requests) overtakes bulk mail at the limiter."""

    TRANSACTIONAL = "transactional"
    BULK = "bulk"


class MessageStatus(StrEnum):
    PENDING = "pending"  # stored, fan-out not started
    FANNING_OUT = "fanning_out"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker; Notify may or may not have it yet
    ACCEPTED = "accepted"  # Notify returned an id
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary_failure"
    PERMANENT_FAILURE = "permanent_failure"
    TECHNICAL_FAILURE = "technical_failure"
    SKIPPED = "skipped"  # consent withdrawn or address suppressed before it was sent


# A worker holds these (or is about to): retention leaves their link alone until they settle.
IN_FLIGHT_DELIVERY_STATUSES = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)

FINAL_DELIVERY_STATUSES = frozenset(
    {
        DeliveryStatus.DELIVERED,
        DeliveryStatus.TEMPORARY_FAILURE,
        DeliveryStatus.PERMANENT_FAILURE,
        DeliveryStatus.TECHNICAL_FAILURE,
        DeliveryStatus.SKIPPED,
    }
)

_ALLOWED_TRANSITIONS: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    DeliveryStatus.QUEUED: frozenset({DeliveryStatus.SENDING, DeliveryStatus.SKIPPED}),
    DeliveryStatus.SENDING: frozenset(
        {
            DeliveryStatus.QUEUED,  # released after a retryable failure or by the sweeper
            DeliveryStatus.ACCEPTED,
            DeliveryStatus.PERMANENT_FAILURE,
            DeliveryStatus.TECHNICAL_FAILURE,
            DeliveryStatus.SKIPPED,
        }
    ),
    # Receipts can arrive in any order after acceptance; a later receipt may correct an earlier one.
    DeliveryStatus.ACCEPTED: frozenset(
        {
            DeliveryStatus.DELIVERED,
            DeliveryStatus.TEMPORARY_FAILURE,
            DeliveryStatus.PERMANENT_FAILURE,
            DeliveryStatus.TECHNICAL_FAILURE,
        }
    ),
    DeliveryStatus.TEMPORARY_FAILURE: frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.PERMANENT_FAILURE}),
    DeliveryStatus.DELIVERED: frozenset({DeliveryStatus.PERMANENT_FAILURE}),
    DeliveryStatus.PERMANENT_FAILURE: frozenset(),
    DeliveryStatus.TECHNICAL_FAILURE: frozenset(),
    DeliveryStatus.SKIPPED: frozenset(),
}


def sources_for(target: DeliveryStatus) -> frozenset[DeliveryStatus]:
    """Statuses from which `target` may be reached: the WHERE clause of a conditional UPDATE."""
    return frozenset(s for s, targets in _ALLOWED_TRANSITIONS.items() if target in targets)


class SuppressionReason(StrEnum):
    PERMANENT_FAILURE = "permanent_failure"
    REPEATED_TEMPORARY_FAILURE = "repeated_temporary_failure"
    COMPLAINT = "complaint"
    OBJECTION = "objection"
    ADMIN = "admin"


class NotifyStatus(StrEnum):
    """Email statuses Notify reports in callbacks and lookups."""

    CREATED = "created"
    SENDING = "sending"
    DELIVERED = "delivered"
    PERMANENT_FAILURE = "permanent-failure"
    TEMPORARY_FAILURE = "temporary-failure"
    TECHNICAL_FAILURE = "technical-failure"


NOTIFY_TO_DELIVERY_STATUS: dict[NotifyStatus, DeliveryStatus] = {
    NotifyStatus.CREATED: DeliveryStatus.ACCEPTED,
    NotifyStatus.SENDING: DeliveryStatus.ACCEPTED,
    NotifyStatus.DELIVERED: DeliveryStatus.DELIVERED,
    NotifyStatus.PERMANENT_FAILURE: DeliveryStatus.PERMANENT_FAILURE,
    NotifyStatus.TEMPORARY_FAILURE: DeliveryStatus.TEMPORARY_FAILURE,
    NotifyStatus.TECHNICAL_FAILURE: DeliveryStatus.TECHNICAL_FAILURE,
}
