"""Data-subject requests: access and portability, rectification, erasure, restriction, objection.

A person starts a request from the preference pages; it is acted on only once they follow the signed
link emailed to them (transactional lane). An admin may record a request they verified another way;
it is acted on at once. Every request is tracked against its one-month deadline and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import DataRequest, Network, Subscriber, Suppression
from notifier.db.session import UnitOfWork
from notifier.domain.retention import DATA_REQUEST_DEADLINE, Period, RetentionKind
from notifier.domain.rights import DataRequestKind, DataRequestOrigin, DataRequestStatus, RequestArrival
from notifier.domain.statuses import (
    ConsentSource,
    SubscriberStatus,
    SubscriptionEndReason,
    SuppressionReason,
)
from notifier.rendering.emails import EmailKind
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common import audit as audit_trail
from notifier.services.common.links import DAY_SECONDS
from notifier.services.common.ports import TaskQueue
from notifier.services.common.tokens import InvalidToken, TokenPurpose, TokenSigner
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.privacy.erasure import carry_out_erasure
from notifier.services.privacy.retention import rules_for
from notifier.services.subscribers import email_change
from notifier.services.subscribers.subscriptions import unsubscribe

NAME_MAX, DEPARTMENT_MAX = 200, 200


class RequestRefused(ValueError):
    """The request cannot be made as asked; the message names the field and is safe to show."""


@dataclass(frozen=True)
class RightsContext:
    """What acting on requests needs from Settings."""

    signer: TokenSigner
    public_base_url: str
    link_days: int
    notify_retention_days: int
    settings: Settings

    @classmethod
    def from_settings(cls, settings: Settings) -> RightsContext:
        return cls(
            TokenSigner(settings.signing_secrets),
            settings.public_base_url.rstrip("/"),
            settings.data_request_link_days,
            settings.notify_retention_days,
            settings,
        )

    def verify_token(self, request: DataRequest) -> str:
        return self.signer.sign(TokenPurpose.DATA_REQUEST, {"n": request.network_id, "r": request.id})

    def read_token(self, token: str) -> tuple[int, int]:
        """(network id, request id); raises InvalidToken or ExpiredToken."""
        payload = self.signer.verify(
            TokenPurpose.DATA_REQUEST, token, max_age_seconds=self.link_days * DAY_SECONDS
        )
        try:
            return int(payload["n"]), int(payload["r"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidToken("this link is not valid") from exc


def checked_details(kind: DataRequestKind, details: dict[str, str]) -> dict[str, str]:
    """Rectification carries the corrected name and department; other kinds carry nothing."""
    if kind is not DataRequestKind.RECTIFICATION:
        return {}
    name, department = details.get("name", "").strip(), details.get("department", "").strip()
    if not name:
        raise RequestRefused("name: enter your full name")
    if len(name) > NAME_MAX:
        raise RequestRefused(f"name: your name must be {NAME_MAX} characters or fewer")
    if len(department) > DEPARTMENT_MAX:
        raise RequestRefused(f"department: your department must be {DEPARTMENT_MAX} characters or fewer")
    checked = {"name": name, "department": department}
    if details.get("email"):
        # A new address, already checked against the network's work-email policy by the form
        # (services/subscribers/addresses.py); it is applied only once the new address confirms it.
        checked["email"] = details["email"]
    return checked


def _new_request(
    session: Session,
    subscriber: Subscriber,
    kind: DataRequestKind,
    origin: DataRequestOrigin,
    details: dict[str, str],
    now: datetime,
    *,
    actor: str | None = None,
) -> DataRequest:
    request = DataRequest(
        network_id=subscriber.network_id,
        subscriber_id=subscriber.id,
        kind=kind,
        origin=origin,
        status=DataRequestStatus.AWAITING_VERIFICATION,
        details=checked_details(kind, details),
        received_at=now,
        deadline_at=DATA_REQUEST_DEADLINE.after(now),
    )
    session.add(request)
    session.flush()
    audit(session, request, "data_request.received", actor=actor or origin.value, now=now)
    return request


def request_from_preferences(
    uow: UnitOfWork,
    queue: TaskQueue,
    rights: RightsContext,
    subscriber: Subscriber,
    kind: DataRequestKind,
    details: dict[str, str],
    now: datetime,
) -> DataRequest:
    """Record the person's request and email them the signed link that verifies it."""
    session = uow.session
    request = _new_request(session, subscriber, kind, DataRequestOrigin.SELF_SERVICE, details, now)
    queue_one_email(
        uow,
        queue,
        subscriber,
        EmailKind.DATA_REQUEST_VERIFY,
        {
            "request_type_label": kind.label,
            "verify_url": f"{rights.public_base_url}/rights/verify/{rights.verify_token(request)}",
            "expiry_days": rights.link_days,
        },
        now=now,
    )
    return request


