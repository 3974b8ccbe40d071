# mypy: disable-error-code="no-untyped-call"
"""Accepted sends: the 201 body, reading it back, templates, reply-to, smoke tests, sanitising."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
from notifications_python_client.errors import HTTPError

from tests.integration.sandbox.conftest import BODY
from tests.support.sandbox import RunningSandbox, start_sandbox

RICH_TEMPLATE = str(uuid.uuid4())
REPLY_TO_ID = str(uuid.uuid4())
OTHER_REPLY_TO_ID = str(uuid.uuid4())
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
SMOKE = [
    "simulate-delivered@notifications.service.gov.uk",
    "simulate-delivered-2@notifications.service.gov.uk",
    "Simulate-Delivered-3@notifications.service.gov.uk",
]


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    config = {
        "service_name": "LGBT+ Network",
        "email_sender_local_part": "lgbt.network",
        "templates": [
            {
                "id": RICH_TEMPLATE,
                "name": "Welcome",
                "subject": 'Hello ((First name)), it\'s "here"',
                "body": "Dear ((first_name)),\n\nYour topics:((topics))\n\n((vip??You are a VIP.))",
                "reply_to_text": "template-reply@example.gov.uk",
            }
        ],
        "reply_to": [
            {"id": REPLY_TO_ID, "address": "office@example.gov.uk", "default": True},
            {"id": OTHER_REPLY_TO_ID, "address": "chair@example.gov.uk"},
        ],
    }
    path = tmp_path_factory.mktemp("ok") / "sandbox.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with start_sandbox("--config", str(path)) as running:
        yield running


def test_201_body(sandbox: RunningSandbox) -> None:
    reference = str(uuid.uuid4())
    response = sandbox.client().send_email_notification(
        "someone@example.gov.uk",
        sandbox.template_id,
        personalisation=BODY,
        reference=reference,
        one_click_unsubscribe_url="https://example.gov.uk/u?opaque=1",
    )
    service_id = sandbox.key()[-73:-37]
    assert uuid.UUID(response["id"]).version == 4
    assert response == {
        "id": response["id"],
        "reference": reference,
        "uri": f"{sandbox.base_url}/v2/notifications/{response['id']}",
        "template": {
            "id": sandbox.template_id,
            "version": 1,
            "uri": f"{sandbox.base_url}/services/{service_id}/templates/{sandbox.template_id}",
        },
        "scheduled_for": None,
        "content": {
            "from_email": "notifier.sandbox@notifications.service.gov.uk",
            "body": BODY["body"],
            "subject": BODY["subject"],
            "one_click_unsubscribe_url": "https://example.gov.uk/u?opaque=1",
        },
        "sanitised_content": {},
    }


def test_read_back_by_id_with_any_key_of_the_service(sandbox: RunningSandbox) -> None:
    sent = sandbox.client("test").send_email_notification(
        " Someone@Example.gov.uk ", sandbox.template_id, personalisation=BODY
    )
    found = sandbox.client("live").get_notification_by_id(sent["id"])
    assert found["email_address"] == "Someone@Example.gov.uk"
    assert found["type"] == "email" and found["status"] in ("created", "sending", "delivered")
    assert found["template"] == {
        "id": sandbox.template_id,
        "version": 1,
        "uri": f"{sandbox.base_url}/v2/template/{sandbox.template_id}/version/1",
    }
    assert found["body"] == BODY["body"] and found["subject"] == BODY["subject"]
    assert TIMESTAMP.match(found["created_at"])
    assert found["reference"] is None and found["one_click_unsubscribe_url"] is None
    assert {
        k: found[k]
        for k in (
            "phone_number",
            "line_1",
            "line_6",
            "postcode",
            "scheduled_for",
            "postage",
            "created_by_name",
        )
    } == dict.fromkeys(
        ("phone_number", "line_1", "line_6", "postcode", "scheduled_for", "postage", "created_by_name")
    )
    assert (found["cost_details"], found["cost_in_pounds"], found["is_cost_data_ready"]) == ({}, 0.0, True)


def test_template_language_and_subject_typography(rich: RunningSandbox) -> None:
    response = rich.client().send_email_notification(
        "a@example.gov.uk",
        RICH_TEMPLATE,
        personalisation={"FIRST-NAME": "Ana", "topics": ["Events", "Minutes"], "VIP": "yes"},
    )
    assert response["content"]["subject"] == "Hello Ana, it\u2019s \u201chere\u201d"
    assert response["content"]["body"] == "Dear Ana,\n\nYour topics:\n\n* Events\n* Minutes\n\nYou are a VIP."
    assert response["content"]["from_email"] == "lgbt.network@notifications.service.gov.uk"


def test_conditional_placeholder_hidden(rich: RunningSandbox) -> None:
    response = rich.client().send_email_notification(
        "a@example.gov.uk", RICH_TEMPLATE, personalisation={"first name": "Bo", "topics": [], "vip": "no"}
    )
    assert response["content"]["body"] == "Dear Bo,\n\nYour topics:"


def test_reply_to_from_id_template_or_default(rich: RunningSandbox) -> None:
    client = rich.client()
    by_id = client.send_email_notification(
        "a@example.gov.uk", rich.template_id, personalisation=BODY, email_reply_to_id=OTHER_REPLY_TO_ID
    )
    default = client.send_email_notification("a@example.gov.uk", rich.template_id, personalisation=BODY)
    template = client.send_email_notification(
        "a@example.gov.uk", RICH_TEMPLATE, personalisation={"first_name": "A", "topics": "t", "vip": "n"}
    )
    headers = {e["id"]: e["headers"] for e in rich.outbox(render="false")}
    assert headers[by_id["id"]]["Reply-To"] == "chair@example.gov.uk"
    assert headers[default["id"]]["Reply-To"] == "office@example.gov.uk"
    assert headers[template["id"]]["Reply-To"] == "template-reply@example.gov.uk"
    assert headers[default["id"]]["From"] == '"LGBT+ Network" <lgbt.network@notifications.service.gov.uk>'


def test_smoke_test_addresses_answer_201_but_store_nothing(sandbox: RunningSandbox) -> None:
    before = sandbox.ledger()["total"]
    for address in SMOKE:
        for kind in ("test", "live"):
            response = sandbox.client(kind).send_email_notification(
                address, sandbox.template_id, personalisation=BODY, reference="smoke"
            )
            assert response["reference"] == "smoke"
            with pytest.raises(HTTPError) as caught:
                sandbox.client(kind).get_notification_by_id(response["id"])
            assert caught.value.status_code == 404
    assert sandbox.ledger()["total"] == before
    assert sandbox.outbox(reference="smoke") == []


def test_smoke_test_addresses_are_still_validated(sandbox: RunningSandbox) -> None:
    with pytest.raises(HTTPError) as caught:
        sandbox.client().send_email_notification(SMOKE[0], sandbox.template_id)
    assert caught.value.message == [
        {"error": "BadRequestError", "message": "Missing personalisation: subject, body"}
    ]


def test_sanitise_content_for(sandbox: RunningSandbox) -> None:
    personalisation = {
        "subject": "s",
        "body": "Hi ((name))",
        "Name": "[Click](https://evil.example.com) Mr.Smith #1",
    }
    response = sandbox.client().send_email_notification(
        "a@example.gov.uk",
        sandbox.template_id,
        personalisation=personalisation,
        sanitise_content_for=["name"],
    )
    report = response["sanitised_content"]["Name"]
    assert report["unsanitised"] == personalisation["Name"]
    assert "evil" not in report["sanitised"] and "https" not in report["sanitised"]
    assert "\\[Click\\]" in report["sanitised"] and "Mr\\. Smith \\#1" in report["sanitised"]
    assert response["content"]["body"] == "Hi ((name))"
