"""A real fleet sending one announcement to thousands, with a private Redis a test may restart.

Used by tests/chaos and bench/.

PostgreSQL (a fresh database), a redis-server of the test's own on a free port (broker and limiter),
the sandbox, and `notifier web`, `beat` and worker processes. The sandbox's ledger is the judge.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.models import Delivery, Message, Network, Topic
from notifier.db.session import make_engine, unit_of_work
from notifier.domain.statuses import DeliveryStatus, MessageStatus
from notifier.services.sources.publishing import announce
from tests.support.bulk import Audience, seed_audience
from tests.support.databases import PostgresDatabases
from tests.support.fleet import Fleet, fleet_env, free_port, running_fleet
from tests.support.own_services import TWO_SERVICES, own_service_for, service_config
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.settings import make_settings
from workers.dispatch import build_task_queue

# Fast enough that the limiter is never what a chaos test waits for.
FAST_FLEET = {
    "NOTIFIER_RATE_LIMIT_PER_MINUTE": "120000",
    "NOTIFIER_RATE_LIMIT_BURST": "1000",
    "NOTIFIER_TRANSACTIONAL_RESERVE": "100",
    "NOTIFIER_FANOUT_BATCH_SIZE": "1000",
    "NOTIFIER_SEND_CHUNK_SIZE": "100",
    "NOTIFIER_NOTIFY_TIMEOUT_SECONDS": "2",
}
SANDBOX_ARGS = ("--sending-delay-seconds", "0.1", "--final-delay-seconds", "0.2")
UNLIMITED = 10_000_000  # requests a minute: a sandbox that never answers 429 on its own


class RedisServer:
    """Our own redis-server (no persistence), so a test may stop and restart it."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        executable = shutil.which("redis-server")
        assert executable, "redis-server is not installed (README command 2 installs it)"
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=0.5).ping():
                    return
            except redis.exceptions.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def restart(self, down_seconds: float) -> None:
        """Kill it (everything it held is gone: queued tasks, the bucket), wait, start it again."""
        self.stop()
        time.sleep(down_seconds)
        self.start()


@dataclass
class SendRun:
    fleet: Fleet
    sandbox: RunningSandbox
    redis: RedisServer
    sessions: sessionmaker[Session]
    settings: Settings
    encryption_key: str | None = None  # set when the sandbox hosts a second service for a network's own

    def start_worker(self, name: str, concurrency: int = 8) -> None:
        self.fleet.start_worker(name, concurrency)

    def announce_all(self, audiences: Audiences) -> list[int]:
        return [self.announce_to(part) for part in audiences.parts]

    def announce_to(self, audience: Audience) -> int:
        queue = build_task_queue(self.settings)
        with unit_of_work(self.sessions) as uow:
            network = uow.session.get_one(Network, audience.network_id)
            topic = uow.session.get_one(Topic, audience.topic_id)
            message = announce(
                uow, queue, network, topic, subject="Network forum", body="All members welcome."
            )
            return message.id

    def wait_for_sent(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.sandbox.ledger()["total"] < count:
            assert time.monotonic() < deadline, f"fewer than {count} sent in {timeout} s\n{self.fleet.logs()}"
            time.sleep(0.1)

    def wait_until_done(self, message_id: int | list[int], timeout: float) -> None:
        message_ids = message_id if isinstance(message_id, list) else [message_id]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with unit_of_work(self.sessions) as uow:
                statuses = {uow.session.get_one(Message, m).status for m in message_ids}
                waiting = uow.session.scalar(
                    select(func.count()).where(
                        Delivery.message_id.in_(message_ids),
                        Delivery.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING]),
                    )
                )
            if statuses == {MessageStatus.DONE} and not waiting:
                return
            time.sleep(0.5)
        raise AssertionError(f"messages {message_ids} not done in {timeout} s\n{self.fleet.logs()}")


