"""Every answer Notify can give to a send, through the real client, classified into one OutcomeKind."""

from __future__ import annotations

import http.client
import socket
from datetime import UTC, datetime

import jwt
import pytest
import requests
import urllib3.exceptions
from requests.models import PreparedRequest

from notifier.gateway import EmailRequest, OutcomeKind
from tests.unit.gateway.scripted import (
    RECIPIENT,
    SERVICE_ID,
    answering,
    notify_errors,
    raising,
    raw_response,
    scripted_gateway,
)

REQUEST = EmailRequest(email_address=RECIPIENT, subject="Hello", body="Body text", reference="delivery-17")
NOTIFY_ID = "740e5834-3a29-46b4-9a6f-16142fde533a"


URL = "/v2/notifications/email"


def gave_up(reason: Exception) -> urllib3.exceptions.MaxRetryError:
    """requests' adapter runs urllib3 with no retries, so a connect failure arrives as MaxRetryError."""
    return urllib3.exceptions.MaxRetryError(None, URL, reason)  # type: ignore[arg-type]


def refused() -> requests.ConnectionError:
    """What requests raises for ECONNREFUSED: ConnectionError(MaxRetryError(reason=NewConnectionError))."""
    reason = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection")  # type: ignore[arg-type]
    reason.__cause__ = ConnectionRefusedError(111, "Connection refused")
    return requests.ConnectionError(gave_up(reason))


def unresolvable() -> requests.ConnectionError:
    lookup_failure = socket.gaierror(-2, "Name or service not known")
    reason = urllib3.exceptions.NameResolutionError("notify.invalid", None, lookup_failure)  # type: ignore[arg-type]
    return requests.ConnectionError(gave_up(reason))


def connect_timeout() -> requests.ConnectTimeout:
    reason = urllib3.exceptions.ConnectTimeoutError(None, "Connection to notify.invalid timed out.")
    return requests.ConnectTimeout(gave_up(reason))


def read_timeout() -> requests.ReadTimeout:
    reason = urllib3.exceptions.ReadTimeoutError(None, URL, "Read timed out.")  # type: ignore[arg-type]
    return requests.ReadTimeout(reason)


def aborted(cause: BaseException) -> requests.ConnectionError:
    """What requests raises when the reply never came: ConnectionError(ProtocolError(..., <cause>))."""
    return requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", cause))


def test_201_with_an_id_is_accepted() -> None:
    gateway, _ = scripted_gateway(answering(201, {"id": NOTIFY_ID, "reference": "delivery-17"}))
    outcome = gateway.send(REQUEST)
    assert outcome.kind is OutcomeKind.ACCEPTED
    assert outcome.notify_id == NOTIFY_ID
    assert outcome.reason is None


def test_201_that_is_not_json_may_have_been_stored() -> None:
    gateway, _ = scripted_gateway(lambda request: raw_response(request, 201, b"<html>", "text/html"))
    outcome = gateway.send(REQUEST)
    assert outcome.kind is OutcomeKind.AMBIGUOUS
    assert outcome.status_code == 201


def test_201_without_an_id_may_have_been_stored() -> None:
    gateway, _ = scripted_gateway(answering(201, {"reference": "delivery-17"}))
    assert gateway.send(REQUEST).kind is OutcomeKind.AMBIGUOUS


def test_rate_limit_error_is_throttled() -> None:
    gateway, _ = scripted_gateway(
        answering(
            429,
            notify_errors(
                429,
                ("RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"),
            ),
        )
    )
    outcome = gateway.send(REQUEST)
    assert outcome.kind is OutcomeKind.THROTTLED
    assert outcome.status_code == 429
    assert outcome.retry_after is None
    assert (
        outcome.reason
        == "RateLimitError: Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"
    )


def test_too_many_requests_error_waits_for_the_next_utc_midnight() -> None:
    gateway, _ = scripted_gateway(
        answering(
            429,
            notify_errors(429, ("TooManyRequestsError", "Exceeded send limits (email: 250000) for today")),
        )
    )
    outcome = gateway.send(REQUEST)  # the scripted clock says 2026-03-01 23:59:30 UTC
    assert outcome.kind is OutcomeKind.DAILY_LIMIT
    assert outcome.retry_after == datetime(2026, 3, 2, tzinfo=UTC)
    assert outcome.reason == "TooManyRequestsError: Exceeded send limits (email: 250000) for today"


def test_a_429_without_notify_body_is_treated_as_throttling() -> None:
    gateway, _ = scripted_gateway(lambda request: raw_response(request, 429, b"slow down", "text/plain"))
    assert gateway.send(REQUEST).kind is OutcomeKind.THROTTLED


@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (400, "ValidationError", "email_address Not a valid email address"),
        (400, "BadRequestError", "Template not found"),
        (400, "BadRequestError", "Can’t send to this recipient using a team-only API key"),
        (403, "AuthError", "Invalid token: API key not found"),
    ],
)
def test_client_errors_are_permanent_and_keep_notifys_reason(status: int, kind: str, message: str) -> None:
    gateway, _ = scripted_gateway(answering(status, notify_errors(status, (kind, message))))
    outcome = gateway.send(REQUEST)
    assert outcome.kind is OutcomeKind.PERMANENT
    assert outcome.status_code == status
    assert outcome.reason == f"{kind}: {message}"