def record_admin_request(
    session: Session,
    rights: RightsContext,
    subscriber: Subscriber,
    kind: DataRequestKind,
    details: dict[str, str],
    now: datetime,
    on_behalf: OnBehalf | None = None,
) -> DataRequest:
    """An admin records a request they verified another way (a letter, a call): acted on at once. In
    the admin web (`on_behalf`) it keeps how it arrived and how the admin checked it was the person's."""
    actor = on_behalf.actor if on_behalf else None
    request = _new_request(session, subscriber, kind, DataRequestOrigin.ADMIN, details, now, actor=actor)
    if on_behalf is not None:
        request.arrived_by, request.identity_check = on_behalf.arrived_by, on_behalf.identity_check
        request.recorded_by_admin_id = on_behalf.admin_id
    verify(session, rights, request, now, actor=actor)
    return request


@dataclass(frozen=True)
class OnBehalf:
    """A request an admin records in the web for someone who asked by email, post, phone or in person."""

    arrived_by: RequestArrival
    identity_check: str  # how the admin checked the request is the person's
    admin_id: int
    actor: str  # the admin, as the audit names them


def verify(
    session: Session, rights: RightsContext, request: DataRequest, now: datetime, *, actor: str | None = None
) -> None:
    """The person proved the request is theirs: act on it. Idempotent for a request already verified."""
    if request.status is not DataRequestStatus.AWAITING_VERIFICATION:
        return
    request.status, request.verified_at = DataRequestStatus.OPEN, now
    audit(session, request, "data_request.verified", actor=actor or request.origin.value, now=now)
    act(session, rights, request, now)


def verify_from_link(
    uow: UnitOfWork, queue: TaskQueue, rights: RightsContext, request: DataRequest, now: datetime
) -> None:
    """The person followed the emailed link: verify, then start any change of address it asked for."""
    waiting = request.status is DataRequestStatus.AWAITING_VERIFICATION
    new_email = request.details.get("email", "") if waiting else ""  # acting clears the details
    verify(uow.session, rights, request, now)
    if new_email:
        context = email_change.EmailChangeContext.from_settings(rights.settings)
        email_change.start(uow, queue, context, request, new_email, now)


NOTHING_HELD = "nothing held: the person had been erased already"  # a request's outcome, for the page too


def act(session: Session, rights: RightsContext, request: DataRequest, now: datetime) -> None:
    network = session.get_one(Network, request.network_id)
    subscriber = (
        subscriber_repo.get_subscriber(session, request.network_id, request.subscriber_id)
        if request.subscriber_id is not None
        else None
    )
    if subscriber is None:
        _close(session, request, now, NOTHING_HELD)
        return
    kind = request.kind
    if kind is DataRequestKind.ERASURE:
        if rules_for(session, network.id, rights.settings)[RetentionKind.ERASURE_REQUEST] != Period():
            return  # the network erases on a later clock: the daily retention run does it
        carry_out_erasure(session, request, notify_retention_days=rights.notify_retention_days, now=now)
        return
    outcome = _apply(session, network, subscriber, request, now)
    _close(session, request, now, outcome)


def _rectify(subscriber: Subscriber, details: dict[str, Any]) -> str:
    """The correction applied, its outcome naming only what changed ("department corrected"): the
    person's page says what changed, not a list of everything the form held."""
    corrected = {"name": details["name"], "department": details.get("department", "")}
    changed = [field for field, value in corrected.items() if getattr(subscriber, field) != value]
    subscriber.name, subscriber.department = corrected["name"], corrected["department"]
    done = f"{' and '.join(changed)} corrected" if changed else ""
    if details.get("email"):
        # The same words whether or not the link is really sent (a clash is never revealed).
        link = "a link to confirm the new email address was sent to it"
        return f"{done}; {link}" if done else link
    return done or "nothing to correct: the name and department held were already right"


