# mypy: disable-error-code="no-untyped-call"
"""Authentication as Notify does it (facts §1.3): every 401/403, in order, with the real messages."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
import requests
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from tests.integration.sandbox.conftest import BODY
from tests.support.sandbox import RunningSandbox, start_sandbox

GENERIC = (
    "Invalid token: make sure your API token matches the example at "
    "https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header"
)
CLOCK = "Error: Your system clock must be accurate to within 30 seconds"
REVOKED_SECRET = str(uuid.uuid4())


@pytest.fixture(scope="module")
def revoking_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    config = tmp_path_factory.mktemp("auth") / "sandbox.toml"
    config.write_text(
        f'[[extra_api_keys]]\nname = "old-live"\nkey_type = "normal"\nsecret = "{REVOKED_SECRET}"\n'
        "revoked = true\n",
        encoding="utf-8",
    )
    with start_sandbox("--config", str(config)) as running:
        yield running


def parts(sandbox: RunningSandbox, kind: str = "test") -> tuple[str, str]:
    key = sandbox.key(kind)
    return key[-73:-37], key[-36:]


def post(sandbox: RunningSandbox, headers: dict[str, str]) -> requests.Response:
    body = {"email_address": "a@example.gov.uk", "template_id": sandbox.template_id, "personalisation": BODY}
    return requests.post(sandbox.url("/v2/notifications/email"), json=body, headers=headers, timeout=5)


def token(secret: str, claims: dict[str, Any], algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def assert_auth_error(response: requests.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"status_code": status, "errors": [{"error": "AuthError", "message": message}]}


def test_no_authorization_header_is_401(sandbox: RunningSandbox) -> None:
    assert_auth_error(post(sandbox, {}), 401, "Unauthorized: authentication token must be provided")


def test_another_scheme_is_401(sandbox: RunningSandbox) -> None:
    sid, secret = parts(sandbox)
    value = token(secret, {"iss": sid, "iat": int(time.time())})
    assert_auth_error(
        post(sandbox, {"Authorization": f"Token {value}"}),
        401,
        "Unauthorized: authentication bearer scheme must be used",
    )


def test_bearer_in_any_case_is_accepted(sandbox: RunningSandbox) -> None:
    sid, secret = parts(sandbox)
    value = token(secret, {"iss": sid, "iat": int(time.time())})
    assert post(sandbox, {"Authorization": f"bEARER {value}"}).status_code == 201


def test_garbage_token_gets_the_general_message(sandbox: RunningSandbox) -> None:
    assert_auth_error(post(sandbox, bearer("not-a-jwt")), 403, GENERIC)


def test_missing_iss(sandbox: RunningSandbox) -> None:
    _, secret = parts(sandbox)
    assert_auth_error(
        post(sandbox, bearer(token(secret, {"iat": int(time.time())}))),
        403,
        "Invalid token: iss field not provided",
    )


def test_iss_not_a_uuid(sandbox: RunningSandbox) -> None:
    _, secret = parts(sandbox)
    assert_auth_error(
        post(sandbox, bearer(token(secret, {"iss": "nope", "iat": int(time.time())}))),
        403,
        "Invalid token: service id is not the right data type",
    )


def test_unknown_service(sandbox: RunningSandbox) -> None:
    _, secret = parts(sandbox)
    claims = {"iss": str(uuid.uuid4()), "iat": int(time.time())}
    assert_auth_error(post(sandbox, bearer(token(secret, claims))), 403, "Invalid token: service not found")


def test_wrong_secret_through_the_real_client(sandbox: RunningSandbox) -> None:
    client = NotificationsAPIClient(sandbox.key("test")[:-36] + str(uuid.uuid4()), base_url=sandbox.base_url)
    with pytest.raises(HTTPError) as caught:
        client.send_email_notification("a@example.gov.uk", sandbox.template_id, personalisation=BODY)
    assert caught.value.status_code == 403
    assert caught.value.message == [{"error": "AuthError", "message": "Invalid token: API key not found"}]


def test_missing_iat_ends_as_api_key_not_found_like_notify(sandbox: RunningSandbox) -> None:
    sid, secret = parts(sandbox)
    assert_auth_error(
        post(sandbox, bearer(token(secret, {"iss": sid}))), 403, "Invalid token: API key not found"
    )


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # Notify's 36-byte secrets
def test_other_algorithm(sandbox: RunningSandbox) -> None:
    sid, secret = parts(sandbox)
    value = token(secret, {"iss": sid, "iat": int(time.time())}, algorithm="HS512")
    assert_auth_error(post(sandbox, bearer(value)), 403, "Invalid token: algorithm used is not HS256")


@pytest.mark.parametrize("skew", [-25, 25, 0])
def test_clock_within_30_seconds_is_accepted(sandbox: RunningSandbox, skew: int) -> None:
    sid, secret = parts(sandbox)
    assert (
        post(sandbox, bearer(token(secret, {"iss": sid, "iat": int(time.time()) + skew}))).status_code == 201
    )


@pytest.mark.parametrize("skew", [-40, 40, -3600])
def test_clock_outside_30_seconds_is_refused(sandbox: RunningSandbox, skew: int) -> None:
    sid, secret = parts(sandbox)
    assert_auth_error(
        post(sandbox, bearer(token(secret, {"iss": sid, "iat": int(time.time()) + skew}))), 403, CLOCK
    )


def test_a_reused_token_is_still_accepted_within_its_window(sandbox: RunningSandbox) -> None:
    sid, secret = parts(sandbox)
    value = token(secret, {"iss": sid, "iat": int(time.time()) - 5})
    assert [post(sandbox, bearer(value)).status_code for _ in range(3)] == [201, 201, 201]


def test_advancing_the_sandbox_clock_does_not_move_the_token_window(sandbox: RunningSandbox) -> None:
    sandbox.advance(3600)
    client = sandbox.client("test")
    assert client.send_email_notification("a@example.gov.uk", sandbox.template_id, personalisation=BODY)["id"]


@pytest.mark.parametrize(
    "call",
    [
        lambda c, s: c.get_notification_by_id(str(uuid.uuid4())),
        lambda c, s: c.get_all_notifications(),
        lambda c, s: c.get_template(s.template_id),
        lambda c, s: c.get_all_templates(),
        lambda c, s: c.post_template_preview(s.template_id, {"subject": "a", "body": "b"}),
    ],
)
def test_every_v2_endpoint_needs_a_valid_key(
    sandbox: RunningSandbox, call: Callable[[NotificationsAPIClient, RunningSandbox], Any]
) -> None:
    stranger = NotificationsAPIClient(
        sandbox.key("live")[:-36] + str(uuid.uuid4()), base_url=sandbox.base_url
    )
    with pytest.raises(HTTPError) as caught:
        call(stranger, sandbox)
    assert caught.value.status_code == 403


def test_revoked_key(revoking_sandbox: RunningSandbox) -> None:
    key = f"old-live-{revoking_sandbox.key('live')[-73:-37]}-{REVOKED_SECRET}"
    client = NotificationsAPIClient(key, base_url=revoking_sandbox.base_url)
    with pytest.raises(HTTPError) as caught:
        client.send_email_notification("a@example.gov.uk", revoking_sandbox.template_id, personalisation=BODY)
    assert caught.value.message == [{"error": "AuthError", "message": "Invalid token: API key revoked"}]
    live = revoking_sandbox.client("live")
    assert live.send_email_notification(
        "a@example.gov.uk", revoking_sandbox.template_id, personalisation=BODY
    )


def test_archived_service(write_config: Callable[[dict[str, Any]], str]) -> None:
    with start_sandbox("--config", write_config({"archived": True})) as archived:
        client = archived.client("test")
        with pytest.raises(HTTPError) as caught:
            client.get_all_templates()
        assert caught.value.message == [
            {"error": "AuthError", "message": "Invalid token: service is archived"}
        ]
