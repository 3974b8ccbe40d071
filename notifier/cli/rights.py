"""Retention and data-subject requests from the command line: reports, runs, rules and requests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from notifier.cli.common import console, fail, network_or_fail, sessions_for, transaction
from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.models import RetentionEvidence, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.emails import normalise_email
from notifier.domain.retention import Period, RetentionKind, RuleTooLong
from notifier.domain.rights import DataRequestKind
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.audit import CLI_ACTOR
from notifier.services.privacy import rights
from notifier.services.privacy.contact import AddressRefused, set_steering_group_address
from notifier.services.privacy.retention import run_to_completion, set_rule
from notifier.services.privacy.retention_report import archive_report, retention_report
from notifier.services.privacy.rights_export import bundle_as_csv, export_bundle

retention_app = typer.Typer(help="Retention: what is due when, and applying the rules.", no_args_is_help=True)
rights_app = typer.Typer(help="Data-subject requests and their one-month deadlines.", no_args_is_help=True)
contact_app = typer.Typer(help="The contact form's enquiries.", no_args_is_help=True)
NetworkOption = Annotated[str, typer.Option(help="The network's slug")]


def _when(moment: object) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


@retention_app.command("report")
def report(network: NetworkOption) -> None:
    """A dry run: each rule's period, what is due now and when the next item falls due."""
    settings, now = Settings(), utcnow()
    table = Table("rule", "period", "data stamped before", "due now", "next due", "kept")
    reasons = []
    with transaction(settings) as uow:
        owner = network_or_fail(uow, network)
        for line in retention_report(uow.session, settings, owner.id, now):
            table.add_row(
                line.kind.value,
                line.period.describe(),
                _when(line.cutoff),
                str(line.due_now),
                _when(line.next_due_at),
                f"{line.kept} *" if line.kept else "-",
            )
            reasons += (
                [f"* {line.kind.value}: {line.kept} past the period {line.kept_because}"] if line.kept else []
            )
        archive = archive_report(uow.session, settings, owner.id, now)
    console.print(table)
    console.print(f"archive items: {archive.summary}")
    for reason in reasons:
        console.print(reason)


@retention_app.command("run")
def run() -> None:
    """Apply every network's rules now, in bounded batches, and print the evidence recorded."""
    settings = Settings()
    state = run_to_completion(sessions_for(settings), settings, utcnow())
    table = Table("network", "rule", "period", "counts")
    with transaction(settings) as uow:
        rows = uow.session.scalars(
            select(RetentionEvidence)
            .where(RetentionEvidence.run_id == state.run_id)
            .order_by(RetentionEvidence.id)
        )
        for row in rows:
            counts = ", ".join(f"{k}={v}" for k, v in row.counts.items() if v) or "nothing due"
            table.add_row(str(row.network_id), row.kind.value, row.period, counts)
    console.print(f"retention run {state.run_id}")
    console.print(table)


