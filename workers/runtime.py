"""What a worker process builds once and shares between its task threads."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.session import session_factory
from notifier.gateway.notify import build_gateway
from notifier.ratelimit import build_limiter
from notifier.services.emails import TemplateComposer
from notifier.services.sending import Sender, SendingConfig
from workers.dispatch import CeleryTaskQueue


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    queue: CeleryTaskQueue
    sender: Sender


@functools.cache
def runtime(app: Celery) -> Runtime:
    settings = Settings()
    sessions = session_factory(settings)
    sender = Sender(
        sessions,
        build_gateway(settings),
        build_limiter(settings),
        TemplateComposer.from_settings(settings),
        SendingConfig(ambiguous_grace_seconds=settings.notify_timeout_seconds + 5),
    )
    return Runtime(settings, sessions, CeleryTaskQueue(app), sender)
