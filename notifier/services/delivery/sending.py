"""Sending one chunk of a message's deliveries: exactly once, as fast as the limiter allows.

A chunk goes out in groups of up to `group_size`: rate tokens for the group (one limiter call), the
claim (queued -> sending, one conditional UPDATE), the re-check of consent and suppression (two
queries), each email composed, the group's Notify calls made at once through the process's call pool
(`notify_calls.py`), then, once every call has ended, the classified outcomes recorded (accepted ones
in one statement): two commits per group, not per email (`send_steps.py`). No transaction is open
while Notify is called. A send whose outcome is unknown (timeout, reset, 5xx)
stays `sending` and is settled by looking its reference up at Notify (`reconcile`), here on the
chunk's next pass or by the sweeper; each try counts, and after `max_attempts` the row fails with its
reason. A row whose email cannot be composed fails with the reason on that row and the group goes on,
so no poison row holds back the rest. After a throttled send the group waits for a fresh token; after
Notify's daily limit it stops, and its unsent rows go back to `queued` without counting a try (only
rows still under this group's claim: one another worker has since re-queued and claimed stays its).

Transactions: the Sender opens its own short units of work (claim, record, reconcile) instead of taking
one from its task, because no transaction may be open while Notify is called.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Network, Topic
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus, Lane, MessageStatus
from notifier.gateway.base import EmailGateway, GatewayUnavailable, OutcomeKind, SendOutcome
from notifier.metrics import record_accepted, record_outcome, record_throttle_wait
from notifier.ratelimit.base import LimiterUnavailable, RateLimiter
from notifier.repositories import deliveries as delivery_repo
from notifier.repositories import messages as message_repo
from notifier.services.delivery import send_steps
from notifier.services.delivery.composing import Composer
from notifier.services.delivery.notify_calls import Admission, CallPool, Gate, call_group
from notifier.services.delivery.routing import NotifyRouter, SingleServiceRouter
from notifier.services.delivery.send_policy import (
    backoff_seconds,
    next_utc_midnight,
    reason_label,
    seconds_until,
)
from notifier.services.delivery.send_steps import Batch, ChunkReport, Ready, Step

__all__ = ["MAX_ATTEMPTS", "ChunkReport", "Sender", "SendingConfig", "Step"]

MAX_ATTEMPTS = 8
LONGEST_TOKEN_WAIT_SECONDS = 5.0  # wait longer than this and the chunk is re-queued instead
LIMITER_DOWN_RETRY_SECONDS = 10.0
LONGEST_GATHER_SECONDS = 1.0  # waiting for a group's tokens: never longer than this beyond one token


@dataclass
class SendingConfig:
    ambiguous_grace_seconds: float = 15.0  # longer than the Notify client's timeout
    max_attempts: int = MAX_ATTEMPTS
    # A chunk stops after this long and asks to be re-queued, so its thread can serve other queues
    # (a confirmation waiting behind a bulk send); None: run the chunk to its end.
    time_budget_seconds: float | None = None
    # Deliveries claimed, checked and recorded together. A killed worker leaves at most this many rows
    # per thread `sending`, each settled by a lookup at Notify.
    group_size: int = 20
    # A claimed row is sent within this long of its claim or given back unsent. It must stay well
    # below `ambiguous_grace_seconds` (and the sweeper's stuck time): after that a lookup may find
    # nothing, re-queue the row, and a late send from this group would then be a second email.
    claim_hold_seconds: float = 3.0
    # Notify calls this process makes at once, in a thread pool shared by every Sender thread
    # (notify_calls.py); 1: each group's calls one after another in the calling thread.
    calls_in_flight: int = 1


class Sender:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        gateway: EmailGateway,
        limiter: RateLimiter,
        composer: Composer,
        config: SendingConfig | None = None,
        *,
        router: NotifyRouter | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.gateway = gateway
        self.limiter = limiter
        # Which Notify service each network sends through; without a router, the one given above.
        self.router = router or SingleServiceRouter(gateway, limiter)
        self.composer = composer
        self.config = config or SendingConfig()
        self.calls = CallPool(self.config.calls_in_flight, waiting=self.config.group_size)
        self._token_turns: dict[tuple[str, Lane], threading.Lock] = {}
        self.clock = clock
        self.sleep = sleep
        self.monotonic = monotonic

    def send_chunk(self, message_id: int, first_id: int, last_id: int) -> ChunkReport:
        report = ChunkReport()
        with unit_of_work(self.sessions) as uow:
            message = message_repo.get_message(uow.session, message_id)
            if message is None or message.status is MessageStatus.CANCELLED:
                return report
            if message.paused_until and message.paused_until > self.clock():
                report.want_retry(seconds_until(message.paused_until, self.clock()))
                return report
            network = uow.session.get_one(Network, message.network_id)
            topic = uow.session.get_one(Topic, message.topic_id) if message.topic_id is not None else None
            queued, unsettled = delivery_repo.unsent_in_range(uow.session, message_id, first_id, last_id)
        # Outside the unit of work: the router may read the database, and on SQLite a second
        # transaction inside the first would wait for the first's write lock.
        batch = Batch(message, network, topic, self.router.route(message.network_id))
        for delivery_id in unsettled:
            report.steps[self.reconcile(delivery_id)] += 1
        self._send_queued(deque(queued), batch, report)
        if report.steps[Step.UNSETTLED]:
            report.want_retry(self.config.ambiguous_grace_seconds)
        elif report.steps[Step.RELEASED] and report.retry_in_seconds is None:
            report.want_retry(1.0)
        if report.retry_in_seconds is None:  # a chunk that runs again still has rows to send
            self._complete_if_finished(message_id)
        return report

    def _send_queued(self, pending: deque[int], batch: Batch, report: ChunkReport) -> None:
        budget = self.config.time_budget_seconds
        give_back_at = self.monotonic() + budget if budget is not None else float("inf")
        while pending:
            if self.monotonic() >= give_back_at:
                report.want_retry(0.0)  # the rest of the chunk, unclaimed, goes to the back of its queue
                return
            wanted = min(self.config.group_size, len(pending))
            # Tokens are taken once the group has room in the call pool, so they are spent at once:
            # a token kept while its call waits would let a later burst through that Notify refuses.
            with self.calls.room(wanted) as admission:
                taken, wait = self._try_tokens(batch.lane, wanted, batch.route.limiter, report)
                if taken:
                    admission.release(wanted - taken)
                    steps = self._send_group(
                        [pending.popleft() for _ in range(taken)], batch, report, admission
                    )
            if not taken:
                if wait is None:
                    report.steps[Step.RELEASED] += len(pending)  # never claimed: they are still queued
                    return
                self._wait_for_tokens(batch, wanted, wait)  # holding no room: other networks' groups go
                continue
            report.steps.update(steps)
            if steps[Step.PAUSED]:
                return

    def _wait_for_tokens(self, batch: Batch, wanted: int, wait: float) -> None:
        """Sleep until about a group's tokens may be free, one thread of this process at a time for each
        bucket and lane; the others wait their turn without asking the limiter.

        At the rate limit every thread would otherwise ask again each time one token comes free, take one
        or two, and send groups of one or two: the group's claim, re-check and record would then cost as
        much as sending one email at a time.
        """
        turn = self._token_turns.setdefault((batch.route.bucket, batch.lane), threading.Lock())
        with turn:
            # `wait` is the time until one token: a group's worth takes about `wanted` times as long.
            seconds = max(wait, min(wait * wanted, LONGEST_GATHER_SECONDS))
            record_throttle_wait(batch.lane, seconds)
            self.sleep(seconds)

    def _try_tokens(
        self, lane: Lane, wanted: int, limiter: RateLimiter, report: ChunkReport
    ) -> tuple[int, float | None]:
        """(tokens taken, 0.0) now; (0, seconds to wait) for one soon; (0, None) with the chunk's retry
        set when none can be had soon or the limiter cannot be reached (nothing is sent unthrottled)."""
        try:
            taken, wait = limiter.acquire_many(lane, wanted)
        except LimiterUnavailable:
            report.want_retry(LIMITER_DOWN_RETRY_SECONDS)
            return 0, None
        if taken:
            return taken, 0.0
        if wait > LONGEST_TOKEN_WAIT_SECONDS:
            report.want_retry(wait)
            return 0, None
        return 0, wait

    def _tokens_within_hold(
        self, lane: Lane, wanted: int, limiter: RateLimiter, report: ChunkReport, gate: Gate
    ) -> int:
        """Tokens taken (1 to `wanted`) for calls a 429 held back, or 0 when none come before the claim
        hold ends (the rows then go back unsent) or soon enough (the chunk's retry is set)."""
        while not gate.past_hold():
            taken, wait = self._try_tokens(lane, wanted, limiter, report)
            if taken or wait is None:
                return taken
            seconds = min(wait, gate.seconds_left())
            record_throttle_wait(lane, seconds)
            self.sleep(seconds)
        return 0

    def _send_group(
        self, group: list[int], batch: Batch, report: ChunkReport, admission: Admission
    ) -> Counter[Step]:
        """Claim, compose and send one group, then record every outcome; its steps."""
        steps: Counter[Step] = Counter()
        claimed_at, ready = self._prepare(group, batch, steps)
        admission.release(len(group) - len(ready))  # rows skipped, failed or taken by another worker
        gate = Gate(
            hold_until=claimed_at + timedelta(seconds=self.config.claim_hold_seconds), clock=self.clock
        )
        calls = call_group(
            self.calls,
            batch.route,
            ready,
            gate,
            lambda wanted: self._tokens_within_hold(batch.lane, wanted, batch.route.limiter, report, gate),
            admission,
        )
        now = self.clock()
        with unit_of_work(self.sessions) as uow:
            accepted = [(d, o.notify_id) for d, o in calls.outcomes if o.kind is OutcomeKind.ACCEPTED]
            send_steps.record_accepted(uow.session, accepted, now)
            for delivery_id, outcome in calls.outcomes:
                if outcome.kind is not OutcomeKind.ACCEPTED:
                    step = self._record(uow.session, delivery_id, outcome, report, claimed_at, now)
                    steps[step] += 1
                    record_outcome(batch.lane, outcome.kind.value, reason_label(outcome))
            steps[Step.ACCEPTED] += len(accepted)
            record_accepted(batch.lane, (now - batch.event_at).total_seconds(), count=len(accepted))
            # Claimed but never sent: back to queued, and the claim's try is not counted.
            released = delivery_repo.release_unsent(uow.session, calls.unsent, claimed_at, now)
            steps[Step.RELEASED] += released
            steps[Step.NOT_CLAIMED] += len(calls.unsent) - released
        return steps

    def _prepare(self, group: list[int], batch: Batch, steps: Counter[Step]) -> tuple[datetime, list[Ready]]:
        """Claim, re-check and compose a group: (when it was claimed, the requests to send)."""
        try:
            with unit_of_work(self.sessions) as uow:
                batch.attach(uow.session)
                claimed_at = self.clock()
                return claimed_at, send_steps.prepare_group(
                    uow.session, group, batch, self.composer, claimed_at, steps
                )
        except send_steps.ComposeQueryFailed:
            steps.clear()  # rolled back: the claims too; again, with a savepoint around each row
            with unit_of_work(self.sessions) as uow:
                batch.attach(uow.session)
                claimed_at = self.clock()
                return claimed_at, send_steps.prepare_group(
                    uow.session, group, batch, self.composer, claimed_at, steps, savepoints=True
                )

    def _record(
        self,
        session: Session,
        delivery_id: int,
        outcome: SendOutcome,
        report: ChunkReport,
        claimed_at: datetime,
        now: datetime,
    ) -> Step:
        """Record a call's outcome, only on a row still under this group's claim: one re-queued and
        claimed since by another worker (a lookup after the grace) is that worker's to record."""
        if outcome.kind is OutcomeKind.AMBIGUOUS:
            # Kept as the row's last error, so a give-up after `max_attempts` can say why.
            delivery_repo.note_failure(
                session, delivery_id, (outcome.reason or "no answer from Notify")[:200], now
            )
            return Step.UNSETTLED
        values: dict[str, object] = {}
        retry_in: float | None = None
        match outcome.kind:
            case OutcomeKind.PERMANENT:
                target, step = DeliveryStatus.TECHNICAL_FAILURE, Step.FAILED
                values = {
                    "failure_reason": (outcome.reason or "rejected by Notify")[:300],
                    "completed_at": now,
                }
            case OutcomeKind.DAILY_LIMIT:
                target, step = DeliveryStatus.QUEUED, Step.PAUSED
                retry_in = seconds_until(outcome.retry_after, now)
            case OutcomeKind.THROTTLED:
                # Notify's bucket was empty (ours was emptied when it said so); this try is not counted.
                target, step = DeliveryStatus.QUEUED, Step.RELEASED
                values = {"attempts": Delivery.attempts - 1}
                retry_in = backoff_seconds(0, throttled=True)
            case OutcomeKind.RETRYABLE:
                attempts = session.get_one(Delivery, delivery_id).attempts
                if attempts >= self.config.max_attempts:
                    target, step = DeliveryStatus.TECHNICAL_FAILURE, Step.FAILED
                    reason = f"gave up after {attempts} attempts: {outcome.reason}"
                    values = {"failure_reason": reason[:300], "completed_at": now}
                else:
                    target, step = DeliveryStatus.QUEUED, Step.RELEASED
                    retry_in = backoff_seconds(attempts, throttled=False)
            case _:
                raise AssertionError(f"unhandled outcome {outcome.kind}")
        if not delivery_repo.transition(session, delivery_id, target, now, claimed_at=claimed_at, **values):
            return Step.NOT_CLAIMED
        if step is Step.PAUSED:
            self._pause_message(session, delivery_id, outcome, now)
        if retry_in is not None:
            report.want_retry(retry_in)
        return step

    def _pause_message(self, session: Session, delivery_id: int, outcome: SendOutcome, now: datetime) -> None:
        message = session.get_one(Message, session.get_one(Delivery, delivery_id).message_id)
        message.paused_until = outcome.retry_after or next_utc_midnight(now)
        message.status_note = "Notify's daily sending limit was reached; sending resumes after 00:00 UTC"
        message.updated_at = now

    def reconcile(self, delivery_id: int) -> Step:
        """Settle a delivery left `sending`: ask Notify whether it has the reference, then record."""
        now = self.clock()
        with unit_of_work(self.sessions) as uow:
            delivery = uow.session.get(Delivery, delivery_id)
            if delivery is None or delivery.status is not DeliveryStatus.SENDING:
                return Step.NOT_CLAIMED
            if now - delivery.updated_at < timedelta(seconds=self.config.ambiguous_grace_seconds):
                return Step.UNSETTLED  # its request may still be in flight
            network_id = delivery.network_id
        gateway = self.router.route(network_id).gateway  # outside the unit of work, as in send_chunk
        try:
            found = gateway.find_by_reference(str(delivery_id))
        except GatewayUnavailable:
            return Step.UNSETTLED  # Notify could not say; ask again on the next pass
        with unit_of_work(self.sessions) as uow:
            if found is not None:
                _count_reconciled(uow.session, delivery_id, now)
                delivery_repo.transition(
                    uow.session,
                    delivery_id,
                    DeliveryStatus.ACCEPTED,
                    now,
                    notify_id=found.notify_id,
                    accepted_at=now,
                    failure_reason=None,
                )
                return Step.ACCEPTED
            delivery = uow.session.get_one(Delivery, delivery_id)
            if delivery.attempts >= self.config.max_attempts:
                last = delivery.failure_reason or "no answer from Notify"
                delivery_repo.transition(
                    uow.session,
                    delivery_id,
                    DeliveryStatus.TECHNICAL_FAILURE,
                    now,
                    failure_reason=f"gave up after {delivery.attempts} attempts: {last}"[:300],
                    completed_at=now,
                )
                record_outcome(delivery_lane(uow.session, delivery), Step.FAILED.value, "gave_up")
                return Step.FAILED
            delivery_repo.transition(uow.session, delivery_id, DeliveryStatus.QUEUED, now)
            return Step.RELEASED

    def _complete_if_finished(self, message_id: int) -> None:
        with unit_of_work(self.sessions) as uow:
            if message_repo.has_unsent(uow.session, message_id):
                return
            message_repo.set_message_status(
                uow.session, message_id, MessageStatus.DONE, self.clock(), only_from={MessageStatus.SENDING}
            )


def delivery_lane(session: Session, delivery: Delivery) -> Lane:
    return session.get_one(Message, delivery.message_id).lane


def _count_reconciled(session: Session, delivery_id: int, now: datetime) -> None:
    message = session.get_one(Message, session.get_one(Delivery, delivery_id).message_id)
    record_accepted(message.lane, (now - message.created_at).total_seconds())
