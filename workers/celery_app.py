"""Building the Celery app from Settings: JSON only, late acks, one message prefetched per thread."""

from __future__ import annotations

from celery import Celery

from notifier.config import Settings
from workers.embedded_broker import EMBEDDED_TRANSPORT_OPTIONS, declare_queues, is_embedded
from workers.schedule import beat_schedule

_SETTINGS_ATTRIBUTE = "notifier_settings"


def create_celery(settings: Settings) -> Celery:
    app = Celery("notifier", broker=settings.broker_url, set_as_current=True)
    attach_settings(app, settings)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="send",
        task_create_missing_queues=True,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        beat_schedule=beat_schedule(settings),
        beat_schedule_filename=str(settings.var_dir / "celerybeat-schedule"),
        beat_scheduler="workers.beat:SingleBeatScheduler",  # one beat sends jobs, the others stand by
        enable_utc=True,
        timezone="UTC",
    )
    if settings.broker_url.startswith("redis"):
        # Redis redelivers an unacked task after this long; sends are short, so keep it modest.
        app.conf.broker_transport_options = {"visibility_timeout": 900}
    if is_embedded(settings.broker_url):
        app.conf.broker_transport_options = EMBEDDED_TRANSPORT_OPTIONS
        declare_queues(app, settings.broker_url)
    return app


def attach_settings(app: Celery, settings: Settings) -> None:
    """Give the app the process's one Settings; every task reads them from here."""
    setattr(app, _SETTINGS_ATTRIBUTE, settings)


def settings_of(app: Celery) -> Settings:
    settings: Settings | None = getattr(app, _SETTINGS_ATTRIBUTE, None)
    if settings is None:
        raise RuntimeError("the Celery app has no Settings: build it with workers.celery_app.create_celery")
    return settings
