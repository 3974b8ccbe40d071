"""A real fleet for integration tests: `notifier web`, `notifier worker` and `notifier beat` processes
sharing one database, broker and limiter, talking to a real sandbox."""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.cli.processes import Child, Supervisor
from notifier.db.models import Message
from notifier.db.session import unit_of_work
from notifier.domain.statuses import MessageStatus

NOTIFIER = [sys.executable, "-m", "notifier"]
FLEET_SECRET_KEY = "integration-test-secret-key-0123456789"  # the fleet's NOTIFIER_SECRET_KEY


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Fleet:
    env: dict[str, str]
    supervisor: Supervisor
    web_port: int
    workers: dict[str, Child] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)  # each worker's Prometheus port

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start_worker(self, name: str, concurrency: int = 4, *extra_args: str) -> Child:
        port = free_port()
        options = ["--hostname", f"{name}@%h", "--concurrency", str(concurrency), "--metrics-port", str(port)]
        child = self.supervisor.start(
            f"worker-{name}", [*NOTIFIER, "worker", *options, *extra_args], self.env
        )
        self.workers[name] = child
        self.metrics_ports[name] = port
        return child

    def worker_metric(self, name: str, sample: str) -> float:
        """The sum of a worker's samples whose line starts with `sample` (name and label prefix)."""
        text = httpx.get(f"http://127.0.0.1:{self.metrics_ports[name]}/metrics", timeout=5).text
        pattern = re.compile(r"^" + re.escape(sample) + r"[^\n]* ([0-9.e+-]+)$", re.MULTILINE)
        return sum(float(value) for value in pattern.findall(text))

    def task_runs(self, task: str) -> float:
        """Runs of `task` the running workers report having ended (`notifier_task_runs`)."""
        sample = f'notifier_task_runs_total{{outcome="ok",task="{task}"}}'
        return sum(self.worker_metric(name, sample) for name in self.workers)

    def wait_for_task_runs(self, task: str, more: int, timeout: float = 60) -> None:
        """Until `more` runs of `task` have ended from now on: with beat's schedule, proof that the
        periodic work has looked at whatever the test just set up."""
        target = self.task_runs(task) + more
        deadline = time.monotonic() + timeout
        while self.task_runs(task) < target:
            assert time.monotonic() < deadline, (
                f"{task} ran fewer than {more} times in {timeout} s\n{self.logs()}"
            )
            time.sleep(0.2)

    def kill_worker(self, name: str) -> None:
        """SIGKILL: no chance to finish, ack or clean up, as when a host dies."""
        child = self.workers.pop(name)
        os.killpg(child.process.pid, signal.SIGKILL)
        child.process.wait(10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {child.name}\n{child.log_path.read_text(errors='replace')[-4000:]}"
            for child in self.supervisor.children
        )


FINISHED = (MessageStatus.DONE, MessageStatus.CANCELLED)


def wait_until_finished(sessions: sessionmaker[Session], fleet: Fleet, timeout: float = 60) -> None:
    """Until every message is done or cancelled: the fleet has nothing more to send (nor to log)."""
    deadline = time.monotonic() + timeout
    while True:
        with unit_of_work(sessions) as uow:
            unfinished = uow.session.execute(
                select(Message.id, Message.status).where(Message.status.not_in(FINISHED))
            ).all()
        if not unfinished:
            return
        assert time.monotonic() < deadline, f"unfinished after {timeout} s: {unfinished}\n{fleet.logs()}"
        time.sleep(0.2)


def fleet_env(
    *,
    database_url: str,
    broker_url: str,
    redis_url: str | None,
    var_dir: Path,
    sandbox_env: dict[str, str],
    web_port: int,
    callback_token: str,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Every NOTIFIER_* value the fleet's processes read, and none from the caller. They start in the
    test run's working directory, an empty scratch directory (tests/support/settings.py), so no `.env`
    is read either."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
    env.update(sandbox_env)
    env.update(
        {
            "NOTIFIER_ENVIRONMENT": "test",
            "NOTIFIER_DATABASE_URL": database_url,
            "NOTIFIER_BROKER_URL": broker_url,
            "NOTIFIER_VAR_DIR": str(var_dir),
            "NOTIFIER_PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
            "NOTIFIER_ONE_CLICK_BASE_URL": "https://notifier.example.gov.uk",
            "NOTIFIER_NOTIFY_CALLBACK_TOKEN": callback_token,
            "NOTIFIER_NOTIFY_KEY_TYPE": "live",
            "NOTIFIER_SECRET_KEY": FLEET_SECRET_KEY,
            "NOTIFIER_STUCK_AFTER_SECONDS": "10",
            "NOTIFIER_SWEEP_INTERVAL_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis_url:
        env["NOTIFIER_REDIS_URL"] = redis_url
    env.update(extra or {})
    return env


@contextmanager
def running_fleet(env: dict[str, str], log_dir: Path, web_port: int, *, workers: int = 1) -> Iterator[Fleet]:
    supervisor = Supervisor(log_dir)
    fleet = Fleet(env, supervisor, web_port)
    try:
        supervisor.start("web", [*NOTIFIER, "web", "--port", str(web_port)], env)
        supervisor.start("beat", [*NOTIFIER, "beat"], env)
        for n in range(workers):
            fleet.start_worker(f"w{n}")
        _wait_healthy(fleet)
        yield fleet
    finally:
        supervisor.stop_all(timeout=5)


def _wait_healthy(fleet: Fleet, timeout: float = 30) -> None:
    """Until the web app and every worker's metrics answer: tests read the workers' task counts at
    once, and on a busy machine a worker can come up seconds after the web app."""
    urls = [
        f"{fleet.web_url}/healthz",
        *(f"http://127.0.0.1:{p}/metrics" for p in fleet.metrics_ports.values()),
    ]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fleet.supervisor.dead():
            raise RuntimeError(f"a fleet process died while starting:\n{fleet.logs()}")
        urls = [url for url in urls if not _answers(url)]
        if not urls:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{urls} did not answer within {timeout} s:\n{fleet.logs()}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False
