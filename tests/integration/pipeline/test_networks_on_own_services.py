"""Two networks on two Notify services, on a real fleet (PostgreSQL, Redis, a worker, web, beat) and a
sandbox hosting both services: each network's email goes out from its own service, with that
service's name in the From header, exactly once per subscriber; each service's receipts reach the web
app with that service's bearer and are applied to its network's deliveries."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import NotifyKeyType
from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Network, Topic
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.statuses import DeliveryStatus, MessageStatus
from notifier.services.admin import notify_services
from notifier.services.common.secrets_at_rest import SecretBox
from notifier.services.sources.publishing import announce
from tests.support.bulk import seed_audience
from tests.support.databases import PostgresDatabases, flushed_redis_url
from tests.support.fleet import Fleet, fleet_env, free_port, running_fleet
from tests.support.sandbox import start_sandbox
from tests.support.settings import make_settings
from workers.dispatch import build_task_queue

PEOPLE = 60
DEPLOYMENT_TOKEN = "deployment-callback-token"
BETA_TOKEN = "beta-service-callback-token"


def _sandbox_config(path: Path, web_port: int) -> Path:
    receipts = f"http://127.0.0.1:{web_port}/notify/receipts"
    path.write_text(
        f"""
rate_limit = 100000

[[services]]
name = "deployment"
service_name = "Staff Networks Notifier"
callback_url = "{receipts}"
callback_token = "{DEPLOYMENT_TOKEN}"

[[services]]
name = "beta"
service_name = "Beta Network"
email_sender_local_part = "beta.network"
callback_url = "{receipts}"
callback_token = "{BETA_TOKEN}"
"""
    )
    return path


@pytest.fixture
def database(postgres: PostgresDatabases) -> Iterator[str]:
    url = postgres.create()
    yield url
    postgres.drop(url)


def _wait_until_delivered(sessions: sessionmaker[Session], fleet: Fleet, message_ids: list[int]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with unit_of_work(sessions) as uow:
            done = all(uow.session.get_one(Message, m).status is MessageStatus.DONE for m in message_ids)
            delivered = uow.session.scalar(
                select(func.count()).where(
                    Delivery.message_id.in_(message_ids), Delivery.status == DeliveryStatus.DELIVERED
                )
            )
        if done and delivered == 2 * PEOPLE:
            return
        time.sleep(0.5)
    raise AssertionError(f"not delivered in time ({delivered} of {2 * PEOPLE})\n{fleet.logs()}")


def test_each_network_sends_from_its_own_service(database: str, tmp_path: Path) -> None:
    web_port = free_port()
    redis_url = flushed_redis_url()
    encryption_key = Fernet.generate_key().decode()
    config = _sandbox_config(tmp_path / "sandbox.toml", web_port)
    engine = make_engine(database, pool_size=2)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    with start_sandbox("--config", str(config)) as sandbox:
        assert sandbox.service_names() == ["deployment", "beta"]
        with unit_of_work(sessions) as uow:
            alpha = seed_audience(uow.session, "alpha", PEOPLE, prefix="alpha")
            beta = seed_audience(uow.session, "beta", PEOPLE, prefix="beta")
            entry = notify_services.NotifyServiceEntry(
                NotifyKeyType.LIVE,
                sandbox.service_template_id("beta"),
                {NotifyKeyType.LIVE: sandbox.service_key("beta", "live")},
                callback_token=BETA_TOKEN,
            )
            beta_network = uow.session.get_one(Network, beta.network_id)
            box = SecretBox([encryption_key.encode()])
            notify_services.set_notify_service(
                uow.session, box, beta_network, entry, actor="cli", now=utcnow()
            )
        env = fleet_env(
            database_url=database,
            broker_url=redis_url,
            redis_url=redis_url,
            var_dir=tmp_path,
            sandbox_env=sandbox.env,
            web_port=web_port,
            callback_token=DEPLOYMENT_TOKEN,
            extra={"NOTIFIER_ENCRYPTION_KEYS": encryption_key},
        )
        with running_fleet(env, tmp_path / "logs", web_port) as fleet:
            queue = build_task_queue(make_settings(broker_url=redis_url))
            message_ids = []
            with unit_of_work(sessions) as uow:
                for audience in (alpha, beta):
                    network = uow.session.get_one(Network, audience.network_id)
                    topic = uow.session.get_one(Topic, audience.topic_id)
                    message_ids.append(
                        announce(uow, queue, network, topic, subject="Forum", body="All welcome.").id
                    )
            _wait_until_delivered(sessions, fleet, message_ids)

        for name, audience, sender in (
            ("deployment", alpha, '"Staff Networks Notifier"'),
            ("beta", beta, '"Beta Network" <beta.network@'),
        ):
            ledger = sandbox.ledger(service=name, recipients="true")
            assert ledger["duplicate_references"] == {} and ledger["repeated_recipients"] == {}
            assert set(ledger["by_recipient"]) == audience.consenting
            entries = sandbox.outbox(service=name, limit=1000)
            assert len(entries) == PEOPLE
            assert all(str(e["headers"]["From"]).startswith(sender) for e in entries)
    engine.dispose()
