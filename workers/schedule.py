"""The beat schedule, in one place."""

from __future__ import annotations

from typing import Any

from notifier.config import Settings
from workers.queues import QueueName
from workers.task_names import TaskName


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        # workers/tasks/retention.py: apply the retention rules; the task re-queues itself per batch.
        "retention": {
            "task": TaskName.RETENTION_RUN,
            "schedule": settings.retention_interval_seconds,
            "options": {"queue": QueueName.MAINTENANCE.value},
        },
        # workers/tasks/retention.py: fold old deliveries into per-message tallies, at retention's cadence;
        # the task re-queues itself per batch.
        "fold-deliveries": {
            "task": TaskName.FOLD_DELIVERIES,
            "schedule": settings.retention_interval_seconds,
            "options": {"queue": QueueName.MAINTENANCE.value},
        },
        # workers/tasks/retention.py: forward contact-form enquiries, at the sweeper's cadence.
        "forward-enquiries": {
            "task": TaskName.FORWARD_ENQUIRIES,
            "schedule": settings.sweep_interval_seconds,
            "options": {"queue": QueueName.MAINTENANCE.value, "expires": settings.sweep_interval_seconds * 2},
        },
        # workers/tasks/sources.py: meeting reminders, scheduled announcements and digests when due.
        "event_sources": {
            "task": TaskName.EVENT_SOURCES,
            "schedule": settings.event_sources_interval_seconds,
            "options": {
                "queue": QueueName.MAINTENANCE.value,
                "expires": settings.event_sources_interval_seconds * 2,
            },
        },
        # workers/tasks/maintenance.py: delete sign-ups whose confirmation link has expired.
        "purge_signups": {
            "task": TaskName.PURGE_SIGNUPS,
            "schedule": 3600.0,
            "options": {"queue": QueueName.MAINTENANCE.value, "expires": 7200.0},
        },
        # workers/tasks/maintenance.py: settle stuck deliveries and re-queue stalled work.
        "sweep": {
            "task": TaskName.SWEEP,
            "schedule": settings.sweep_interval_seconds,
            "options": {"queue": QueueName.MAINTENANCE.value, "expires": settings.sweep_interval_seconds * 2},
        },
    }
