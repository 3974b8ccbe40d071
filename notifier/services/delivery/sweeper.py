"""The sweeper: the database, not the broker, is the source of truth, so lost work is found and re-queued.

Beat runs it every `sweep_interval_seconds`. Each pass:
1. settles deliveries stuck in `sending` by asking Notify about their reference (accepted, re-queued, or
   failed with its reason once `max_attempts` tries are spent) and enqueues the re-queued ones;
2. re-enqueues the fan-out of messages left `pending` or `fanning_out` (a worker died, or the enqueue
   after the commit never happened);
3. re-enqueues the send chunks of messages whose queued rows stopped moving, except messages paused at
   Notify's daily limit (they wait until `paused_until`) and cancelled ones;
4. closes (`done`) messages that are `sending` but have no delivery left `queued` or `sending`.

Transactions: it opens its own short units of work rather than one from its task, because no
transaction may be open while `reconcile` asks Notify, and each enqueue must follow its commit.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus, MessageStatus
from notifier.repositories import deliveries as delivery_repo
from notifier.repositories import fanout_slices
from notifier.repositories import messages as message_repo
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.fanout import chunk_ranges
from notifier.services.delivery.sending import Sender, Step

BATCH_LIMIT = 500


def sweep(
    sessions: sessionmaker[Session],
    queue: TaskQueue,
    sender: Sender,
    *,
    stuck_after_seconds: int,
    chunk_size: int,
) -> Counter[str]:
    done: Counter[str] = Counter()
    idle_since = utcnow() - timedelta(seconds=stuck_after_seconds)
    with unit_of_work(sessions) as uow:
        stuck_sending = delivery_repo.stale_ids(
            uow.session, DeliveryStatus.SENDING, updated_before=idle_since, limit=BATCH_LIMIT
        )
        # One run per quiet slice (each carries on a chain); a message not yet started needs one run.
        stalled_fanouts = [
            message_id
            for message_id, slices in fanout_slices.stalled(uow.session, updated_before=idle_since)
            for _ in range(slices)
        ] + message_repo.messages_in_status(uow.session, MessageStatus.PENDING, updated_before=idle_since)
    for delivery_id in stuck_sending:
        step = sender.reconcile(delivery_id)
        done[f"reconciled_{step.value}"] += 1
        if step is Step.RELEASED:
            _requeue_one(sessions, queue, delivery_id)
    for message_id in stalled_fanouts:
        queue.enqueue_fanout(message_id)
        done["fanout_requeued"] += 1
    with unit_of_work(sessions) as uow:
        stalled = delivery_repo.stalled_ranges(
            uow.session, idle_since=idle_since, now=utcnow(), limit=BATCH_LIMIT
        )
        lanes = {
            m.id: m.lane
            for m in uow.session.scalars(select(Message).where(Message.id.in_([s[0] for s in stalled])))
        }
    for message_id, first, last in stalled:
        for low, high in chunk_ranges(first, last, chunk_size):
            queue.enqueue_send(message_id, low, high, lanes[message_id])
            done["chunks_requeued"] += 1
    with unit_of_work(sessions) as uow:
        for message_id in message_repo.finished_but_open(uow.session, limit=BATCH_LIMIT):
            closed = message_repo.set_message_status(
                uow.session, message_id, MessageStatus.DONE, utcnow(), only_from={MessageStatus.SENDING}
            )
            done["messages_closed"] += int(closed)
    return done


def _requeue_one(sessions: sessionmaker[Session], queue: TaskQueue, delivery_id: int) -> None:
    with unit_of_work(sessions) as uow:
        delivery = uow.session.get_one(Delivery, delivery_id)
        message = uow.session.get_one(Message, delivery.message_id)
        lane = message.lane
    queue.enqueue_send(message.id, delivery_id, delivery_id, lane)
