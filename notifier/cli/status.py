"""`notifier status MESSAGE_ID`: where a message has got to, live with --follow."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from notifier.cli.common import console, fail, sessions_for
from notifier.config import Settings
from notifier.db.session import unit_of_work
from notifier.services.admin.reporting import MessageProgress, message_progress


def _table(progress: MessageProgress) -> Table:
    table = Table(title=f"message {progress.message_id}: {progress.status}", show_header=False)
    table.add_row("topic", progress.topic)
    for label, count in progress.counts.items():
        table.add_row(label, str(count))
    if progress.note:
        table.add_row("note", progress.note)
    for reason, count in progress.failures:
        table.add_row(f"failed: {count}", reason)
    return table


def status(
    message_id: Annotated[int, typer.Argument(help="The message id printed when it was queued")],
    follow: Annotated[bool, typer.Option(help="Keep watching until the message is done")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between refreshes with --follow")] = 1.0,
) -> None:
    """Show a message's deliveries: queued, sent, delivered, failed."""
    sessions = sessions_for(Settings())

    def read() -> MessageProgress:
        with unit_of_work(sessions) as uow:
            found = message_progress(uow.session, message_id)
        if found is None:
            fail(f"no message {message_id}")
        return found

    progress = read()
    if not follow:
        console.print(_table(progress))
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console)
    tasks = {
        label: bar.add_task(label, total=max(progress.total, 1)) for label in ("sent", "delivered", "failed")
    }
    with Live(bar, console=console, refresh_per_second=4):
        while True:
            for label, task in tasks.items():
                bar.update(task, total=max(progress.total, 1), completed=progress.counts.get(label, 0))
            if progress.finished:
                break
            time.sleep(interval)
            progress = read()
    console.print(_table(progress))
