"""FastAPI dependencies: the settings, a unit of work per request and the task queue, by type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.session import UnitOfWork, unit_of_work
from notifier.services.common.links import LinkBuilder
from notifier.services.common.ports import TaskQueue


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _queue(request: Request) -> TaskQueue:
    queue: TaskQueue = request.app.state.queue
    return queue


def _links(request: Request) -> LinkBuilder:
    links: LinkBuilder = request.app.state.links
    return links


def _uow(request: Request) -> Iterator[UnitOfWork]:
    """The request's unit of work. Its scope is "function": it commits (and runs its after-commit
    enqueues) when the route returns, before the response is sent, so a failed commit answers 503
    (`web/errors.py`) and nothing that was not stored is ever acknowledged."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with unit_of_work(sessions) as uow:
        yield uow


SettingsDep = Annotated[Settings, Depends(_settings)]
QueueDep = Annotated[TaskQueue, Depends(_queue)]
LinksDep = Annotated[LinkBuilder, Depends(_links)]
UowDep = Annotated[UnitOfWork, Depends(_uow, scope="function")]
