"""`notifier network notify ...`: a network's own GOV.UK Notify service (keys are typed, never echoed)."""

from __future__ import annotations

import functools
from typing import Annotated

import typer
from rich.table import Table

from notifier.cli.common import console, fail, network_or_fail, transaction
from notifier.config import NotifyKeyType, Settings
from notifier.db.base import utcnow
from notifier.gateway.notify import check_key
from notifier.services.admin import notify_services
from notifier.services.common.audit import CLI_ACTOR
from notifier.services.common.secrets_at_rest import SecretBox, SecretUnreadable

notify_app = typer.Typer(
    help="A network's own GOV.UK Notify service; without one it sends through the deployment's.",
    no_args_is_help=True,
)


def _read_key(kind: NotifyKeyType, required: bool) -> str | None:
    prompt = f"Notify API key ({kind.value})" + ("" if required else ", or Enter to leave it as it is")
    typed: str = typer.prompt(
        prompt, hide_input=True, default="" if not required else None, show_default=False
    )
    return typed.strip() or None


@notify_app.command("set")
def notify_set(
    network: Annotated[str, typer.Option(help="The network's slug")],
    template_id: Annotated[str, typer.Option(help="The id of the service's generic template")],
    sending_key: Annotated[NotifyKeyType, typer.Option(help="Which key sends")] = NotifyKeyType.LIVE,
    also: Annotated[
        list[NotifyKeyType], typer.Option(help="Another key of the same service to store; repeat")
    ] = [],  # noqa: B006
    reply_to_id: Annotated[str | None, typer.Option(help="The service's reply-to address id")] = None,
    callback_token: Annotated[
        bool, typer.Option(help="Also type the bearer token set in Notify's callback settings")
    ] = False,
) -> None:
    """Use the network's own Notify service. Keys are typed at a hidden prompt (or piped on stdin)."""
    keys: dict[NotifyKeyType, str] = {}
    for kind in dict.fromkeys([sending_key, *also]):
        key = _read_key(kind, required=kind is sending_key)
        if key:
            keys[kind] = key
    token = typer.prompt("Callback bearer token", hide_input=True) if callback_token else None
    settings = Settings()
    with transaction(settings) as uow:
        found = network_or_fail(uow, network)
        entry = notify_services.NotifyServiceEntry(
            sending_key=sending_key,
            template_id=template_id,
            api_keys=keys,
            reply_to_id=reply_to_id,
            callback_token=token,
        )
        try:
            summary = notify_services.set_notify_service(
                uow.session, SecretBox.from_settings(settings), found, entry, actor=CLI_ACTOR, now=utcnow()
            )
        except notify_services.NotifyServiceRefused as refused:
            fail(str(refused))
    console.print(f"[green]{network} now sends from Notify service {summary.service_id}[/green]")
    console.print("Check it works with: notifier network notify check --network " + network)


@notify_app.command("show")
def notify_show(network: Annotated[str, typer.Option(help="The network's slug")]) -> None:
    """Show which Notify service a network sends from (never its keys)."""
    with transaction(Settings()) as uow:
        found = network_or_fail(uow, network)
        summary = notify_services.describe(uow.session, found)
    if summary is None:
        console.print(f"{network} sends through the deployment's Notify service")
        return
    table = Table(show_header=False)
    table.add_row("service id", summary.service_id)
    table.add_row("sending key", summary.sending_key.value)
    table.add_row("keys stored", ", ".join(kind.value for kind in summary.keys_set))
    table.add_row("template id", summary.template_id or "-")
    table.add_row("reply-to id", summary.reply_to_id or "-")
    table.add_row("callback token", "its own" if summary.own_callback_token else "the deployment's")
    table.add_row("last checked", summary.checked_at.isoformat() if summary.checked_at else "never")
    console.print(table)


@notify_app.command("check")
def notify_check(network: Annotated[str, typer.Option(help="The network's slug")]) -> None:
    """Prove the network's key works: fetch its template from Notify (nothing is sent)."""
    settings = Settings()
    with transaction(settings) as uow:
        found = network_or_fail(uow, network)
        try:
            result = notify_services.check_notify_service(
                uow.session,
                SecretBox.from_settings(settings),
                found,
                functools.partial(check_key, settings),
                actor=CLI_ACTOR,
                now=utcnow(),
            )
        except SecretUnreadable as error:
            fail(f"{error}: check NOTIFIER_ENCRYPTION_KEYS")
        if result is None:
            fail(f"{network} has no Notify service of its own (see `notifier network notify set`)")
    if result.problem is not None:
        fail(f"the key did not work: {result.problem}")
    console.print(
        f"[green]{network}: Notify service {result.service_id} answered; the template exists[/green]"
    )


@notify_app.command("clear")
def notify_clear(network: Annotated[str, typer.Option(help="The network's slug")]) -> None:
    """Forget the network's own service (its keys are deleted); it sends through the deployment's."""
    with transaction(Settings()) as uow:
        found = network_or_fail(uow, network)
        had = notify_services.clear_notify_service(uow.session, found, actor=CLI_ACTOR)
    console.print(f"{network} sends through the deployment's Notify service" + ("" if had else " (already)"))


@notify_app.command("rotate-encryption")
def notify_rotate_encryption() -> None:
    """Re-encrypt every stored Notify key with the first of NOTIFIER_ENCRYPTION_KEYS."""
    settings = Settings()
    with transaction(settings) as uow:
        try:
            count = notify_services.rotate_encryption(uow.session, SecretBox.from_settings(settings))
        except SecretUnreadable as error:
            fail(f"{error}: keep the old key in NOTIFIER_ENCRYPTION_KEYS until this has run")
    console.print(f"re-encrypted {count} key(s) with the newest encryption key")
