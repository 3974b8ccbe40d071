# mypy: disable-error-code="no-untyped-call"
"""The shared contract's key checks (auth, send, get by id, list; ../shared/checks/notify_contract.py)
run against each service of a two-service sandbox, with the same expectations, through the real client."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator

import jwt
import pytest
import requests
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from tests.support.sandbox import RunningSandbox, start_sandbox

SERVICES = ("first", "second")
PERSONALISATION = {"subject": "Forum readout", "body": "# Heading\n\n* one\n* two"}
UNSUBSCRIBE = "https://example.gov.uk/u/abc"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = tmp_path_factory.mktemp("contract") / "two-services.json"
    path.write_text(
        json.dumps({"services": [{"name": "first"}, {"name": "second", "service_name": "Second"}]}),
        encoding="utf-8",
    )
    with start_sandbox("--config", str(path)) as running:
        assert running.service_names() == list(SERVICES)
        yield running


def expect_error(call: Callable[[], object], status: int, error_class: str, message_re: str) -> None:
    with pytest.raises(HTTPError) as raised:
        call()
    error = raised.value
    messages = (
        error.message if isinstance(error.message, list) else [{"error": None, "message": error.message}]
    )
    assert error.status_code == status, messages
    assert any(
        m.get("error") == error_class and re.search(message_re, str(m.get("message", ""))) for m in messages
    ), messages


@pytest.mark.parametrize("name", SERVICES)
def test_send_get_by_id_and_list_by_reference(sandbox: RunningSandbox, name: str) -> None:
    test = sandbox.service_client(name, "test")
    reference = str(uuid.uuid4())
    sent = test.send_email_notification(
        "someone@example.gov.uk",
        sandbox.service_template_id(name),
        personalisation=PERSONALISATION,
        reference=reference,
        one_click_unsubscribe_url=UNSUBSCRIBE,
    )
    assert uuid.UUID(sent["id"]) and sent["reference"] == reference
    assert sent["content"]["subject"] == "Forum readout"
    assert "sanitised_content" in sent and sent["scheduled_for"] is None
    assert sent["uri"].endswith("/v2/notifications/" + sent["id"])

    found = test.get_notification_by_id(sent["id"])
    assert found["email_address"] == "someone@example.gov.uk" and found["type"] == "email"
    assert found["status"] in {"created", "sending", "delivered"}
    assert found["one_click_unsubscribe_url"] == UNSUBSCRIBE

    listed = test.get_all_notifications(reference=reference)
    assert [n["id"] for n in listed["notifications"]] == [sent["id"]]

    (entry,) = sandbox.outbox(reference=reference, service=name)
    assert entry["headers"]["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert entry["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize("name", SERVICES)
def test_auth_failures(sandbox: RunningSandbox, name: str) -> None:
    key, template_id = sandbox.service_key(name, "test"), sandbox.service_template_id(name)
    bad_secret = key[:-36] + str(uuid.uuid4())
    expect_error(
        lambda: NotificationsAPIClient(bad_secret, base_url=sandbox.base_url).send_email_notification(
            "a@example.gov.uk", template_id, personalisation=PERSONALISATION
        ),
        403,
        "AuthError",
        r"^Invalid token: API key not found$",
    )
    token = jwt.encode({"iss": key[-73:-37], "iat": int(time.time()) - 120}, key[-36:], algorithm="HS256")
    skewed = requests.post(
        sandbox.url("/v2/notifications/email"),
        headers={"Authorization": "Bearer " + token},
        json={"email_address": "a@example.gov.uk", "template_id": template_id, "personalisation": {}},
        timeout=5,
    )
    assert skewed.status_code == 403
    assert "Your system clock must be accurate to within 30 seconds" in skewed.text


@pytest.mark.parametrize("name", SERVICES)
def test_request_errors(sandbox: RunningSandbox, name: str) -> None:
    test, team = sandbox.service_client(name, "test"), sandbox.service_client(name, "team")
    template_id = sandbox.service_template_id(name)
    expect_error(
        lambda: test.send_email_notification("not-an-email", template_id, personalisation=PERSONALISATION),
        400,
        "ValidationError",
        r"^email_address Not a valid email address$",
    )
    expect_error(
        lambda: test.send_email_notification(
            "a@example.gov.uk", template_id, personalisation={"subject": "x"}
        ),
        400,
        "BadRequestError",
        r"^Missing personalisation: ",
    )
    expect_error(
        lambda: team.send_email_notification(
            "stranger@example.gov.uk", template_id, personalisation=PERSONALISATION
        ),
        400,
        "BadRequestError",
        "^Can\u2019t send to this recipient using a team-only API key$",
    )
    expect_error(lambda: test.get_notification_by_id("nope"), 400, "ValidationError", r"not a valid UUID")
    expect_error(
        lambda: test.get_notification_by_id(str(uuid.uuid4())), 404, "NoResultFound", r"^No result found$"
    )


def test_the_first_services_unnamed_settings_still_work(sandbox: RunningSandbox) -> None:
    """`NOTIFIER_NOTIFY_*` without a name is the first service, as a one-service sandbox prints it."""
    client = sandbox.client("test")
    sent = client.send_email_notification(
        "someone@example.gov.uk", sandbox.template_id, personalisation=PERSONALISATION
    )
    (entry,) = sandbox.outbox(service="first", limit=1)
    assert entry["id"] == sent["id"]
