"""The `notifier` command: one Typer app; each area keeps its commands in its own module."""

from __future__ import annotations

import typer

from notifier.cli import admin, fleet, status
from notifier.cli.dev import dev as dev_command
from notifier.gateway.sandbox.cli import sandbox_command

app = typer.Typer(
    help="Mailing lists and bulk notifications for staff networks, sent through GOV.UK Notify.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("sandbox", help="Run the local GOV.UK Notify API (the sandbox).")(sandbox_command)
app.add_typer(fleet.db_app, name="db")
app.command("web")(fleet.web)
app.command("worker")(fleet.worker)
app.command("beat")(fleet.beat)
app.command("dev")(dev_command)
app.add_typer(admin.network_app, name="network")
app.add_typer(admin.topic_app, name="topic")
app.add_typer(admin.subscriber_app, name="subscriber")
app.command("announce")(admin.announce)
app.command("status")(status.status)


def main() -> None:
    app()
