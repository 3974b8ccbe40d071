"""Changing a subscriber's address: a rectification that the NEW address must confirm.

Once the old inbox has verified the rectification (services/privacy/rights.py), the new address is held in
`subscriber.pending_email` and a one-person transactional `confirm_email_change` message is sent to it
(the Sender reads `pending_email` for that kind). Its link is signed for this purpose only, expires
after `confirm_link_days` and carries ids plus a keyed hash of the address it was sent to, so a link
confirms that address only, even if another change was asked for since. An address that belongs to
another subscriber of the network is never applied, and nothing the person sees says so.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import DataRequest, Network, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.emails import keyed_email_hash
from notifier.rendering.emails import EmailKind
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common import audit as audit_trail
from notifier.services.common.links import DAY_SECONDS
from notifier.services.common.ports import TaskQueue
from notifier.services.common.tokens import InvalidToken, TokenPurpose, TokenSigner
from notifier.services.delivery.direct_sends import queue_one_email

# Enough of the keyed hash to tell two addresses apart; it is not the address and cannot give it back.
HASH_CHARS = 32


@dataclass(frozen=True)
class ChangeRef:
    network_id: int
    subscriber_id: int
    request_id: int
    address_hash: str


@dataclass(frozen=True)
class EmailChangeContext:
    signer: TokenSigner
    hash_key: str
    public_base_url: str
    link_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailChangeContext:
        return cls(
            TokenSigner(settings.signing_secrets),
            settings.hash_key,
            settings.public_base_url.rstrip("/"),
            settings.confirm_link_days,
        )

    def address_hash(self, address: str) -> str:
        return keyed_email_hash(self.hash_key, address)[:HASH_CHARS]

    def url(self, ref: ChangeRef) -> str:
        payload = {"n": ref.network_id, "s": ref.subscriber_id, "r": ref.request_id, "h": ref.address_hash}
        return f"{self.public_base_url}/rights/email/{self.signer.sign(TokenPurpose.EMAIL_CHANGE, payload)}"

    def read(self, token: str) -> ChangeRef:
        """Raises InvalidToken (forged, damaged) or ExpiredToken."""
        payload = self.signer.verify(
            TokenPurpose.EMAIL_CHANGE, token, max_age_seconds=self.link_days * DAY_SECONDS
        )
        try:
            return ChangeRef(int(payload["n"]), int(payload["s"]), int(payload["r"]), str(payload["h"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidToken("this email change link is not valid") from exc


def _taken(session: Session, subscriber: Subscriber, address: str) -> bool:
    other = subscriber_repo.get_subscriber_by_email(session, subscriber.network_id, address)
    return other is not None and other.id != subscriber.id


def start(
    uow: UnitOfWork,
    queue: TaskQueue,
    ctx: EmailChangeContext,
    request: DataRequest,
    new_email: str,
    now: datetime,
) -> None:
    """Hold the (already checked, normalised) address and send its confirmation link to it.

    A clash with another subscriber sends nothing and says nothing: the page the person sees is the
    same either way, so the form cannot be used to find out who is subscribed.
    """
    session = uow.session
    subscriber = (
        subscriber_repo.get_subscriber(session, request.network_id, request.subscriber_id)
        if request.subscriber_id is not None
        else None
    )
    if subscriber is None or subscriber.email == new_email or _taken(session, subscriber, new_email):
        return
    subscriber.pending_email = new_email
    ref = ChangeRef(subscriber.network_id, subscriber.id, request.id, ctx.address_hash(new_email))
    queue_one_email(
        uow,
        queue,
        subscriber,
        EmailKind.CONFIRM_EMAIL_CHANGE,
        {"confirm_url": ctx.url(ref), "expiry_days": ctx.link_days},
        now=now,
    )
    _audit(session, request, "data_request.email_change_sent")


class ChangeState(StrEnum):
    PENDING = "pending"  # the link's address is waiting for the person to confirm
    TAKEN = "taken"  # waiting, but the address has become another subscriber's meanwhile
    CHANGED = "changed"  # the link's address is the subscriber's address now
    GONE = "gone"  # the subscriber was erased, or the link is for an address no longer asked for


def state(session: Session, ctx: EmailChangeContext, ref: ChangeRef) -> ChangeState:
    """Where the change this link is for stands; changes nothing."""
    subscriber = subscriber_repo.get_subscriber(session, ref.network_id, ref.subscriber_id)
    if subscriber is None:
        return ChangeState.GONE
    if hmac.compare_digest(ctx.address_hash(subscriber.email), ref.address_hash):
        return ChangeState.CHANGED
    pending = subscriber.pending_email
    if pending is None or not hmac.compare_digest(ctx.address_hash(pending), ref.address_hash):
        return ChangeState.GONE
    return ChangeState.TAKEN if _taken(session, subscriber, pending) else ChangeState.PENDING


def confirm(session: Session, ctx: EmailChangeContext, ref: ChangeRef, now: datetime) -> ChangeState:
    """Make the pending address the subscriber's; confirming twice changes nothing more."""
    found = state(session, ctx, ref)
    if found is not ChangeState.PENDING:
        return found
    subscriber = session.get_one(Subscriber, ref.subscriber_id)
    new_email = subscriber.pending_email
    assert new_email is not None  # state() saw it
    try:
        # A sign-up with the same address can land between the check and here: the unique
        # (network, email) constraint decides, and the loser gets the gentle refusal.
        with session.begin_nested():
            # The keyed hash follows the address: suppressions and fan-out match the new one from now on.
            subscriber.email, subscriber.email_hash = new_email, keyed_email_hash(ctx.hash_key, new_email)
            subscriber.pending_email = None
            session.flush()
    except IntegrityError:
        session.refresh(subscriber)
        return ChangeState.TAKEN
    request = session.get(DataRequest, ref.request_id)
    if request is not None and request.network_id == ref.network_id:
        request.outcome = f"{request.outcome or 'verified'}; email address changed"[:300]
        _audit(session, request, "data_request.email_changed")
    return ChangeState.CHANGED


def _audit(session: Session, request: DataRequest, action: str) -> None:
    """Ids and kind only, as the rest of the request's trail: never either address."""
    audit_trail.record(
        session,
        request.network_id,
        "service",
        action,
        "data_request",
        request.id,
        kind=request.kind.value,
        status=request.status.value,
    )


@dataclass(frozen=True)
class ChangeLink:
    """A change-of-address link as its pages use it: what it names, and the network it belongs to."""

    ctx: EmailChangeContext
    ref: ChangeRef
    network: Network | None

    def state(self, session: Session) -> ChangeState:
        return state(session, self.ctx, self.ref) if self.network is not None else ChangeState.GONE

    def confirm(self, session: Session, now: datetime) -> ChangeState:
        return confirm(session, self.ctx, self.ref, now) if self.network is not None else ChangeState.GONE


def change_link(session: Session, settings: Settings, token: str) -> ChangeLink:
    """Raises InvalidToken (or ExpiredToken) for a link that is not one of ours or too old."""
    ctx = EmailChangeContext.from_settings(settings)
    ref = ctx.read(token)
    return ChangeLink(ctx, ref, session.get(Network, ref.network_id))
