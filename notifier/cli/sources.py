"""Commands for the event sources: admin API tokens, meetings, and running digests by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from notifier.cli.common import console, fail, network_or_fail, sessions_for, transaction
from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.domain.sources import AdminRole
from notifier.queueing import load_task_queue
from notifier.repositories import meetings as meeting_repo
from notifier.services.admin import admin_tokens
from notifier.services.common import audit
from notifier.services.sources import digests, meetings
from notifier.services.sources.meetings import Audience, MeetingDetails, MeetingError, SourceDeps

token_app = typer.Typer(help="Admin API tokens (shown once, stored hashed).", no_args_is_help=True)
meeting_app = typer.Typer(
    help="Meetings: invitations, updates, cancellations, minutes.", no_args_is_help=True
)
digest_app = typer.Typer(help="Daily and weekly digests.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    network: Annotated[str, typer.Option(help="The network's slug")],
    role: Annotated[AdminRole, typer.Option(help="editor, approver or admin")],
    label: Annotated[str, typer.Option(help="Whose token it is, e.g. 'Sam (comms lead)'")],
    email: Annotated[str, typer.Option(help="The holder's work address (for test sends and sign-off)")],
) -> None:
    """Create a token and print it once; only its hash is kept."""
    with transaction(Settings()) as uow:
        found = network_or_fail(uow, network)
        try:
            issued = admin_tokens.issue_token(uow.session, found, role=role, label=label, holder_email=email)
        except admin_tokens.TokenError as exc:
            fail(str(exc))
        audit.record(uow.session, found.id, audit.CLI_ACTOR, "token.create", "api_token", issued.token_id)
    console.print(f"[green]token {issued.token_id} ({role.value}) for {network}[/green]")
    console.print(f"Authorization: Bearer {issued.secret}")


@token_app.command("list")
def token_list(network: Annotated[str, typer.Option(help="The network's slug")]) -> None:
    table = Table("id", "role", "label", "created", "revoked")
    with transaction(Settings()) as uow:
        for token in admin_tokens.list_tokens(uow.session, network_or_fail(uow, network)):
            revoked = f"{token.revoked_at:%Y-%m-%d}" if token.revoked_at else ""
            table.add_row(
                str(token.id), token.role.value, token.label, f"{token.created_at:%Y-%m-%d}", revoked
            )
    console.print(table)


@token_app.command("revoke")
def token_revoke(network: Annotated[str, typer.Option()], token_id: Annotated[int, typer.Argument()]) -> None:
    with transaction(Settings()) as uow:
        found = network_or_fail(uow, network)
        if not admin_tokens.revoke(uow.session, found, token_id):
            fail(f"no live token {token_id} in {network}")
        audit.record(uow.session, found.id, audit.CLI_ACTOR, "token.revoke", "api_token", token_id)
    console.print(f"revoked token {token_id}")


@meeting_app.command("create")
def meeting_create(
    network: Annotated[str, typer.Option(help="The network's slug")],
    title: Annotated[str, typer.Option()],
    start: Annotated[datetime, typer.Option(help="London time, e.g. 2025-03-05T18:00")],
    end: Annotated[datetime, typer.Option(help="London time")],
    location: Annotated[str, typer.Option()] = "",
    online_url: Annotated[str, typer.Option(help="https link; emails link to a page on this service")] = "",
    agenda_file: Annotated[Path | None, typer.Option(help="A text file with the agenda")] = None,
    topic: Annotated[list[str], typer.Option(help="Topic slug to invite; repeat")] = [],  # noqa: B006
    invitee: Annotated[list[str], typer.Option(help="A subscriber's address to invite; repeat")] = [],  # noqa: B006
    reminder_minutes: Annotated[int | None, typer.Option(help="Remind this long before the start")] = None,
) -> None:
    """Create a meeting and send its invitation (with a calendar file) to its audience."""
    settings = Settings()
    agenda = agenda_file.read_text(encoding="utf-8") if agenda_file else ""
    details = MeetingDetails(title, start, end, location, online_url, agenda)
    with transaction(settings) as uow:
        found = network_or_fail(uow, network)
        deps = SourceDeps.from_settings(settings, load_task_queue(settings))
        try:
            meeting = meetings.create_meeting(
                uow,
                deps,
                found,
                details,
                Audience(topic, invitee),
                actor=audit.CLI_ACTOR,
                reminder_minutes=reminder_minutes,
            )
        except MeetingError as exc:
            fail(str(exc))
        meeting_id, calendar = meeting.id, deps.meeting_links.calendar_url(meeting)
    console.print(f"[green]meeting {meeting_id} created; invitations queued[/green]")
    console.print(f"calendar file: {calendar}")


@meeting_app.command("cancel")
def meeting_cancel(
    network: Annotated[str, typer.Option()],
    meeting_id: Annotated[int, typer.Argument()],
    note: Annotated[str, typer.Option(help="Why, for the cancellation email")] = "",
) -> None:
    settings = Settings()
    with transaction(settings) as uow:
        found = network_or_fail(uow, network)
        meeting = meeting_repo.get_meeting(uow.session, found.id, meeting_id)
        if meeting is None:
            fail(f"no meeting {meeting_id} in {network}")
        deps = SourceDeps.from_settings(settings, load_task_queue(settings))
        try:
            meetings.cancel_meeting(uow, deps, meeting, note=note, actor=audit.CLI_ACTOR)
        except MeetingError as exc:
            fail(str(exc))
    console.print(f"meeting {meeting_id} cancelled; cancellations queued")


@digest_app.command("run")
def digest_run() -> None:
    """Send every network's latest daily and weekly digest that has not gone yet (beat does this)."""
    settings = Settings()
    queue = load_task_queue(settings)
    ran = digests.run_due_digests(
        sessions_for(settings), queue, utcnow(), chunk_size=settings.send_chunk_size
    )
    for outcome in ran:
        console.print(
            f"network {outcome.network_id} {outcome.frequency.value}: "
            f"{outcome.recipients} recipient(s), message {outcome.message_id or '-'}"
        )
    if not ran:
        console.print("nothing due: every period has run")
