"""The daily retention run (one bounded batch per task, re-queued until nothing more is due), the
folding of old deliveries into tallies (the same way), and the forwarding of contact-form enquiries to
steering groups."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task

from notifier.db.base import utcnow
from notifier.db.session import unit_of_work
from notifier.services.privacy.contact import forward_pending
from notifier.services.privacy.folding import fold_old_deliveries
from notifier.services.privacy.retention import RunState, run_batch, start_run
from workers.embedded_broker import publishing
from workers.policy import BATCH_LIMITS, PERIODIC_LIMITS, LoggedTask
from workers.queues import QueueName
from workers.runtime import runtime
from workers.task_names import TaskName

log = structlog.get_logger(__name__)


@shared_task(name=TaskName.RETENTION_RUN, bind=True, base=LoggedTask, **BATCH_LIMITS)
def retention_run(
    self: Any, run_id: str | None = None, started_at: str | None = None, delivery_cursor: object = None
) -> None:
    rt = runtime(self.app)
    if run_id is None or started_at is None:
        state = start_run(utcnow())
    else:
        state = RunState.resume(run_id, started_at, delivery_cursor)
    following = run_batch(rt.sessions, rt.settings, state)
    log.info("retention.batch", run_id=state.run_id, more=following is not None)
    if following is not None:
        with publishing(self.app):
            self.apply_async(args=following.task_args(), queue=QueueName.MAINTENANCE.value)


@shared_task(name=TaskName.FOLD_DELIVERIES, bind=True, base=LoggedTask, **BATCH_LIMITS)
def fold_deliveries(self: Any) -> None:
    rt = runtime(self.app)
    with unit_of_work(rt.sessions) as uow:
        folded = fold_old_deliveries(uow.session, rt.settings, utcnow())
    log.info("deliveries.folded", rows=folded)
    if folded == rt.settings.retention_batch_size:  # a full batch: more may be due
        with publishing(self.app):
            self.apply_async(queue=QueueName.MAINTENANCE.value)


@shared_task(name=TaskName.FORWARD_ENQUIRIES, bind=True, base=LoggedTask, **PERIODIC_LIMITS)
def forward_enquiries(self: Any) -> None:
    rt = runtime(self.app)
    forwarded = forward_pending(rt.sessions, rt.sender.router)
    if forwarded:
        log.info("contact.forwarded", count=forwarded)
