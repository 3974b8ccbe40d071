"""Every Celery task's name, defined once: the decorators, the dispatcher and the beat schedule use these."""

from __future__ import annotations

from enum import StrEnum


class TaskName(StrEnum):
    FANOUT = "notifier.fanout"
    SEND_CHUNK = "notifier.send_chunk"
    SWEEP = "notifier.sweep"
    PURGE_SIGNUPS = "notifier.purge_signups"
    RETENTION_RUN = "notifier.retention_run"
    FOLD_DELIVERIES = "notifier.fold_deliveries"
    FORWARD_ENQUIRIES = "notifier.forward_enquiries"
    EVENT_SOURCES = "notifier.event_sources"
