"""The event sources' scheduled work, run by beat: due meeting reminders, scheduled announcements,
digest periods that have ended, alerts to admins about what waits for them, and the steering group's
turnover (terms of office ending, inactive admins suspended, the quarterly access review). Each
service is idempotent, so a repeated run does nothing."""

from __future__ import annotations

from typing import Any

import structlog
from celery import shared_task

from notifier.db.base import utcnow
from notifier.db.session import unit_of_work
from notifier.services.admin import alerts
from notifier.services.admin.turnover import TurnoverPolicy, run_turnover
from notifier.services.sources import announcements, answers, digests, meetings
from notifier.services.sources.meetings import SourceDeps
from workers.policy import PERIODIC_LIMITS, LoggedTask
from workers.runtime import runtime
from workers.task_names import TaskName

log = structlog.get_logger(__name__)


@shared_task(name=TaskName.EVENT_SOURCES, bind=True, base=LoggedTask, **PERIODIC_LIMITS)
def event_sources(self: Any) -> None:
    rt = runtime(self.app)
    deps = SourceDeps.from_settings(rt.settings, rt.queue)
    now = utcnow()
    # One unit of work each, so a failure in one kind of work never undoes the other.
    with unit_of_work(rt.sessions) as uow:
        reminded = meetings.send_due_reminders(uow, deps, now)
    with unit_of_work(rt.sessions) as uow:
        lapsed = answers.expire_offers(uow, deps, now)
    with unit_of_work(rt.sessions) as uow:
        started = announcements.send_due(uow, deps, now)
    ran = digests.run_due_digests(rt.sessions, rt.queue, now, chunk_size=rt.settings.send_chunk_size)
    with unit_of_work(rt.sessions) as uow:
        alerted = alerts.alert_waiting(uow, rt.queue, rt.settings.public_base_url, now)
    with unit_of_work(rt.sessions) as uow:
        turnover = run_turnover(uow, rt.queue, TurnoverPolicy.from_settings(rt.settings), now)
    if reminded or lapsed or started or ran or alerted or turnover:
        log.info(
            "sources.run",
            meetings_reminded=reminded,
            offers_lapsed=lapsed,
            announcements_started=started,
            admins_alerted=alerted,
            terms_reminded=turnover.reminded,
            terms_ended=turnover.ended,
            terms_kept=turnover.kept,
            admins_suspended=turnover.suspended,
            access_reviews=turnover.reviews,
            digests=[(d.network_id, d.frequency.value, d.message_id, d.recipients) for d in ran],
        )
