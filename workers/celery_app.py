"""Building the Celery app from Settings: JSON only, late acks, one message prefetched per thread."""

from __future__ import annotations

from celery import Celery

from notifier.config import Settings
from workers.schedule import beat_schedule


def create_celery(settings: Settings) -> Celery:
    app = Celery("notifier", broker=settings.broker_url, set_as_current=True)
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
        enable_utc=True,
        timezone="UTC",
    )
    if settings.broker_url.startswith("redis"):
        # Redis redelivers an unacked task after this long; sends are short, so keep it modest.
        app.conf.broker_transport_options = {"visibility_timeout": 900}
    return app
