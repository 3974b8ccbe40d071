"""In production the app publishes no API docs unless asked, and /metrics answers only its scraper's
bearer token (and is not there at all without one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from notifier.db.session import session_factory
from notifier.web.app import create_app
from tests.support.databases import PostgresDatabases
from tests.support.fakes import RecordingQueue
from tests.support.production import safe_settings
from tests.support.settings import make_settings

METRICS_TOKEN = "metrics-token-0123456789-0123456789-abcdef"


@pytest.fixture
def production_url(postgres: PostgresDatabases) -> Iterator[str]:
    url = postgres.create()
    yield url
    postgres.drop(url)


def _client(url: str, **overrides: object) -> TestClient:
    settings = make_settings(**safe_settings(url), **overrides)
    sessions = session_factory(settings)
    return TestClient(create_app(settings, RecordingQueue(), sessions))


def test_docs_and_openapi_are_off_unless_asked_for(production_url: str) -> None:
    plain = _client(production_url)
    assert [plain.get(p).status_code for p in ("/docs", "/redoc", "/openapi.json")] == [404, 404, 404]
    asked = _client(production_url, api_docs=True)
    assert [asked.get(p).status_code for p in ("/docs", "/openapi.json")] == [200, 200]


def test_metrics_need_the_bearer_token(production_url: str) -> None:
    assert _client(production_url).get("/metrics").status_code == 404
    client = _client(production_url, metrics_token=METRICS_TOKEN)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answered = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answered.status_code == 200 and "notifier_queue_depth" in answered.text
