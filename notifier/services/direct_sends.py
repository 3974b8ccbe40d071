"""Messages whose delivery rows are written directly (digests, a meeting's invitees, test sends)
rather than by topic fan-out: enqueue their send chunks once the rows are committed."""

from __future__ import annotations

from sqlalchemy import func, select

from notifier.db.models import Delivery, Message
from notifier.db.session import UnitOfWork
from notifier.services.fanout import chunk_ranges
from notifier.services.ports import TaskQueue


def enqueue_sends(uow: UnitOfWork, queue: TaskQueue, message: Message, chunk_size: int) -> None:
    first, last = uow.session.execute(
        select(func.min(Delivery.id), func.max(Delivery.id)).where(Delivery.message_id == message.id)
    ).one()
    message_id, lane = message.id, message.lane
    ranges = chunk_ranges(first, last, chunk_size) if first is not None and last is not None else []
    ranges.append((0, 0))  # a final pass closes the message once every chunk is done

    def enqueue() -> None:
        for low, high in ranges:
            queue.enqueue_send(message_id, low, high, lane)

    uow.after_commit(enqueue)
