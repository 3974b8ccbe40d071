"""The beat schedule, in one place."""

from __future__ import annotations

from typing import Any

from notifier.config import Settings
from workers.queues import QueueName


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        # workers/tasks/retention.py: apply the retention rules; the task re-queues itself per batch.
        "retention": {
            "task": "notifier.retention_run",
            "schedule": settings.retention_interval_seconds,
            "options": {"queue": QueueName.MAINTENANCE.value},
        },
        # workers/tasks/retention.py: forward contact-form enquiries, at the sweeper's cadence.
        "forward-enquiries": {
            "task": "notifier.forward_enquiries",
            "schedule": settings.sweep_interval_seconds,
            "options": {"queue": QueueName.MAINTENANCE.value, "expires": settings.sweep_interval_seconds * 2},
        },
        # workers/tasks/sources.py: meeting reminders, scheduled announcements and digests when due.
        "event_sources": {
            "task": "notifier.event_sources",
            "schedule": settings.event_sources_interval_seconds,
            "options": {
                "queue": QueueName.MAINTENANCE.value,
                "expires": settings.event_sources_interval_seconds * 2,
            },
        },
        # workers/tasks/maintenance.py: delete sign-ups whose confirmation link has expired.
        "purge_signups": {
            "task": "notifier.purge_signups",
            "schedule": 3600.0,
            "options": {"queue": QueueName.MAINTENANCE.value, "expires": 7200.0},
        },
        # workers/tasks/maintenance.py: settle stuck deliveries and re-queue stalled work.
        "sweep": {
            "task": "notifier.sweep",
            "schedule": settings.sweep_interval_seconds,
            "options": {"queue": QueueName.MAINTENANCE.value, "expires": settings.sweep_interval_seconds * 2},
        },
    }
