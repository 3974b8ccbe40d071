# mypy: disable-error-code="no-untyped-call"
"""The per-minute token bucket and the daily limit (facts §4), on the sandbox clock."""

from __future__ import annotations

import uuid

import pytest
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from tests.integration.sandbox.conftest import BODY
from tests.support.sandbox import RunningSandbox, start_sandbox


def send_until_refused(
    client: NotificationsAPIClient, template_id: str, attempts: int
) -> tuple[int, HTTPError]:
    for accepted in range(attempts):
        try:
            client.send_email_notification("a@example.gov.uk", template_id, personalisation=BODY)
        except HTTPError as e:
            return accepted, e
    raise AssertionError(f"{attempts} sends were all accepted")


def error_class(error: HTTPError) -> str:
    assert isinstance(error.message, list), error.message
    name: str = error.message[0]["error"]
    return name


def rate_limit_error(kind: str, limit: int) -> list[dict[str, str]]:
    return [
        {
            "error": "RateLimitError",
            "message": f"Exceeded rate limit for key type {kind} of {limit} requests per 60 seconds",
        }
    ]


def test_bucket_burst_then_refill_per_key_type() -> None:
    # limit 60/min: capacity min(ceil(60/3)+1, 1000) = 21 tokens, refilled at 1 a second.
    with start_sandbox("--rate-limit", "60") as sandbox:
        accepted, error = send_until_refused(sandbox.client("test"), sandbox.template_id, 40)
        assert 21 <= accepted <= 23  # a token or two may drip in while sending
        assert error.status_code == 429 and error.message == rate_limit_error("TEST", 60)
        live_accepted, live_error = send_until_refused(sandbox.client("live"), sandbox.template_id, 40)
        assert 21 <= live_accepted <= 23 and live_error.message == rate_limit_error("LIVE", 60)
        _, team_error = send_until_refused(sandbox.client("team"), sandbox.template_id, 1)
        assert error_class(team_error) == "BadRequestError"  # a token was taken; the stranger refused

        sandbox.advance(5)  # five tokens come back
        refilled, _ = send_until_refused(sandbox.client("test"), sandbox.template_id, 40)
        assert 5 <= refilled <= 7


def test_rate_limit_comes_before_validation() -> None:
    with start_sandbox("--rate-limit", "3") as sandbox:  # capacity 2
        client = sandbox.client("test")
        for _ in range(2):
            with pytest.raises(HTTPError) as caught:
                client.send_email_notification("not-an-email", sandbox.template_id)
            assert caught.value.status_code == 400
        with pytest.raises(HTTPError) as caught:
            client.send_email_notification("not-an-email", sandbox.template_id)
        assert caught.value.message == rate_limit_error("TEST", 3)


def test_gets_are_not_rate_limited() -> None:
    with start_sandbox("--rate-limit", "3") as sandbox:
        client = sandbox.client("test")
        for _ in range(10):
            client.get_all_notifications()


def test_daily_limit_shared_by_live_and_team_not_test_and_reset_at_utc_midnight() -> None:
    with start_sandbox("--daily-limit", "3", "--team-member", "me@example.gov.uk") as sandbox:
        live, team, test = sandbox.client("live"), sandbox.client("team"), sandbox.client("test")
        live.send_email_notification("a@example.gov.uk", sandbox.template_id, personalisation=BODY)
        team.send_email_notification("me@example.gov.uk", sandbox.template_id, personalisation=BODY)
        live.send_email_notification(
            "simulate-delivered@notifications.service.gov.uk", sandbox.template_id, personalisation=BODY
        )  # smoke tests are not counted
        live.send_email_notification("b@example.gov.uk", sandbox.template_id, personalisation=BODY)
        for client in (live, team):
            with pytest.raises(HTTPError) as caught:
                client.send_email_notification("me@example.gov.uk", sandbox.template_id, personalisation=BODY)
            assert caught.value.status_code == 429
            assert caught.value.message == [
                {"error": "TooManyRequestsError", "message": "Exceeded send limits (email: 3) for today"}
            ]
        for _ in range(5):
            test.send_email_notification("a@example.gov.uk", sandbox.template_id, personalisation=BODY)

        sandbox.advance(24 * 3600)
        assert live.send_email_notification("a@example.gov.uk", sandbox.template_id, personalisation=BODY)


def test_daily_limit_comes_after_the_rate_limit_and_before_validation() -> None:
    with start_sandbox("--daily-limit", "0") as sandbox:
        with pytest.raises(HTTPError) as caught:
            sandbox.client("live").send_email_notification("not-an-email", str(uuid.uuid4()))
        assert error_class(caught.value) == "TooManyRequestsError"


def test_service_json_reports_limits(sandbox: RunningSandbox) -> None:
    service = sandbox.service()
    assert (service["rate_limit"], service["daily_limit"], service["trial_mode"]) == (3000, 250000, False)
