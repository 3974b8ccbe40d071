"""The Celery entry point (`celery -A workers.main ...`), built from the environment's Settings."""

from __future__ import annotations

from notifier.config import Settings
from notifier.logs import configure_logging
from workers.celery_app import create_celery

configure_logging()
app = create_celery(Settings())

# Registering the tasks on the app above.
from workers.tasks import delivery, maintenance, retention  # noqa: E402, F401
from workers.tasks import sources as event_source_tasks  # noqa: E402, F401
