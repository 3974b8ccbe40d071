"""docker-compose.yml cannot be started here (no Docker engine), so check what can be checked: every
notifier command in it exists, and the sandbox values it hard-codes are what `--seed 1` prints."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

from ruamel.yaml import YAML

from notifier.config import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(COMPOSE.read_text())
    return loaded


def _notifier(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifier", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_every_service_command_is_a_real_notifier_command() -> None:
    services = _compose()["services"]
    commands = [s["command"] for s in services.values() if isinstance(s.get("command"), list)]
    notifier_commands = [c for c in commands if c[0] == "notifier"]
    assert {c[1] for c in notifier_commands} >= {"web", "worker", "beat", "db", "sandbox"}
    for command in notifier_commands:
        words = [w for w in command[1:] if not w.startswith("-")][:2]
        result = _notifier(*words, "--help")
        assert result.returncode == 0, (command, result.stderr)
        for option in (w.split("=")[0] for w in command if w.startswith("--")):
            assert option in result.stdout, f"{option} is not an option of notifier {' '.join(words)}"


def test_the_hard_coded_sandbox_values_match_seed_one() -> None:
    env = _compose()["x-notifier-env"]
    process = subprocess.Popen(
        [sys.executable, "-m", "notifier", "sandbox", "--port", "0", "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = dict(re.match(r"(\w+)=(\S+)", process.stdout.readline()).groups() for _ in range(4))  # type: ignore[union-attr]
    finally:
        process.kill()
        process.wait(10)
    assert env["NOTIFIER_NOTIFY_API_KEY_LIVE"] == printed["NOTIFIER_NOTIFY_API_KEY_LIVE"]
    assert env["NOTIFIER_NOTIFY_TEMPLATE_ID"] == printed["NOTIFIER_NOTIFY_TEMPLATE_ID"]
