"""FastAPI dependencies every surface shares: the settings, the request's unit of work, the task queue,
the link builder and the time, by type; and the network a public page's address names.

A dependency that cannot give what the route needs raises (`web/problems.py`, or the services'
`NotFound`), and the app turns that into the surface's page: no route checks for an error page in
place of its argument.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.session import UnitOfWork, unit_of_work
from notifier.services.common.links import LinkBuilder
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope, network_by_slug
from notifier.web.problems import remember_frame


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
    (`web/errors.py`) and nothing that was not stored is ever acknowledged. A route that raises rolls
    it back, after-commit work included."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with unit_of_work(sessions) as uow:
        yield uow


def _now() -> datetime:
    return utcnow()


SettingsDep = Annotated[Settings, Depends(_settings)]
QueueDep = Annotated[TaskQueue, Depends(_queue)]
LinksDep = Annotated[LinkBuilder, Depends(_links)]
UowDep = Annotated[UnitOfWork, Depends(_uow, scope="function")]
NowDep = Annotated[datetime, Depends(_now)]


def _network(slug: str, request: Request, uow: UowDep) -> NetworkScope:
    """The network a public page's `/{slug}` names; an unknown one is the 404 page."""
    scope = network_by_slug(uow.session, slug)
    remember_frame(request, scope.network)
    return scope


NetworkDep = Annotated[NetworkScope, Depends(_network)]
