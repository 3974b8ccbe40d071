"""A real NotificationsAPIClient whose HTTP transport is scripted: the client's own request building,
JWT auth and error wrapping all run; only the socket is replaced by a requests adapter."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.models import PreparedRequest

from notifier.gateway.notify import NotifyClient, NotifyGateway, new_notify_client

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"unit-test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())
BASE_URL = "https://notify.invalid"
RECIPIENT = "Someone.Else@example.gov.uk"
FIXED_NOW = datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC)

Answer = Callable[[PreparedRequest], requests.Response]


def json_response(request: PreparedRequest, status: int, payload: object) -> requests.Response:
    return raw_response(request, status, json.dumps(payload).encode(), "application/json")


def raw_response(request: PreparedRequest, status: int, body: bytes, content_type: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = content_type
    response.url = request.url or ""
    response.request = request
    response.reason = "scripted"
    return response


def notify_errors(status: int, *errors: tuple[str, str]) -> dict[str, Any]:
    """Notify's v2 error shape."""
    return {"status_code": status, "errors": [{"error": kind, "message": text} for kind, text in errors]}


def raising(error: BaseException) -> Answer:
    def answer(request: PreparedRequest) -> requests.Response:
        raise error

    return answer


def answering(status: int, payload: object) -> Answer:
    return lambda request: json_response(request, status, payload)


class ScriptedAdapter(BaseAdapter):
    def __init__(self, answer: Answer) -> None:
        super().__init__()
        self.answer = answer
        self.requests: list[PreparedRequest] = []

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        return self.answer(request)

    def close(self) -> None:
        return None

    def last_json(self) -> Mapping[str, Any]:
        body = self.requests[-1].body
        assert isinstance(body, str | bytes)
        decoded: Mapping[str, Any] = json.loads(body)
        return decoded


def scripted_client(adapter: ScriptedAdapter) -> NotifyClient:
    client = new_notify_client(API_KEY, BASE_URL, 5.0)
    session: requests.Session = getattr(client, "request_session")  # noqa: B009 - not in the typed Protocol
    session.mount("https://", adapter)
    return client


def scripted_gateway(answer: Answer) -> tuple[NotifyGateway, ScriptedAdapter]:
    adapter = ScriptedAdapter(answer)
    gateway = NotifyGateway(
        BASE_URL,
        API_KEY,
        TEMPLATE_ID,
        5.0,
        client_factory=lambda: scripted_client(adapter),
        clock=lambda: FIXED_NOW,
    )
    return gateway, adapter
