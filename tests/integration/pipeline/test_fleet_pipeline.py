"""The whole path on a real fleet: signed hook -> web -> Celery worker process -> sandbox -> receipts.

Runs twice: PostgreSQL + Redis (fleet mode) and SQLite + the embedded broker (the default). The
sandbox's ledger is the judge of "exactly one email per consenting subscriber".
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Network, Subscriber, Suppression
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.statuses import (
    ConsentSource,
    DeliveryStatus,
    MessageStatus,
    SubscriberStatus,
    SubscriptionEndReason,
    SuppressionReason,
)
from notifier.services.sources import webhooks
from notifier.services.subscribers.subscriptions import unsubscribe
from tests.support.databases import PostgresDatabases, SqliteTemplate, flushed_redis_url
from tests.support.fleet import Fleet, fleet_env, free_port, running_fleet
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.seeding import network_with_topics, subscriber

CONSENTING = 190


@dataclass
class Setup:
    database_url: str
    broker_url: str
    redis_url: str | None
    var_dir: Path


@pytest.fixture(params=["postgres-redis", "sqlite-embedded"])
def backing(
    request: pytest.FixtureRequest, sqlite_template: SqliteTemplate, tmp_path: Path
) -> Iterator[Setup]:
    if request.param == "sqlite-embedded":
        broker = f"sqla+sqlite:///{tmp_path / 'broker.db'}"
        yield Setup(sqlite_template.create(tmp_path), broker, None, tmp_path)
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres")
    redis_url = flushed_redis_url()
    url = databases.create()
    yield Setup(url, redis_url, redis_url, tmp_path)
    databases.drop(url)


@pytest.fixture
def sessions(backing: Setup) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(backing.database_url, pool_size=2)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def _seed(sessions: sessionmaker[Session]) -> tuple[str, set[str]]:
    """199 people in network alpha (190 consenting + perm-fail), one in beta. Returns (secret, expected)."""
    expected = {f"person{i}@dept.gov.uk" for i in range(CONSENTING)} | {"perm-fail@simulator.notify"}
    with unit_of_work(sessions) as uow:
        s, now = uow.session, utcnow()
        network, (news,) = network_with_topics(s, "alpha")
        other, (other_news,) = network_with_topics(s, "beta")
        for email in sorted(expected):
            subscriber(s, network, email, [news])
        for i in range(4):
            left = subscriber(s, network, f"left{i}@dept.gov.uk", [news])
            unsubscribe(
                s,
                network,
                left,
                topic_id=None,
                source=ConsentSource.FORM,
                reason=SubscriptionEndReason.UNSUBSCRIBED,
                now=now,
            )
        for i in range(3):
            subscriber(s, network, f"pending{i}@dept.gov.uk", [news]).status = SubscriberStatus.PENDING
        suppressed = subscriber(s, network, "bounced@dept.gov.uk", [news])
        s.add(
            Suppression(
                network_id=network.id,
                email_hash=suppressed.email_hash,
                reason=SuppressionReason.PERMANENT_FAILURE,
            )
        )
        subscriber(s, other, "elsewhere@dept.gov.uk", [other_news])
        return network.webhook_secret, expected


def _post_hook(fleet: Fleet, secret: str, revision: str = "1") -> httpx.Response:
    body = json.dumps(
        {
            "url": "https://alpha.example.gov.uk/news/forum/",
            "title": "Network forum: what we heard",
            "revision": revision,
            "excerpt": "A summary of the forum.",
            "tags": ["news"],
        }
    ).encode()
    return httpx.post(
        f"{fleet.web_url}/hooks/alpha/content",
        content=body,
        timeout=10,
        headers=webhooks.signed_headers(secret, body, now=time.time()),
    )


def _wait_until_settled(
    sessions: sessionmaker[Session], fleet: Fleet, message_id: int, timeout: float
) -> None:
    """Until the message is done and every accepted email has its receipt."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with unit_of_work(sessions) as uow:
            message = uow.session.get_one(Message, message_id)
            waiting = uow.session.scalar(
                select(func.count()).where(
                    Delivery.message_id == message_id,
                    Delivery.status.in_(
                        [DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.ACCEPTED]
                    ),
                )
            )
        if message.status is MessageStatus.DONE and not waiting:
            return
        time.sleep(0.5)
    raise AssertionError(
        f"message {message_id} did not settle in {timeout} s ({waiting} waiting)\n{fleet.logs()}"
    )


