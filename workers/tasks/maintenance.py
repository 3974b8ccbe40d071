"""The sweeper task, run by beat."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task

from notifier.services.sweeper import sweep
from workers.runtime import runtime

log = structlog.get_logger(__name__)


@shared_task(name="notifier.sweep", bind=True)
def sweep_task(self: Any) -> None:
    rt = runtime(self.app)
    done = sweep(
        rt.sessions,
        rt.queue,
        rt.sender,
        stuck_after_seconds=rt.settings.stuck_after_seconds,
        chunk_size=rt.settings.send_chunk_size,
    )
    if done:
        log.info("sweep.done", **done)
