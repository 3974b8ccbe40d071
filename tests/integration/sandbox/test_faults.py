# mypy: disable-error-code="no-untyped-call"
"""Fault injection: latency, 500s, resets, timeouts after storing, 429 bursts, failure shares, seeds."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from notifications_python_client.errors import HTTP503Error, HTTPError

from tests.integration.sandbox.conftest import BODY
from tests.support.sandbox import RunningSandbox, start_sandbox


@pytest.fixture
def faulty(sandbox: RunningSandbox) -> Iterator[RunningSandbox]:
    """The module's sandbox with its faults cleared before and after."""
    sandbox.clear_faults()
    yield sandbox
    sandbox.clear_faults()


def send(sandbox: RunningSandbox, reference: str, timeout: float = 10) -> dict[str, str]:
    client = sandbox.client("test", timeout=timeout)
    response: dict[str, str] = client.send_email_notification(
        "a@example.gov.uk", sandbox.template_id, personalisation=BODY, reference=reference
    )
    return response


def stored(sandbox: RunningSandbox, reference: str) -> int:
    count: int = len(sandbox.client().get_all_notifications(reference=reference)["notifications"])
    return count


def test_added_latency_on_every_v2_request(faulty: RunningSandbox) -> None:
    faulty.set_faults(latency_ms=300, scope="all")
    started = time.monotonic()
    send(faulty, "slow")
    faulty.client().get_all_templates()
    assert time.monotonic() - started >= 0.6


def test_server_errors_store_nothing(faulty: RunningSandbox) -> None:
    faulty.set_faults(server_error_share=1.0)
    reference = str(uuid.uuid4())
    with pytest.raises(HTTPError) as caught:
        send(faulty, reference)
    assert caught.value.status_code == 500
    assert caught.value.message == [{"error": "InternalServerError", "message": "Internal server error"}]
    faulty.clear_faults()
    assert stored(faulty, reference) == 0


def test_a_poison_address_is_always_answered_500_and_others_are_not(faulty: RunningSandbox) -> None:
    faulty.set_faults(server_error_addresses=["A@Example.gov.uk"])
    reference = str(uuid.uuid4())
    for _ in range(3):
        with pytest.raises(HTTPError) as caught:
            send(faulty, reference)  # sends to a@example.gov.uk (the match ignores case)
        assert caught.value.status_code == 500
    assert stored(faulty, reference) == 0
    other = faulty.client("test").send_email_notification(
        "b@example.gov.uk", faulty.template_id, personalisation=BODY, reference=reference
    )
    assert other["reference"] == reference and stored(faulty, reference) == 1


def test_connection_resets_store_nothing(faulty: RunningSandbox) -> None:
    faulty.set_faults(reset_share=1.0)
    reference = str(uuid.uuid4())
    with pytest.raises(HTTP503Error) as caught:
        send(faulty, reference)
    assert caught.value.message == "Request failed"
    unauthenticated = requests.post(faulty.url("/v2/notifications/email"), json={}, timeout=5)
    assert unauthenticated.status_code == 401  # faults come after auth
    faulty.clear_faults()
    assert stored(faulty, reference) == 0


def test_timeouts_store_the_notification_then_hold_the_answer(faulty: RunningSandbox) -> None:
    faulty.set_faults(timeout_share=1.0, timeout_hold_seconds=2)
    reference = str(uuid.uuid4())
    started = time.monotonic()
    with pytest.raises(HTTP503Error):
        send(faulty, reference, timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert stored(faulty, reference) == 1  # the ambiguous case: it was accepted


def test_timeouts_can_drop_the_connection_instead(faulty: RunningSandbox) -> None:
    faulty.set_faults(timeout_share=1.0, timeout_mode="drop")
    reference = str(uuid.uuid4())
    with pytest.raises(HTTP503Error):
        send(faulty, reference)
    assert stored(faulty, reference) == 1


def test_rate_limit_bursts_for_n_seconds_every_m_seconds(faulty: RunningSandbox) -> None:
    """The windows follow the sandbox clock: the test moves it through them instead of waiting."""
    faulty.set_faults(throttle_seconds=60, throttle_every_seconds=150)
    with pytest.raises(HTTPError) as caught:
        send(faulty, "burst")
    assert caught.value.status_code == 429
    assert caught.value.message == [
        {
            "error": "RateLimitError",
            "message": "Exceeded rate limit for key type TEST of 3000 requests per 60 seconds",
        }
    ]
    faulty.advance(75)  # 75 s into the period: past the 60 s burst
    assert send(faulty, "burst")["id"]
    faulty.advance(74)  # 149 s: still quiet
    assert send(faulty, "burst")["id"]
    faulty.advance(3)  # 152 s: the next period's burst
    with pytest.raises(HTTPError) as again:
        send(faulty, "burst")
    assert again.value.status_code == 429


def test_failure_shares_decide_final_statuses(faulty: RunningSandbox) -> None:
    faulty.set_faults(permanent_failure_share=1.0)
    notification_id = send(faulty, "bounce")["id"]
    assert faulty.wait_for_status(notification_id, "permanent-failure")["status"] == "permanent-failure"
    faulty.set_faults(permanent_failure_share=0.0, technical_failure_share=1.0)
    notification_id = send(faulty, "broken")["id"]
    assert faulty.wait_for_status(notification_id, "technical-failure")["status"] == "technical-failure"


def test_gets_are_spared_unless_the_scope_is_all(faulty: RunningSandbox) -> None:
    faulty.set_faults(server_error_share=1.0)
    faulty.client().get_all_notifications()
    faulty.set_faults(scope="all")
    with pytest.raises(HTTPError) as caught:
        faulty.client().get_all_notifications()
    assert caught.value.status_code == 500


def test_shares_are_reproducible_with_a_seed(faulty: RunningSandbox) -> None:
    def outcomes() -> list[int]:
        faulty.set_faults(server_error_share=0.5, seed=42)
        codes = []
        for _ in range(20):
            try:
                send(faulty, "seeded")
                codes.append(201)
            except HTTPError as e:
                codes.append(e.status_code)
        return codes

    first = outcomes()
    assert 201 in first and 500 in first
    assert outcomes() == first


def test_bad_fault_settings_are_refused(faulty: RunningSandbox) -> None:
    for bad in (
        {"server_error_share": 2},
        {"colour": "red"},
        {"throttle_seconds": 5, "throttle_every_seconds": 1},
    ):
        response = requests.post(faulty.url("/_sandbox/faults"), json=bad, timeout=5)
        assert response.status_code == 400 and response.json()["result"] == "error"


def test_faults_from_the_command_line() -> None:
    with start_sandbox("--server-error-share", "1", "--fault-seed", "7", "--latency-ms", "50") as sandbox:
        settings = requests.get(sandbox.url("/_sandbox/faults"), timeout=5).json()
        assert (settings["server_error_share"], settings["seed"], settings["latency_ms"]) == (1.0, 7, 50.0)
        with pytest.raises(HTTPError) as caught:
            send(sandbox, "cli")
        assert caught.value.status_code == 500
