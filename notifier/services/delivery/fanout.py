"""Fan-out: turn a message for a topic into delivery rows, one keyset batch per task run.

The first run cuts the audience into a few slices by subscriber id (one per core PostgreSQL may use:
`NOTIFIER_FANOUT_PARALLELISM`) and starts a chain of runs for each. Every run takes one slice no other
run holds, inserts its next batch with INSERT ... SELECT and advances that slice's cursor in the same
transaction; after commit it enqueues the batch's send chunks and the next run. The run that finishes
the last slice moves the message on to sending. A worker killed mid-batch loses only that batch's
uncommitted transaction; the sweeper restarts a message whose slices have all gone quiet.

Transactions: it opens its own unit of work (one per batch) rather than taking its caller's, so that a
batch is never widened by other work in the same transaction and its enqueues follow its own commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.session import UnitOfWork, unit_of_work
from notifier.domain.statuses import Lane, MessageStatus
from notifier.repositories import deliveries as delivery_repo
from notifier.repositories import fanout_slices
from notifier.repositories import messages as message_repo
from notifier.services.common.ports import TaskQueue


@dataclass(frozen=True)
class FanoutResult:
    inserted: int
    finished: bool  # the message's whole audience has its delivery rows


def fan_out_next_batch(
    sessions: sessionmaker[Session],
    queue: TaskQueue,
    message_id: int,
    *,
    batch_size: int,
    chunk_size: int,
    parallelism: int = 1,
) -> FanoutResult:
    with unit_of_work(sessions) as uow:
        message = message_repo.get_message(uow.session, message_id)
        if message is None or message.status not in (MessageStatus.PENDING, MessageStatus.FANNING_OUT):
            return FanoutResult(0, True)
        if message.status is MessageStatus.PENDING:
            _start(uow, queue, message_id, batch_size=batch_size, parallelism=parallelism)
        part = fanout_slices.take(uow.session, message_id)
        if part is None:  # every slice left is in another run's hands, or the last one just finished
            return FanoutResult(0, False)
        now = utcnow()
        batch = delivery_repo.fan_out_batch(
            uow.session,
            message,
            after=part.after_subscriber_id,
            last=part.last_subscriber_id,
            batch_size=batch_size,
            now=now,
        )
        part.after_subscriber_id = batch.upper_subscriber_id or part.after_subscriber_id
        part.finished = batch.exhausted
        part.updated_at = now
        for run_first, run_last in batch.delivery_ranges:
            for first, last in chunk_ranges(run_first, run_last, chunk_size):
                uow.after_commit(_sender(queue, message_id, first, last, message.lane))
        finished = False
        if not batch.exhausted:
            uow.after_commit(lambda: queue.enqueue_fanout(message_id))
        else:
            finished = _finish_if_last(uow, queue, message_id)
    return FanoutResult(batch.inserted, finished)


def _start(uow: UnitOfWork, queue: TaskQueue, message_id: int, *, batch_size: int, parallelism: int) -> None:
    """Plan the slices once (the message row's lock makes a second planner wait and then see them)."""
    message = message_repo.lock_message(uow.session, message_id)
    if message.status is not MessageStatus.PENDING:
        return
    chains = fanout_slices.plan(
        uow.session, message, batch_size=batch_size, parallelism=parallelism, now=utcnow()
    )
    message.status = MessageStatus.FANNING_OUT
    message.updated_at = utcnow()
    for _ in range(chains - 1):  # this run is the first chain
        uow.after_commit(lambda: queue.enqueue_fanout(message_id))


def _finish_if_last(uow: UnitOfWork, queue: TaskQueue, message_id: int) -> bool:
    # Lock the message before counting: of two slices finishing at once, the second to commit waits
    # here, then counts with the first's commit visible, so exactly one of them moves the message on.
    message = message_repo.lock_message(uow.session, message_id)
    if message.status is not MessageStatus.FANNING_OUT or fanout_slices.unfinished(uow.session, message_id):
        return False
    message.status = MessageStatus.SENDING
    message.updated_at = utcnow()
    # The last chunk may have finished before fan-out did; a final pass closes the message.
    uow.after_commit(_sender(queue, message_id, 0, 0, message.lane))
    return True


def chunk_ranges(first: int, last: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size - 1, last)) for start in range(first, last + 1, size)]


def _sender(queue: TaskQueue, message_id: int, first: int, last: int, lane: Lane) -> Callable[[], None]:
    return lambda: queue.enqueue_send(message_id, first, last, lane)
