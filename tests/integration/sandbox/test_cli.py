# mypy: disable-error-code="no-untyped-call"
"""`notifier sandbox` as a shell and dev mode use it: printed settings, stable keys, config files."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.support.sandbox import SandboxStartError, notifier_executable, start_sandbox

KEY = re.compile(r"^[a-z-]+-[0-9a-f-]{36}-[0-9a-f-]{36}$")


def test_the_settings_come_first_one_per_line_then_nothing_else_on_stdout() -> None:
    process = subprocess.Popen(
        [notifier_executable(), "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().rstrip("\n") for _ in range(5)]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
    names = [line.split("=", 1)[0] for line in lines]
    assert names == [
        "NOTIFIER_NOTIFY_API_KEY_LIVE",
        "NOTIFIER_NOTIFY_API_KEY_TEAM",
        "NOTIFIER_NOTIFY_API_KEY_TEST",
        "NOTIFIER_NOTIFY_TEMPLATE_ID",
        "NOTIFIER_NOTIFY_BASE_URL",
    ]
    values = dict(line.split("=", 1) for line in lines)
    assert all(KEY.match(values[name]) for name in names[:3])
    assert len({values[name][-73:-37] for name in names[:3]}) == 1  # one service
    assert uuid.UUID(values["NOTIFIER_NOTIFY_TEMPLATE_ID"])
    assert re.match(r"^http://127\.0\.0\.1:\d+$", values["NOTIFIER_NOTIFY_BASE_URL"])


def test_keys_are_random_per_start_or_fixed_by_a_seed() -> None:
    with start_sandbox() as first, start_sandbox() as second:
        assert first.key("live") != second.key("live")
    with start_sandbox("--seed", "11") as first, start_sandbox("--seed", "11") as second:
        assert first.key("live") == second.key("live") and first.template_id == second.template_id


def test_a_state_file_keeps_keys_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "var" / "sandbox-state.json"
    with start_sandbox("--state-file", str(state)) as first:
        keys = {kind: first.key(kind) for kind in ("live", "team", "test")}
        template_id = first.template_id
    assert state.exists()
    with start_sandbox("--state-file", str(state)) as again:
        assert {kind: again.key(kind) for kind in ("live", "team", "test")} == keys
        assert again.template_id == template_id
        assert again.client("live").get_template(template_id)["id"] == template_id


def test_a_toml_config_file(tmp_path: Path) -> None:
    template_id = str(uuid.uuid4())
    config = tmp_path / "sandbox.toml"
    config.write_text(
        f'service_name = "Women in Defence"\nrate_limit = 120\ntrial_mode = true\n'
        f'team_members = ["chair@example.gov.uk"]\n\n[[templates]]\nid = "{template_id}"\n'
        'name = "Invite"\nsubject = "Invitation: ((event))"\nbody = "Join us at ((place))."\n',
        encoding="utf-8",
    )
    with start_sandbox("--config", str(config), "--rate-limit", "90") as sandbox:
        service = sandbox.service()
        assert (service["service_name"], service["trial_mode"], service["rate_limit"]) == (
            "Women in Defence",
            True,
            90,
        )  # the command line wins over the file
        response = sandbox.client("live").send_email_notification(
            "chair@example.gov.uk", template_id, personalisation={"event": "AGM", "place": "the hall"}
        )
        assert response["content"]["subject"] == "Invitation: AGM"


@pytest.mark.parametrize(
    "args",
    [
        ["--rate-limit", "0"],
        ["--outcome", "a@example.gov.uk=lost"],
        ["--throttle", "soon"],
        ["--reply-to", "not-a-uuid=a@example.gov.uk"],
    ],
)
def test_bad_options_stop_the_sandbox_with_a_message(args: list[str]) -> None:
    with pytest.raises(SandboxStartError), start_sandbox(*args, startup_timeout=15):
        pass


def test_help_lists_the_options() -> None:
    result = subprocess.run(
        [notifier_executable(), "sandbox", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    for option in (
        "--rate-limit",
        "--daily-limit",
        "--trial",
        "--team-member",
        "--guest",
        "--reply-to",
        "--callback-url",
        "--callback-token",
        "--config",
        "--seed",
        "--state-file",
        "--latency-ms",
        "--server-error-share",
        "--reset-share",
        "--timeout-share",
        "--throttle",
        "--fault-seed",
        "--outcome",
        "--sending-delay-seconds",
        "--final-delay-seconds",
    ):
        assert option in result.stdout, option
