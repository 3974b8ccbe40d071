# mypy: disable-error-code="no-untyped-call"
"""GET /v2/notifications (filters, paging, key types) and the template endpoints (facts §2.3, §2.4)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from notifications_python_client.errors import HTTPError

from tests.integration.sandbox.conftest import BODY
from tests.support.sandbox import RunningSandbox, start_sandbox

WELCOME = str(uuid.uuid4())
ARCHIVED = str(uuid.uuid4())
TEXT = str(uuid.uuid4())


@pytest.fixture(scope="module")
def templated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    config = {
        "templates": [
            {
                "id": WELCOME,
                "name": "Welcome",
                "subject": "Hi ((name))",
                "body": "# Welcome ((name))\n\n((extra??More))",
                "previous_versions": [{"subject": "Hello", "body": "First version"}],
            },
            {"id": ARCHIVED, "name": "Archived", "subject": "x", "body": "x", "archived": True},
            {"id": TEXT, "name": "A text", "type": "sms", "body": "Hi ((name))"},
        ]
    }
    path = tmp_path_factory.mktemp("listing") / "sandbox.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with start_sandbox("--config", str(path)) as running:
        yield running


def send(
    sandbox: RunningSandbox, kind: str = "test", to: str = "a@example.gov.uk", reference: str | None = None
) -> str:
    response = sandbox.client(kind).send_email_notification(
        to, sandbox.template_id, personalisation=BODY, reference=reference
    )
    notification_id: str = response["id"]
    return notification_id


def ids(page: dict[str, list[dict[str, str]]]) -> list[str]:
    return [n["id"] for n in page["notifications"]]


def test_list_shows_only_the_requesting_key_types_notifications_newest_first() -> None:
    with start_sandbox() as sandbox:
        tests = [send(sandbox, "test") for _ in range(3)]
        live = send(sandbox, "live")
        assert ids(sandbox.client("test").get_all_notifications()) == tests[::-1]
        assert ids(sandbox.client("live").get_all_notifications()) == [live]
        assert ids(sandbox.client("team").get_all_notifications()) == []


def test_filters_by_reference_status_and_template_type(sandbox: RunningSandbox) -> None:
    reference = str(uuid.uuid4())
    wanted = send(sandbox, reference=reference)
    failed = send(sandbox, to="perm-fail@simulator.notify", reference=reference)
    client = sandbox.client()
    assert ids(client.get_all_notifications(reference=reference)) == [failed, wanted]
    sandbox.wait_for_status(failed, "permanent-failure")
    sandbox.wait_for_status(wanted, "delivered")
    assert ids(client.get_all_notifications(reference=reference, status="failed")) == [failed]
    assert ids(client.get_all_notifications(reference=reference, status="delivered")) == [wanted]
    assert ids(client.get_all_notifications(reference=reference, template_type="sms")) == []
    assert ids(client.get_all_notifications(reference=reference, template_type="email")) == [failed, wanted]


def test_older_than_and_unknown_older_than(sandbox: RunningSandbox) -> None:
    reference = str(uuid.uuid4())
    first, second, third = (send(sandbox, reference=reference) for _ in range(3))
    client = sandbox.client()
    assert ids(client.get_all_notifications(reference=reference, older_than=third)) == [second, first]
    assert ids(client.get_all_notifications(older_than=str(uuid.uuid4()))) == []
    live_one = send(sandbox, "live")
    assert ids(client.get_all_notifications(older_than=live_one)) == []  # another key type's id


def test_pages_of_250_and_links_next_until_an_empty_page() -> None:
    with start_sandbox() as sandbox:
        sent = [send(sandbox) for _ in range(260)]
        client = sandbox.client()
        first = client.get_all_notifications()
        assert ids(first) == sent[::-1][:250]
        assert first["links"]["current"] == f"{sandbox.base_url}/v2/notifications"
        next_query = parse_qs(urlsplit(first["links"]["next"]).query)
        assert next_query == {"older_than": [sent[10]]}
        second = client.get_all_notifications(older_than=sent[10])
        assert ids(second) == sent[9::-1] and "next" in second["links"]
        last = client.get_all_notifications(older_than=sent[0])
        assert last["notifications"] == [] and "next" not in last["links"]
        assert [n["id"] for n in client.get_all_notifications_iterator()] == sent[::-1]


def test_links_keep_the_query(sandbox: RunningSandbox) -> None:
    reference = str(uuid.uuid4())
    only = send(sandbox, reference=reference)
    page = sandbox.client().get_all_notifications(reference=reference, status="created")
    assert parse_qs(urlsplit(page["links"]["current"]).query) == {
        "reference": [reference],
        "status": ["created"],
    }
    assert parse_qs(urlsplit(page["links"]["next"]).query) == {
        "reference": [reference],
        "status": ["created"],
        "older_than": [only],
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"status": "elephant"},
            "status elephant is not one of [cancelled, created, sending, sent, delivered, pending, "
            "failed, technical-failure, temporary-failure, permanent-failure, pending-virus-check, "
            "validation-failed, virus-scan-failed, returned-letter, accepted, received]",
        ),
        ({"template_type": "orange"}, "template_type orange is not one of [sms, email, letter]"),
        ({"older_than": "nope"}, "older_than is not a valid UUID"),
        ({"colour": "red"}, "Additional properties are not allowed (colour was unexpected)"),
    ],
)
def test_bad_list_queries(sandbox: RunningSandbox, params: dict[str, str], message: str) -> None:
    with pytest.raises(HTTPError) as caught:
        sandbox.client().get("/v2/notifications", params=params)
    assert caught.value.status_code == 400
    assert caught.value.message == [{"error": "ValidationError", "message": message}]


def test_get_template_and_its_versions(templated: RunningSandbox) -> None:
    client = templated.client()
    latest = client.get_template(WELCOME)
    assert {k: latest[k] for k in ("id", "type", "version", "name", "subject", "body", "postage")} == {
        "id": WELCOME,
        "type": "email",
        "version": 2,
        "name": "Welcome",
        "subject": "Hi ((name))",
        "body": "# Welcome ((name))\n\n((extra??More))",
        "postage": None,
    }
    assert latest["personalisation"] == {"name": {"required": True}, "extra": {"required": True}}
    first = client.get_template_version(WELCOME, 1)
    assert (first["version"], first["subject"], first["body"]) == (1, "Hello", "First version")
    with pytest.raises(HTTPError) as caught:
        client.get_template_version(WELCOME, 3)
    assert caught.value.status_code == 404
    assert client.get_template(ARCHIVED)["id"] == ARCHIVED  # archived templates can still be fetched


def test_template_errors(templated: RunningSandbox) -> None:
    client = templated.client()
    with pytest.raises(HTTPError) as caught:
        client.get_template("nope")
    assert caught.value.message == [{"error": "ValidationError", "message": "id is not a valid UUID"}]
    with pytest.raises(HTTPError) as caught:
        client.get_template(str(uuid.uuid4()))
    assert (caught.value.status_code, caught.value.message) == (
        404,
        [{"error": "NoResultFound", "message": "No result found"}],
    )


def test_all_templates_sorted_without_archived_and_by_type(templated: RunningSandbox) -> None:
    client = templated.client()
    names = [t["name"] for t in client.get_all_templates()["templates"]]
    assert names == ["A text", "Generic", "Welcome"]
    assert [t["name"] for t in client.get_all_templates(template_type="email")["templates"]] == [
        "Generic",
        "Welcome",
    ]
    with pytest.raises(HTTPError) as caught:
        client.get_all_templates(template_type="pigeon")
    assert caught.value.message == [
        {"error": "ValidationError", "message": "type pigeon is not one of [sms, email, letter]"}
    ]


def test_preview(templated: RunningSandbox) -> None:
    preview = templated.client().post_template_preview(WELCOME, {"Name": "<Ana>", "extra": "yes"})
    assert preview["id"] == WELCOME and preview["type"] == "email" and preview["version"] == 2
    assert preview["subject"] == "Hi <Ana>" and preview["body"] == "# Welcome <Ana>\n\nMore"
    assert "<h2 " in preview["html"] and "Welcome &lt;Ana&gt;" in preview["html"]
    assert preview["postage"] is None


def test_preview_errors(templated: RunningSandbox) -> None:
    client = templated.client()
    with pytest.raises(HTTPError) as caught:
        client.post_template_preview(WELCOME, {"name": "x"})
    assert caught.value.message == [{"error": "BadRequestError", "message": "Missing personalisation: extra"}]
    with pytest.raises(HTTPError) as caught:
        client.post_template_preview(WELCOME, None)
    assert caught.value.message == [
        {"error": "ValidationError", "message": "personalisation None is not of type object"}
    ]
    with pytest.raises(HTTPError) as caught:
        client.post_template_preview(str(uuid.uuid4()), {})
    assert caught.value.status_code == 404


def test_received_texts_is_an_empty_list(sandbox: RunningSandbox) -> None:
    assert sandbox.client().get_received_texts()["received_text_messages"] == []
