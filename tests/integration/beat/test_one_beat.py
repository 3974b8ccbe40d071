"""One beat at a time: of two real `notifier beat` processes sharing a database, only the one holding
the lock sends jobs; kill it and the other takes over. `notifier beat --check` reads each heartbeat."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from notifier import heartbeat
from notifier.cli.processes import Child, Supervisor
from notifier.db.base import utcnow

SENT = "Sending due task"


@pytest.fixture
def two_beats(
    isolated_database_url: str, tmp_path: Path
) -> Iterator[tuple[Supervisor, list[Child], list[dict[str, str]]]]:
    supervisor = Supervisor(tmp_path / "logs")
    base = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
    envs = []
    for name in ("first", "second"):
        envs.append(
            {
                **base,
                "NOTIFIER_ENVIRONMENT": "dev",
                "NOTIFIER_DATABASE_URL": isolated_database_url,
                "NOTIFIER_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.db'}",
                "NOTIFIER_VAR_DIR": str(tmp_path / name),  # each host its own: schedule and heartbeat
                "NOTIFIER_SWEEP_INTERVAL_SECONDS": "1",
                "NOTIFIER_BEAT_LOCK_RETRY_SECONDS": "1",
                "NOTIFIER_BEAT_HEARTBEAT_MAX_AGE_SECONDS": "10",
                "PYTHONUNBUFFERED": "1",
            }
        )
    children = []
    try:
        for name, env in zip(("first", "second"), envs, strict=True):
            children.append(supervisor.start(name, [sys.executable, "-m", "notifier", "beat"], env))
            _wait_for(lambda started=env: _heartbeat(started), supervisor)
        yield supervisor, children, envs
    finally:
        supervisor.stop_all(timeout=5)


def _wait_for(condition: Callable[[], object], supervisor: Supervisor, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    logs = "\n".join(
        f"--- {c.name}\n{c.log_path.read_text(errors='replace')[-3000:]}" for c in supervisor.children
    )
    raise AssertionError(f"not within {timeout} s:\n{logs}")


def _heartbeat(env: dict[str, str]) -> heartbeat.Heartbeat | None:
    return heartbeat.read(heartbeat.heartbeat_path(Path(env["NOTIFIER_VAR_DIR"])))


def _ticked(env: dict[str, str], supervisor: Supervisor, *, times: int) -> None:
    """Until the beat has ticked `times` more times: each tick tries the lock, then rewrites the heartbeat."""
    for _ in range(times):
        before = _heartbeat(env)
        assert before is not None
        _wait_for(
            lambda before=before: (beat := _heartbeat(env)) is not None and beat.at > before.at, supervisor
        )


def _sent(child: Child) -> int:
    return child.log_path.read_text(errors="replace").count(SENT)


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifier", "beat", "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_only_the_beat_holding_the_lock_sends_and_the_other_takes_over(
    two_beats: tuple[Supervisor, list[Child], list[dict[str, str]]],
) -> None:
    supervisor, (first, second), (first_env, second_env) = two_beats
    _wait_for(lambda: _sent(first) >= 3, supervisor)
    _ticked(second_env, supervisor, times=2)  # the second has tried the lock twice since
    assert _sent(second) == 0
    standing_by = _heartbeat(second_env)
    assert standing_by is not None and not standing_by.leading
    checked = _check(second_env)
    assert checked.returncode == 0 and "standing by" in checked.stderr
    assert "sending jobs" in _check(first_env).stderr

    os.killpg(first.process.pid, signal.SIGKILL)  # a host dies: no clean shutdown, no release
    first.process.wait(10)
    sent_by_first = _sent(first)
    _wait_for(lambda: _sent(second) >= 3, supervisor, timeout=30)
    assert _sent(first) == sent_by_first
    leading = _heartbeat(second_env)
    assert leading is not None and leading.leading


def test_the_check_fails_without_a_fresh_heartbeat(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
    env.update(NOTIFIER_VAR_DIR=str(tmp_path), NOTIFIER_BEAT_HEARTBEAT_MAX_AGE_SECONDS="5")
    missing = _check(env)
    assert missing.returncode == 1 and "no heartbeat" in missing.stderr
    heartbeat.write(
        tmp_path / heartbeat.HEARTBEAT_FILE,
        heartbeat.Heartbeat(
            utcnow() - timedelta(seconds=60), True, 123
        ),  # the subprocess reads the real clock
    )
    stale = _check(env)
    assert stale.returncode == 1 and "stopped or stuck" in stale.stderr
