"""`notifier sandbox`: run the local GOV.UK Notify API and print the settings that point notifier at it.

The first lines on stdout are `NAME=value` settings (nothing comes before them), so that a shell can
source them (`notifier sandbox > var/sandbox.env &`, then `set -a; . var/sandbox.env`) or a test can
parse them. See README.md beside this file.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from notify_sandbox.app import build_app
from notify_sandbox.config.loading import (
    generate_identities,
    identities_from_state_file,
    load_config,
    read_config_file,
    service_names,
)
from notify_sandbox.config.settings import Outcome, SandboxConfig
from notify_sandbox.transport.server import base_url_for, bind_socket, serve


def _reply_to_entries(values: list[str]) -> list[dict[str, Any]]:
    """`ID=ADDRESS` or `ADDRESS` (an id is then derived from the address); the first is the default."""
    entries = []
    for index, value in enumerate(values):
        reply_id, _, address = value.rpartition("=") if "=" in value else ("", "", value)
        reply_id = reply_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"notifier-sandbox-reply-to:{address}"))
        entries.append({"id": reply_id, "address": address, "default": index == 0})
    return entries


def _outcome_entries(values: list[str]) -> dict[str, str]:
    outcomes = {}
    for value in values:
        address, _, outcome = value.rpartition("=")
        if not address:
            raise typer.BadParameter(f"--outcome wants ADDRESS=OUTCOME, got {value!r}")
        outcomes[address] = Outcome(outcome).value
    return outcomes


def _throttle(value: str) -> dict[str, float]:
    seconds, _, every = value.partition("/")
    try:
        return {"throttle_seconds": float(seconds), "throttle_every_seconds": float(every)}
    except ValueError as e:
        raise typer.BadParameter(f"--throttle wants SECONDS/EVERY_SECONDS, got {value!r}") from e


def _overrides(options: dict[str, Any]) -> dict[str, Any]:
    """SandboxConfig fields from the options actually given (None means not given)."""
    simple = {
        "rate_limit",
        "daily_limit",
        "trial_mode",
        "callback_url",
        "callback_token",
        "sending_delay_seconds",
        "final_delay_seconds",
        "service_name",
    }
    found = {name: options[name] for name in simple if options[name] is not None}
    if options["team_member"]:
        found["team_members"] = options["team_member"]
    if options["guest"]:
        found["guest_list"] = options["guest"]
    if options["reply_to"]:
        found["reply_to"] = _reply_to_entries(options["reply_to"])
    if options["outcome"]:
        found["outcomes"] = _outcome_entries(options["outcome"])
    faults = {
        name: options[name]
        for name in (
            "latency_ms",
            "server_error_share",
            "reset_share",
            "timeout_share",
            "timeout_mode",
            "timeout_hold_seconds",
        )
        if options[name] is not None
    }
    if options["fault_seed"] is not None:
        faults["seed"] = options["fault_seed"]
    if options["throttle"]:
        faults |= _throttle(options["throttle"])
    if faults:
        found["fault_overrides"] = faults
    return found


def sandbox_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 6011,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="JSON or TOML file of SandboxConfig fields, or a `services` list.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Derive ids and secrets from this seed.")] = None,
    state_file: Annotated[
        Path | None, typer.Option(help="Keep ids and secrets here across restarts.")
    ] = None,
    rate_limit: Annotated[int | None, typer.Option(help="Requests per minute per key type (3000).")] = None,
    daily_limit: Annotated[
        int | None, typer.Option(help="Emails a day, live+team (250000; 50 in trial).")
    ] = None,
    trial_mode: Annotated[
        bool | None, typer.Option("--trial/--live", help="Trial (restricted) service?")
    ] = None,
    team_member: Annotated[list[str] | None, typer.Option(help="A team member's address (repeat).")] = None,
    guest: Annotated[list[str] | None, typer.Option(help="An address on the guest list (repeat).")] = None,
    reply_to: Annotated[
        list[str] | None, typer.Option(help="Reply-to ID=ADDRESS or ADDRESS (repeat).")
    ] = None,
    callback_url: Annotated[str | None, typer.Option(help="Delivery-status callback URL.")] = None,
    callback_token: Annotated[
        str | None, typer.Option(help="Bearer token for callbacks (10+ chars).")
    ] = None,
    sending_delay_seconds: Annotated[float | None, typer.Option(help="created -> sending (0.2).")] = None,
    final_delay_seconds: Annotated[float | None, typer.Option(help="created -> final status (0.5).")] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(help="ADDRESS=delivered|permanent-failure|temporary-failure|technical-failure|timeout."),
    ] = None,
    service_name: Annotated[str | None, typer.Option(help="Shown in the From header.")] = None,
    latency_ms: Annotated[float | None, typer.Option(help="Fault: added latency per request.")] = None,
    server_error_share: Annotated[
        float | None, typer.Option(help="Fault: share of sends answered 500.")
    ] = None,
    reset_share: Annotated[float | None, typer.Option(help="Fault: share of sends reset.")] = None,
    timeout_share: Annotated[
        float | None, typer.Option(help="Fault: share stored, then not answered.")
    ] = None,
    timeout_mode: Annotated[str | None, typer.Option(help="Fault: hold or drop.")] = None,
    timeout_hold_seconds: Annotated[float | None, typer.Option(help="Fault: how long to hold (35).")] = None,
    throttle: Annotated[str | None, typer.Option(help="Fault: SECONDS/EVERY of RateLimitError.")] = None,
    fault_seed: Annotated[int | None, typer.Option(help="Seed for fault draws.")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    options = dict(locals())
    try:
        file_data = read_config_file(config) if config else {}
        names = service_names(file_data)
        identities = (
            identities_from_state_file(state_file, names, seed)
            if state_file
            else generate_identities(names, seed)
        )
        sandbox_config = load_config(file_data, _overrides(options), identities)
    except (ValidationError, ValueError) as e:
        typer.echo(f"notifier sandbox: bad configuration: {e}", err=True)
        raise typer.Exit(2) from e
    sock = bind_socket(host, port)
    sys.stdout.write(
        "".join(
            f"{name}={value}\n" for name, value in printed_env(sandbox_config, base_url_for(sock)).items()
        )
    )
    sys.stdout.flush()
    serve(build_app(sandbox_config), sock, log_level=log_level)


def printed_env(config: SandboxConfig, base_url: str) -> dict[str, str]:
    """The first service's settings as always; with several services, then each one's named block."""
    env = config.env(base_url)
    if config.callback_token and config.callback_url:
        env["NOTIFIER_NOTIFY_CALLBACK_TOKEN"] = config.callback_token
    if len(config.services) > 1:
        env["NOTIFIER_NOTIFY_SERVICES"] = ",".join(s.name for s in config.services)
        for service in config.services:
            env |= service.named_env()
    return env
