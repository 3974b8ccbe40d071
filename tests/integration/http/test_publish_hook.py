"""The signed publish hook over HTTP: good requests queue email once; bad ones get a 4xx naming the
problem and store nothing."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import Event, Message
from notifier.db.session import unit_of_work
from notifier.services.sources import webhooks
from tests.support.seeding import network_with_topics, subscriber
from tests.support.webapp import WebApp, web_app

POST = {"url": "https://alpha.example.gov.uk/news/a/", "title": "A post", "revision": "r1"}


@pytest.fixture
def app(sessions: sessionmaker[Session]) -> tuple[WebApp, str]:
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        subscriber(uow.session, network, "a@dept.gov.uk", [news])
        secret = network.webhook_secret
    return web_app(sessions), secret


def _post(
    app: WebApp,
    secret: str,
    body: bytes,
    *,
    stamp: int | None = None,
    signature: str | None = None,
    network: str = "alpha",
) -> object:
    stamp = int(time.time()) if stamp is None else stamp
    headers = {
        webhooks.TIMESTAMP_HEADER: str(stamp),
        webhooks.SIGNATURE_HEADER: signature or webhooks.sign(secret, stamp, body),
    }
    return app.client.post(f"/hooks/{network}/content", content=body, headers=headers)


def _stored(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(sessions) as uow:
        return (
            uow.session.scalar(select(func.count()).select_from(Event)) or 0,
            uow.session.scalar(select(func.count()).select_from(Message)) or 0,
        )


def test_a_signed_post_queues_one_message_and_a_repeat_does_nothing(app: tuple[WebApp, str]) -> None:
    web, secret = app
    body = json.dumps(POST).encode()
    first = _post(web, secret, body)
    second = _post(web, secret, body)
    assert first.status_code == 202 and first.json()["status"] == "queued"  # type: ignore[attr-defined]
    assert second.status_code == 200 and second.json()["status"] == "duplicate"  # type: ignore[attr-defined]
    assert len(web.queue.fanouts) == 1 and _stored(web.sessions) == (1, 1)


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"signature": "sha256=" + "0" * 64}, 401, "does not match"),
        ({"stamp": int(time.time()) - 600}, 401, "5 minutes"),
        ({"network": "nobody"}, 404, "no network"),
    ],
)
def test_unsigned_stale_or_misaddressed_requests_are_refused(
    app: tuple[WebApp, str], change: dict[str, object], status: int, says: str
) -> None:
    web, secret = app
    response = _post(web, secret, json.dumps(POST).encode(), **change)  # type: ignore[arg-type]
    assert response.status_code == status and says in response.text  # type: ignore[attr-defined]
    assert _stored(web.sessions) == (0, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**POST, "url": "http://alpha.example.gov.uk/x/"}, "url"),
        ({**POST, "url": "https://elsewhere.example.com/x/"}, "url"),
        ({k: v for k, v in POST.items() if k != "title"}, "title"),
        ({**POST, "date": "next tuesday"}, "date"),
        ({**POST, "colour": "blue"}, "colour"),
        ({**POST, "tags": "not a list"}, "tags"),
    ],
)
def test_malformed_bodies_get_422_naming_the_field(
    app: tuple[WebApp, str], body: dict[str, object], field: str
) -> None:
    web, secret = app
    response = _post(web, secret, json.dumps(body).encode())
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    assert field in {e["field"] for e in response.json()["detail"]}  # type: ignore[attr-defined]
    assert _stored(web.sessions) == (0, 0)


def test_not_json_and_too_large_bodies_are_refused(app: tuple[WebApp, str]) -> None:
    web, secret = app
    assert _post(web, secret, b"{not json").status_code == 422  # type: ignore[attr-defined]
    huge = json.dumps({**POST, "excerpt": "x" * 300_000}).encode()
    assert _post(web, secret, huge).status_code == 413  # type: ignore[attr-defined]
    assert _stored(web.sessions) == (0, 0)


def test_unpublished_and_preview_pages_send_nothing(app: tuple[WebApp, str]) -> None:
    web, secret = app
    for flags in ({"published": False}, {"preview": True}):
        response = _post(web, secret, json.dumps({**POST, **flags}).encode())
        assert response.json()["status"] == "ignored"  # type: ignore[attr-defined]
    assert _stored(web.sessions) == (0, 0)