@dataclass(frozen=True)
class Audiences:
    """One audience per network: the first on the deployment's service, the second on its own."""

    parts: tuple[Audience, ...]

    @property
    def consenting(self) -> set[str]:
        return set().union(*(part.consenting for part in self.parts))


def assert_exactly_once(sandbox: RunningSandbox, audience: Audience | Audiences) -> None:
    """Every consenting subscriber holds exactly one email in the ledger; nobody else holds any."""
    ledger = sandbox.ledger(recipients="true")
    assert ledger["duplicate_references"] == {}, ledger["duplicate_references"]
    assert ledger["repeated_recipients"] == {}, ledger["repeated_recipients"]
    assert set(ledger["by_recipient"]) == audience.consenting
    assert set(ledger["by_recipient"].values()) == {1}
    assert ledger["total"] == len(audience.consenting)


@contextmanager
def send_run(
    postgres: PostgresDatabases,
    tmp_path: Path,
    *,
    workers: int = 2,
    sandbox_args: tuple[str, ...] = (),
    sandbox_rate_limit: int = UNLIMITED,
    fleet_settings: dict[str, str] | None = None,
    two_services: bool = False,
    services: tuple[str, ...] = (),
) -> Iterator[SendRun]:
    """A fleet on a fresh database; `fleet_settings` (NOTIFIER_* values) go over FAST_FLEET's.

    With `two_services`, the sandbox hosts the deployment's service and a second one, which
    `seed_networks` gives to a second network as its own; `services` names any number of them (the
    first is the deployment's), for `own_service_for`.
    """
    database_url = postgres.create()
    engine = make_engine(database_url, pool_size=2)
    server = RedisServer(tmp_path)
    server.start()
    web_port = free_port()
    try:
        limit = ("--rate-limit", str(sandbox_rate_limit))
        names = TWO_SERVICES if two_services else services
        hosted = ("--config", str(service_config(tmp_path, names))) if names else ()
        encryption_key = Fernet.generate_key().decode() if names else None
        with start_sandbox(*SANDBOX_ARGS, *limit, *hosted, *sandbox_args) as sandbox:
            env = fleet_env(
                database_url=database_url,
                broker_url=server.url,
                redis_url=server.url,
                var_dir=tmp_path,
                sandbox_env=sandbox.env,
                web_port=web_port,
                callback_token="chaos-callback-token",
                extra={
                    **FAST_FLEET,
                    **({"NOTIFIER_ENCRYPTION_KEYS": encryption_key} if encryption_key else {}),
                    **(fleet_settings or {}),
                },
            )
            settings = make_settings(database_url=database_url, broker_url=server.url)
            with running_fleet(env, tmp_path / "logs", web_port, workers=0) as fleet:
                sessions = sessionmaker(bind=engine, expire_on_commit=False)
                run = SendRun(fleet, sandbox, server, sessions, settings, encryption_key)
                for n in range(workers):
                    run.start_worker(f"w{n}")
                yield run
    finally:
        server.stop()
        engine.dispose()
        postgres.drop(database_url)


def seed(run: SendRun, consenting: int, withdrawn: int = 25, slug: str = "chaos") -> Audience:
    with unit_of_work(run.sessions) as uow:
        return seed_audience(uow.session, slug, consenting, withdrawn=withdrawn)


def seed_networks(run: SendRun, consenting: int, withdrawn: int = 25) -> Audiences:
    """Two networks sharing `consenting` people: "chaos" on the deployment's service, "chaos-own" on
    the sandbox's second service as its own (the run must have `two_services`)."""
    assert run.encryption_key, "seed_networks needs send_run(..., two_services=True)"
    first = consenting // 2
    with unit_of_work(run.sessions) as uow:
        shared = seed_audience(uow.session, "chaos", first, withdrawn=withdrawn, prefix="shared")
        own = seed_audience(uow.session, "chaos-own", consenting - first, withdrawn=withdrawn, prefix="own")
        own_service_for(uow.session, run.sandbox, own.network_id, run.encryption_key, TWO_SERVICES[1])
    return Audiences((shared, own))
