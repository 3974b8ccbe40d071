"""Turn what the Notify client returned or raised into one SendOutcome; the only place that reads codes.

The client (notifications-python-client 13.0.0) turns every `requests` failure into `HTTPError.create(e)`
and raises it `from e`: a refused connection, a timeout and a real 503 all arrive as
`HTTP503Error(503, "Request failed")`. The original `requests` exception is kept as `__cause__`, so we
walk that chain to tell "the request never left this host" (safe to send again) from "it may have been
accepted" (look the reference up first: Notify has no idempotency key).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, time, timedelta

import requests
import urllib3.exceptions
from notifications_python_client.errors import APIError

from notifier.gateway.base import OutcomeKind, SendOutcome

RATE_LIMIT_ERROR = "RateLimitError"
DAILY_LIMIT_ERROR = "TooManyRequestsError"
MAX_REASON_LENGTH = 500

# requests raises these before a single byte reaches the server.
_NEVER_SENT_REQUEST_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectTimeout,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)
# urllib3 raises these while opening the TCP connection (refused, unreachable, DNS, connect timeout).
# NewConnectionError and NameResolutionError are subclasses of ConnectTimeoutError.
_NEVER_SENT_URLLIB3_ERRORS: tuple[type[BaseException], ...] = (urllib3.exceptions.ConnectTimeoutError,)

_EMAIL_LIKE = re.compile(r"[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+")


def classify_response(response: object) -> SendOutcome:
    """A 2xx answer: accepted when it carries a notification id; anything else may still have been sent."""
    notify_id = response.get("id") if isinstance(response, Mapping) else None
    if isinstance(notify_id, str) and notify_id:
        return SendOutcome(kind=OutcomeKind.ACCEPTED, notify_id=notify_id, status_code=201)
    return SendOutcome(kind=OutcomeKind.AMBIGUOUS, reason="Notify answered without a notification id")


def classify_api_error(error: APIError, *, now: datetime, email_address: str) -> SendOutcome:
    """Classify a failed send. `email_address` is only used to keep it out of the reason."""
    if error.response is None:
        return _classify_transport_failure(error)
    status: int = error.status_code
    reason = scrub(describe_notify_errors(error.message), email_address)
    if status == 429:
        return _classify_too_many_requests(error.message, reason, now)
    if status >= 500:
        return SendOutcome(kind=OutcomeKind.AMBIGUOUS, reason=reason, status_code=status)
    if status >= 400:
        return SendOutcome(kind=OutcomeKind.PERMANENT, reason=reason, status_code=status)
    # A 2xx/3xx body that was not JSON (InvalidResponse): Notify may well have stored the notification.
    return SendOutcome(kind=OutcomeKind.AMBIGUOUS, reason=reason, status_code=status)


def _classify_too_many_requests(message: object, reason: str, now: datetime) -> SendOutcome:
    if DAILY_LIMIT_ERROR in _error_classes(message):
        return SendOutcome(
            kind=OutcomeKind.DAILY_LIMIT, reason=reason, retry_after=next_utc_midnight(now), status_code=429
        )
    # RateLimitError, or a 429 from something in front of Notify: both mean "slow down".
    return SendOutcome(kind=OutcomeKind.THROTTLED, reason=reason, status_code=429)


def _classify_transport_failure(error: APIError) -> SendOutcome:
    causes = list(exception_chain(error.__cause__))
    names = " <- ".join(type(cause).__name__ for cause in causes) or type(error).__name__
    if any(isinstance(cause, _NEVER_SENT_REQUEST_ERRORS + _NEVER_SENT_URLLIB3_ERRORS) for cause in causes):
        return SendOutcome(kind=OutcomeKind.RETRYABLE, reason=f"request never reached Notify: {names}")
    return SendOutcome(kind=OutcomeKind.AMBIGUOUS, reason=f"no answer after the request was sent: {names}")


def exception_chain(error: BaseException | None) -> Iterator[BaseException]:
    """The error and everything it wraps: `__cause__`, requests' args[0], urllib3's MaxRetryError.reason."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = _wrapped(error)


def _wrapped(error: BaseException) -> BaseException | None:
    if error.__cause__ is not None:
        return error.__cause__
    reason = getattr(error, "reason", None)
    if isinstance(reason, BaseException):
        return reason
    if error.args and isinstance(error.args[0], BaseException):
        return error.args[0]
    # urllib3's ProtocolError("Connection aborted.", ConnectionResetError(...)) keeps the cause second.
    if len(error.args) > 1 and isinstance(error.args[1], BaseException):
        return error.args[1]
    return None


def describe_notify_errors(message: object) -> str:
    """Notify's v2 errors as "ErrorClass: message; ..."; the app-level shape and plain text as they are."""
    if isinstance(message, list):
        return "; ".join(_describe_one(item) for item in message)
    return str(message)


def _describe_one(item: object) -> str:
    if isinstance(item, Mapping):
        return f"{item.get('error', 'Error')}: {item.get('message', '')}"
    return str(item)


def _error_classes(message: object) -> set[str]:
    if not isinstance(message, list):
        return set()
    return {str(item.get("error")) for item in message if isinstance(item, Mapping)}


def scrub(text: str, email_address: str) -> str:
    """Keep the recipient, and anything shaped like an address, out of a reason that is stored and logged."""
    if email_address.strip():
        text = re.sub(re.escape(email_address.strip()), "[recipient]", text, flags=re.IGNORECASE)
    text = _EMAIL_LIKE.sub("[email address]", text)
    if len(text) > MAX_REASON_LENGTH:
        text = text[: MAX_REASON_LENGTH - 1] + "…"
    return text


def next_utc_midnight(now: datetime) -> datetime:
    """Notify's daily counters are keyed by UTC date, so they reset at the next 00:00 UTC."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tomorrow = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=UTC)
