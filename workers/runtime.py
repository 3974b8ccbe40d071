"""What a worker process builds once and shares between its task threads.

The Settings are built once per process, by `workers.main`, and handed to the Celery app; the runtime
(sessions, queue, sender) is built from them on first use. Tests put their own runtime on an app with
`install_runtime` instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.signals import worker_init
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.session import session_factory
from notifier.metrics import serve_worker_metrics
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.sending import Sender, SendingConfig
from workers.celery_app import settings_of
from workers.dispatch import CeleryTaskQueue
from workers.notify_routes import NetworkNotifyRouter

_RUNTIME_ATTRIBUTE = "notifier_runtime"
_build_lock = threading.Lock()


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    queue: CeleryTaskQueue
    sender: Sender


def build_runtime(app: Celery, settings: Settings) -> Runtime:
    sessions = session_factory(settings)
    router = NetworkNotifyRouter(settings, sessions)
    sender = Sender(
        sessions,
        router.default.gateway,
        router.default.limiter,
        TemplateComposer.from_settings(settings),
        SendingConfig(
            # Counted from the claim: a request may start up to the claim hold later and then run for
            # the client's timeout twice over (requests applies it to the connect and to the read, each
            # on its own); 5 s more for one Notify took in but had not recorded when the client gave up.
            # A lookup sooner could find nothing and let the row be sent twice.
            ambiguous_grace_seconds=SendingConfig.claim_hold_seconds
            + 2 * settings.notify_timeout_seconds
            + 5,
            time_budget_seconds=settings.send_time_budget_seconds,
            max_attempts=settings.send_max_attempts,
            group_size=settings.send_group_size or (5 if settings.is_sqlite else 20),
            calls_in_flight=settings.send_calls_in_flight,
        ),
        router=router,
    )
    return Runtime(settings, sessions, CeleryTaskQueue(app), sender)


def install_runtime(app: Celery, built: Runtime) -> None:
    """Use this runtime for the app's tasks (tests inject fakes through the Protocols this way)."""
    setattr(app, _RUNTIME_ATTRIBUTE, built)


def runtime(app: Celery) -> Runtime:
    """The app's runtime, built once from its Settings by whichever task thread asks first."""
    built: Runtime | None = getattr(app, _RUNTIME_ATTRIBUTE, None)
    if built is None:
        with _build_lock:
            built = getattr(app, _RUNTIME_ATTRIBUTE, None)
            if built is None:
                built = build_runtime(app, settings_of(app))
                install_runtime(app, built)
    return built


def _serve_metrics(sender: Any = None, **_: object) -> None:
    """Each worker process exports its counters on its own port for Prometheus to scrape."""
    serve_worker_metrics(settings_of(sender.app).worker_metrics_port)


worker_init.connect(_serve_metrics, weak=False)
