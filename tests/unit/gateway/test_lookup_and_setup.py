"""find_by_reference, one client per thread, start-up checks, and the classifier's small helpers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from requests.models import PreparedRequest

from notifier.gateway import GatewayUnavailable, NotificationRecord, NotifyGateway, build_gateway
from notifier.gateway.classify import next_utc_midnight, scrub
from notifier.gateway.notify import NotifyClient, new_notify_client, read_environment_once
from tests.support.settings import make_settings
from tests.unit.gateway.scripted import (
    API_KEY,
    BASE_URL,
    SECRET,
    TEMPLATE_ID,
    ScriptedAdapter,
    answering,
    notify_errors,
    raising,
    scripted_client,
    scripted_gateway,
)
from tests.unit.gateway.test_send_outcomes import NOTIFY_ID, REQUEST, refused


def listed(*items: dict[str, object]) -> dict[str, object]:
    return {"notifications": list(items), "links": {"current": f"{BASE_URL}/v2/notifications"}}


def notification(
    notify_id: str, reference: str, created_at: str, status: str = "delivered"
) -> dict[str, object]:
    return {"id": notify_id, "reference": reference, "status": status, "created_at": created_at}


def test_find_by_reference_asks_notify_for_that_reference() -> None:
    gateway, adapter = scripted_gateway(
        answering(
            200, listed(notification(NOTIFY_ID, "delivery-17", "2026-03-01T10:00:00.000000Z", "sending"))
        )
    )
    record = gateway.find_by_reference("delivery-17")
    assert record == NotificationRecord(notify_id=NOTIFY_ID, reference="delivery-17", status="sending")
    sent: PreparedRequest = adapter.requests[-1]
    assert sent.method == "GET"
    assert sent.url == f"{BASE_URL}/v2/notifications?reference=delivery-17"


def test_find_by_reference_returns_none_when_notify_created_nothing() -> None:
    gateway, _ = scripted_gateway(answering(200, {"notifications": [], "links": {}}))
    assert gateway.find_by_reference("delivery-17") is None


def test_find_by_reference_prefers_the_first_created_of_duplicates() -> None:
    newest_first = listed(
        notification("00000000-0000-4000-8000-000000000002", "delivery-17", "2026-03-01T10:00:05.000000Z"),
        notification("00000000-0000-4000-8000-000000000003", "other", "2026-03-01T10:00:03.000000Z"),
        notification("00000000-0000-4000-8000-000000000001", "delivery-17", "2026-03-01T10:00:01.000000Z"),
    )
    gateway, _ = scripted_gateway(answering(200, newest_first))
    record = gateway.find_by_reference("delivery-17")
    assert record is not None
    assert record.notify_id == "00000000-0000-4000-8000-000000000001"


@pytest.mark.parametrize(
    ("answer", "status_code"),
    [
        (answering(500, notify_errors(500, ("Exception", "Internal server error"))), 500),
        (answering(403, notify_errors(403, ("AuthError", "Invalid token: API key not found"))), 403),
        (raising(refused()), 503),
    ],
    ids=["500", "403", "refused"],
)
def test_lookup_failures_raise_gateway_unavailable(answer: object, status_code: int) -> None:
    gateway, _ = scripted_gateway(answer)  # type: ignore[arg-type]
    with pytest.raises(GatewayUnavailable) as raised:
        gateway.find_by_reference("delivery-17")
    assert raised.value.status_code == status_code


def test_a_malformed_lookup_answer_is_unavailable_not_none() -> None:
    gateway, _ = scripted_gateway(answering(200, {"unexpected": True}))
    with pytest.raises(GatewayUnavailable):
        gateway.find_by_reference("delivery-17")


def test_each_thread_gets_its_own_client_and_keeps_it() -> None:
    adapter = ScriptedAdapter(answering(201, {"id": NOTIFY_ID}))
    made: list[tuple[int, NotifyClient]] = []
    lock = threading.Lock()

    def factory() -> NotifyClient:
        client = scripted_client(adapter)
        with lock:
            made.append((threading.get_ident(), client))
        return client

    gateway = NotifyGateway(BASE_URL, API_KEY, TEMPLATE_ID, 5.0, client_factory=factory)
    all_alive = threading.Barrier(4)  # keep the senders alive together so their thread ids differ

    def send_three() -> None:
        for _ in range(3):
            gateway.send(REQUEST)
        all_alive.wait(timeout=10)

    threads = [threading.Thread(target=send_three) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gateway.send(REQUEST)
    assert len(made) == 5  # the constructing thread (reused for its own send) and the four senders
    assert len({id(client) for _, client in made}) == 5
    assert len({ident for ident, _ in made}) == 5
    assert len(adapter.requests) == 13


@pytest.mark.parametrize(
    "bad_key",
    ["", "not-a-key", f"name-{SECRET}", f"name-not-a-uuid-at-all-but-36-chars-long-{SECRET}"],
)
def test_a_key_the_client_would_misread_is_refused_without_echoing_it(bad_key: str) -> None:
    with pytest.raises(ValueError, match="must end with") as raised:
        NotifyGateway(BASE_URL, bad_key, TEMPLATE_ID, 5.0)
    if bad_key:
        assert bad_key not in str(raised.value)


def test_missing_template_or_base_url_is_refused() -> None:
    with pytest.raises(ValueError, match="template id"):
        NotifyGateway(BASE_URL, API_KEY, "", 5.0)
    with pytest.raises(ValueError, match="base URL"):
        NotifyGateway("", API_KEY, TEMPLATE_ID, 5.0)


def test_build_gateway_reads_the_settings() -> None:
    settings = make_settings(
        notify_base_url="http://127.0.0.1:6011",
        notify_api_key_team=API_KEY,
        notify_key_type="team",
        notify_template_id=TEMPLATE_ID,
        notify_timeout_seconds=2.5,
    )
    gateway = build_gateway(settings)
    assert (gateway.base_url, gateway.template_id, gateway.timeout_seconds) == (
        "http://127.0.0.1:6011",
        TEMPLATE_ID,
        2.5,
    )


@given(
    st.datetimes(
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))])
    )
)
def test_next_utc_midnight_is_the_first_00_00_utc_after_now(now: datetime) -> None:
    midnight = next_utc_midnight(now)
    assert midnight.tzinfo is UTC
    assert (midnight.hour, midnight.minute, midnight.second, midnight.microsecond) == (0, 0, 0, 0)
    assert timedelta(0) < midnight - now <= timedelta(days=1)


def test_next_utc_midnight_uses_the_utc_date_not_the_local_one() -> None:
    half_past_midnight_in_london_summer = datetime(2026, 6, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert next_utc_midnight(half_past_midnight_in_london_summer) == datetime(2026, 6, 1, tzinfo=UTC)


def test_next_utc_midnight_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_utc_midnight(datetime(2026, 6, 1))  # noqa: DTZ001 - the point of the test


def test_scrub_removes_addresses_and_caps_the_length() -> None:
    assert scrub("to A.Person@Dept.gov.uk failed", "a.person@dept.gov.uk") == "to [recipient] failed"
    assert scrub("cc someone@elsewhere.org", "a.person@dept.gov.uk") == "cc [email address]"
    assert len(scrub("x" * 2000, "a.person@dept.gov.uk")) == 500


def test_the_environment_is_read_once_for_the_notify_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """Proxies (with NO_PROXY) and a CA bundle are read when the client is made, not on every request,
    and a netrc file can never replace the client's bearer token."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.dept.gov.uk:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/dept-bundle.pem")
    session = requests.Session()
    read_environment_once(session, "https://api.notifications.service.gov.uk")
    assert session.trust_env is False
    assert session.proxies.get("https") == "http://proxy.dept.gov.uk:3128"
    assert session.verify == "/etc/ssl/dept-bundle.pem"
    nearby = requests.Session()
    read_environment_once(nearby, "http://localhost:6011")
    assert not nearby.proxies and nearby.trust_env is False


def test_the_gateways_clients_do_not_scan_the_environment_per_request() -> None:
    client = new_notify_client(API_KEY, BASE_URL, 5)
    assert client.request_session.trust_env is False  # type: ignore[attr-defined]
