# mypy: disable-error-code="no-untyped-call"
"""Run `notifier sandbox` (the local Notify API) as a real subprocess for a test.

    with start_sandbox("--rate-limit", "60") as sandbox:
        client = sandbox.client("test")
        client.send_email_notification(...)
        assert sandbox.ledger()["total"] == 1

The sandbox listens on a free port (`--port 0`), prints its settings, and is killed at exit. It is
started as `python -m notify_sandbox`, the same command as `notifier sandbox` (see
notifier_executable() for the console script) without the import time of the whole CLI.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import requests
from notifications_python_client.notifications import NotificationsAPIClient

ENV_LINE = re.compile(r"^(NOTIFIER_[A-Z0-9_]+)=(\S+)$")
REQUIRED_ENV = (
    "NOTIFIER_NOTIFY_API_KEY_LIVE",
    "NOTIFIER_NOTIFY_API_KEY_TEAM",
    "NOTIFIER_NOTIFY_API_KEY_TEST",
    "NOTIFIER_NOTIFY_TEMPLATE_ID",
    "NOTIFIER_NOTIFY_BASE_URL",
)
KEY_ENV = {
    "live": "NOTIFIER_NOTIFY_API_KEY_LIVE",
    "team": "NOTIFIER_NOTIFY_API_KEY_TEAM",
    "test": "NOTIFIER_NOTIFY_API_KEY_TEST",
}


class SandboxStartError(RuntimeError):
    pass


def notifier_executable() -> str:
    """The `notifier` console script of the running interpreter's environment (or PATH's)."""
    beside = Path(sys.executable).parent / "notifier"
    if beside.exists():
        return str(beside)
    found = shutil.which("notifier")
    if found is None:
        raise SandboxStartError("the notifier command is not installed (pip install -e .)")
    return found


@dataclass
class RunningSandbox:
    process: subprocess.Popen[str]
    env: dict[str, str]
    log_path: Path
    http: requests.Session = field(default_factory=requests.Session)
    lines: queue.Queue[str | None] | None = None  # what the sandbox prints after start-up

    def service_names(self, timeout: float = 5.0) -> list[str]:
        """The services' names when the sandbox hosts several (`NOTIFIER_NOTIFY_SERVICES`), blocks read."""
        deadline = time.monotonic() + timeout
        while self.lines is not None and not self._blocks_read() and time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            if match := ENV_LINE.match(line.strip()):
                self.env[match.group(1)] = match.group(2)
        if not self._blocks_read():
            raise SandboxStartError(f"the sandbox printed no complete service blocks: {sorted(self.env)}")
        return self.env["NOTIFIER_NOTIFY_SERVICES"].split(",")

    def _blocks_read(self) -> bool:
        names = self.env.get("NOTIFIER_NOTIFY_SERVICES")
        return names is not None and all(
            _service_env(name, "TEMPLATE_ID") in self.env for name in names.split(",")
        )

    def service_id(self, name: str) -> str:
        self.service_names()
        return self.env[_service_env(name, "ID")]

    def service_key(self, name: str, kind: str = "test") -> str:
        """The API key of this kind (`live`, `team`, `test`) of the service with this name."""
        self.service_names()
        return self.env[_service_env(name, f"API_KEY_{kind.upper()}")]

    def service_template_id(self, name: str) -> str:
        self.service_names()
        return self.env[_service_env(name, "TEMPLATE_ID")]

    def service_client(self, name: str, kind: str = "test", timeout: float = 10) -> NotificationsAPIClient:
        return NotificationsAPIClient(self.service_key(name, kind), base_url=self.base_url, timeout=timeout)

    @property
    def base_url(self) -> str:
        return self.env["NOTIFIER_NOTIFY_BASE_URL"]

    @property
    def template_id(self) -> str:
        return self.env["NOTIFIER_NOTIFY_TEMPLATE_ID"]

    def key(self, kind: str = "test") -> str:
        """The API key of this kind: `live`, `team` or `test`."""
        return self.env[KEY_ENV[kind]]

    def client(self, kind: str = "test", timeout: float = 10) -> NotificationsAPIClient:
        return NotificationsAPIClient(self.key(kind), base_url=self.base_url, timeout=timeout)

    def url(self, path: str) -> str:
        return self.base_url + path

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, self.url(path), timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def outbox(self, **filters: Any) -> list[dict[str, Any]]:
        """Stored emails, newest first; filters: to, reference, limit, cursor, order, render."""
        entries: list[dict[str, Any]] = self._json("GET", "/_sandbox/outbox.json", params=filters)["entries"]
        return entries

    def outbox_page(self, **filters: Any) -> dict[str, Any]:
        """The whole outbox.json answer (entries, next_cursor, total)."""
        page: dict[str, Any] = self._json("GET", "/_sandbox/outbox.json", params=filters)
        return page

    def ledger(self, **filters: Any) -> dict[str, Any]:
        ledger: dict[str, Any] = self._json("GET", "/_sandbox/ledger.json", params=filters)
        return ledger

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock forward: statuses, callback retries and the day follow it."""
        self._json("POST", "/_sandbox/clock", json={"advance_seconds": seconds})

    def settled(self, timeout: float = 10.0) -> dict[str, Any]:
        """The sandbox's health once no callback is in flight: moving the clock runs what is due before
        it answers, so after `advance` whatever became due has been sent by then (or nothing was)."""
        deadline = time.monotonic() + timeout
        while True:
            health: dict[str, Any] = self._json("GET", "/_sandbox/health")
            if health["callbacks_in_flight"] == 0:
                return health
            assert time.monotonic() < deadline, f"callbacks still in flight after {timeout} s: {health}"
            time.sleep(0.02)

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        settings: dict[str, Any] = self._json("POST", "/_sandbox/faults", json=faults)
        return settings

    def clear_faults(self) -> None:
        self._json("DELETE", "/_sandbox/faults")

    def reset(self) -> None:
        """Forget every stored email."""
        self._json("DELETE", "/_sandbox/outbox")

    def force_status(self, notification_id: str, status: str) -> None:
        self._json("POST", f"/_sandbox/notifications/{notification_id}/status", json={"status": status})

    def service(self) -> dict[str, Any]:
        service: dict[str, Any] = self._json("GET", "/_sandbox/service.json")
        return service

    def wait_for_status(self, notification_id: str, status: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        client = self.client("test")
        while True:
            found: dict[str, Any] = client.get_notification_by_id(notification_id)
            if found["status"] == status or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.http.close()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _service_env(name: str, suffix: str) -> str:
    return f"NOTIFIER_NOTIFY_SERVICE_{name.upper()}_{suffix}"


def _read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _read_env(lines: queue.Queue[str | None], env: dict[str, str], deadline: float | None) -> None:
    """Add printed settings to `env`: until the required ones are in (deadline), or what is already there."""
    while deadline is None or not all(name in env for name in REQUIRED_ENV):
        try:
            line = (
                lines.get_nowait()
                if deadline is None
                else lines.get(timeout=max(0.0, deadline - time.monotonic()))
            )
        except queue.Empty:
            return
        if line is None:
            return
        if match := ENV_LINE.match(line.strip()):
            env[match.group(1)] = match.group(2)


def _wait_until_answering(base_url: str, deadline: float) -> None:
    while True:
        try:
            requests.get(base_url + "/_sandbox/health", timeout=1).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def launch_sandbox(*extra_args: str, startup_timeout: float = 30.0) -> RunningSandbox:
    """Start a sandbox and return once it answers; the caller must `.stop()` it."""
    log = tempfile.NamedTemporaryFile(prefix="sandbox-", suffix=".log", delete=False)  # noqa: SIM115
    # The module form runs the same command as `notifier sandbox` but skips loading the rest of the CLI.
    command = [sys.executable, "-m", "notify_sandbox", "--host", "127.0.0.1", "--port", "0"]
    command.extend(extra_args)
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    log.close()
    deadline = time.monotonic() + startup_timeout
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    env: dict[str, str] = {}
    _read_env(lines, env, deadline)
    sandbox = RunningSandbox(process, env, Path(log.name), lines=lines)
    try:
        if not all(name in env for name in REQUIRED_ENV):
            raise SandboxStartError(f"sandbox printed {sorted(env)}; log:\n{sandbox.log()[-3000:]}")
        _wait_until_answering(sandbox.base_url, deadline)
        _read_env(lines, env, None)  # optional settings printed after the required ones
    except BaseException:
        sandbox.stop()
        raise
    return sandbox


@contextmanager
def start_sandbox(*extra_args: str, startup_timeout: float = 30.0) -> Iterator[RunningSandbox]:
    """A running `notifier sandbox` with these extra options, killed at exit."""
    sandbox = launch_sandbox(*extra_args, startup_timeout=startup_timeout)
    try:
        yield sandbox
    finally:
        sandbox.stop()
        sandbox.log_path.unlink(missing_ok=True)
