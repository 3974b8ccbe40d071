"""Commands for the event sources: admin API tokens, meetings, and running digests by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from notifier.cli.common import console, fail, network_or_fail, sessions_for, transaction
from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.models import AdminMember
from notifier.domain.sources import AdminRole
from notifier.queueing import load_task_queue
from notifier.repositories import meetings as meeting_repo
from notifier.services.admin import admin_tokens
from notifier.services.admin.admin_access import NotAnAdmin, command_line_admin
from notifier.services.common import audit
from notifier.services.common.actors import Actor
from notifier.services.sources import digests, meeting_changes
from notifier.services.sources.meeting_rules import check
from notifier.services.sources.meetings import Audience, MeetingDetails, MeetingError, SourceDeps

if TYPE_CHECKING:
    from notifier.db.models import Meeting, Network
    from notifier.db.session import UnitOfWork

token_app = typer.Typer(help="Admin API tokens (shown once, stored hashed).", no_args_is_help=True)
meeting_app = typer.Typer(
    help="Meetings: invitations, updates, cancellations, minutes.", no_args_is_help=True
)
digest_app = typer.Typer(help="Daily and weekly digests.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    network: Annotated[str, typer.Option(help="The network's slug")],
    role: Annotated[AdminRole, typer.Option(help="editor or admin: a token never approves")],
    label: Annotated[str, typer.Option(help="What the token is for, e.g. 'site build'")],
    email: Annotated[str, typer.Option(help="The holder's work address (for test sends)")],
    created_by: Annotated[
        str, typer.Option(help="The work address of the admin (admin role) who makes it; audits name them")
    ],
) -> None:
    """Create an automation token and print it once; only its hash is kept. Tokens never approve: on a
    network with sign-off, what a token sends waits for a person to approve it in the web admin."""
    with transaction(Settings()) as uow:
        found = network_or_fail(uow, network)
        try:
            maker = command_line_admin(uow.session, found, created_by, AdminRole.ADMIN)
            issued = admin_tokens.issue_token(
                uow.session, found, role=role, label=label, holder_email=email,
                created_by=uow.session.get_one(AdminMember, maker.person_id),
            )  # fmt: skip
        except NotAnAdmin as exc:
            fail(f"--created-by: {exc}")
        except admin_tokens.TokenError as exc:
            fail(f"--{exc}".replace("--created_by", "--created-by"))
        audit.record(uow.session, found.id, maker.audit_name, "token.create", "api_token", issued.token_id)
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
    as_admin: Annotated[
        str, typer.Option("--as", help="The work address of the admin (editor or above) it is from")
    ],
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
    """Create a meeting and send its invitation (with a calendar file) to its audience, or, on a network
    that requires sign-off, ask for approval: nothing is sent until someone else approves it, signed
    in to the web admin."""
    settings = Settings()
    agenda = agenda_file.read_text(encoding="utf-8") if agenda_file else ""
    details = MeetingDetails(title, start, end, location, online_url, agenda)
    with transaction(settings) as uow:
        found = network_or_fail(uow, network)
        deps = SourceDeps.from_settings(settings, load_task_queue(settings))
        try:
            notes = check(details).notes
            meeting = meeting_changes.create_meeting(
                uow,
                deps,
                found,
                details,
                Audience(topic, invitee),
                actor=_acting(uow, found, as_admin),
                reminder_minutes=reminder_minutes,
            )
        except MeetingError as exc:
            fail(str(exc))
        meeting_id, calendar = meeting.id, deps.meeting_links.calendar_url(meeting)
        waiting = meeting_changes.waiting_request_id(uow.session, meeting)
    for note in notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    if waiting:
        console.print(f"[yellow]meeting {meeting_id} created; its invitation is awaiting approval[/yellow]")
        _waiting(settings, network, waiting)
        return
    console.print(f"[green]meeting {meeting_id} created; invitations queued[/green]")
    console.print(f"calendar file: {calendar}")


def _acting(uow: UnitOfWork, network: Network, email: str) -> Actor:
    try:
        return command_line_admin(uow.session, network, email, AdminRole.EDITOR)
    except NotAnAdmin as exc:
        fail(f"--as: {exc}")


def _waiting(settings: Settings, network: str, request_id: int) -> None:
    base = settings.public_base_url.rstrip("/")
    console.print(
        f"{network} requires sign-off: nothing is sent until someone else approves it, signed in to the web "
        f"admin: {base}/admin/{network}/approvals/{request_id}"
    )


def _meeting_or_fail(uow: UnitOfWork, network: str, meeting_id: int) -> tuple[Network, Meeting]:
    found = network_or_fail(uow, network)
    meeting = meeting_repo.get_meeting(uow.session, found.id, meeting_id)
    if meeting is None:
        fail(f"no meeting {meeting_id} in {network}")
    return found, meeting


@meeting_app.command("update")
def meeting_update(
    network: Annotated[str, typer.Option(help="The network's slug")],
    meeting_id: Annotated[int, typer.Argument(help="The meeting's id (see the admin API's list)")],
    as_admin: Annotated[
        str, typer.Option("--as", help="The work address of the admin (editor or above) it is from")
    ],
    title: Annotated[str | None, typer.Option(help="A new title")] = None,
    start: Annotated[datetime | None, typer.Option(help="A new start, London time")] = None,
    end: Annotated[datetime | None, typer.Option(help="A new end, London time")] = None,
    location: Annotated[str | None, typer.Option(help="A new location; '' removes it")] = None,
    online_url: Annotated[str | None, typer.Option(help="A new https link; '' removes it")] = None,
    agenda_file: Annotated[Path | None, typer.Option(help="A text file with the new agenda")] = None,
    note: Annotated[str, typer.Option(help="Added to the email after the list of changes")] = "",
) -> None:
    """Change only the details given and send everyone invited an update listing exactly what changed
    (the calendar entry keeps its UID; its SEQUENCE rises)."""
    settings = Settings()
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("title", title),
            ("start", start),
            ("end", end),
            ("location", location),
            ("online_url", online_url),
        )
        if value is not None
    }
    if agenda_file is not None:
        changes["agenda"] = agenda_file.read_text(encoding="utf-8")
    if not changes:
        fail("give at least one of --title, --start, --end, --location, --online-url, --agenda-file")
    with transaction(settings) as uow:
        found, meeting = _meeting_or_fail(uow, network, meeting_id)
        deps = SourceDeps.from_settings(settings, load_task_queue(settings))
        try:
            actor = _acting(uow, found, as_admin)
            update = meeting_changes.update_meeting(uow, deps, meeting, changes, note=note, actor=actor)
        except MeetingError as exc:
            fail(str(exc))
    for line in update.notes:
        console.print(f"[yellow]note:[/yellow] {line}")
    if update.approval_request_id:
        _waiting(settings, network, update.approval_request_id)
        return
    console.print(f"[green]meeting {meeting_id} updated; update emails queued[/green]")
    for line in update.changes:
        console.print(f"  {line}")


@meeting_app.command("minutes")
def meeting_minutes(
    network: Annotated[str, typer.Option(help="The network's slug")],
    meeting_id: Annotated[int, typer.Argument(help="The meeting's id")],
    as_admin: Annotated[
        str, typer.Option("--as", help="The work address of the admin (editor or above) it is from")
    ],
    url: Annotated[str, typer.Option(help="The minutes' https page on the network's site")] = "",
    body_file: Annotated[Path | None, typer.Option(help="A text file with the minutes")] = None,
    held_override: Annotated[
        bool, typer.Option(help="Publish although the meeting has not ended or was cancelled (audited)")
    ] = False,
) -> None:
    """Send the minutes of a meeting that was held to its audience (a link, the text, or both)."""
    settings = Settings()
    body = body_file.read_text(encoding="utf-8") if body_file else ""
    with transaction(settings) as uow:
        found, meeting = _meeting_or_fail(uow, network, meeting_id)
        deps = SourceDeps.from_settings(settings, load_task_queue(settings))
        try:
            outcome = meeting_changes.publish_minutes(
                uow,
                deps,
                found,
                meeting,
                url=url,
                body=body,
                actor=_acting(uow, found, as_admin),
                held_override=held_override,
            )
        except MeetingError as exc:
            fail(str(exc))
    if outcome.approval_request_id:
        _waiting(settings, network, outcome.approval_request_id)
        return
    console.print(f"[green]minutes of meeting {meeting_id} queued[/green]")


@meeting_app.command("cancel")
def meeting_cancel(
    network: Annotated[str, typer.Option(help="The network's slug")],
    meeting_id: Annotated[int, typer.Argument(help="The meeting's id")],
    as_admin: Annotated[
        str, typer.Option("--as", help="The work address of the admin (editor or above) it is from")
    ],
    note: Annotated[str, typer.Option(help="Why, for the cancellation email")] = "",
) -> None:
    """Cancel a meeting still to come and send its audience the cancellation (the calendar file
    becomes a CANCEL with the same UID, and the join link is withdrawn)."""
    settings = Settings()
    with transaction(settings) as uow:
        found, meeting = _meeting_or_fail(uow, network, meeting_id)
        deps = SourceDeps.from_settings(settings, load_task_queue(settings))
        try:
            waiting = meeting_changes.cancel_meeting(
                uow, deps, meeting, note=note, actor=_acting(uow, found, as_admin)
            )
        except MeetingError as exc:
            fail(str(exc))
    if waiting:
        _waiting(settings, network, waiting)
        return
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
