"""Sending one chunk of a message's deliveries: exactly once, as fast as the limiter allows.

Each delivery goes: rate token -> claim (queued -> sending, a conditional UPDATE) -> re-check consent
and suppression -> compose -> Notify -> record the classified outcome. No transaction is open while
Notify is called. A send whose outcome is unknown (timeout, reset, 5xx) stays `sending` and is settled
by looking its reference up at Notify (`reconcile`), here on the chunk's next pass or by the sweeper;
each try counts, and after `max_attempts` the row fails with its reason. A row whose email cannot be
composed fails with the reason on that row and the chunk goes on, so no poison row holds back the rest.

Transactions: the Sender opens its own short units of work (claim, record, reconcile) instead of taking
one from its task, because no transaction may be open while Notify is called.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import structlog
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Network, Subscriber, Topic
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus, Lane, MessageStatus
from notifier.gateway.base import EmailGateway, EmailRequest, GatewayUnavailable, OutcomeKind, SendOutcome
from notifier.metrics import record_accepted, record_outcome, record_throttle_wait
from notifier.ratelimit.base import LimiterUnavailable, RateLimiter
from notifier.rendering.emails import EmailKind
from notifier.repositories import deliveries as delivery_repo
from notifier.repositories import messages as message_repo
from notifier.services.delivery.composing import Composer
from notifier.services.delivery.eligibility import ineligibility_reason
from notifier.services.delivery.routing import NotifyRoute, NotifyRouter, SingleServiceRouter
from notifier.services.delivery.send_policy import (
    backoff_seconds,
    database_unreachable,
    next_utc_midnight,
    reason_label,
    seconds_until,
)

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 8
LONGEST_TOKEN_WAIT_SECONDS = 5.0  # wait longer than this and the chunk is re-queued instead
LIMITER_DOWN_RETRY_SECONDS = 10.0


def _recipient(message: Message, subscriber: Subscriber | None) -> str | None:
    if subscriber is None:
        return None
    # A new address proves itself before it replaces the old one (services/subscribers/email_change.py).
    if message.email_kind == EmailKind.CONFIRM_EMAIL_CHANGE:
        return subscriber.pending_email
    return subscriber.email


class Step(StrEnum):
    ACCEPTED = "accepted"
    SKIPPED = "skipped"
    FAILED = "failed"
    NOT_CLAIMED = "not_claimed"  # another worker has it, or it is already done
    RELEASED = "released"  # back to queued; the chunk runs again later
    UNSETTLED = "unsettled"  # left `sending` after an ambiguous outcome; reconcile later
    PAUSED = "paused"  # Notify's daily limit: stop the chunk


@dataclass
class ChunkReport:
    steps: Counter[Step] = field(default_factory=Counter)
    retry_in_seconds: float | None = None  # run the chunk again after this long

    def want_retry(self, seconds: float) -> None:
        self.retry_in_seconds = max(self.retry_in_seconds or 0.0, seconds)


@dataclass
class SendingConfig:
    ambiguous_grace_seconds: float = 15.0  # longer than the Notify client's timeout
    max_attempts: int = MAX_ATTEMPTS
    # A chunk stops after this long and asks to be re-queued, so its thread can serve other queues
    # (a confirmation waiting behind a bulk send); None: run the chunk to its end.
    time_budget_seconds: float | None = None


@dataclass(frozen=True)
class _Batch:
    """What every delivery of a chunk shares, loaded once per chunk (read-only, detached rows)."""

    message: Message
    network: Network
    topic: Topic | None
    route: NotifyRoute  # the network's Notify service: its gateway and its limiter bucket

    @property
    def lane(self) -> Lane:
        return self.message.lane

    @property
    def event_at(self) -> datetime:  # when the message was created, for the event-to-acceptance metric
        return self.message.created_at

    def attach(self, session: Session) -> None:
        """Put the shared rows in a send's session, so reading them there costs no query."""
        for row in (self.message, self.network, self.topic):
            if row is not None:
                session.add(row)


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
            batch = _Batch(
                message,
                uow.session.get_one(Network, message.network_id),
                uow.session.get_one(Topic, message.topic_id) if message.topic_id is not None else None,
                self.router.route(message.network_id),
            )
            queued = delivery_repo.ids_in_range(
                uow.session, message_id, first_id, last_id, DeliveryStatus.QUEUED
            )
            unsettled = delivery_repo.ids_in_range(
                uow.session, message_id, first_id, last_id, DeliveryStatus.SENDING
            )
        for delivery_id in unsettled:
            report.steps[self.reconcile(delivery_id)] += 1
        give_back_at = self._give_back_at()
        for delivery_id in queued:
            if self.monotonic() >= give_back_at:
                report.want_retry(0.0)  # the rest of the chunk goes to the back of its queue
                break
            step = self._send_one(delivery_id, batch, report)
            report.steps[step] += 1
            if step is Step.PAUSED:
                break
        if report.steps[Step.UNSETTLED]:
            report.want_retry(self.config.ambiguous_grace_seconds)
        elif report.steps[Step.RELEASED] and report.retry_in_seconds is None:
            report.want_retry(1.0)
        self._complete_if_finished(message_id)
        return report

    def _give_back_at(self) -> float:
        budget = self.config.time_budget_seconds
        return self.monotonic() + budget if budget is not None else float("inf")

    def _send_one(self, delivery_id: int, batch: _Batch, report: ChunkReport) -> Step:
        wait = self._take_token(batch.lane, batch.route.limiter)
        if wait is not None:
            report.want_retry(wait)
            return Step.RELEASED  # never claimed: it is still queued
        with unit_of_work(self.sessions) as uow:
            batch.attach(uow.session)
            claimed = self._claim_and_compose(uow.session, delivery_id, batch)
        if not isinstance(claimed, EmailRequest):
            return claimed
        outcome = batch.route.gateway.send(claimed)
        step = self._record(delivery_id, outcome, report, batch.route.limiter)
        _count(batch, outcome, step, self.clock())
        return step

    def _take_token(self, lane: Lane, limiter: RateLimiter) -> float | None:
        """None once a token is taken; otherwise how long until one might be (too long to sleep)."""
        while True:
            try:
                wait = limiter.acquire(lane)
            except LimiterUnavailable:
                return LIMITER_DOWN_RETRY_SECONDS  # never send unthrottled: try the chunk again later
            if wait <= 0:
                return None
            if wait > LONGEST_TOKEN_WAIT_SECONDS:
                return wait
            record_throttle_wait(lane, wait)
            self.sleep(wait)

    def _claim_and_compose(self, session: Session, delivery_id: int, batch: _Batch) -> EmailRequest | Step:
        now = self.clock()
        claim = delivery_repo.claim_for_sending(session, delivery_id, now)
        if claim is None:
            return Step.NOT_CLAIMED
        message, lane = batch.message, batch.lane
        subscriber = session.get(Subscriber, claim.subscriber_id) if claim.subscriber_id else None
        reason = ineligibility_reason(session, message, subscriber)
        recipient = _recipient(message, subscriber)
        if reason is None and recipient is None:
            reason = "email change no longer pending"  # confirmed, erased or replaced since queueing
        if reason is not None or subscriber is None or recipient is None:
            delivery_repo.transition(
                session, delivery_id, DeliveryStatus.SKIPPED, now, failure_reason=reason, completed_at=now
            )
            record_outcome(lane, Step.SKIPPED.value, reason or "")
            return Step.SKIPPED
        try:
            with session.begin_nested():  # a failed query inside compose must not undo the claim
                email = self.composer.compose(session, message, subscriber)
        except Exception as error:  # recorded on the row below, never ignored
            if database_unreachable(error):
                raise  # nothing is wrong with this row; the chunk runs again
            reason = f"could not compose the email: {type(error).__name__}"
            delivery_repo.transition(
                session,
                delivery_id,
                DeliveryStatus.TECHNICAL_FAILURE,
                now,
                failure_reason=reason,
                completed_at=now,
            )
            log.warning("send.compose_failed", delivery_id=delivery_id, error=type(error).__name__)
            record_outcome(lane, Step.FAILED.value, "compose_error")
            return Step.FAILED
        return EmailRequest(
            email_address=recipient,
            subject=email.subject,
            body=email.body,
            reference=str(delivery_id),
            one_click_unsubscribe_url=email.one_click_unsubscribe_url,
            email_reply_to_id=email.email_reply_to_id,
        )

    def _record(
        self, delivery_id: int, outcome: SendOutcome, report: ChunkReport, limiter: RateLimiter
    ) -> Step:
        now = self.clock()
        with unit_of_work(self.sessions) as uow:
            session = uow.session
            match outcome.kind:
                case OutcomeKind.ACCEPTED:
                    delivery_repo.transition(
                        session,
                        delivery_id,
                        DeliveryStatus.ACCEPTED,
                        now,
                        notify_id=outcome.notify_id,
                        accepted_at=now,
                    )
                    return Step.ACCEPTED
                case OutcomeKind.PERMANENT:
                    delivery_repo.transition(
                        session,
                        delivery_id,
                        DeliveryStatus.TECHNICAL_FAILURE,
                        now,
                        failure_reason=(outcome.reason or "rejected by Notify")[:300],
                        completed_at=now,
                    )
                    return Step.FAILED
                case OutcomeKind.AMBIGUOUS:
                    # Kept as the row's last error, so a give-up after `max_attempts` can say why.
                    delivery_repo.note_failure(
                        session, delivery_id, (outcome.reason or "no answer from Notify")[:200], now
                    )
                    return Step.UNSETTLED
                case OutcomeKind.DAILY_LIMIT:
                    delivery_repo.transition(session, delivery_id, DeliveryStatus.QUEUED, now)
                    self._pause_message(session, delivery_id, outcome, now)
                    report.want_retry(seconds_until(outcome.retry_after, now))
                    return Step.PAUSED
                case OutcomeKind.THROTTLED:
                    return self._release_throttled(session, delivery_id, now, report, limiter)
                case OutcomeKind.RETRYABLE:
                    return self._release_or_give_up(session, delivery_id, outcome, now, report)
        raise AssertionError(f"unhandled outcome {outcome.kind}")

    def _release_throttled(
        self, session: Session, delivery_id: int, now: datetime, report: ChunkReport, limiter: RateLimiter
    ) -> Step:
        """Notify's bucket is empty, so ours is emptied for every worker; this try is not counted."""
        delivery_repo.transition(
            session, delivery_id, DeliveryStatus.QUEUED, now, attempts=Delivery.attempts - 1
        )
        with contextlib.suppress(LimiterUnavailable):  # the next acquire fails too and re-queues the chunk
            limiter.drain()
        report.want_retry(backoff_seconds(0, throttled=True))
        return Step.RELEASED

    def _release_or_give_up(
        self, session: Session, delivery_id: int, outcome: SendOutcome, now: datetime, report: ChunkReport
    ) -> Step:
        attempts = session.get_one(Delivery, delivery_id).attempts
        if attempts >= self.config.max_attempts:
            delivery_repo.transition(
                session,
                delivery_id,
                DeliveryStatus.TECHNICAL_FAILURE,
                now,
                failure_reason=f"gave up after {attempts} attempts: {outcome.reason}"[:300],
                completed_at=now,
            )
            return Step.FAILED
        delivery_repo.transition(session, delivery_id, DeliveryStatus.QUEUED, now)
        report.want_retry(backoff_seconds(attempts, throttled=outcome.kind is OutcomeKind.THROTTLED))
        return Step.RELEASED

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
            gateway = self.router.route(delivery.network_id).gateway
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
            counts = message_repo.delivery_counts(uow.session, message_id)
            if counts[DeliveryStatus.QUEUED] or counts[DeliveryStatus.SENDING]:
                return
            message_repo.set_message_status(
                uow.session, message_id, MessageStatus.DONE, self.clock(), only_from={MessageStatus.SENDING}
            )


def _count(batch: _Batch, outcome: SendOutcome, step: Step, now: datetime) -> None:
    if step is Step.ACCEPTED:
        record_accepted(batch.lane, (now - batch.event_at).total_seconds())
    else:
        record_outcome(batch.lane, outcome.kind.value, reason_label(outcome))


def delivery_lane(session: Session, delivery: Delivery) -> Lane:
    return session.get_one(Message, delivery.message_id).lane


def _count_reconciled(session: Session, delivery_id: int, now: datetime) -> None:
    message = session.get_one(Message, session.get_one(Delivery, delivery_id).message_id)
    record_accepted(message.lane, (now - message.created_at).total_seconds())
