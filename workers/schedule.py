"""The beat schedule, in one place."""

from __future__ import annotations

from typing import Any

from workers.queues import QueueName

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # workers/tasks/maintenance.py: settle stuck deliveries and re-queue stalled work.
    "sweep": {"task": "notifier.sweep", "schedule": 30.0, "options": {"queue": QueueName.MAINTENANCE.value}},
}
