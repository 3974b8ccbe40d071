"""The beat schedule, in one place."""

from __future__ import annotations

from typing import Any

from notifier.config import Settings
from workers.queues import QueueName


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        # workers/tasks/maintenance.py: settle stuck deliveries and re-queue stalled work.
        "sweep": {
            "task": "notifier.sweep",
            "schedule": settings.sweep_interval_seconds,
            "options": {"queue": QueueName.MAINTENANCE.value, "expires": settings.sweep_interval_seconds * 2},
        },
    }
