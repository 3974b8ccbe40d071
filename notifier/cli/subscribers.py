"""Subscriber import, membership decisions and tidying unconfirmed sign-ups, for the steering group."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from notifier.cli.common import (
    console,
    errors,
    fail,
    network_or_fail,
    sessions_for,
    topic_or_fail,
    transaction,
)
from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.domain.statuses import Frequency, MembershipStatus
from notifier.queueing import load_task_queue
from notifier.repositories import signups as signup_repo
from notifier.services.common.audit import CLI_ACTOR
from notifier.services.common.scope import NetworkScope, NotFound
from notifier.services.privacy.expired_signups import purge_expired_signups
from notifier.services.subscribers import memberships
from notifier.services.subscribers.consent_choice import ASK, RECORD, ConsentChoice, ConsentRefused
from notifier.services.subscribers.importing import ImportFileError, import_rows, parse_file, read_import_file
from notifier.services.subscribers.membership_decisions import Decision, DecisionMail, decide
from notifier.services.subscribers.signups import ConfirmLinks, SignupContext

membership_app = typer.Typer(
    help="Membership requests: list, approve, decline, revoke.", no_args_is_help=True
)


def _context(settings: Settings) -> SignupContext:
    return SignupContext(
        links=ConfirmLinks.from_settings(settings),
        hash_key=settings.hash_key,
        expiry_days=settings.import_confirm_days,
        now=utcnow(),
    )


def import_subscribers(
    file: Annotated[
        Path, typer.Argument(help="CSV, .xlsx or .ods with columns email,name[,department]", exists=True)
    ],
    network: Annotated[str, typer.Option(help="The network's slug")],
    topic: Annotated[str, typer.Option(help="The topic they are subscribed to")],
    frequency: Annotated[Frequency, typer.Option(help="How often they get email")] = Frequency.IMMEDIATE,
    send_confirmations: Annotated[
        bool,
        typer.Option(help="Email each person a link to confirm (the default; one reminder after 7 days)"),
    ] = True,
    consent_reason: Annotated[
        str,
        typer.Option(
            help="With --no-send-confirmations: why their consent is recorded for them (kept with it)"
        ),
    ] = "",
) -> None:
    """Import people from a CSV, Excel or OpenDocument file: every row or none; bad rows are listed with
    their line numbers. Each person is asked by email to confirm unless consent is recorded with a reason."""
    settings = Settings()
    try:
        choice = ConsentChoice.parse(ASK if send_confirmations else RECORD, consent_reason)
    except ConsentRefused as exc:
        fail(f"--consent-reason: {exc}")
    queue = load_task_queue(settings) if send_confirmations else None
    with transaction(settings) as uow:
        owner = network_or_fail(uow, network)
        chosen = topic_or_fail(uow, owner, topic)
        try:
            parsed = parse_file(owner, read_import_file(file))
        except ImportFileError as exc:
            fail(f"nothing imported: {exc}")
        if parsed.problems:
            for line, reason in parsed.problems:
                errors.print(f"line {line}: {reason}")
            fail(f"nothing imported: {len(parsed.problems)} bad row(s) in {file}")
        report = import_rows(
            uow,
            queue or _NoQueue(),
            owner,
            chosen,
            parsed,
            _context(settings),
            frequency=frequency,
            choice=choice,
        )
    console.print(
        f"[green]imported {len(parsed.rows)} row(s)[/green]: {report.added} subscribed (source import), "
        f"{report.confirmations_sent} asked to confirm, {report.already} already subscribed, "
        f"{report.suppressed_skipped} suppressed and skipped, {report.duplicates} duplicate(s) merged"
    )


class _NoQueue:
    """Importing with consent recorded sends nothing, so it needs no task queue."""

    def enqueue_fanout(self, message_id: int, *, countdown: float = 0) -> None:
        raise AssertionError("an import without confirmations sends nothing")

    def enqueue_send(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("an import without confirmations sends nothing")


def purge_pending() -> None:
    """Delete expired sign-ups and the never-confirmed people they created (beat does this hourly)."""
    signups, people = purge_expired_signups(sessions_for(Settings()), utcnow())
    console.print(f"deleted {signups} expired sign-up(s) and {people} unconfirmed subscriber(s)")


@membership_app.command("list")
def membership_list(
    network: Annotated[str, typer.Option(help="The network's slug")],
    status: Annotated[MembershipStatus | None, typer.Option(help="Only this status")] = None,
) -> None:
    """List membership requests and members (ids, status, dates; no names: use the id with the admin API)."""
    table = Table("id", "subscriber", "status", "requested", "decided")
    with transaction(Settings()) as uow:
        owner = network_or_fail(uow, network)
        for m in signup_repo.memberships(uow.session, owner.id, status):
            decided = m.decided_at.isoformat(timespec="minutes") if m.decided_at else ""
            table.add_row(
                str(m.id),
                str(m.subscriber_id),
                m.status.value,
                m.requested_at.isoformat(timespec="minutes"),
                decided,
            )
    console.print(table)


def _decide(network: str, membership_id: int, action: str, note: str = "") -> None:
    """As the admin web and API decide: audited, and the person emailed when approved or declined."""
    settings = Settings()
    queue = load_task_queue(settings)
    with transaction(settings) as uow:
        owner = network_or_fail(uow, network)
        mail = DecisionMail(uow, queue, settings.public_base_url)
        try:
            done = decide(
                NetworkScope(uow.session, owner), membership_id, Decision(action), note=note, actor=CLI_ACTOR,
                now=utcnow(), mail=mail,
            )  # fmt: skip
        except memberships.MembershipError as exc:
            fail(str(exc))
        except NotFound as exc:
            fail(f"membership {membership_id}: {exc}")
        status = done.status.value
    console.print(f"[green]membership {membership_id} is {status}[/green]")


@membership_app.command("approve")
def membership_approve(
    membership_id: int, network: Annotated[str, typer.Option(help="The network's slug")]
) -> None:
    """Approve a request: the member starts getting the members-only topics."""
    _decide(network, membership_id, "approve")


@membership_app.command("decline")
def membership_decline(
    membership_id: int,
    network: Annotated[str, typer.Option(help="The network's slug")],
    note: Annotated[str, typer.Option(help="Why, for the steering group's records")] = "",
) -> None:
    """Decline a request."""
    _decide(network, membership_id, "decline", note)


@membership_app.command("revoke")
def membership_revoke(
    membership_id: int,
    network: Annotated[str, typer.Option(help="The network's slug")],
    note: Annotated[str, typer.Option(help="Why, for the steering group's records")] = "",
) -> None:
    """End a membership: members-only email stops and the retention clock starts if nothing else remains."""
    _decide(network, membership_id, "revoke", note)
