"""Sending one chunk of a message's deliveries: exactly once, as fast as the limiter allows.

Each delivery goes: rate token -> claim (queued -> sending, a conditional UPDATE) -> re-check consent
and suppression -> compose -> Notify -> record the classified outcome. No transaction is open while
Notify is called. A send whose outcome is unknown (timeout, reset, 5xx) stays `sending` and is settled
by looking its reference up at Notify (`reconcile`), here on the chunk's next pass or by the sweeper.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import Delivery, Message, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.statuses import DeliveryStatus, Lane, MessageStatus
from notifier.gateway.base import EmailGateway, EmailRequest, GatewayUnavailable, OutcomeKind, SendOutcome
from notifier.ratelimit import LimiterUnavailable
from notifier.repositories import deliveries as delivery_repo
from notifier.repositories import messages as message_repo
from notifier.services.composing import Composer
from notifier.services.eligibility import ineligibility_reason
from notifier.services.ports import RateLimiter

MAX_ATTEMPTS = 8
LONGEST_TOKEN_WAIT_SECONDS = 5.0  # wait longer than this and the chunk is re-queued instead
LIMITER_DOWN_RETRY_SECONDS = 10.0


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


class Sender:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        gateway: EmailGateway,
        limiter: RateLimiter,
        composer: Composer,
        config: SendingConfig | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sessions = sessions
        self.gateway = gateway
        self.limiter = limiter
        self.composer = composer
        self.config = config or SendingConfig()
        self.clock = clock
        self.sleep = sleep

    def send_chunk(self, message_id: int, first_id: int, last_id: int) -> ChunkReport:
        report = ChunkReport()
        with unit_of_work(self.sessions) as uow:
            message = message_repo.get_message(uow.session, message_id)
            if message is None or message.status is MessageStatus.CANCELLED:
                return report
            if message.paused_until and message.paused_until > self.clock():
                report.want_retry(_seconds_until(message.paused_until, self.clock()))
                return report
            lane = message.lane
            queued = delivery_repo.ids_in_range(
                uow.session, message_id, first_id, last_id, DeliveryStatus.QUEUED
            )
            unsettled = delivery_repo.ids_in_range(
                uow.session, message_id, first_id, last_id, DeliveryStatus.SENDING
            )
        for delivery_id in unsettled:
            report.steps[self.reconcile(delivery_id)] += 1
        for delivery_id in queued:
            step = self._send_one(delivery_id, lane, report)
            report.steps[step] += 1
            if step is Step.PAUSED:
                break
        if report.steps[Step.UNSETTLED]:
            report.want_retry(self.config.ambiguous_grace_seconds)
        elif report.steps[Step.RELEASED] and report.retry_in_seconds is None:
            report.want_retry(1.0)
        self._complete_if_finished(message_id)
        return report

    def _send_one(self, delivery_id: int, lane: Lane, report: ChunkReport) -> Step:
        wait = self._take_token(lane)
        if wait is not None:
            report.want_retry(wait)
            return Step.RELEASED  # never claimed: it is still queued
        with unit_of_work(self.sessions) as uow:
            claimed = self._claim_and_compose(uow.session, delivery_id)
        if not isinstance(claimed, EmailRequest):
            return claimed
        outcome = self.gateway.send(claimed)
        return self._record(delivery_id, outcome, report)

    def _take_token(self, lane: Lane) -> float | None:
        """None once a token is taken; otherwise how long until one might be (too long to sleep)."""
        while True:
            try:
                wait = self.limiter.acquire(lane)
            except LimiterUnavailable:
                return LIMITER_DOWN_RETRY_SECONDS  # never send unthrottled: try the chunk again later
            if wait <= 0:
                return None
            if wait > LONGEST_TOKEN_WAIT_SECONDS:
                return wait
            self.sleep(wait)

    def _claim_and_compose(self, session: Session, delivery_id: int) -> EmailRequest | Step:
        now = self.clock()
        if not delivery_repo.claim(session, delivery_id, now):
            return Step.NOT_CLAIMED
        delivery = session.get_one(Delivery, delivery_id)
        message = session.get_one(Message, delivery.message_id)
        subscriber = session.get(Subscriber, delivery.subscriber_id) if delivery.subscriber_id else None
        reason = ineligibility_reason(session, message, subscriber)
        if reason is not None or subscriber is None:
            delivery_repo.transition(
                session, delivery_id, DeliveryStatus.SKIPPED, now, failure_reason=reason, completed_at=now
            )
            return Step.SKIPPED
        email = self.composer.compose(session, message, subscriber)
        return EmailRequest(
            email_address=subscriber.email,
            subject=email.subject,
            body=email.body,
            reference=str(delivery_id),
            one_click_unsubscribe_url=email.one_click_unsubscribe_url,
            email_reply_to_id=email.email_reply_to_id,
        )

    def _record(self, delivery_id: int, outcome: SendOutcome, report: ChunkReport) -> Step:
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
                    return Step.UNSETTLED
                case OutcomeKind.DAILY_LIMIT:
                    delivery_repo.transition(session, delivery_id, DeliveryStatus.QUEUED, now)
                    self._pause_message(session, delivery_id, outcome, now)
                    report.want_retry(_seconds_until(outcome.retry_after, now))
                    return Step.PAUSED
                case OutcomeKind.THROTTLED | OutcomeKind.RETRYABLE:
                    return self._release_or_give_up(session, delivery_id, outcome, now, report)
        raise AssertionError(f"unhandled outcome {outcome.kind}")

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
        message.paused_until = outcome.retry_after
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
        try:
            found = self.gateway.find_by_reference(str(delivery_id))
        except GatewayUnavailable:
            return Step.UNSETTLED  # Notify could not say; ask again on the next pass
        with unit_of_work(self.sessions) as uow:
            if found is not None:
                delivery_repo.transition(
                    uow.session,
                    delivery_id,
                    DeliveryStatus.ACCEPTED,
                    now,
                    notify_id=found.notify_id,
                    accepted_at=now,
                )
                return Step.ACCEPTED
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


def backoff_seconds(attempts: int, *, throttled: bool) -> float:
    """Exponential backoff with full jitter; throttling waits are short because tokens refill at 50/s."""
    base = 1.0 if throttled else 2.0
    return random.uniform(base, base * 2 ** min(attempts, 8))


def _seconds_until(when: datetime | None, now: datetime) -> float:
    return max(1.0, (when - now).total_seconds()) if when else 3600.0