@retention_app.command("set-rule")
def set_rule_command(
    network: NetworkOption,
    rule: Annotated[RetentionKind, typer.Option(help="Which rule")],
    months: Annotated[int, typer.Option(min=0)] = 0,
    days: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """Shorten a rule for one network (a period longer than the privacy notice's is refused)."""
    with transaction(Settings()) as uow:
        owner = network_or_fail(uow, network)
        try:
            set_rule(uow.session, owner.id, rule, Period(months, days), utcnow())
        except RuleTooLong as exc:
            fail(str(exc))
    console.print(f"[green]{rule.value} for {network} is now {Period(months, days).describe()}[/green]")


def _subscriber_or_fail(
    uow: UnitOfWork, network_id: int, email: str | None, subscriber_id: int | None
) -> Subscriber:
    found = None
    if subscriber_id is not None:
        found = subscriber_repo.get_subscriber(uow.session, network_id, subscriber_id)
    elif email:
        found = subscriber_repo.get_subscriber_by_email(uow.session, network_id, normalise_email(email))
    if found is None:
        fail("no such subscriber in this network (give --email or --subscriber-id)")
    return found


@rights_app.command("list")
def list_requests(
    network: NetworkOption,
    all_requests: Annotated[bool, typer.Option("--all", help="Closed requests too")] = False,
) -> None:
    """Requests with their one-month deadlines, soonest first; overdue ones in red."""
    now = utcnow()
    table = Table("id", "kind", "origin", "status", "received", "deadline", "left", "outcome")
    with transaction(Settings()) as uow:
        owner = network_or_fail(uow, network)
        for request in rights.requests_for_admin(uow.session, owner.id, open_only=not all_requests):
            summary = rights.deadline_summary(request, now)
            left = "done" if request.completed_at else f"{summary['days_left']} days"
            if summary["overdue"]:
                left = f"[red]OVERDUE {-summary['days_left']} days[/red]"
            table.add_row(
                str(request.id),
                request.kind.value,
                request.origin.value,
                request.status.value,
                _when(request.received_at),
                _when(request.deadline_at),
                left,
                request.outcome,
            )
    console.print(table)


@rights_app.command("record")
def record(
    network: NetworkOption,
    kind: Annotated[DataRequestKind, typer.Option(help="What the person asked for")],
    email: Annotated[str | None, typer.Option(help="The person's address")] = None,
    subscriber_id: Annotated[int | None, typer.Option(help="Or their subscriber id")] = None,
    name: Annotated[str, typer.Option(help="Rectification: the corrected name")] = "",
    department: Annotated[str, typer.Option(help="Rectification: the corrected department")] = "",
) -> None:
    """Record a request you verified yourself (a letter, a call) and act on it now."""
    settings = Settings()
    with transaction(settings) as uow:
        owner = network_or_fail(uow, network)
        person = _subscriber_or_fail(uow, owner.id, email, subscriber_id)
        try:
            request = rights.record_admin_request(
                uow.session,
                rights.RightsContext.from_settings(settings),
                person,
                kind,
                {"name": name, "department": department},
                utcnow(),
            )
        except rights.RequestRefused as exc:
            fail(f"--{exc}")
        request_id, outcome, status = request.id, request.outcome, request.status.value
    console.print(f"[green]request {request_id} ({kind.value}): {status}[/green] {outcome}")


@rights_app.command("export")
def export(
    network: NetworkOption,
    out: Annotated[Path, typer.Option(help="Directory to write your-data.json and your-data.csv in")],
    email: Annotated[str | None, typer.Option(help="The person's address")] = None,
    subscriber_id: Annotated[int | None, typer.Option(help="Or their subscriber id")] = None,
) -> None:
    """Access and portability: record the request and write everything held about the person."""
    settings = Settings()
    now = utcnow()
    with transaction(settings) as uow:
        owner = network_or_fail(uow, network)
        person = _subscriber_or_fail(uow, owner.id, email, subscriber_id)
        context = rights.RightsContext.from_settings(settings)
        rights.record_admin_request(uow.session, context, person, DataRequestKind.ACCESS, {}, now)
        bundle = export_bundle(
            uow.session, person, notify_retention_days=settings.notify_retention_days, now=now
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "your-data.json").write_text(json.dumps(bundle, indent=2), encoding="utf-8")
    (out / "your-data.csv").write_text(bundle_as_csv(bundle), encoding="utf-8")
    console.print(f"[green]wrote {out / 'your-data.json'} and {out / 'your-data.csv'}[/green]")


@contact_app.command("set-address")
def set_contact_address(
    network: NetworkOption,
    email: Annotated[str, typer.Option(help="The steering group's address: enquiries are forwarded to it")],
) -> None:
    """Where the contact form's enquiries go (through Notify)."""
    with transaction(Settings()) as uow:
        owner = network_or_fail(uow, network)
        try:
            set_steering_group_address(uow.session, owner, email, actor=CLI_ACTOR)
        except AddressRefused as exc:
            fail(f"--email: {exc}")
    console.print(f"[green]{network}'s contact form now goes to its steering group address[/green]")
