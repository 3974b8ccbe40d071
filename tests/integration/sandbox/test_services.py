# mypy: disable-error-code="no-untyped-call"
"""One sandbox hosting two Notify services, driven by the real client: each service's keys, From name,
templates, list, limits and callbacks are its own, as with two services on real Notify."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from tests.integration.sandbox.conftest import BODY
from tests.integration.sandbox.receiver import Received, Receiver, run_receiver
from tests.integration.sandbox.test_limits import send_until_refused
from tests.support.sandbox import RunningSandbox, SandboxStartError, start_sandbox

LGBT_TOKEN = "lgbt-callback-token-0123"
WOMEN_TOKEN = "women-callback-token-4567"


@dataclass
class TwoServices:
    sandbox: RunningSandbox
    lgbt_receiver: Receiver
    women_receiver: Receiver
    invite_template_id: str


def write_json(directory: Path, data: dict[str, Any]) -> str:
    path = directory / f"sandbox-{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoServices]:
    invite = str(uuid.uuid4())
    with run_receiver() as lgbt_receiver, run_receiver() as women_receiver:
        config = {
            "sending_delay_seconds": 0.05,
            "final_delay_seconds": 0.1,
            "services": [
                {
                    "name": "lgbt",
                    "service_name": "LGBT+ Network",
                    "email_sender_local_part": "lgbt.network",
                    "callback_url": lgbt_receiver.url,
                    "callback_token": LGBT_TOKEN,
                },
                {
                    "name": "women",
                    "service_name": "Women in Defence",
                    "email_sender_local_part": "women.in.defence",
                    "callback_url": women_receiver.url,
                    "callback_token": WOMEN_TOKEN,
                    "templates": [
                        {"id": invite, "name": "Invite", "subject": "Invitation: ((event))", "body": "Come."}
                    ],
                },
            ],
        }
        path = write_json(tmp_path_factory.mktemp("services"), config)
        with start_sandbox("--config", path) as sandbox:
            yield TwoServices(sandbox, lgbt_receiver, women_receiver, invite)


def send(sandbox: RunningSandbox, service: str, kind: str = "test", **fields: Any) -> dict[str, Any]:
    fields.setdefault("personalisation", BODY)
    response: dict[str, Any] = sandbox.service_client(service, kind).send_email_notification(
        fields.pop("to", "member@example.gov.uk"), sandbox.service_template_id(service), **fields
    )
    return response


def refusal(call: Any) -> HTTPError:
    with pytest.raises(HTTPError) as raised:
        call()
    return raised.value


def test_the_cli_prints_one_named_block_per_service_and_the_first_as_before(two: TwoServices) -> None:
    sandbox = two.sandbox
    assert sandbox.service_names() == ["lgbt", "women"]
    lgbt, women = sandbox.service_id("lgbt"), sandbox.service_id("women")
    assert lgbt != women
    assert sandbox.key("live") == sandbox.service_key("lgbt", "live")  # the unnamed lines: the first service
    assert sandbox.template_id == sandbox.service_template_id("lgbt")
    for name, service_id in (("lgbt", lgbt), ("women", women)):
        keys = {sandbox.service_key(name, kind) for kind in ("live", "team", "test")}
        assert len(keys) == 3 and all(key[-73:-37] == service_id for key in keys)
    assert sandbox.env["NOTIFIER_NOTIFY_SERVICE_WOMEN_CALLBACK_TOKEN"] == WOMEN_TOKEN
    services = requests.get(sandbox.url("/_sandbox/services.json"), timeout=5).json()["services"]
    assert [(s["name"], s["service_id"], s["service_name"]) for s in services] == [
        ("lgbt", lgbt, "LGBT+ Network"),
        ("women", women, "Women in Defence"),
    ]
    one = requests.get(sandbox.url("/_sandbox/service.json"), params={"service": "women"}, timeout=5).json()
    assert one["service_id"] == women and one["from_email"] == "women.in.defence@notifications.service.gov.uk"


def test_each_services_key_sends_under_its_own_name(two: TwoServices) -> None:
    sandbox = two.sandbox
    reference = str(uuid.uuid4())
    from_lgbt = send(sandbox, "lgbt", "live", reference=reference)
    from_women = send(sandbox, "women", "live", reference=reference)
    assert from_lgbt["content"]["from_email"] == "lgbt.network@notifications.service.gov.uk"
    assert from_women["content"]["from_email"] == "women.in.defence@notifications.service.gov.uk"
    assert sandbox.service_id("women") in from_women["template"]["uri"]
    entries = {e["id"]: e for e in sandbox.outbox(reference=reference)}
    assert entries[from_lgbt["id"]]["headers"]["From"] == (
        '"LGBT+ Network" <lgbt.network@notifications.service.gov.uk>'
    )
    assert entries[from_women["id"]]["headers"]["From"] == (
        '"Women in Defence" <women.in.defence@notifications.service.gov.uk>'
    )
    assert entries[from_women["id"]]["service"] == {
        "id": sandbox.service_id("women"),
        "name": "women",
        "service_name": "Women in Defence",
    }


def test_templates_belong_to_their_service(two: TwoServices) -> None:
    sandbox = two.sandbox
    women = sandbox.service_client("women", "test")
    assert women.get_template(two.invite_template_id)["name"] == "Invite"
    lgbt = sandbox.service_client("lgbt", "test")
    error = refusal(lambda: lgbt.get_template(two.invite_template_id))
    assert error.status_code == 404
    error = refusal(
        lambda: lgbt.send_email_notification(
            "member@example.gov.uk", two.invite_template_id, personalisation={"event": "AGM"}
        )
    )
    assert error.status_code == 400 and error.message == [
        {"error": "BadRequestError", "message": "Template not found"}
    ]
    assert {t["name"] for t in lgbt.get_all_templates()["templates"]} == {"Generic"}


def test_a_key_authenticates_only_its_own_service(two: TwoServices) -> None:
    sandbox = two.sandbox
    lgbt_key, women_key = sandbox.service_key("lgbt"), sandbox.service_key("women")
    # the women service's id as issuer, signed with an lgbt secret: no key of that service matches
    forged = f"forged-{women_key[-73:-37]}-{lgbt_key[-36:]}"
    client = NotificationsAPIClient(forged, base_url=sandbox.base_url)
    error = refusal(client.get_all_notifications)
    assert error.status_code == 403 and error.message == [
        {"error": "AuthError", "message": "Invalid token: API key not found"}
    ]


def test_another_services_notification_is_not_found(two: TwoServices) -> None:
    sandbox = two.sandbox
    sent = send(sandbox, "women")
    women, lgbt = sandbox.service_client("women"), sandbox.service_client("lgbt")
    assert women.get_notification_by_id(sent["id"])["id"] == sent["id"]
    for client in (lgbt, sandbox.service_client("lgbt", "live")):
        error = refusal(lambda c=client: c.get_notification_by_id(sent["id"]))
        assert error.status_code == 404 and error.message == [
            {"error": "NoResultFound", "message": "No result found"}
        ]
    assert lgbt.get_all_notifications(older_than=sent["id"])["notifications"] == []


def test_each_service_lists_only_its_own(two: TwoServices) -> None:
    sandbox = two.sandbox
    reference = str(uuid.uuid4())
    lgbt_ids = {send(sandbox, "lgbt", reference=reference)["id"] for _ in range(2)}
    women_ids = {send(sandbox, "women", reference=reference)["id"] for _ in range(3)}
    for name, ids in (("lgbt", lgbt_ids), ("women", women_ids)):
        client = sandbox.service_client(name)
        listed = {n["id"] for n in client.get_all_notifications(reference=reference)["notifications"]}
        assert listed == ids
        everything = {n["id"] for n in client.get_all_notifications_iterator()}
        assert ids <= everything and not everything & (lgbt_ids | women_ids) - ids


def test_the_outbox_and_ledger_filter_by_service(two: TwoServices) -> None:
    sandbox = two.sandbox
    reference = str(uuid.uuid4())
    lgbt_sent = send(sandbox, "lgbt", reference=reference)
    women_sent = send(sandbox, "women", reference=reference)
    by_name = sandbox.outbox(reference=reference, service="women")
    by_id = sandbox.outbox(reference=reference, service=sandbox.service_id("women"))
    assert [e["id"] for e in by_name] == [e["id"] for e in by_id] == [women_sent["id"]]
    assert [e["id"] for e in sandbox.outbox(service="lgbt", limit=1)] == [lgbt_sent["id"]]
    assert {e["id"] for e in sandbox.outbox(reference=reference)} == {lgbt_sent["id"], women_sent["id"]}
    unknown = requests.get(sandbox.url("/_sandbox/outbox.json"), params={"service": "nobody"}, timeout=5)
    assert unknown.status_code == 404 and "nobody" in unknown.json()["message"]

    whole, women = sandbox.ledger(), sandbox.ledger(service="women")
    assert whole["by_service"][sandbox.service_id("women")] == women["total"]
    assert sum(whole["by_service"].values()) == whole["total"]
    assert women["total"] == len(sandbox.outbox(service="women", limit=1000, render="false"))
    # one send per service with this reference: a repeat across the sandbox, not within a service
    assert whole["duplicate_references"][reference] == 2
    assert reference not in women["duplicate_references"]

    page = requests.get(sandbox.url("/_sandbox/outbox"), params={"service": "women"}, timeout=5).text
    assert "Notify sandbox outbox · Women in Defence" in page
    assert "from Women in Defence" in page and "from LGBT+ Network" not in page
    assert '<option value="lgbt">LGBT+ Network (lgbt)</option>' in page


def test_each_services_callbacks_go_to_its_url_with_its_bearer(two: TwoServices) -> None:
    sandbox = two.sandbox
    lgbt_sent, women_sent = send(sandbox, "lgbt"), send(sandbox, "women")
    lgbt_calls = _calls_for(two.lgbt_receiver, lgbt_sent["id"])
    women_calls = _calls_for(two.women_receiver, women_sent["id"])
    assert lgbt_calls[0].headers["Authorization"] == f"Bearer {LGBT_TOKEN}"
    assert women_calls[0].headers["Authorization"] == f"Bearer {WOMEN_TOKEN}"
    with two.lgbt_receiver.lock, two.women_receiver.lock:
        assert not [r for r in two.lgbt_receiver.requests if r.json()["id"] == women_sent["id"]]
        assert not [r for r in two.women_receiver.requests if r.json()["id"] == lgbt_sent["id"]]


def _calls_for(receiver: Receiver, notification_id: str, timeout: float = 5.0) -> list[Received]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with receiver.lock:
            found = [r for r in receiver.requests if r.json()["id"] == notification_id]
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"no callback for {notification_id}")


def test_rate_and_daily_limits_are_per_service(tmp_path: Path) -> None:
    # lgbt: 60/min (a bucket of 21) and 3 emails a day; women: the defaults
    config = {
        "services": [
            {"name": "lgbt", "rate_limit": 60, "daily_limit": 3},
            {"name": "women"},
        ]
    }
    with start_sandbox("--config", write_json(tmp_path, config)) as sandbox:
        lgbt = sandbox.service_client("lgbt", "test")
        accepted, error = send_until_refused(lgbt, sandbox.service_template_id("lgbt"), 40)
        assert 21 <= accepted <= 23
        assert error.status_code == 429 and error.message == [
            {
                "error": "RateLimitError",
                "message": "Exceeded rate limit for key type TEST of 60 requests per 60 seconds",
            }
        ]
        for _ in range(30):  # the other service's bucket is untouched
            send(sandbox, "women")

        lgbt_live = sandbox.service_client("lgbt", "live")
        for _ in range(3):
            send(sandbox, "lgbt", "live")
        error = refusal(
            lambda: lgbt_live.send_email_notification(
                "a@example.gov.uk", sandbox.service_template_id("lgbt"), BODY
            )
        )
        assert error.status_code == 429 and error.message == [
            {"error": "TooManyRequestsError", "message": "Exceeded send limits (email: 3) for today"}
        ]
        for _ in range(5):  # the other service's daily count is its own
            send(sandbox, "women", "live")
        assert sandbox.ledger(service="women")["by_key_type"]["normal"] == 5


def test_a_state_file_keeps_every_services_keys(tmp_path: Path) -> None:
    config = write_json(tmp_path, {"services": [{"name": "lgbt"}, {"name": "women"}]})
    state = tmp_path / "state.json"
    with start_sandbox("--config", config, "--state-file", str(state)) as first:
        keys = {(n, k): first.service_key(n, k) for n in ("lgbt", "women") for k in ("live", "test")}
    with start_sandbox("--config", config, "--state-file", str(state)) as again:
        assert {(n, k): again.service_key(n, k) for n in ("lgbt", "women") for k in ("live", "test")} == keys
        assert again.service_client("women", "live").get_template(again.service_template_id("women"))


def test_a_seed_gives_the_first_service_the_single_service_keys(tmp_path: Path) -> None:
    config = write_json(tmp_path, {"services": [{"name": "lgbt"}, {"name": "women"}]})
    with start_sandbox("--seed", "5") as single, start_sandbox("--config", config, "--seed", "5") as several:
        assert several.service_key("lgbt", "live") == single.key("live")
        assert several.service_key("women", "live") != single.key("live")


@pytest.mark.parametrize(
    "services",
    [
        [{"name": "lgbt"}, {"name": "lgbt"}],  # two services, one name
        [{"service_name": "No name"}],
        [{"name": "Has Spaces"}],
        [],
        [{"name": "lgbt", "sending_delay_seconds": 1}],  # sandbox-wide fields stay at the top
    ],
)
def test_bad_service_lists_stop_the_sandbox(tmp_path: Path, services: list[dict[str, Any]]) -> None:
    with (
        pytest.raises(SandboxStartError),
        start_sandbox("--config", write_json(tmp_path, {"services": services}), startup_timeout=15),
    ):
        pass
