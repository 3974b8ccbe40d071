"""The `notifier` command: one Typer app; each area keeps its commands in its own module."""

from __future__ import annotations

import typer

from notifier.gateway.sandbox.cli import sandbox_command

app = typer.Typer(help="Mailing lists and bulk notifications for staff networks, sent through GOV.UK Notify.",
                  no_args_is_help=True, add_completion=False)
app.command("sandbox", help="Run the local GOV.UK Notify API (the sandbox).")(sandbox_command)


def main() -> None:
    app()