@dataclass
class Running:
    fleet: Fleet
    sandbox: RunningSandbox


@pytest.fixture
def running(backing: Setup, request: pytest.FixtureRequest) -> Iterator[Running]:
    """Sandbox + web + beat + one worker. A test marks `@pytest.mark.fleet_env(KEY=value)` for more."""
    web_port, token = free_port(), secrets.token_urlsafe(16)
    marker = request.node.get_closest_marker("fleet_env")
    extra = dict(marker.kwargs) if marker else {}
    callback = ["--callback-url", f"http://127.0.0.1:{web_port}/notify/receipts", "--callback-token", token]
    with start_sandbox(*callback, "--rate-limit", "100000") as sandbox:
        env = fleet_env(
            database_url=backing.database_url,
            broker_url=backing.broker_url,
            redis_url=backing.redis_url,
            var_dir=backing.var_dir,
            sandbox_env=sandbox.env,
            web_port=web_port,
            callback_token=token,
            extra=extra,
        )
        with running_fleet(env, backing.var_dir / "logs", web_port) as fleet:
            yield Running(fleet, sandbox)


def _assert_exactly_once(sandbox: RunningSandbox, expected: set[str]) -> list[dict[str, object]]:
    ledger = sandbox.ledger()
    assert ledger["duplicate_references"] == {} and ledger["repeated_recipients"] == {}, ledger
    entries = sandbox.outbox(limit=1000)
    assert {e["to"] for e in entries} == expected
    assert ledger["total"] == len(expected)
    return entries


def test_one_email_per_consenting_subscriber_with_receipts_and_suppression(
    running: Running, sessions: sessionmaker[Session]
) -> None:
    secret, expected = _seed(sessions)
    first = _post_hook(running.fleet, secret)
    assert first.status_code == 202, first.text
    (message_id,) = first.json()["message_ids"]
    again = _post_hook(running.fleet, secret)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    _wait_until_settled(sessions, running.fleet, message_id, timeout=90)

    entries = _assert_exactly_once(running.sandbox, expected)
    web = running.fleet.web_url
    for entry in entries:
        headers = json.dumps(entry["headers"])
        assert "List-Unsubscribe" in headers and "List-Unsubscribe=One-Click" in headers
        body = str(entry["body"])
        assert f"{web}/preferences/" in body and f"{web}/unsubscribe/" in body
        assert "privacy notice" in body

    with unit_of_work(sessions) as uow:
        counts = dict(
            uow.session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.message_id == message_id)
                .group_by(Delivery.status)
            ).all()
        )
        bounced = uow.session.scalars(
            select(Subscriber).where(Subscriber.email == "perm-fail@simulator.notify")
        ).one()
        network = uow.session.get_one(Network, bounced.network_id)
        suppressed = uow.session.scalars(
            select(Suppression).where(
                Suppression.network_id == network.id, Suppression.email_hash == bounced.email_hash
            )
        ).one()
    assert counts == {DeliveryStatus.DELIVERED: CONSENTING, DeliveryStatus.PERMANENT_FAILURE: 1}
    assert suppressed.reason is SuppressionReason.PERMANENT_FAILURE
    assert bounced.status is SubscriberStatus.LEFT


@pytest.mark.fleet_env(
    NOTIFIER_RATE_LIMIT_PER_MINUTE="600", NOTIFIER_RATE_LIMIT_BURST="10", NOTIFIER_TRANSACTIONAL_RESERVE="2"
)
def test_a_worker_killed_mid_send_loses_nothing_and_duplicates_nothing(
    running: Running, sessions: sessionmaker[Session]
) -> None:
    secret, expected = _seed(sessions)
    response = _post_hook(running.fleet, secret)
    (message_id,) = response.json()["message_ids"]
    deadline = time.monotonic() + 60
    while running.sandbox.ledger()["total"] < 40:
        assert time.monotonic() < deadline, running.fleet.logs()
        time.sleep(0.2)
    running.fleet.kill_worker("w0")
    killed_at = running.sandbox.ledger()["total"]
    assert killed_at < len(expected), "the send finished before the worker could be killed"
    running.fleet.start_worker("w1")
    _wait_until_settled(sessions, running.fleet, message_id, timeout=150)
    _assert_exactly_once(running.sandbox, expected)
