"""Queue names, one per kind of work, so that an operator can size and watch each."""

from __future__ import annotations

from enum import StrEnum

from notifier.domain.statuses import Lane


class QueueName(StrEnum):
    TRANSACTIONAL = "transactional"  # confirmations and data-request emails: small, urgent
    FANOUT = "fanout"  # creating delivery rows in batches
    SEND = "send"  # bulk send chunks
    MAINTENANCE = "maintenance"  # sweeper, retention


def queue_for_lane(lane: Lane) -> QueueName:
    return QueueName.TRANSACTIONAL if lane is Lane.TRANSACTIONAL else QueueName.SEND


ALL_QUEUES = [q.value for q in QueueName]
