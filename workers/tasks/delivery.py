"""Fan-out and send tasks."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task

from notifier.services.delivery.fanout import fan_out_next_batch
from workers.embedded_broker import publishing
from workers.policy import BATCH_LIMITS, SEND_LIMITS, LoggedTask
from workers.runtime import runtime
from workers.task_names import TaskName

log = structlog.get_logger(__name__)

# Longer waits (Notify's daily limit) are left to the sweeper rather than held as ETA tasks.
LONGEST_COUNTDOWN_SECONDS = 120.0


@shared_task(name=TaskName.FANOUT, bind=True, base=LoggedTask, **BATCH_LIMITS)
def fanout(self: Any, message_id: int) -> None:
    rt = runtime(self.app)
    result = fan_out_next_batch(
        rt.sessions,
        rt.queue,
        message_id,
        batch_size=rt.settings.fanout_batch_size,
        chunk_size=rt.settings.send_chunk_size,
        parallelism=1 if rt.settings.is_sqlite else rt.settings.fanout_parallelism,
    )
    log.info("fanout.batch", message_id=message_id, inserted=result.inserted, finished=result.finished)


@shared_task(name=TaskName.SEND_CHUNK, bind=True, base=LoggedTask, **SEND_LIMITS)
def send_chunk(self: Any, message_id: int, first_delivery_id: int, last_delivery_id: int) -> None:
    rt = runtime(self.app)
    report = rt.sender.send_chunk(message_id, first_delivery_id, last_delivery_id)
    log.info(
        "send.chunk",
        message_id=message_id,
        first=first_delivery_id,
        last=last_delivery_id,
        **{step.value: count for step, count in report.steps.items()},
        retry_in=report.retry_in_seconds,
    )
    if report.retry_in_seconds is not None and report.retry_in_seconds <= LONGEST_COUNTDOWN_SECONDS:
        with publishing(self.app):
            self.apply_async(
                args=[message_id, first_delivery_id, last_delivery_id],
                countdown=report.retry_in_seconds,
                queue=self.request.delivery_info.get("routing_key") or None,
            )
