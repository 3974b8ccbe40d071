# mypy: disable-error-code="no-untyped-call"
"""Every error POST /v2/notifications/email can answer, in Notify's words and order (facts §2.1, §3)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from notifications_python_client.authentication import create_jwt_token
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from tests.integration.sandbox.conftest import BODY
from tests.support.sandbox import RunningSandbox, start_sandbox

SMS_TEMPLATE = str(uuid.uuid4())
ARCHIVED_TEMPLATE = str(uuid.uuid4())
LONE_TEMPLATE = str(uuid.uuid4())
REPLY_TO_ID = str(uuid.uuid4())
TRIAL_HELP = "https://www.notifications.service.gov.uk/trial-mode"


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    config = {
        "templates": [
            {"id": SMS_TEMPLATE, "name": "Text", "type": "sms", "body": "Hi ((name))"},
            {"id": ARCHIVED_TEMPLATE, "name": "Old", "subject": "Old", "body": "Old", "archived": True},
            {"id": LONE_TEMPLATE, "name": "Lone", "subject": "Lone", "body": "((only))"},
        ],
        "reply_to": [{"id": REPLY_TO_ID, "address": "office@example.gov.uk", "default": True}],
        "team_members": ["Member@Example.gov.uk"],
        "guest_list": ["guest@example.gov.uk"],
    }
    path = tmp_path_factory.mktemp("errors") / "sandbox.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with start_sandbox("--config", str(path)) as running:
        yield running


def raw_post(
    sandbox: RunningSandbox, data: bytes | str, path: str = "/v2/notifications/email"
) -> requests.Response:
    client = sandbox.client("test")
    headers = client.generate_headers(
        create_jwt_token(client.api_key, client.service_id)
    )  # as the client signs
    return requests.post(sandbox.url(path), data=data, headers=headers, timeout=5)


def errors_of(call: Any) -> tuple[int, list[dict[str, str]]]:
    with pytest.raises(HTTPError) as caught:
        call()
    message = caught.value.message
    assert isinstance(message, list), message
    return caught.value.status_code, message


def send(client: NotificationsAPIClient, template: str, to: str = "a@example.gov.uk", **kwargs: Any) -> Any:
    return lambda: client.send_email_notification(to, template, **kwargs)


def one(error: str, message: str) -> list[dict[str, str]]:
    return [{"error": error, "message": message}]


def test_invalid_json(sandbox: RunningSandbox) -> None:
    response = raw_post(sandbox, "{not json")
    assert response.status_code == 400
    assert response.json() == {
        "status_code": 400,
        "errors": one("BadRequestError", "Invalid JSON supplied in POST data"),
    }


def test_all_schema_errors_come_back_together(sandbox: RunningSandbox) -> None:
    body = {
        "email_address": "not-an-email",
        "template_id": "nope",
        "personalisation": "not_a_dict",
        "reference": "x" * 1001,
        "email_reply_to_id": "bad",
        "one_click_unsubscribe_url": "http://x.uk/u",
        "template": "unexpected",
    }
    response = raw_post(sandbox, json.dumps(body))
    assert response.status_code == 400
    messages = [e["message"] for e in response.json()["errors"]]
    assert {e["error"] for e in response.json()["errors"]} == {"ValidationError"}
    assert messages == [
        f"reference {'x' * 1001} is too long",
        "email_address Not a valid email address",
        "template_id is not a valid UUID",
        "personalisation not_a_dict is not of type object",
        "email_reply_to_id is not a valid UUID",
        "one_click_unsubscribe_url is not a valid https url",
        "Additional properties are not allowed (template was unexpected)",
    ]


def test_required_properties_and_types(sandbox: RunningSandbox) -> None:
    response = raw_post(sandbox, json.dumps({"email_address": 12345}))
    assert [e["message"] for e in response.json()["errors"]] == [
        "email_address 12345 is not of type string",
        "template_id is a required property",
    ]
    response = raw_post(sandbox, json.dumps({"email_address": None, "template_id": None}))
    assert [e["message"] for e in response.json()["errors"]] == [
        "email_address None is not of type string",
        "template_id None is not of type string",
    ]
    response = raw_post(sandbox, json.dumps(["a"]))
    assert [e["message"] for e in response.json()["errors"]] == ["[a] is not of type object"]


@pytest.mark.parametrize(
    "address",
    [
        "no-at-sign",
        "a@b",
        "a..b@example.gov.uk",
        "a@example..uk",
        "a b@example.uk",
        "a@-example.uk",
        "a@example.c",
        "a@" + "x" * 64 + ".uk",
        "é@example.uk",
    ],
)
def test_invalid_addresses(sandbox: RunningSandbox, address: str) -> None:
    status, errors = errors_of(send(sandbox.client(), sandbox.template_id, address, personalisation=BODY))
    assert (status, errors) == (400, one("ValidationError", "email_address Not a valid email address"))


@pytest.mark.parametrize(
    "address",
    [
        "  Padded@Example.GOV.uk ",
        "o'neil+tag@example.gov.uk",
        "x@xn--bcher-kva.example",
        "x@b\u00fccher.example",
    ],
)
def test_valid_addresses(sandbox: RunningSandbox, address: str) -> None:
    response = sandbox.client().send_email_notification(address, sandbox.template_id, personalisation=BODY)
    stored = sandbox.client().get_notification_by_id(response["id"])
    assert stored["email_address"] == address.strip()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.gov.uk/u",
        "www.example.gov.uk/u",
        "https://exa mple.uk/u",
        "https://example.gov.uk/\u00fc",
        "ftp://example.gov.uk",
    ],
)
def test_unsubscribe_url_must_be_https(sandbox: RunningSandbox, url: str) -> None:
    status, errors = errors_of(
        send(sandbox.client(), sandbox.template_id, personalisation=BODY, one_click_unsubscribe_url=url)
    )
    assert (status, errors) == (
        400,
        one("ValidationError", "one_click_unsubscribe_url is not a valid https url"),
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2000-01-01T00:00:00", "scheduled_for datetime can not be in the past"),
        ("2999-01-01T00:00:00", "scheduled_for datetime can only be 24 hours in the future"),
        (
            "soon",
            "scheduled_for datetime format is invalid. It must be a valid ISO8601 date time format, "
            "https://en.wikipedia.org/wiki/ISO_8601",
        ),
    ],
)
def test_scheduled_for_is_validated(sandbox: RunningSandbox, value: str, message: str) -> None:
    body = {
        "email_address": "a@example.gov.uk",
        "template_id": sandbox.template_id,
        "personalisation": BODY,
        "scheduled_for": value,
    }
    assert raw_post(sandbox, json.dumps(body)).json()["errors"] == one("ValidationError", message)


def test_unknown_template(sandbox: RunningSandbox) -> None:
    status, errors = errors_of(send(sandbox.client(), str(uuid.uuid4()), personalisation=BODY))
    assert (status, errors) == (400, one("BadRequestError", "Template not found"))


def test_sms_template_and_archived_template(configured: RunningSandbox) -> None:
    client = configured.client()
    assert errors_of(send(client, SMS_TEMPLATE, personalisation={"name": "x"}))[1] == one(
        "BadRequestError", "sms template is not suitable for email notification"
    )
    assert errors_of(send(client, ARCHIVED_TEMPLATE))[1] == one(
        "BadRequestError", "Template has been deleted"
    )


def test_missing_personalisation_lists_names_subject_first(sandbox: RunningSandbox) -> None:
    status, errors = errors_of(send(sandbox.client(), sandbox.template_id))
    assert (status, errors) == (400, one("BadRequestError", "Missing personalisation: subject, body"))
    status, errors = errors_of(
        send(sandbox.client(), sandbox.template_id, personalisation={"subject": "s", "body": None})
    )
    assert errors == one("BadRequestError", "Missing personalisation: body")


def test_empty_message(configured: RunningSandbox) -> None:
    assert errors_of(send(configured.client(), LONE_TEMPLATE, personalisation={"only": "  "}))[1] == one(
        "BadRequestError", "Your message is empty."
    )


def test_unknown_reply_to_id(configured: RunningSandbox) -> None:
    unknown = str(uuid.uuid4())
    service_id = configured.key()[-73:-37]
    assert errors_of(
        send(configured.client(), configured.template_id, personalisation=BODY, email_reply_to_id=unknown)
    )[1] == one(
        "BadRequestError",
        f"email_reply_to_id {unknown} does not exist in database for service id {service_id}",
    )


def test_team_key_only_reaches_team_and_guest_list(configured: RunningSandbox) -> None:
    team = configured.client("team")
    assert errors_of(send(team, configured.template_id, "stranger@example.gov.uk", personalisation=BODY))[
        1
    ] == one("BadRequestError", "Can\u2019t send to this recipient using a team-only API key")
    assert team.send_email_notification(
        " member@EXAMPLE.gov.uk", configured.template_id, personalisation=BODY
    )
    assert team.send_email_notification("guest@example.gov.uk", configured.template_id, personalisation=BODY)


def test_trial_mode_live_key_only_reaches_team_and_guest_list() -> None:
    with start_sandbox("--trial", "--team-member", "me@example.gov.uk") as trial:
        live = trial.client("live")
        assert errors_of(send(live, trial.template_id, "stranger@example.gov.uk", personalisation=BODY))[
            1
        ] == one(
            "BadRequestError",
            f"Can\u2019t send to this recipient when service is in trial mode \u2013 see {TRIAL_HELP}",
        )
        assert live.send_email_notification("me@example.gov.uk", trial.template_id, personalisation=BODY)
        assert trial.client("test").send_email_notification(
            "anyone@example.gov.uk", trial.template_id, personalisation=BODY
        )
        assert trial.service()["daily_limit"] == 50


def test_sending_files_is_not_set_up(sandbox: RunningSandbox) -> None:
    service_id = sandbox.key()[-73:-37]
    personalisation = {"subject": "s", "body": {"file": "aGVsbG8=", "filename": "a.txt"}}
    assert errors_of(send(sandbox.client(), sandbox.template_id, personalisation=personalisation))[1] == one(
        "BadRequestError",
        "Send files by email has not been set up - add contact details for your service at "
        f"https://www.notifications.service.gov.uk/services/{service_id}/service-settings/send-files-by-email",
    )


def test_message_too_long(sandbox: RunningSandbox) -> None:
    body = "x" * 2_000_001
    assert errors_of(
        send(sandbox.client(), sandbox.template_id, personalisation={"subject": "s", "body": body})
    )[1] == one(
        "BadRequestError",
        "Your message is too long. Emails cannot be longer than 2000000 bytes. "
        "Your message is 2000001 bytes.",
    )


def test_check_order_schema_before_template_before_recipient(configured: RunningSandbox) -> None:
    team = configured.client("team")
    assert errors_of(send(team, str(uuid.uuid4()), "stranger@example.gov.uk"))[1] == one(
        "BadRequestError", "Template not found"
    )
    assert errors_of(send(team, "bad", "stranger@example.gov.uk"))[1] == one(
        "ValidationError", "template_id is not a valid UUID"
    )


def test_other_notification_types_are_not_permitted(sandbox: RunningSandbox) -> None:
    client = sandbox.client()
    assert errors_of(lambda: client.send_sms_notification("07700900123", sandbox.template_id))[1] == one(
        "BadRequestError", "Service is not allowed to send text messages"
    )
    assert errors_of(lambda: client.send_letter_notification(sandbox.template_id, {"address_line_1": "a"}))[
        1
    ] == one("BadRequestError", "Service is not allowed to send letters")


def test_unknown_routes_and_methods_use_the_app_level_shape(sandbox: RunningSandbox) -> None:
    response = raw_post(sandbox, "{}", path="/v2/notifications/foo")
    assert response.status_code == 404 and response.json()["result"] == "error"
    assert response.json()["message"].startswith("The requested URL was not found on the server.")
    response = requests.delete(sandbox.url("/v2/notifications/email"), timeout=5)
    assert response.status_code == 405
    assert response.json() == {
        "result": "error",
        "message": "The method is not allowed for the requested URL.",
    }
    client = sandbox.client()
    with pytest.raises(HTTPError) as caught:
        client.get(f"/v2/template/{sandbox.template_id}/version/one")
    assert caught.value.status_code == 404 and isinstance(caught.value.message, str)
