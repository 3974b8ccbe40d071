"""NotifyGateway through the real client against the real local sandbox (`notifier sandbox`)."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from notifier.gateway import EmailRequest, GatewayUnavailable, NotifyGateway, OutcomeKind
from tests.support.sandbox import RunningSandbox, start_sandbox

REPLY_TO_ID = "c5d8f3a2-1b4e-4c6d-9f0a-2e3b4c5d6e7f"
RECIPIENT = "member@example.gov.uk"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox("--reply-to", f"{REPLY_TO_ID}=network-replies@example.gov.uk") as running:
        yield running


@pytest.fixture
def quiet_sandbox(sandbox: RunningSandbox) -> Iterator[RunningSandbox]:
    """The shared sandbox with its faults cleared again after each test."""
    yield sandbox
    sandbox.clear_faults()


@pytest.fixture(scope="module")
def limited_sandbox() -> Iterator[RunningSandbox]:
    # Capacity min(ceil(60/3)+1, 1000) = 21 per key type; 3 live/team emails a day.
    with start_sandbox("--rate-limit", "60", "--daily-limit", "3") as running:
        yield running


def gateway_for(sandbox: RunningSandbox, key: str = "live", **overrides: object) -> NotifyGateway:
    settings: dict[str, object] = {
        "base_url": sandbox.base_url,
        "api_key": sandbox.key(key),
        "template_id": sandbox.template_id,
        "timeout_seconds": 5.0,
        **overrides,
    }
    return NotifyGateway(**settings)  # type: ignore[arg-type]


def email(**fields: str) -> EmailRequest:
    values = {
        "email_address": RECIPIENT,
        "subject": "Network news",
        "body": "Hello",
        "reference": new_reference(),
    }
    return EmailRequest(**{**values, **fields})


def new_reference() -> str:
    return f"delivery-{uuid.uuid4()}"


def test_accepted_email_carries_subject_body_unsubscribe_and_reply_to(quiet_sandbox: RunningSandbox) -> None:
    request = email(
        subject="Meeting: Tuesday",
        body="# Agenda\n\nItem one",
        one_click_unsubscribe_url="https://lists.example.gov.uk/u/opaque",
        email_reply_to_id=REPLY_TO_ID,
    )
    outcome = gateway_for(quiet_sandbox).send(request)
    assert outcome.kind is OutcomeKind.ACCEPTED
    assert outcome.notify_id is not None
    [stored] = quiet_sandbox.outbox(reference=request.reference)
    assert stored["id"] == outcome.notify_id
    assert (stored["subject"], stored["body"]) == ("Meeting: Tuesday", "# Agenda\n\nItem one")
    assert stored["headers"]["List-Unsubscribe"] == "<https://lists.example.gov.uk/u/opaque>"
    assert stored["headers"]["Reply-To"] == "network-replies@example.gov.uk"


def test_find_by_reference_finds_an_accepted_email_and_nothing_for_others(
    quiet_sandbox: RunningSandbox,
) -> None:
    gateway = gateway_for(quiet_sandbox)
    request = email()
    outcome = gateway.send(request)
    record = gateway.find_by_reference(request.reference)
    assert record is not None
    assert (record.notify_id, record.reference) == (outcome.notify_id, request.reference)
    assert record.status in {"created", "sending", "delivered"}
    assert gateway.find_by_reference(new_reference()) is None


def test_an_invalid_address_is_permanent(quiet_sandbox: RunningSandbox) -> None:
    outcome = gateway_for(quiet_sandbox).send(email(email_address="not-an-address"))
    assert outcome.kind is OutcomeKind.PERMANENT
    assert outcome.status_code == 400
    assert outcome.reason == "ValidationError: email_address Not a valid email address"


def test_an_unknown_template_is_permanent(quiet_sandbox: RunningSandbox) -> None:
    outcome = gateway_for(quiet_sandbox, template_id=str(uuid.uuid4())).send(email())
    assert outcome.kind is OutcomeKind.PERMANENT
    assert outcome.reason == "BadRequestError: Template not found"


def test_a_team_key_to_an_outsider_is_permanent_without_the_address(quiet_sandbox: RunningSandbox) -> None:
    outcome = gateway_for(quiet_sandbox, key="team").send(email())
    assert outcome.kind is OutcomeKind.PERMANENT
    assert outcome.reason == "BadRequestError: Can’t send to this recipient using a team-only API key"


def test_many_threads_share_one_gateway(quiet_sandbox: RunningSandbox) -> None:
    gateway = gateway_for(quiet_sandbox, key="test")
    requests = [email() for _ in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(gateway.send, requests))
    assert {outcome.kind for outcome in outcomes} == {OutcomeKind.ACCEPTED}
    assert len({outcome.notify_id for outcome in outcomes}) == 40


def test_a_send_held_past_the_timeout_is_ambiguous_and_the_lookup_finds_it(
    quiet_sandbox: RunningSandbox,
) -> None:
    quiet_sandbox.set_faults(timeout_share=1.0, timeout_mode="hold", timeout_hold_seconds=2.0)
    request = email()
    outcome = gateway_for(quiet_sandbox, timeout_seconds=0.5).send(request)
    assert outcome.kind is OutcomeKind.AMBIGUOUS
    assert outcome.reason is not None
    assert "ReadTimeout" in outcome.reason
    record = gateway_for(quiet_sandbox).find_by_reference(request.reference)
    assert record is not None  # Notify did create it: sending again would have been a duplicate


def test_a_connection_dropped_after_storing_is_ambiguous_and_the_lookup_finds_it(
    quiet_sandbox: RunningSandbox,
) -> None:
    quiet_sandbox.set_faults(timeout_share=1.0, timeout_mode="drop")
    request = email()
    gateway = gateway_for(quiet_sandbox)
    assert gateway.send(request).kind is OutcomeKind.AMBIGUOUS
    assert gateway.find_by_reference(request.reference) is not None


@pytest.mark.parametrize(
    ("faults", "status_code"),
    [({"server_error_share": 1.0}, 500), ({"reset_share": 1.0}, None)],
    ids=["500", "reset"],
)
def test_failures_before_storing_are_ambiguous_and_the_lookup_says_nothing_was_created(
    quiet_sandbox: RunningSandbox, faults: dict[str, float], status_code: int | None
) -> None:
    quiet_sandbox.set_faults(**faults)
    request = email()
    gateway = gateway_for(quiet_sandbox)
    outcome = gateway.send(request)
    assert outcome.kind is OutcomeKind.AMBIGUOUS
    assert outcome.status_code == status_code
    assert gateway.find_by_reference(request.reference) is None


def test_a_failing_lookup_raises_gateway_unavailable(quiet_sandbox: RunningSandbox) -> None:
    quiet_sandbox.set_faults(server_error_share=1.0, scope="all")
    with pytest.raises(GatewayUnavailable) as raised:
        gateway_for(quiet_sandbox).find_by_reference(new_reference())
    assert raised.value.status_code == 500


def test_nothing_listening_is_retryable() -> None:
    with start_sandbox() as running:
        gateway = gateway_for(running)
    outcome = gateway.send(email())  # the sandbox has stopped: its port refuses connections
    assert outcome.kind is OutcomeKind.RETRYABLE
    with pytest.raises(GatewayUnavailable):
        gateway.find_by_reference(new_reference())


def test_a_burst_past_the_rate_limit_is_throttled(limited_sandbox: RunningSandbox) -> None:
    gateway = gateway_for(limited_sandbox, key="test")  # test keys have no daily limit
    started = time.monotonic()
    kinds = [gateway.send(email()).kind for _ in range(30)]
    refilled = math.ceil(time.monotonic() - started)  # one token a second comes back
    accepted = kinds.count(OutcomeKind.ACCEPTED)
    assert kinds[:21] == [OutcomeKind.ACCEPTED] * 21
    assert set(kinds[21:]) <= {OutcomeKind.ACCEPTED, OutcomeKind.THROTTLED}
    assert 21 <= accepted <= 21 + refilled < 30


def test_the_daily_limit_waits_until_the_next_utc_midnight(limited_sandbox: RunningSandbox) -> None:
    gateway = gateway_for(limited_sandbox, key="live")
    kinds = [gateway.send(email()).kind for _ in range(3)]
    assert kinds == [OutcomeKind.ACCEPTED] * 3
    before = datetime.now(UTC)
    outcome = gateway.send(email())
    assert outcome.kind is OutcomeKind.DAILY_LIMIT
    assert outcome.reason == "TooManyRequestsError: Exceeded send limits (email: 3) for today"
    assert outcome.retry_after is not None
    assert outcome.retry_after == datetime.combine(
        before.date() + timedelta(days=1), datetime.min.time(), UTC
    )
