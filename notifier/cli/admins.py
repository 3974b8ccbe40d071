"""`notifier admin invite`: the first admins of a network (later ones are invited from the Team page).
The person is emailed their invitation: a sign-in link that works once, naming the network."""

from __future__ import annotations

from typing import Annotated

import typer

from notifier.cli.common import console, fail, network_or_fail, transaction
from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.domain.sources import AdminRole
from notifier.queueing import load_task_queue
from notifier.services.admin.invitations import AdminError, invite
from notifier.services.admin.team import term_end_from
from notifier.services.admin.web_sessions import SessionPolicy
from notifier.services.common.audit import CLI_ACTOR

admin_app = typer.Typer(
    help="Admins of the web admin pages: people with a role in a network.", no_args_is_help=True
)


@admin_app.command("invite")
def invite_command(
    network: Annotated[str, typer.Option(help="The network's slug")],
    email: Annotated[str, typer.Option(help="The admin's work email address")],
    name: Annotated[
        str, typer.Option(help="The admin's full name (used if the network does not know them)")
    ] = "",
    role: Annotated[AdminRole, typer.Option(help="editor, approver or admin")] = AdminRole.ADMIN,
    term_ends: Annotated[str, typer.Option(help="The last day of their term, like 2027-03-31")] = "",
) -> None:
    """Make someone an admin of a network and email them their invitation (they sign in at /admin)."""
    settings = Settings()
    with transaction(settings) as uow:
        found = network_or_fail(uow, network)
        try:
            member = invite(
                uow,
                load_task_queue(settings),
                found,
                SessionPolicy.from_settings(settings),
                email=email,
                name=name,
                role=role,
                invited_by=CLI_ACTOR,
                now=utcnow(),
                term_ends_at=term_end_from(term_ends),
            )
        except AdminError as exc:
            fail(f"--{exc}".replace("--term_ends_at", "--term-ends"))
        member_id, slug = member.id, found.slug
    base = settings.public_base_url.rstrip("/")
    console.print(
        f"[green]admin {member_id} added to {slug} as {role.value}[/green]; their invitation is emailed"
    )
    console.print(f"they can also ask for a sign-in link at {base}/admin")
