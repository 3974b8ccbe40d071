"""Double opt-in: a sign-up waits for its emailed link; only confirming it grants consent.

The confirmation email goes through the transactional lane as a one-person message. Its link is
signed for this purpose only, names the sign-up by id and expires (`confirm_link_days`). Confirming
twice is harmless; a sign-up nobody confirms is deleted when its link expires, with the never-confirmed
subscriber row it created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import ConsentText, Network, Signup, Subscriber, Topic
from notifier.db.session import UnitOfWork
from notifier.domain.emails import keyed_email_hash
from notifier.domain.statuses import (
    ConsentSource,
    SubscriberStatus,
)
from notifier.rendering.emails import EmailKind
from notifier.repositories import networks as network_repo
from notifier.repositories import signups as signup_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.ports import TaskQueue
from notifier.services.common.tokens import InvalidToken, TokenPurpose, TokenSigner
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.subscribers import memberships
from notifier.services.subscribers.signup_form import CheckedSignup, consent_statement
from notifier.services.subscribers.subscriptions import subscribe_to_topic

DAY_SECONDS = 86_400
# A second submit of the same choices within this window sends no second email (double clicks, back).
RESEND_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class ConfirmRef:
    network_id: int
    subscriber_id: int
    signup_id: int


@dataclass(frozen=True)
class ConfirmLinks:
    """Confirmation links: ids only, signed for the `confirm-subscription` purpose, expiring."""

    signer: TokenSigner
    public_base_url: str
    max_age_seconds: int

    @classmethod
    def build(cls, secret_key: str | tuple[str, ...], public_base_url: str, days: int) -> ConfirmLinks:
        return cls(TokenSigner(secret_key), public_base_url.rstrip("/"), days * DAY_SECONDS)

    @classmethod
    def from_settings(cls, settings: Settings) -> ConfirmLinks:
        # The longest link any sign-up gets; each sign-up's own `expires_at` is checked when confirmed.
        days = max(settings.confirm_link_days, settings.import_confirm_days)
        return cls.build(settings.signing_secrets, settings.public_base_url, days)

    def url(self, ref: ConfirmRef) -> str:
        token = self.signer.sign(
            TokenPurpose.CONFIRM, {"n": ref.network_id, "s": ref.subscriber_id, "g": ref.signup_id}
        )
        return f"{self.public_base_url}/confirm/{token}"

    def read(self, token: str) -> ConfirmRef:
        payload = self.signer.verify(TokenPurpose.CONFIRM, token, max_age_seconds=self.max_age_seconds)
        try:
            return ConfirmRef(int(payload["n"]), int(payload["s"]), int(payload["g"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidToken("this confirmation link is not valid") from exc


@dataclass(frozen=True)
class SignupContext:
    links: ConfirmLinks
    hash_key: str
    expiry_days: int
    now: datetime


def request_signup(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    signup: CheckedSignup,
    ctx: SignupContext,
    *,
    source: ConsentSource = ConsentSource.FORM,
    wants_membership: bool = False,
) -> int | None:
    """Store the sign-up and queue its confirmation email; returns the email's message id.

    A known address gets the same treatment as a new one (the page says the same thing either way);
    a repeat of the same choices within RESEND_AFTER sends nothing more and returns None.
    """
    session = uow.session
    subscriber = _subscriber_for(session, network, signup, ctx)
    topic_ids = sorted(t.id for t in signup.topics)
    if _same_request_pending(session, subscriber.id, topic_ids, signup, wants_membership, ctx.now):
        return None
    record_consent_text(session, network, ctx.now)
    pending = Signup(
        network_id=network.id,
        subscriber_id=subscriber.id,
        topic_ids=topic_ids,
        frequency=signup.frequency,
        name=signup.name,
        department=signup.department,
        source=source,
        notice_version=network.privacy_notice_version,
        wants_membership=wants_membership,
        created_at=ctx.now,
        expires_at=ctx.now + timedelta(days=ctx.expiry_days),
    )
    session.add(pending)
    session.flush()
    names = [t.name for t in signup.topics]
    url = ctx.links.url(ConfirmRef(network.id, subscriber.id, pending.id))
    invited = source in (ConsentSource.IMPORT, ConsentSource.ADMIN)  # an admin asked, not the person
    return _queue_confirmation(
        uow, queue, network, subscriber, url, names, ctx, membership=wants_membership, invited=invited
    )


def _subscriber_for(
    session: Session, network: Network, signup: CheckedSignup, ctx: SignupContext
) -> Subscriber:
    found = subscriber_repo.get_subscriber_by_email(session, network.id, signup.email)
    if found is not None:
        return found  # name and department change only once the address owner confirms
    subscriber = Subscriber(
        network_id=network.id,
        email=signup.email,
        email_hash=keyed_email_hash(ctx.hash_key, signup.email),
        name=signup.name,
        department=signup.department,
        status=SubscriberStatus.PENDING,
        created_at=ctx.now,
    )
    session.add(subscriber)
    session.flush()
    return subscriber


def _same_request_pending(
    session: Session,
    subscriber_id: int,
    topic_ids: list[int],
    signup: CheckedSignup,
    wants_membership: bool,
    now: datetime,
) -> bool:
    return any(
        sorted(s.topic_ids) == topic_ids
        and s.frequency is signup.frequency
        and s.wants_membership == wants_membership
        for s in signup_repo.recent_open_signups(session, subscriber_id, since=now - RESEND_AFTER)
    )


def record_consent_text(session: Session, network: Network, now: datetime) -> ConsentText:
    """Keep the statement shown with this privacy-notice version, once."""
    stored = signup_repo.consent_text(session, network.id, network.privacy_notice_version)
    if stored is None:
        stored = ConsentText(
            network_id=network.id,
            version=network.privacy_notice_version,
            statement=consent_statement(network),
            created_at=now,
        )
        session.add(stored)
        session.flush()
    return stored


def _queue_confirmation(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    subscriber: Subscriber,
    url: str,
    topic_names: list[str],
    ctx: SignupContext,
    *,
    membership: bool,
    invited: bool = False,
) -> int:
    message = queue_one_email(
        uow,
        queue,
        subscriber,
        EmailKind.CONFIRM_SUBSCRIPTION,
        {
            "confirm_url": url,
            "topic_names": topic_names,
            "expiry_days": ctx.expiry_days,
            "membership": membership,
            "invited": invited,
        },
        now=ctx.now,
    )
    return message.id


class Confirmation(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    EXPIRED = "expired"  # too old, or already deleted because it expired
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ConfirmResult:
    outcome: Confirmation
    topics: list[Topic]
    membership_requested: bool = False


def confirm_signup(session: Session, network: Network, ref: ConfirmRef, *, now: datetime) -> ConfirmResult:
    """Grant what the sign-up asked for; a second confirmation changes nothing."""
    signup = signup_repo.get_signup(session, network.id, ref.signup_id)
    if signup is None:
        return ConfirmResult(Confirmation.EXPIRED, [])
    if signup.subscriber_id != ref.subscriber_id:
        return ConfirmResult(Confirmation.NOT_FOUND, [])
    topics = [t for t in network_repo.list_topics(session, network.id) if t.id in set(signup.topic_ids)]
    if signup.confirmed_at is not None:
        return ConfirmResult(Confirmation.ALREADY_CONFIRMED, topics, signup.wants_membership)
    if signup.expires_at < now:
        return ConfirmResult(Confirmation.EXPIRED, [])
    if not signup_repo.claim_confirmation(session, signup.id, now):
        return ConfirmResult(Confirmation.ALREADY_CONFIRMED, topics, signup.wants_membership)
    subscriber = session.get_one(Subscriber, signup.subscriber_id)
    # A confirmed request is fresh consent: it lifts an earlier suppression of the address.
    signup_repo.lift_suppression(session, network.id, subscriber.email_hash)
    subscriber.name, subscriber.department = signup.name, signup.department
    subscriber.status, subscriber.left_at = SubscriberStatus.ACTIVE, None
    subscriber.confirmed_at = subscriber.confirmed_at or now
    subscriber.consecutive_temporary_failures = 0
    for topic in topics:
        if not topic.members_only:
            subscribe_to_topic(
                session,
                network,
                subscriber,
                topic,
                frequency=signup.frequency,
                source=signup.source,
                now=now,
                notice_version=signup.notice_version,
            )
    if signup.wants_membership:
        memberships.request_membership(session, network, subscriber, now=now)
    return ConfirmResult(Confirmation.CONFIRMED, topics, signup.wants_membership)
