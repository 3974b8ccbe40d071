"""What the rest of notifier knows about sending email: a request, a classified outcome, a Protocol.

Every Notify response or failure is classified once, in the gateway, into one OutcomeKind; callers
branch on the kind and never on status codes or message text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class OutcomeKind(StrEnum):
    ACCEPTED = "accepted"  # Notify returned 201 and a notification id
    THROTTLED = "throttled"  # 429 RateLimitError: back off and try again shortly
    DAILY_LIMIT = "daily_limit"  # 429 TooManyRequestsError: nothing more until 00:00 UTC
    RETRYABLE = "retryable"  # the request never reached Notify (refused connection): send again later
    AMBIGUOUS = "ambiguous"  # it may have been accepted (timeout, reset, 5xx): look up the reference first
    PERMANENT = "permanent"  # 400/403: retrying the same request cannot succeed; reason kept


@dataclass(frozen=True, slots=True)
class EmailRequest:
    email_address: str
    subject: str
    body: str
    reference: str  # our delivery id; never personal data
    one_click_unsubscribe_url: str | None = None
    email_reply_to_id: str | None = None


@dataclass(frozen=True, slots=True)
class SendOutcome:
    kind: OutcomeKind
    notify_id: str | None = None
    reason: str | None = None  # Notify's error class and message, or the transport failure; no personal data
    retry_after: datetime | None = None  # set for DAILY_LIMIT: the next 00:00 UTC
    status_code: int | None = None


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    """What Notify holds about one notification, as returned by a lookup."""

    notify_id: str
    reference: str | None
    status: str


class GatewayUnavailable(Exception):
    """Notify could not answer a lookup (network failure, 5xx, unexpected answer); try again later."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class EmailGateway(Protocol):
    def send(self, request: EmailRequest) -> SendOutcome: ...

    def find_by_reference(self, reference: str) -> NotificationRecord | None:
        """The notification Notify created for this reference, if any (used to settle AMBIGUOUS sends).

        Raises GatewayUnavailable when Notify cannot say."""
        ...
