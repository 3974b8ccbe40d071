"""Fan-out in slices: a large audience is cut into shares that chains of runs insert at once, and the
result is the same as one chain's: everyone once, the message moved on once, nothing lost to a crash."""

from __future__ import annotations

import queue as queues
import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, FanoutSlice, Message, Network, Topic
from notifier.db.session import unit_of_work
from notifier.domain.statuses import Lane, MessageStatus
from notifier.repositories import fanout_slices
from notifier.services.delivery.fanout import fan_out_next_batch
from notifier.services.delivery.sweeper import sweep
from notifier.services.sources.publishing import announce
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber

AUDIENCE = 23
BATCH = 4


def _message(sessions: sessionmaker[Session], queue: RecordingQueue, audience: int = AUDIENCE) -> int:
    with unit_of_work(sessions) as uow:
        network, (news, other) = network_with_topics(uow.session, "alpha", ["news", "other"])
        for i in range(audience):
            subscriber(uow.session, network, f"person{i}@dept.gov.uk", [news] if i % 5 else [news, other])
        subscriber(uow.session, network, "elsewhere@dept.gov.uk", [other])
        return announce(uow, queue, network, news, subject="Forum", body="Come along.").id


def _run_everything(sessions: sessionmaker[Session], queue: RecordingQueue, parallelism: int) -> None:
    while queue.fanouts:
        fan_out_next_batch(
            sessions, queue, queue.fanouts.pop(0), batch_size=BATCH, chunk_size=3, parallelism=parallelism
        )


def _recipients(sessions: sessionmaker[Session], message_id: int) -> list[int]:
    with unit_of_work(sessions) as uow:
        return list(
            uow.session.scalars(select(Delivery.subscriber_id).where(Delivery.message_id == message_id))
        )


def _status(sessions: sessionmaker[Session], message_id: int) -> MessageStatus:
    with unit_of_work(sessions) as uow:
        return uow.session.get_one(Message, message_id).status


def _final_passes(queue: RecordingQueue) -> int:
    return sum(1 for _, first, last, _ in queue.sends if (first, last) == (0, 0))


def test_three_slices_reach_everyone_once_and_close_fan_out_once(sessions: sessionmaker[Session]) -> None:
    queue = RecordingQueue()
    message_id = _message(sessions, queue)
    _run_everything(sessions, queue, parallelism=3)
    recipients = _recipients(sessions, message_id)
    assert len(recipients) == AUDIENCE == len(set(recipients))
    with unit_of_work(sessions) as uow:
        slices = uow.session.scalars(select(FanoutSlice).order_by(FanoutSlice.slice_no)).all()
        bounds = [(s.after_subscriber_id, s.last_subscriber_id, s.finished) for s in slices]
    assert len(bounds) == 3 and all(finished for _, _, finished in bounds)
    lasts = [last for _, last, _ in bounds]
    assert lasts[-1] is None, "the last slice is open-ended: nobody falls outside a slice"
    assert lasts[:-1] == sorted(x for x in lasts[:-1] if x is not None)
    assert _status(sessions, message_id) is MessageStatus.SENDING
    assert _final_passes(queue) == 1
    covered = {i for _, first, last, _ in queue.sends if first for i in range(first, last + 1)}
    with unit_of_work(sessions) as uow:
        assert set(uow.session.scalars(select(Delivery.id))) <= covered


def test_a_small_audience_is_one_slice(sessions: sessionmaker[Session]) -> None:
    queue = RecordingQueue()
    message_id = _message(sessions, queue, audience=BATCH + 1)
    _run_everything(sessions, queue, parallelism=4)
    with unit_of_work(sessions) as uow:
        assert uow.session.scalar(select(func.count()).select_from(FanoutSlice)) == 1
    assert len(_recipients(sessions, message_id)) == BATCH + 1


def test_someone_who_joins_during_fan_out_is_reached_by_the_last_slice(
    sessions: sessionmaker[Session],
) -> None:
    queue = RecordingQueue()
    message_id = _message(sessions, queue)
    fan_out_next_batch(sessions, queue, queue.fanouts.pop(0), batch_size=BATCH, chunk_size=3, parallelism=2)
    with unit_of_work(sessions) as uow:
        network = uow.session.scalars(select(Network)).one()
        news = uow.session.scalars(select(Topic).where(Topic.slug == "news")).one()
        late = subscriber(uow.session, network, "late@dept.gov.uk", [news]).id
    _run_everything(sessions, queue, parallelism=2)
    assert late in _recipients(sessions, message_id)
    assert len(_recipients(sessions, message_id)) == AUDIENCE + 1


def test_chains_lost_with_their_worker_are_restarted_by_the_sweeper(sessions: sessionmaker[Session]) -> None:
    queue = RecordingQueue()
    message_id = _message(sessions, queue)
    fan_out_next_batch(sessions, queue, queue.fanouts.pop(0), batch_size=BATCH, chunk_size=3, parallelism=2)
    queue.fanouts.clear()  # both chains' next runs were lost with the worker
    with unit_of_work(sessions) as uow:
        assert fanout_slices.stalled(uow.session, updated_before=utcnow() - timedelta(minutes=5)) == []
    swept = RecordingQueue()
    done = sweep(sessions, swept, sender=None, stuck_after_seconds=0, chunk_size=100)  # type: ignore[arg-type]
    assert swept.fanouts == [message_id, message_id] and done["fanout_requeued"] == 2
    _run_everything(sessions, swept, parallelism=2)
    assert sorted(_recipients(sessions, message_id)) == sorted(set(_recipients(sessions, message_id)))
    assert len(_recipients(sessions, message_id)) == AUDIENCE
    assert _status(sessions, message_id) is MessageStatus.SENDING


