# mypy: disable-error-code="no-untyped-call"
"""Statuses over (sandbox) time and delivery-status callbacks with Notify's retry rule (facts §5, §6)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.sandbox.conftest import BODY
from tests.integration.sandbox.receiver import run_receiver
from tests.support.sandbox import RunningSandbox, SandboxStartError, start_sandbox

TOKEN = "callback-token-1234"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def send(sandbox: RunningSandbox, to: str = "a@example.gov.uk", kind: str = "test", **kwargs: Any) -> str:
    response = sandbox.client(kind).send_email_notification(
        to, sandbox.template_id, personalisation=BODY, **kwargs
    )
    notification_id: str = response["id"]
    return notification_id


def wait_for_callbacks(sandbox: RunningSandbox, count: int) -> dict[str, Any]:
    """The newest outbox entry once it records `count` callback attempts (or after 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        entry: dict[str, Any] = sandbox.outbox(render="false")[0]
        if len(entry["callbacks"]) >= count or time.monotonic() > deadline:
            return entry
        time.sleep(0.05)


def test_created_then_sending_then_delivered(sandbox: RunningSandbox) -> None:
    notification_id = send(sandbox)
    first = sandbox.client().get_notification_by_id(notification_id)
    assert first["status"] == "created" and first["sent_at"] is None and first["completed_at"] is None
    sending = sandbox.wait_for_status(notification_id, "sending", timeout=2)
    assert sending["status"] == "sending" and TIMESTAMP.match(sending["sent_at"])
    assert sending["completed_at"] is None
    delivered = sandbox.wait_for_status(notification_id, "delivered", timeout=2)
    assert delivered["status"] == "delivered" and TIMESTAMP.match(delivered["completed_at"])
    assert delivered["sent_at"] <= delivered["completed_at"]


def test_simulator_addresses_fail_as_notify_says(sandbox: RunningSandbox) -> None:
    permanent = send(sandbox, "perm-fail@simulator.notify")
    temporary = send(sandbox, "temp-fail@simulator.notify")
    assert sandbox.wait_for_status(permanent, "permanent-failure")["status"] == "permanent-failure"
    assert sandbox.wait_for_status(temporary, "temporary-failure")["status"] == "temporary-failure"


def test_live_key_is_delivered_and_clock_advance_moves_statuses() -> None:
    with start_sandbox("--sending-delay-seconds", "100", "--final-delay-seconds", "200") as sandbox:
        notification_id = send(sandbox, kind="live")
        assert sandbox.client("live").get_notification_by_id(notification_id)["status"] == "created"
        sandbox.advance(150)
        assert sandbox.wait_for_status(notification_id, "sending", timeout=2)["status"] == "sending"
        sandbox.advance(60)
        assert sandbox.wait_for_status(notification_id, "delivered", timeout=2)["status"] == "delivered"


def test_configured_outcomes_technical_failure_and_the_72_hour_timeout(
    write_config: Callable[[dict[str, Any]], str],
) -> None:
    config = write_config(
        {"outcomes": {"Broken@Example.gov.uk": "technical-failure", "silent@example.gov.uk": "timeout"}}
    )
    with start_sandbox("--config", config) as sandbox:
        broken = send(sandbox, "broken@example.gov.uk", kind="live")
        silent = send(sandbox, "silent@example.gov.uk", kind="live")
        assert sandbox.wait_for_status(broken, "technical-failure")["status"] == "technical-failure"
        assert sandbox.wait_for_status(silent, "sending")["status"] == "sending"
        sandbox.advance(71 * 3600)
        assert sandbox.wait_for_status(silent, "temporary-failure", timeout=0.5)["status"] == "sending"
        sandbox.advance(3600)
        assert sandbox.wait_for_status(silent, "temporary-failure")["status"] == "temporary-failure"


def test_force_a_status(sandbox: RunningSandbox) -> None:
    notification_id = send(sandbox)
    sandbox.force_status(notification_id, "technical-failure")
    found = sandbox.client().get_notification_by_id(notification_id)
    assert found["status"] == "technical-failure" and found["completed_at"] is not None
    assert sandbox.wait_for_status(notification_id, "delivered", timeout=1)["status"] == "technical-failure"


def test_callback_body_headers_and_no_callback_for_smoke_tests() -> None:
    with (
        run_receiver() as receiver,
        start_sandbox("--callback-url", receiver.url, "--callback-token", TOKEN) as sandbox,
    ):
        assert "NOTIFIER_NOTIFY_CALLBACK_TOKEN" in sandbox.env
        send(sandbox, "simulate-delivered@notifications.service.gov.uk")
        notification_id = send(sandbox, "Someone@example.gov.uk", reference="ref-1")
        (received,) = receiver.wait_for(1)
        assert received.headers["Authorization"] == f"Bearer {TOKEN}"
        assert received.headers["Content-Type"] == "application/json"
        body = received.json()
        assert body == {
            "id": notification_id,
            "reference": "ref-1",
            "to": "Someone@example.gov.uk",
            "status": "delivered",
            "created_at": body["created_at"],
            "completed_at": body["completed_at"],
            "sent_at": body["sent_at"],
            "notification_type": "email",
            "template_id": sandbox.template_id,
            "template_version": 1,
        }
        assert all(TIMESTAMP.match(body[k]) for k in ("created_at", "completed_at", "sent_at"))
        permanent = send(sandbox, "perm-fail@simulator.notify")
        assert receiver.wait_for(2)[1].json()["status"] == "permanent-failure"
        assert receiver.wait_for(2)[1].json()["id"] == permanent


def test_callbacks_retry_five_times_300_seconds_apart_on_5xx_and_429() -> None:
    with (
        run_receiver() as receiver,
        start_sandbox("--callback-url", receiver.url, "--callback-token", TOKEN) as sandbox,
    ):
        receiver.default_status = 500
        receiver.statuses = [503, 429]
        notification_id = send(sandbox)
        wait_for_callbacks(sandbox, 1)  # the sandbox has recorded it and scheduled the retry
        sandbox.advance(299)
        assert sandbox.settled()["pending_events"] == 1  # the retry, due in a second
        assert len(receiver.requests) == 1
        sandbox.advance(1)
        wait_for_callbacks(sandbox, 2)
        for attempt in range(3, 7):
            sandbox.advance(300)
            assert len(wait_for_callbacks(sandbox, attempt)["callbacks"]) == attempt
        sandbox.advance(3000)
        assert sandbox.settled()["pending_events"] == 0  # nothing left to send
        assert len(receiver.requests) == 6  # 1 + 5 retries, then no more
        entry = sandbox.outbox(render="false")[0]
        assert entry["id"] == notification_id
        assert [c["status_code"] for c in entry["callbacks"]] == [503, 429, 500, 500, 500, 500]


def test_callbacks_are_not_retried_on_other_4xx() -> None:
    with (
        run_receiver() as receiver,
        start_sandbox("--callback-url", receiver.url, "--callback-token", TOKEN) as sandbox,
    ):
        receiver.default_status = 400
        send(sandbox)
        assert wait_for_callbacks(sandbox, 1)["callbacks"][0]["status_code"] == 400
        sandbox.advance(3600)
        assert sandbox.settled()["pending_events"] == 0  # no retry was scheduled
        assert len(receiver.requests) == 1


def test_a_callback_timeout_is_retried(write_config: Callable[[dict[str, Any]], str]) -> None:
    with run_receiver() as receiver:
        receiver.delay = 1.0
        config = write_config(
            {"callback_url": receiver.url, "callback_token": TOKEN, "callback_timeout_seconds": 0.3}
        )
        with start_sandbox("--config", config) as sandbox:
            send(sandbox)
            first = wait_for_callbacks(sandbox, 1)["callbacks"][0]
            assert (first["status_code"], first["error"]) == (None, "ReadTimeout")
            sandbox.advance(300)
            assert len(wait_for_callbacks(sandbox, 2)["callbacks"]) == 2


def test_a_refused_connection_is_retried(write_config: Callable[[dict[str, Any]], str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config({"callback_url": f"http://127.0.0.1:{port}/hook", "callback_token": TOKEN})
    with start_sandbox("--config", config) as sandbox:
        send(sandbox)
        first = wait_for_callbacks(sandbox, 1)["callbacks"][0]
        assert (first["status_code"], first["error"]) == (None, "ConnectError")
        sandbox.advance(300)
        assert len(wait_for_callbacks(sandbox, 2)["callbacks"]) == 2


def test_callbacks_to_https_loopback_with_a_self_signed_certificate(tmp_path: Path) -> None:
    with (
        run_receiver(tls_directory=tmp_path) as receiver,
        start_sandbox("--callback-url", receiver.url, "--callback-token", TOKEN) as sandbox,
    ):
        notification_id = send(sandbox)
        assert receiver.wait_for(1)[0].json()["id"] == notification_id


def test_plain_http_callbacks_only_to_loopback() -> None:
    with (
        pytest.raises(SandboxStartError, match="callback_url must be https"),
        start_sandbox("--callback-url", "http://example.gov.uk/hook", "--callback-token", TOKEN),
    ):
        pass


def test_callback_token_must_be_ten_characters() -> None:
    with (
        pytest.raises(SandboxStartError, match="at least 10 characters"),
        start_sandbox("--callback-url", "https://127.0.0.1:9/hook", "--callback-token", "short"),
    ):
        pass
