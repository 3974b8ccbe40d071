"""The TaskQueue port implemented with Celery: tasks are sent by name and carry ids only."""

from __future__ import annotations

from celery import Celery

from notifier.config import Settings
from notifier.domain.statuses import Lane
from workers.celery_app import create_celery
from workers.embedded_broker import publishing
from workers.queues import QueueName, queue_for_lane
from workers.task_names import TaskName


class CeleryTaskQueue:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def enqueue_fanout(self, message_id: int, *, countdown: float = 0) -> None:
        with publishing(self.app):
            self.app.send_task(
                TaskName.FANOUT, args=[message_id], queue=QueueName.FANOUT.value, countdown=countdown or None
            )

    def enqueue_send(
        self,
        message_id: int,
        first_delivery_id: int,
        last_delivery_id: int,
        lane: Lane,
        *,
        countdown: float = 0,
    ) -> None:
        with publishing(self.app):
            self.app.send_task(
                TaskName.SEND_CHUNK,
                args=[message_id, first_delivery_id, last_delivery_id],
                queue=queue_for_lane(lane).value,
                countdown=countdown or None,
            )


def build_task_queue(settings: Settings) -> CeleryTaskQueue:
    return CeleryTaskQueue(create_celery(settings))
