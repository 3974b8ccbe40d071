"""The steps of sending a group of deliveries, each a few statements for the whole group.

`prepare_group` claims the group (one UPDATE), re-checks consent and suppression (two queries for
the group), composes each email and records the rows that will not be sent (skipped, or failed to
compose) in one statement each. `record_accepted` records every accepted send in one statement.
The rare outcomes (a Notify refusal, an ambiguous answer, throttling) are recorded row by row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import structlog
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from notifier.db.models import Message, Network, Subscriber, Topic
from notifier.domain.statuses import DeliveryStatus, Lane
from notifier.gateway.base import EmailRequest
from notifier.metrics import record_outcome
from notifier.rendering.emails import EmailKind
from notifier.repositories import deliveries as delivery_repo
from notifier.services.delivery.composing import Composer
from notifier.services.delivery.eligibility import Prefetched, ineligibility_reason, prefetch
from notifier.services.delivery.routing import NotifyRoute
from notifier.services.delivery.send_policy import database_unreachable
from notifier.services.delivery.source_emails import PER_SUBSCRIBER_CONTEXT

log = structlog.get_logger(__name__)


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


@dataclass(frozen=True)
class Batch:
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


def _recipient(message: Message, subscriber: Subscriber | None) -> str | None:
    if subscriber is None:
        return None
    # A new address proves itself before it replaces the old one (services/subscribers/email_change.py).
    if message.email_kind == EmailKind.CONFIRM_EMAIL_CHANGE:
        return subscriber.pending_email
    return subscriber.email


Ready = tuple[int, EmailRequest]  # a claimed delivery and the request that sends it


class ComposeQueryFailed(Exception):
    """A query made while composing failed outside a savepoint: the group's transaction is spoiled, so
    the group is prepared again with a savepoint around each row's composition."""


@dataclass
class _Outcomes:
    """What one group's preparation decided, row by row, before anything is sent."""

    ready: list[tuple[int, EmailRequest]] = field(default_factory=list)
    skipped: list[Mapping[str, object]] = field(default_factory=list)
    failed: list[Mapping[str, object]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # each failed row's exception class, for the log


def prepare_group(
    session: Session,
    delivery_ids: list[int],
    batch: Batch,
    composer: Composer,
    now: datetime,
    steps: Counter[Step],
    *,
    savepoints: bool = False,
) -> list[Ready]:
    """Claim, re-check and compose a group; returns the requests to send, in the group's order.

    Without `savepoints`, a kind that queries while composing (a digest) still gets one; any other
    failed query raises ComposeQueryFailed, and the caller prepares the group again with savepoints.
    """
    claims = delivery_repo.claim_many(session, delivery_ids, now)
    steps[Step.NOT_CLAIMED] += len(delivery_ids) - len(claims)
    wanted = {subscriber_id for subscriber_id in claims.values() if subscriber_id is not None}
    subscribers = (
        {s.id: s for s in session.scalars(select(Subscriber).where(Subscriber.id.in_(wanted)))}
        if wanted
        else {}
    )
    known = prefetch(session, batch.message, list(subscribers.values()))
    outcomes = _Outcomes()
    for delivery_id in delivery_ids:
        if delivery_id in claims:
            subscriber_id = claims[delivery_id]
            subscriber = subscribers.get(subscriber_id) if subscriber_id is not None else None
            _prepare_one(session, delivery_id, subscriber, batch, composer, known, now, outcomes, savepoints)
    delivery_repo.settle_many(session, DeliveryStatus.SKIPPED, outcomes.skipped, now)
    delivery_repo.settle_many(session, DeliveryStatus.TECHNICAL_FAILURE, outcomes.failed, now)
    steps[Step.SKIPPED] += len(outcomes.skipped)
    steps[Step.FAILED] += len(outcomes.failed)
    for skipped in outcomes.skipped:
        record_outcome(batch.lane, Step.SKIPPED.value, str(skipped["failure_reason"] or ""))
    for failed, error in zip(outcomes.failed, outcomes.errors, strict=True):
        log.warning("send.compose_failed", delivery_id=failed["delivery_id"], error=error)
        record_outcome(batch.lane, Step.FAILED.value, "compose_error")
    return outcomes.ready


def _prepare_one(
    session: Session,
    delivery_id: int,
    subscriber: Subscriber | None,
    batch: Batch,
    composer: Composer,
    known: Prefetched,
    now: datetime,
    outcomes: _Outcomes,
    savepoints: bool,
) -> None:
    message = batch.message
    reason = ineligibility_reason(session, message, subscriber, known)
    recipient = _recipient(message, subscriber)
    if reason is None and recipient is None:
        reason = "email change no longer pending"  # confirmed, erased or replaced since queueing
    if reason is not None or subscriber is None or recipient is None:
        outcomes.skipped.append({"delivery_id": delivery_id, "failure_reason": reason, "completed_at": now})
        return
    guarded = savepoints or message.email_kind in PER_SUBSCRIBER_CONTEXT
    try:
        if guarded:
            # A failed query inside compose must not undo the group's claim.
            with session.begin_nested():
                email = composer.compose(session, message, subscriber)
        else:
            email = composer.compose(session, message, subscriber)
    except Exception as error:  # recorded on the row below, never ignored
        if database_unreachable(error):
            raise  # nothing is wrong with this row; the chunk runs again
        if not guarded and isinstance(error, SQLAlchemyError):
            raise ComposeQueryFailed from error
        failure = f"could not compose the email: {type(error).__name__}"
        outcomes.failed.append({"delivery_id": delivery_id, "failure_reason": failure, "completed_at": now})
        outcomes.errors.append(type(error).__name__)
        return
    outcomes.ready.append(
        (
            delivery_id,
            EmailRequest(
                email_address=recipient,
                subject=email.subject,
                body=email.body,
                reference=str(delivery_id),
                one_click_unsubscribe_url=email.one_click_unsubscribe_url,
                email_reply_to_id=email.email_reply_to_id,
            ),
        )
    )


def record_accepted(session: Session, accepted: list[tuple[int, str | None]], now: datetime) -> None:
    """Every accepted send of a group, with its Notify id, in one statement."""
    delivery_repo.settle_many(
        session,
        DeliveryStatus.ACCEPTED,
        [{"delivery_id": d, "notify_id": notify_id, "accepted_at": now} for d, notify_id in accepted],
        now,
    )
