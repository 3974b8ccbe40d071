"""`notifier admin invite`: the first admin of a network (later ones are added from the Team page)."""

from __future__ import annotations

from typing import Annotated

import typer

from notifier.cli.common import console, fail, network_or_fail, transaction
from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.domain.sources import AdminRole
from notifier.services.admin.web_sessions import AdminError, invite_admin
from notifier.services.common.audit import CLI_ACTOR

admin_app = typer.Typer(
    help="Admins of the web admin pages: people with a role in a network.", no_args_is_help=True
)


@admin_app.command("invite")
def invite(
    network: Annotated[str, typer.Option(help="The network's slug")],
    email: Annotated[str, typer.Option(help="The admin's work email address")],
    name: Annotated[
        str, typer.Option(help="The admin's full name (used if the network does not know them)")
    ] = "",
    role: Annotated[AdminRole, typer.Option(help="editor, approver or admin")] = AdminRole.ADMIN,
) -> None:
    """Make someone an admin of a network; they sign in at /admin/<network>/sign-in with their address."""
    settings = Settings()
    with transaction(settings) as uow:
        found = network_or_fail(uow, network)
        try:
            member = invite_admin(
                uow.session,
                found,
                email=email,
                name=name,
                role=role,
                invited_by=CLI_ACTOR,
                hash_key=settings.hash_key,
                now=utcnow(),
            )
        except AdminError as exc:
            fail(f"--{exc}")
        member_id, slug = member.id, found.slug
    base = settings.public_base_url.rstrip("/")
    console.print(f"[green]admin {member_id} added to {slug} as {role.value}[/green]")
    console.print(f"they sign in at {base}/admin/{slug}/sign-in")