def test_several_validation_errors_are_all_kept() -> None:
    gateway, _ = scripted_gateway(
        answering(
            400,
            notify_errors(
                400,
                ("ValidationError", "email_reply_to_id is not a valid UUID"),
                ("ValidationError", "one_click_unsubscribe_url is not a valid https url"),
            ),
        )
    )
    assert gateway.send(REQUEST).reason == (
        "ValidationError: email_reply_to_id is not a valid UUID; "
        "ValidationError: one_click_unsubscribe_url is not a valid https url"
    )


def test_flask_level_404_is_permanent() -> None:
    gateway, _ = scripted_gateway(
        answering(404, {"result": "error", "message": "The requested URL was not found on the server."})
    )
    outcome = gateway.send(REQUEST)
    assert outcome.kind is OutcomeKind.PERMANENT
    assert outcome.reason == "The requested URL was not found on the server."


def test_reason_never_carries_the_recipient_address() -> None:
    echoed = f"email_address {RECIPIENT.upper()} is not allowed; copy to other.person@example.org"
    gateway, _ = scripted_gateway(answering(400, notify_errors(400, ("ValidationError", echoed))))
    reason = gateway.send(REQUEST).reason
    assert reason is not None
    assert RECIPIENT.lower() not in reason.lower()
    assert "@" not in reason
    assert reason.startswith("ValidationError: email_address [recipient] is not allowed")


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_any_5xx_answer_is_ambiguous(status: int) -> None:
    gateway, _ = scripted_gateway(
        answering(status, notify_errors(status, ("SQLAlchemyError", "Internal server error")))
    )
    outcome = gateway.send(REQUEST)
    assert outcome.kind is OutcomeKind.AMBIGUOUS
    assert outcome.status_code == status
    assert outcome.reason == "SQLAlchemyError: Internal server error"


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (refused(), OutcomeKind.RETRYABLE),
        (unresolvable(), OutcomeKind.RETRYABLE),
        (connect_timeout(), OutcomeKind.RETRYABLE),
        (requests.exceptions.InvalidURL("Invalid URL"), OutcomeKind.RETRYABLE),
        (read_timeout(), OutcomeKind.AMBIGUOUS),
        (aborted(ConnectionResetError(104, "Connection reset by peer")), OutcomeKind.AMBIGUOUS),
        (aborted(http.client.RemoteDisconnected("Remote end closed connection")), OutcomeKind.AMBIGUOUS),
        (requests.exceptions.ChunkedEncodingError("Connection broken"), OutcomeKind.AMBIGUOUS),
        (requests.exceptions.SSLError("EOF occurred in violation of protocol"), OutcomeKind.AMBIGUOUS),
    ],
    ids=[
        "refused",
        "dns",
        "connect-timeout",
        "invalid-url",
        "read-timeout",
        "reset",
        "remote-disconnected",
        "chunked",
        "ssl",
    ],
)
def test_transport_failures_split_by_whether_the_request_could_have_arrived(
    error: BaseException, kind: OutcomeKind
) -> None:
    gateway, _ = scripted_gateway(raising(error))
    outcome = gateway.send(REQUEST)
    assert outcome.kind is kind
    assert outcome.status_code is None
    assert outcome.reason is not None
    assert "@" not in outcome.reason


def test_the_request_carries_the_generic_template_and_our_reference() -> None:
    gateway, adapter = scripted_gateway(answering(201, {"id": NOTIFY_ID}))
    gateway.send(
        EmailRequest(
            email_address=RECIPIENT,
            subject="Meeting on Tuesday",
            body="# Agenda\n\nItems",
            reference="delivery-42",
            one_click_unsubscribe_url="https://lists.example.gov.uk/u/opaque-token",
            email_reply_to_id="c5d8f3a2-1b4e-4c6d-9f0a-2e3b4c5d6e7f",
        )
    )
    sent: PreparedRequest = adapter.requests[-1]
    assert sent.method == "POST"
    assert sent.url == "https://notify.invalid/v2/notifications/email"
    assert adapter.last_json() == {
        "email_address": RECIPIENT,
        "template_id": gateway.template_id,
        "personalisation": {"subject": "Meeting on Tuesday", "body": "# Agenda\n\nItems"},
        "reference": "delivery-42",
        "one_click_unsubscribe_url": "https://lists.example.gov.uk/u/opaque-token",
        "email_reply_to_id": "c5d8f3a2-1b4e-4c6d-9f0a-2e3b4c5d6e7f",
    }
    assert sent.headers["Authorization"].startswith("Bearer ")


def test_the_jwt_is_issued_for_our_service() -> None:
    gateway, adapter = scripted_gateway(answering(201, {"id": NOTIFY_ID}))
    gateway.send(REQUEST)
    token = adapter.requests[-1].headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == SERVICE_ID


def test_optional_fields_are_left_out_when_absent() -> None:
    gateway, adapter = scripted_gateway(answering(201, {"id": NOTIFY_ID}))
    gateway.send(REQUEST)
    assert set(adapter.last_json()) == {"email_address", "template_id", "personalisation", "reference"}