def _apply(
    session: Session, network: Network, subscriber: Subscriber, request: DataRequest, now: datetime
) -> str:
    source = ConsentSource.ADMIN if request.origin is DataRequestOrigin.ADMIN else ConsentSource.FORM
    match request.kind:
        case DataRequestKind.ACCESS:
            return "copy of the data made available"
        case DataRequestKind.RECTIFICATION:
            return _rectify(subscriber, request.details)
        case DataRequestKind.RESTRICTION:
            subscriber.status = SubscriberStatus.RESTRICTED
            return "processing restricted: nothing is sent until it is lifted"
        case DataRequestKind.LIFT_RESTRICTION:
            if subscriber.status is SubscriberStatus.RESTRICTED:
                subscriber.status = SubscriberStatus.ACTIVE
                subscriber_repo.mark_left_if_nothing_active(session, subscriber, now)
            return "restriction lifted"
        case DataRequestKind.OBJECTION:
            unsubscribe(
                session,
                network,
                subscriber,
                topic_id=None,
                source=source,
                reason=SubscriptionEndReason.UNSUBSCRIBED,
                now=now,
            )
            subscriber_repo.add_suppression(
                session,
                Suppression(
                    network_id=network.id,
                    email_hash=subscriber.email_hash,
                    reason=SuppressionReason.OBJECTION,
                    detail=f"data request {request.id}",
                    created_at=now,
                ),
            )
            return "all email stopped; the address is suppressed"
    raise AssertionError(f"unhandled request kind {request.kind}")


def _close(session: Session, request: DataRequest, now: datetime, outcome: str) -> None:
    request.status, request.acted_at, request.completed_at = DataRequestStatus.COMPLETED, now, now
    request.outcome, request.details = outcome[:300], {}
    audit(session, request, "data_request.completed", actor="service", now=now)


def mark_done(session: Session, request: DataRequest, outcome: str, *, actor: str, now: datetime) -> bool:
    """An admin closes a verified request they dealt with by hand (the web admin's "Mark done").

    Only an open, verified request other than an erasure (erasure closes itself once Notify's copy
    has expired) can be closed this way; False otherwise, with nothing changed."""
    if request.status is not DataRequestStatus.OPEN or request.kind is DataRequestKind.ERASURE:
        return False
    outcome = " ".join(outcome.split()) or "done by the steering group"
    request.status, request.acted_at, request.completed_at = DataRequestStatus.COMPLETED, now, now
    request.outcome, request.details = outcome[:300], {}
    audit_trail.record(
        session, request.network_id, actor, "data_request.completed", "data_request", request.id,
        kind=request.kind.value, status=request.status.value,
    )  # fmt: skip
    return True


def audit(session: Session, request: DataRequest, action: str, *, actor: str, now: datetime) -> None:
    """Ids and the request's kind only: the audit trail never holds a name or an address."""
    audit_trail.record(
        session,
        request.network_id,
        audit_trail.CLI_ACTOR if actor == DataRequestOrigin.ADMIN.value else actor,
        action,
        "data_request",
        request.id,
        kind=request.kind.value,
        status=request.status.value,
    )


def requests_for_admin(session: Session, network_id: int, *, open_only: bool) -> list[DataRequest]:
    query = select(DataRequest).where(DataRequest.network_id == network_id)
    if open_only:
        query = query.where(DataRequest.completed_at.is_(None))
    return list(session.scalars(query.order_by(DataRequest.deadline_at, DataRequest.id)))


def open_request(session: Session, network_id: int, request_id: int) -> DataRequest | None:
    return session.scalars(
        select(DataRequest).where(DataRequest.network_id == network_id, DataRequest.id == request_id)
    ).one_or_none()


def deadline_summary(request: DataRequest, now: datetime) -> dict[str, Any]:
    days_left = (request.deadline_at - now).days
    met = request.completed_at is not None and request.completed_at <= request.deadline_at
    return {
        "days_left": days_left,
        "overdue": request.completed_at is None and now > request.deadline_at,
        "met": met,
    }