def test_a_slice_held_by_another_run_is_not_worked_twice(pg_sessions: sessionmaker[Session]) -> None:
    sessions = pg_sessions
    queue = RecordingQueue()
    message_id = _message(sessions, queue)
    fan_out_next_batch(sessions, queue, queue.fanouts.pop(0), batch_size=BATCH, chunk_size=3, parallelism=2)
    queue.fanouts.clear()
    holders = [sessions(), sessions()]  # two runs in the middle of their batches
    try:
        held = [fanout_slices.take(holder, message_id) for holder in holders]
        assert [s.slice_no for s in held if s] == [0, 1]
        result = fan_out_next_batch(
            sessions, queue, message_id, batch_size=BATCH, chunk_size=3, parallelism=2
        )
        assert (result.inserted, result.finished, queue.fanouts) == (0, False, [])
    finally:
        for holder in holders:
            holder.rollback()
            holder.close()


class ThreadSafeQueue(RecordingQueue):
    def __init__(self) -> None:
        super().__init__()
        self.runs: queues.Queue[int] = queues.Queue()
        self.lock = threading.Lock()

    def enqueue_fanout(self, message_id: int, *, countdown: float = 0) -> None:
        self.runs.put(message_id)

    def enqueue_send(
        self, message_id: int, first: int, last: int, lane: Lane, *, countdown: float = 0
    ) -> None:
        with self.lock:
            super().enqueue_send(message_id, first, last, lane, countdown=countdown)


def _workers_fan_out(
    sessions: sessionmaker[Session], queue: ThreadSafeQueue, *, batch_size: int, chunk_size: int
) -> None:
    """Three worker threads run every fan-out task the queue receives until none comes for 2 s."""
    failures: list[BaseException] = []

    def worker() -> None:
        while True:
            try:
                run = queue.runs.get(timeout=2)
            except queues.Empty:
                return
            try:
                fan_out_next_batch(
                    sessions, queue, run, batch_size=batch_size, chunk_size=chunk_size, parallelism=3
                )
            except BaseException as error:
                failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_two_workers_fanning_out_at_once_insert_everyone_once(pg_sessions: sessionmaker[Session]) -> None:
    sessions = pg_sessions
    queue = ThreadSafeQueue()
    message_id = _message(sessions, queue, audience=60)
    _workers_fan_out(sessions, queue, batch_size=BATCH, chunk_size=3)
    recipients = _recipients(sessions, message_id)
    assert len(recipients) == 60 == len(set(recipients))
    assert _status(sessions, message_id) is MessageStatus.SENDING
    assert _final_passes(queue) == 1


def test_slices_inserting_at_once_give_each_row_to_exactly_one_send_chunk(
    pg_sessions: sessionmaker[Session],
) -> None:
    """Three slices' INSERTs of 1,500 rows run together: their ids must not interleave, or a chunk's
    range would take in another slice's rows and two chunks would race for each of them."""
    sessions = pg_sessions
    queue = ThreadSafeQueue()
    with unit_of_work(sessions) as uow:
        network, (news,) = network_with_topics(uow.session, "alpha")
        uow.session.execute(
            text(
                "INSERT INTO subscriber (network_id, email, email_hash, name, department, status,"
                " consecutive_temporary_failures, created_at, confirmed_at)"
                " SELECT :network, 'member' || n || '@dept.gov.uk', md5(n::text), 'Member', 'Testing',"
                " 'active', 0, now(), now() FROM generate_series(1, 9000) AS n"
            ),
            {"network": network.id},
        )
        uow.session.execute(
            text(
                "INSERT INTO subscription (network_id, subscriber_id, topic_id, frequency, started_at)"
                " SELECT network_id, id, :topic, 'immediate', now()"
                " FROM subscriber WHERE network_id = :network"
            ),
            {"network": network.id, "topic": news.id},
        )
        message_id = announce(uow, queue, network, news, subject="Forum", body="Come along.").id
    _workers_fan_out(sessions, queue, batch_size=1500, chunk_size=500)
    with unit_of_work(sessions) as uow:
        ids = list(uow.session.scalars(select(Delivery.id).where(Delivery.message_id == message_id)))
    chunks = [(first, last) for _, first, last, _ in queue.sends if (first, last) != (0, 0)]
    covering = Counter(i for i in ids for first, last in chunks if first <= i <= last)
    assert len(ids) == 9000 and set(covering.values()) == {1} and len(covering) == 9000
    # Six batches, each at most two runs of ids (its session's block of the sequence may run out), each
    # run in chunks of 500: interleaved ids would cut it into thousands of tiny chunks instead.
    assert len(chunks) <= 6 * (1500 // 500 + 1)
