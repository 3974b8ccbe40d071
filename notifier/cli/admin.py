"""What a steering group does from the command line: networks, topics, subscribers, announcements."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from notifier.cli.common import console, fail, network_or_fail, topic_or_fail, transaction
from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.domain.branding import BrandingRejected
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import ConsentSource, Frequency
from notifier.queueing import load_task_queue
from notifier.repositories import networks as network_repo
from notifier.services.admin import networks as network_service
from notifier.services.admin.admin_access import NotAnAdmin, command_line_admin
from notifier.services.admin.branding import set_branding
from notifier.services.sources import announcements
from notifier.services.sources.announcements import AnnouncementError
from notifier.services.sources.meetings import SourceDeps
from notifier.services.subscribers.addresses import AddressRejected
from notifier.services.subscribers.subscriptions import add_confirmed_subscriber

network_app = typer.Typer(
    help="Networks: the tenants, each sealed off from the others.", no_args_is_help=True
)
topic_app = typer.Typer(help="Topics people subscribe to.", no_args_is_help=True)
subscriber_app = typer.Typer(help="Subscribers.", no_args_is_help=True)


@network_app.command("create")
def network_create(
    slug: Annotated[str, typer.Argument(help="Short name used in URLs, e.g. lgbt-network")],
    name: Annotated[str, typer.Option(help="The network's name as people know it")],
    site_url: Annotated[str, typer.Option(help="The network's website (https)")],
    privacy_notice_url: Annotated[str, typer.Option(help="Where the privacy notice is published")],
    notice_version: Annotated[str, typer.Option(help="The privacy notice's version, recorded with consent")],
    domain: Annotated[list[str], typer.Option(help="Allowed work email domain pattern; repeat")] = [],  # noqa: B006
    steering_group_email: Annotated[
        str,
        typer.Option(
            prompt="The steering group's email address (the contact form's messages go there; "
            "press Enter to leave it for later)",
            prompt_required=True,
            help="Where the contact form's messages are forwarded; empty: they wait in the admin's Enquiries",
        ),
    ] = "",
    reply_to_id: Annotated[str | None, typer.Option(help="Notify reply-to address id")] = None,
    sign_off: Annotated[
        bool, typer.Option(help="Every email whose words someone wrote waits for a second person")
    ] = True,
) -> None:
    """Create a network and print the secret its site signs publish hooks with. Later, sign-off is turned
    on or off in the web admin's settings by one admin and confirmed by another."""
    with transaction(Settings()) as uow:
        try:
            network = network_service.create_network(
                uow.session,
                slug=slug,
                name=name,
                site_url=site_url,
                privacy_notice_url=privacy_notice_url,
                privacy_notice_version=notice_version,
                allowed_email_domains=domain,
                notify_reply_to_id=reply_to_id,
                requires_sign_off=sign_off,
                steering_group_email=steering_group_email or None,
            )
        except network_service.NetworkError as exc:
            fail(str(exc))
        secret = network.webhook_secret
    if not steering_group_email:
        console.print(
            "no steering group address yet: contact-form messages wait in the admin's Enquiries until "
            f"one is set (Settings, or `notifier contact set-address --network {slug}`)"
        )
    console.print(f"[green]created network {slug}[/green]")
    console.print(f"publish hook secret (keep it in the site's CI secrets): {secret}")


@network_app.command("brand")
def network_brand(
    slug: Annotated[str, typer.Argument(help="The network's slug")],
    colour: Annotated[
        str | None, typer.Option(help="Header colour as #rrggbb; white text on it must reach 4.5:1")
    ] = None,
    logo_url: Annotated[str | None, typer.Option(help="An https URL of the network's logo image")] = None,
    no_logo: Annotated[bool, typer.Option("--no-logo", help="Remove the logo")] = False,
) -> None:
    """Set the colour and logo the network's pages wear in their header."""
    with transaction(Settings()) as uow:
        network = network_or_fail(uow, slug)
        try:
            branding = set_branding(network, colour=colour, logo_url=logo_url, clear_logo=no_logo)
        except BrandingRejected as exc:
            fail(f"--{exc.field.replace('_', '-')}: {exc}")
    console.print(f"[green]{slug}[/green]: colour {branding.colour}, logo {branding.logo_url or 'none'}")


