"""What a worker process builds once and shares between its task threads."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from celery import Celery
from celery.signals import worker_init
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.session import session_factory
from notifier.gateway.notify import build_gateway
from notifier.metrics import serve_worker_metrics
from notifier.ratelimit import build_limiter
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.sending import Sender, SendingConfig
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
        SendingConfig(
            ambiguous_grace_seconds=settings.notify_timeout_seconds + 5,
            time_budget_seconds=settings.send_time_budget_seconds,
            max_attempts=settings.send_max_attempts,
        ),
    )
    return Runtime(settings, sessions, CeleryTaskQueue(app), sender)


def _serve_metrics(**_: object) -> None:
    """Each worker process exports its counters on its own port for Prometheus to scrape."""
    serve_worker_metrics(Settings().worker_metrics_port)


worker_init.connect(_serve_metrics, weak=False)
