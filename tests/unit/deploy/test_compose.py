"""docker-compose.yml cannot be started here (no container engine), so check what can be checked: it
is a real deployment's description. Every notifier command in it exists; every long-running service
has a healthcheck; no secret is written in it (each comes from .env, and .env.example documents every
variable it reads); the sandbox runs only in the dev profile; Caddy fronts web; the backup service
runs the tested scripts; and .env.example's sandbox values are what `notifier sandbox --seed 1` prints."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

from ruamel.yaml import YAML

from notifier.config import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
CADDYFILE = PROJECT_ROOT / "deploy" / "Caddyfile"
ONE_SHOT = {"migrate"}
SECRET_WORDS = ("SECRET", "KEY", "TOKEN", "PASSWORD")
NOT_SECRET = {"NOTIFIER_NOTIFY_KEY_TYPE"}
INTERPOLATED = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(COMPOSE.read_text())
    return loaded


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def _documented() -> dict[str, str]:
    """Every variable .env.example names, set or commented out, with its first example value."""
    found: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := re.match(r"^#?\s?([A-Z][A-Z0-9_]+)=(\S*)", line):
            found.setdefault(match[1], match[2])
    return found


def _caddy_reads() -> set[str]:
    """The {$VAR} values the Caddyfile reads (comments are not read)."""
    lines = (line.split("#", 1)[0] for line in CADDYFILE.read_text().splitlines())
    return set(re.findall(r"\{\$(\w+)\}", "\n".join(lines)))


def _notifier(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifier", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    return {str(k): str(v) for k, v in env.items()}


def test_every_service_command_is_a_real_notifier_command() -> None:
    commands = [s["command"] for s in _services().values() if isinstance(s.get("command"), list)]
    notifier_commands = [c for c in commands if c[0] == "notifier"]
    assert {c[1] for c in notifier_commands} >= {"web", "worker", "beat", "db", "sandbox"}
    for command in notifier_commands:
        words = [w for w in command[1:] if not w.startswith("-")][:2]
        result = _notifier(*words, "--help")
        assert result.returncode == 0, (command, result.stderr)
        for option in (w.split("=")[0] for w in command if w.startswith("--")):
            assert option in result.stdout, f"{option} is not an option of notifier {' '.join(words)}"


def test_every_long_running_service_has_a_healthcheck() -> None:
    services = _services()
    assert {"caddy", "postgres", "redis", "web", "worker", "beat", "backup", "sandbox"} <= services.keys()
    for name, service in services.items():
        if name not in ONE_SHOT:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
            assert service.get("restart") == "unless-stopped" or "<<" in service or name == "sandbox", name
    assert services["beat"]["healthcheck"]["test"] == ["CMD", "notifier", "beat", "--check"]
    assert services["beat"]["deploy"]["replicas"] == 2  # one sends jobs, the other stands by


def test_no_secret_is_written_in_the_file() -> None:
    compose = _compose()
    environments = [compose["x-notifier-env"], *(_environment(s) for s in _services().values())]
    for env in environments:
        for key, value in env.items():
            if any(word in key for word in SECRET_WORDS) and key not in NOT_SECRET:
                assert INTERPOLATED.fullmatch(str(value)), f"{key} is written in the file: {value!r}"
    database_url = compose["x-notifier-env"]["NOTIFIER_DATABASE_URL"]
    assert "${POSTGRES_PASSWORD" in database_url
    commands = " ".join(" ".join(map(str, s.get("command", []))) for s in _services().values())
    assert "sandbox-live-" not in COMPOSE.read_text() and "--callback-token=${" in commands


def test_every_variable_the_deployment_reads_is_documented_in_env_example() -> None:
    read = set(INTERPOLATED.findall(COMPOSE.read_text()))
    read |= _caddy_reads()
    documented = _documented()
    assert read - documented.keys() == set()
    assert {
        k for k in documented if not k.startswith(("NOTIFIER_", "POSTGRES_", "BACKUP_", "CADDY_"))
    } <= read
    # What Caddy reads reaches Caddy.
    assert _caddy_reads() <= _environment(_services()["caddy"]).keys()


def test_the_sandbox_runs_only_in_the_dev_profile() -> None:
    services = _services()
    for name, service in services.items():
        runs_sandbox = "sandbox" in [str(w) for w in service.get("command", [])][:2]
        assert (service.get("profiles") == ["dev"]) == runs_sandbox, name
        if not service.get("profiles"):
            assert "sandbox" not in (service.get("depends_on") or {}), name
    default_notify = _compose()["x-notifier-env"]["NOTIFIER_NOTIFY_BASE_URL"]
    assert default_notify == "${NOTIFIER_NOTIFY_BASE_URL:-https://api.notifications.service.gov.uk}"


def test_tls_in_front_of_the_web_app_for_pages_and_one_click_links() -> None:
    services, env = _services(), _compose()["x-notifier-env"]
    assert env["NOTIFIER_PUBLIC_BASE_URL"].startswith("https://${NOTIFIER_DOMAIN")
    assert env["NOTIFIER_ONE_CLICK_BASE_URL"].startswith("https://${NOTIFIER_DOMAIN")
    assert services["caddy"]["ports"][:2] == ["80:80", "443:443"]
    assert all(port.startswith("127.0.0.1:") for port in services["web"].get("ports", []))
    caddyfile = CADDYFILE.read_text()
    assert "{$NOTIFIER_DOMAIN} {" in caddyfile and "tls {$CADDY_TLS}" in caddyfile
    assert "reverse_proxy web:8000" in caddyfile
    for name in ("postgres", "redis"):
        assert services[name]["networks"] == ["backend"]
    assert _compose()["networks"]["backend"]["internal"] is True


def test_the_backup_service_runs_the_tested_scripts_on_a_schedule() -> None:
    backup = _services()["backup"]
    mounted = {v.split(":")[0] for v in backup["volumes"]}
    assert {"./scripts/backup.sh", "./scripts/restore.sh", "backups"} <= mounted
    assert all((PROJECT_ROOT / m).is_file() for m in mounted if m.startswith("./"))
    assert backup["entrypoint"][:3] == ["bash", "/usr/local/bin/notifier-backup", "--every"]
    assert INTERPOLATED.fullmatch(_environment(backup)["PGPASSWORD"])


def test_the_image_installs_the_locked_dependencies() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r /tmp/requirements.lock" in dockerfile
    assert "pip wheel" in dockerfile and "-e ." not in dockerfile


def test_the_env_example_sandbox_values_match_seed_one() -> None:
    documented = _documented()
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
    assert documented["NOTIFIER_NOTIFY_API_KEY_LIVE"] == ""  # the real deployment's is left to fill in
    example = ENV_EXAMPLE.read_text()
    assert f"# NOTIFIER_NOTIFY_API_KEY_LIVE={printed['NOTIFIER_NOTIFY_API_KEY_LIVE']}" in example
    assert f"# NOTIFIER_NOTIFY_TEMPLATE_ID={printed['NOTIFIER_NOTIFY_TEMPLATE_ID']}" in example