@network_app.command("list")
def network_list() -> None:
    """List the networks."""
    table = Table("slug", "name", "site")
    with transaction(Settings()) as uow:
        for network in network_repo.list_networks(uow.session):
            table.add_row(network.slug, network.name, network.site_url)
    console.print(table)


@topic_app.command("create")
def topic_create(
    slug: Annotated[str, typer.Argument(help="Short name, e.g. news")],
    network: Annotated[str, typer.Option(help="The network's slug")],
    name: Annotated[str, typer.Option(help="The topic as subscribers see it")],
    description: Annotated[str, typer.Option(help="One sentence on what it covers")] = "",
    members_only: Annotated[bool, typer.Option(help="Only approved members may receive it")] = False,
) -> None:
    """Create a topic in a network."""
    with transaction(Settings()) as uow:
        owner = network_or_fail(uow, network)
        try:
            network_service.create_topic(
                uow.session, owner, slug=slug, name=name, description=description, members_only=members_only
            )
        except network_service.NetworkError as exc:
            fail(str(exc))
    console.print(f"[green]created topic {slug} in {network}[/green]")


@subscriber_app.command("add")
def subscriber_add(
    network: Annotated[str, typer.Option(help="The network's slug")],
    email: Annotated[str, typer.Option(help="Work email address")],
    name: Annotated[str, typer.Option(help="Full name")],
    topic: Annotated[list[str], typer.Option(help="Topic slug; repeat for several")],
    department: Annotated[str, typer.Option(help="Department or organisation")] = "",
    frequency: Annotated[Frequency, typer.Option(help="How often they get email")] = Frequency.IMMEDIATE,
) -> None:
    """Add a subscriber who gave consent to an admin (recorded in the ledger with source `admin`)."""
    settings = Settings()
    with transaction(settings) as uow:
        owner = network_or_fail(uow, network)
        topics = [topic_or_fail(uow, owner, slug) for slug in topic]
        try:
            subscriber = add_confirmed_subscriber(
                uow.session,
                owner,
                email=email,
                name=name,
                department=department,
                topics=topics,
                frequency=frequency,
                source=ConsentSource.ADMIN,
                hash_key=settings.hash_key,
                now=utcnow(),
            )
        except AddressRejected as exc:
            fail(f"--email: {exc}")
        except ValueError as exc:
            fail(str(exc))
        subscriber_id = subscriber.id
    console.print(f"[green]subscriber {subscriber_id} added to {', '.join(topic)}[/green]")


def announce(
    network: Annotated[str, typer.Option(help="The network's slug")],
    topic: Annotated[str, typer.Option(help="The topic whose subscribers get it")],
    subject: Annotated[str, typer.Option(help="The email's subject")],
    body_file: Annotated[Path, typer.Option(help="A text file with the body", exists=True, dir_okay=False)],
    as_admin: Annotated[
        str, typer.Option("--as", help="The work address of the admin (editor or above) it is from")
    ],
) -> None:
    """Announce to a topic's subscribers, through the network's sign-off rule, for the admin `--as` names.

    On a network that requires sign-off this makes an announcement awaiting approval and sends
    nothing: someone else approves it, signed in to the web admin (the command line never approves).
    Otherwise it is queued at once and its message id printed. Either way the audit log records it,
    naming the admin.
    """
    settings = Settings()
    body = body_file.read_text(encoding="utf-8")
    deps = SourceDeps.from_settings(settings, load_task_queue(settings))
    with transaction(settings) as uow:
        owner = network_or_fail(uow, network)
        topic_or_fail(uow, owner, topic)
        try:
            actor = command_line_admin(uow.session, owner, as_admin, AdminRole.EDITOR)
            announcement = announcements.queue_from_cli(
                uow, deps, owner, actor, topic_slug=topic, subject=subject, body=body
            )
        except NotAnAdmin as exc:
            fail(f"--as: {exc}")
        except AnnouncementError as exc:
            fail(str(exc))
        announcement_id, message_id = announcement.id, announcement.message_id
    if message_id is None:
        base = settings.public_base_url.rstrip("/")
        console.print(
            f"[yellow]announcement {announcement_id} is awaiting approval[/yellow]: {network} requires "
            "sign-off, so nothing is sent until someone else approves it, signed in to the web admin:"
        )
        console.print(f"  {base}/admin/{network}/announcements/{announcement_id}")
        return
    console.print(
        f"[green]announcement {announcement_id} queued as message {message_id}[/green]; follow it with:"
    )
    console.print(f"  notifier status {message_id} --follow")
