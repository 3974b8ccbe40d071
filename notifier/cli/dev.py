"""`notifier dev`: the whole service on one machine with no servers installed (README command 1).

It migrates the SQLite database, starts the Notify sandbox, the web app (http, plus https for the
one-click unsubscribe header), a real Celery worker process and beat, seeds a demo network, publishes
a sample post through the signed hook and shows where to watch the email arrive.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer

from notifier.cli.common import console, fail, sessions_for
from notifier.cli.processes import Supervisor
from notifier.cli.seed import DEMO_NETWORK, DEMO_PEOPLE, seed_demo_network
from notifier.config import Settings
from notifier.db import migrate
from notifier.db.session import unit_of_work
from notifier.devtls import ensure_dev_certificate
from notifier.services.admin.reporting import message_progress
from notifier.services.sources import webhooks

ROOT_WARNING = "ignore:You're running the worker with superuser privileges"
SANDBOX_ENV = re.compile(r"^(NOTIFIER_NOTIFY_[A-Z_]+)=(\S+)$")
NOTIFIER = [sys.executable, "-m", "notifier"]


def dev(
    port: Annotated[int, typer.Option(help="Port of the web app (http)")] = 8000,
    https_port: Annotated[
        int, typer.Option(help="Port of the same app on https (one-click unsubscribe)")
    ] = 8443,
    sandbox_port: Annotated[int, typer.Option(help="Port of the Notify sandbox")] = 6011,
) -> None:
    """Run web, worker, beat and the Notify sandbox locally, and send a demo post through them."""
    # A SIGTERM (from a process manager or `timeout`) stops the children as Ctrl-C does.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    base = Settings()
    var = base.var_dir
    callback_token = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "NOTIFIER_ENVIRONMENT": "dev",
        "NOTIFIER_VAR_DIR": str(var),
        "NOTIFIER_DATABASE_URL": base.database_url,
        "NOTIFIER_BROKER_URL": base.broker_url,
        "NOTIFIER_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "NOTIFIER_ONE_CLICK_BASE_URL": f"https://127.0.0.1:{https_port}",
        "NOTIFIER_NOTIFY_CALLBACK_TOKEN": callback_token,
        "NOTIFIER_NOTIFY_KEY_TYPE": "live",
        "PYTHONUNBUFFERED": "1",
    }
    migrate.upgrade(base.database_url)
    cert, key = ensure_dev_certificate(var / "tls")
    supervisor = Supervisor(var / "logs")
    # Logs are appended to: the sandbox's keys are those it prints after what earlier runs left there.
    sandbox_log = supervisor.log_dir / "sandbox.log"
    earlier_runs = sandbox_log.stat().st_size if sandbox_log.exists() else 0
    try:
        sandbox = supervisor.start(
            "sandbox",
            [
                *NOTIFIER,
                "sandbox",
                "--host",
                "127.0.0.1",
                "--port",
                str(sandbox_port),
                "--callback-url",
                f"http://127.0.0.1:{port}/notify/receipts",
                "--callback-token",
                callback_token,
            ],
            env,
        )
        env.update(_read_sandbox_env(sandbox.log_path, supervisor, skip_bytes=earlier_runs))
        os.environ.update({k: v for k, v in env.items() if k.startswith("NOTIFIER_")})
        settings = Settings()  # this process now sees what its children see
        supervisor.start("web", [*NOTIFIER, "web", "--port", str(port)], env)
        supervisor.start(
            "web-https",
            [*NOTIFIER, "web", "--port", str(https_port), "--tls-cert", str(cert), "--tls-key", str(key)],
            env,
        )
        # The demo runs as root on a fresh machine (README); Celery's advice against that is for servers.
        worker_env = {**env, "PYTHONWARNINGS": ROOT_WARNING}
        supervisor.start("worker", [*NOTIFIER, "worker", "--hostname", "dev-worker@%h"], worker_env)
        supervisor.start("beat", [*NOTIFIER, "beat"], env)
        _wait_for(f"http://127.0.0.1:{port}/healthz", supervisor)
        network_slug, secret = seed_demo_network(settings)
        _print_addresses(port, https_port, sandbox_port, supervisor)
        message_ids = _publish_sample_post(f"http://127.0.0.1:{port}", network_slug, secret)
        accepted = _follow(settings, message_ids, supervisor)
        if accepted:
            console.print(
                f"\n[bold green]Email is flowing:[/bold green] Notify accepted {accepted} email(s). "
                f"Read them: http://127.0.0.1:{sandbox_port}/_sandbox/outbox"
            )
        else:
            console.print(f"\n[bold red]No email was accepted yet.[/bold red] See {supervisor.log_dir}/")
        console.print("\n[bold]Running.[/bold] Press Ctrl-C to stop everything.")
        while not supervisor.dead():
            time.sleep(0.5)
        fail(f"{supervisor.dead()[0].name} stopped unexpectedly; see {supervisor.dead()[0].log_path}")
    except KeyboardInterrupt:
        console.print("\nstopping…")
    finally:
        supervisor.stop_all()
        console.print("stopped web, worker, beat and the sandbox")


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _read_sandbox_env(
    log_path: Path, supervisor: Supervisor, *, skip_bytes: int, timeout: float = 30.0
) -> dict[str, str]:
    """The sandbox prints its keys, template id and base URL first; read them from this run's part of
    its log (a new sandbox has new keys: an earlier run's would be refused)."""
    wanted = {"NOTIFIER_NOTIFY_API_KEY_LIVE", "NOTIFIER_NOTIFY_TEMPLATE_ID", "NOTIFIER_NOTIFY_BASE_URL"}
    deadline = time.monotonic() + timeout
    found: dict[str, str] = {}
    while time.monotonic() < deadline:
        if supervisor.dead():
            fail(f"the sandbox did not start; see {log_path}")
        text = _read_from(log_path, skip_bytes)
        found = {m[1]: m[2] for line in text.splitlines() if (m := SANDBOX_ENV.match(line.strip()))}
        if wanted <= found.keys():
            return found
        time.sleep(0.1)
    return fail(f"the sandbox did not print its keys within {timeout:.0f} s; see {log_path}")


def _read_from(path: Path, offset: int) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", errors="replace")


def _wait_for(url: str, supervisor: Supervisor, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dead := supervisor.dead():
            fail(f"{dead[0].name} stopped while starting; see {dead[0].log_path}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    fail(f"{url} did not answer within {timeout:.0f} s")


def _publish_sample_post(base_url: str, network_slug: str, secret: str) -> list[int]:
    """What the network's site build would do: POST a signed description of a post.

    Every run publishes the same page with a new revision and `notify_update: true`, so the first run
    in a clone sends it as new and each later run as an "Updated:" email: every run has email to show.
    """
    now = datetime.now(UTC)
    post = {
        "url": f"{DEMO_NETWORK.site_url}/news/welcome-to-the-network/",
        "title": "Welcome to the network – our plans for the year",
        "revision": now.strftime("%Y%m%dT%H%M%S"),
        "collection": "posts",
        "excerpt": "The steering group has set out what we will do this year: mentoring, a speaker series "
        "and a new members' forum. Tell us what you think.",
        "author": "The steering group",
        "date": now.isoformat(),
        "tags": ["news"],
        "notify_update": True,
    }
    body = json.dumps(post).encode()
    response = httpx.post(
        f"{base_url}/hooks/{network_slug}/content",
        content=body,
        headers=webhooks.signed_headers(secret, body, now=time.time()),
        timeout=10,
    )
    if response.status_code != 202:
        fail(f"the publish hook answered {response.status_code}: {response.text}")
    answer = response.json()
    message_ids: list[int] = answer["message_ids"]
    kind = "again, as an update (it was published on an earlier run)" if answer.get("update") else "as new"
    console.print(f"published the sample post through the signed hook {kind}: message(s) {message_ids}")
    return message_ids


def _print_addresses(port: int, https_port: int, sandbox_port: int, supervisor: Supervisor) -> None:
    console.print()
    console.print(f"  pages (and links in emails): http://127.0.0.1:{port}/subscribe/{DEMO_NETWORK.slug}")
    console.print(
        f"  one-click unsubscribe:       https://127.0.0.1:{https_port}  (Notify takes only https "
        "List-Unsubscribe URLs; self-signed certificate in var/tls/, so a browser warns)"
    )
    console.print(f"  Notify sandbox outbox:       http://127.0.0.1:{sandbox_port}/_sandbox/outbox")
    console.print(f"  logs:                        {supervisor.log_dir}/", soft_wrap=True)
    console.print("  in another shell:            .venv/bin/notifier status MESSAGE_ID --follow")
    console.print(
        f"  demo: {len(DEMO_PEOPLE)} made-up subscribers; the sample post goes to the News topic, so "
        f"{sum('news' in topics for *_, topics in DEMO_PEOPLE)} of them get it (README: 'The demo')"
    )
    console.print()


def _follow(settings: Settings, message_ids: list[int], supervisor: Supervisor, timeout: float = 60.0) -> int:
    """Wait for the messages to finish; how many emails Notify accepted."""
    accepted = 0
    sessions = sessions_for(settings)
    deadline = time.monotonic() + timeout
    pending = set(message_ids)
    while pending and time.monotonic() < deadline and not supervisor.dead():
        with unit_of_work(sessions) as uow:
            for message_id in sorted(pending):
                progress = message_progress(uow.session, message_id)
                if progress is not None and progress.finished:
                    counts = progress.counts
                    console.print(
                        f"message {message_id}: {counts['sent']} accepted by Notify, {counts['delivered']} "
                        f"delivered, {counts['failed']} failed, {counts['skipped']} skipped"
                    )
                    pending.discard(message_id)
                    accepted += counts["sent"]
        time.sleep(0.5)
    return accepted
