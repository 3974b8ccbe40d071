"""Schemathesis against the admin API and the public routes, in process, on a real SQLite database:
no server error, and every answer declared in the OpenAPI with the body it really has.

Bounded (`MAX_EXAMPLES` per operation) so the whole suite stays well inside CI's time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import sessionmaker

from notifier.db.session import make_engine, unit_of_work
from notifier.domain.sources import AdminRole
from notifier.web.app import create_app
from tests.support.databases import SqliteTemplate
from tests.support.fakes import RecordingQueue
from tests.support.seeding import issue_test_token, network_with_topics, subscriber
from tests.support.settings import make_settings
from tests.support.webapp import CALLBACK_TOKEN, WEB_SECRET_KEY

MAX_EXAMPLES = 20
# The same examples on every run, so the suite never fails by chance; NOTIFIER_CONTRACT_RANDOM=1 explores.
DERANDOMIZE = not os.environ.get("NOTIFIER_CONTRACT_RANDOM")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SLUG = "alpha"


@pytest.fixture(scope="module")
def api(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> tuple[schemathesis.Schema, str]:
    directory: Path = tmp_path_factory.mktemp("contract")
    database_url = sqlite_template.create(directory)
    sessions = sessionmaker(bind=make_engine(database_url), expire_on_commit=False)
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, SLUG)
        subscriber(uow.session, network, "pat.lee@justice.gov.uk", [news])
        token = issue_test_token(uow.session, network, AdminRole.ADMIN, "admin@cabinetoffice.gov.uk").secret
    app = create_app(
        make_settings(
            secret_key=WEB_SECRET_KEY,
            notify_callback_token=CALLBACK_TOKEN,
            public_base_url="http://testserver",
            one_click_base_url="https://testserver",
            subscribe_rate_limit=1_000_000,
        ),
        RecordingQueue(),
        sessions,
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app), token


def _summary(failure: BaseException) -> str:
    found = failure.exceptions if isinstance(failure, BaseExceptionGroup) else (failure,)
    return "; ".join(" ".join(str(f).split())[:300] for f in found)


def _run(operation: APIOperation, mode: GenerationMode, token: str) -> list[str]:
    """Run one operation's bounded examples; the failures found, one line each."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=DERANDOMIZE,
    )
    def examples(case: schemathesis.Case) -> None:
        if case.path_parameters and "network_slug" in case.path_parameters:
            case.path_parameters["network_slug"] = SLUG  # otherwise nearly every case is a 404
        headers = {"Authorization": f"Bearer {token}"} if case.path.startswith("/admin/") else {}
        if case.path == "/notify/receipts":
            headers = {"Authorization": f"Bearer {CALLBACK_TOKEN}"}
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as failure:  # every operation runs; all are asserted below
            failures.append(f"{mode.value} {operation.label}: {_summary(failure)}")

    try:
        examples()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, f"no valid request could be made for {operation.label}"
        # An operation that takes nothing (e.g. GET /healthz) has no invalid request to make.
    return failures


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_answer_is_declared_and_no_request_breaks_the_server(
    api: tuple[schemathesis.Schema, str], mode: GenerationMode
) -> None:
    schema, token = api
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        failures.extend(_run(operation, mode, token))
    assert not failures, "\n".join(sorted(set(failures)))


OBJECT_ROUTES = [
    ("GET", "/admin/api/networks/alpha/messages/{id}"),
    ("POST", "/admin/api/networks/alpha/messages/{id}/cancel"),
    ("GET", "/admin/api/networks/alpha/meetings/{id}"),
    ("POST", "/admin/api/networks/alpha/meetings/{id}/cancel"),
    ("GET", "/admin/api/networks/alpha/announcements/{id}"),
    ("GET", "/admin/api/networks/alpha/announcements/{id}/preview"),
    ("POST", "/admin/api/networks/alpha/announcements/{id}/approve"),
    ("POST", "/admin/api/networks/alpha/announcements/{id}/cancel"),
    ("POST", "/admin/api/networks/alpha/memberships/{id}/approve"),
    ("POST", "/admin/api/networks/alpha/memberships/{id}/revoke"),
]


@pytest.mark.parametrize("number", [2**63, 2**64 + 7, 10**30, 0, -1, -(2**63) - 1])
def test_ids_and_references_out_of_range_are_404(api: tuple[schemathesis.Schema, str], number: int) -> None:
    schema, token = api
    client = TestClient(schema.app)
    bearer = {"Authorization": f"Bearer {token}"}
    for method, path in OBJECT_ROUTES:
        body = {"note": "x"} if path.endswith(("/cancel", "/revoke")) and "messages" not in path else None
        answer = client.request(method, path.format(id=number), headers=bearer, json=body)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text)
        assert answer.json()["detail"].startswith("no such")
    receipt = {
        "id": "0f1e2d3c-0000-4000-8000-000000000000",
        "reference": str(number),
        "to": "x",
        "status": "delivered",
    }
    answer = client.post(
        "/notify/receipts", json=receipt, headers={"Authorization": f"Bearer {CALLBACK_TOKEN}"}
    )
    assert answer.status_code == 404
