"""The `notifier` command: one Typer app; each area keeps its commands in its own module."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from notifier.cli import admin, fleet, status
from notifier.cli import rights as rights_cli
from notifier.cli import sources as source_cli
from notifier.cli import subscribers as subscriber_cli
from notifier.cli.admins import admin_app
from notifier.cli.common import refuse_to_start
from notifier.cli.dev import dev as dev_command
from notifier.cli.hook import hook_app
from notifier.cli.keys import keys_app
from notifier.cli.notify_service import notify_app
from notifier.config import describe_invalid
from notify_sandbox.cli import sandbox_command

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
admin.network_app.add_typer(notify_app, name="notify")
app.add_typer(admin.network_app, name="network")
app.add_typer(admin_app, name="admin")
app.add_typer(admin.topic_app, name="topic")
admin.subscriber_app.command("import")(subscriber_cli.import_subscribers)
admin.subscriber_app.command("purge-pending")(subscriber_cli.purge_pending)
app.add_typer(admin.subscriber_app, name="subscriber")
app.add_typer(subscriber_cli.membership_app, name="membership")
app.command("announce")(admin.announce)
app.command("status")(status.status)
app.add_typer(rights_cli.retention_app, name="retention")
app.add_typer(rights_cli.rights_app, name="rights")
app.add_typer(rights_cli.contact_app, name="contact")
app.add_typer(hook_app, name="hook")
app.add_typer(source_cli.token_app, name="token")
app.add_typer(keys_app, name="keys")
app.add_typer(source_cli.meeting_app, name="meeting")
app.add_typer(source_cli.digest_app, name="digest")


def main() -> None:
    try:
        app()
    except ValidationError as error:
        if error.title != "Settings":
            raise
        refuse_to_start(describe_invalid(error))
