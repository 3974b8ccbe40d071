"""Fan-out: turn a message for a topic into delivery rows, one keyset batch per task run.

Each run inserts one batch with INSERT ... SELECT, advances the message's cursor in the same
transaction, and after commit enqueues the batch's send chunks and the next run. A worker killed
mid-batch loses only that batch's uncommitted transaction; the sweeper re-enqueues the message.

Transactions: it opens its own unit of work (one per batch) rather than taking its caller's, so that a
batch is never widened by other work in the same transaction and its enqueues follow its own commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.session import unit_of_work
from notifier.domain.statuses import Lane, MessageStatus
from notifier.repositories import deliveries as delivery_repo
from notifier.repositories import messages as message_repo
from notifier.services.common.ports import TaskQueue


@dataclass(frozen=True)
class FanoutResult:
    inserted: int
    finished: bool


def fan_out_next_batch(
    sessions: sessionmaker[Session], queue: TaskQueue, message_id: int, *, batch_size: int, chunk_size: int
) -> FanoutResult:
    with unit_of_work(sessions) as uow:
        message = message_repo.get_message(uow.session, message_id)
        if message is None or message.status not in (MessageStatus.PENDING, MessageStatus.FANNING_OUT):
            return FanoutResult(0, True)
        now = utcnow()
        message.status = MessageStatus.FANNING_OUT
        message.updated_at = now
        batch = delivery_repo.fan_out_batch(uow.session, message, batch_size=batch_size, now=now)
        finished = batch.exhausted
        if finished:
            message.status = MessageStatus.SENDING
        if batch.first_delivery_id is not None and batch.last_delivery_id is not None:
            for first, last in chunk_ranges(batch.first_delivery_id, batch.last_delivery_id, chunk_size):
                uow.after_commit(_sender(queue, message_id, first, last, message.lane))
        if not finished:
            uow.after_commit(lambda: queue.enqueue_fanout(message_id))
        else:
            # The last chunk may have finished before fan-out did; a final pass closes the message.
            uow.after_commit(_sender(queue, message_id, 0, 0, message.lane))
    return FanoutResult(batch.inserted, finished)


def chunk_ranges(first: int, last: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size - 1, last)) for start in range(first, last + 1, size)]


def _sender(queue: TaskQueue, message_id: int, first: int, last: int, lane: Lane) -> Callable[[], None]:
    return lambda: queue.enqueue_send(message_id, first, last, lane)
