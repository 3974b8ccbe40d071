"""Shared helpers for commands: one Settings per process, sessions, and clear failures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.models import Network, Topic
from notifier.db.session import UnitOfWork, session_factory, unit_of_work
from notifier.repositories import networks as network_repo

console = Console(soft_wrap=True)
errors = Console(stderr=True)


def fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def refuse_to_start(problem: str) -> NoReturn:
    """Unsafe settings stop a process with one plain line on stderr naming the setting, no traceback."""
    print(f"notifier: refusing to start: {problem}", file=sys.stderr)
    raise SystemExit(2)


_sessions_by_database: dict[str, sessionmaker[Session]] = {}


def sessions_for(settings: Settings) -> sessionmaker[Session]:
    """One engine per database for the life of the process: a command may open several units of work."""
    sessions = _sessions_by_database.get(settings.database_url)
    if sessions is None:
        sessions = _sessions_by_database[settings.database_url] = session_factory(settings)
    return sessions


@contextmanager
def transaction(settings: Settings) -> Iterator[UnitOfWork]:
    """The command's unit of work: it commits when the block ends without an error."""
    with unit_of_work(sessions_for(settings)) as uow:
        yield uow


def network_or_fail(uow: UnitOfWork, slug: str) -> Network:
    network = network_repo.get_network_by_slug(uow.session, slug)
    if network is None:
        fail(f"--network: no network called {slug!r} (see `notifier network list`)")
    return network


def topic_or_fail(uow: UnitOfWork, network: Network, slug: str) -> Topic:
    topic = network_repo.get_topic_by_slug(uow.session, network.id, slug)
    if topic is None:
        fail(f"--topic: {network.slug} has no topic called {slug!r}")
    return topic
