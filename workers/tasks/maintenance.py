"""The sweeper task, run by beat."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task

from notifier.db.base import utcnow
from notifier.db.session import unit_of_work
from notifier.services.delivery.sweeper import sweep
from notifier.services.privacy.expired_signups import purge_expired_signups
from notifier.services.subscribers.import_reminders import remind_unconfirmed
from notifier.services.subscribers.signups import ConfirmLinks
from workers.policy import PERIODIC_LIMITS, LoggedTask
from workers.runtime import runtime
from workers.task_names import TaskName

log = structlog.get_logger(__name__)


@shared_task(name=TaskName.SWEEP, bind=True, base=LoggedTask, **PERIODIC_LIMITS)
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


@shared_task(name=TaskName.PURGE_SIGNUPS, bind=True, base=LoggedTask, **PERIODIC_LIMITS)
def purge_signups_task(self: Any) -> None:
    """Unconfirmed sign-ups hold no consent: delete them (and never-confirmed people) once expired; and
    remind, once, the people an admin asked to confirm a week ago."""
    rt = runtime(self.app)
    now = utcnow()
    signups, people = purge_expired_signups(rt.sessions, now)
    if signups or people:
        log.info("signups.purged", signups=signups, subscribers=people)
    with unit_of_work(rt.sessions) as uow:
        reminded = remind_unconfirmed(uow, rt.queue, ConfirmLinks.from_settings(rt.settings), now)
    if reminded:
        log.info("signups.reminded", count=reminded)
