"""Signing readers in to a network's archive: an emailed one-time link, then a server-side session of
their own (separate from the admins': its own table, cookie and limits). The cookie holds a random
secret and the row only its SHA-256. Asking for a link answers the same whether or not the address
may read, and every step is audited with ids only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from notifier.config import Settings
from notifier.db.models import ArchiveSession, ArchiveSignInLink, Subscriber
from notifier.db.session import UnitOfWork
from notifier.rendering.emails import EmailKind
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.archive.access import Reader, reader_of
from notifier.services.common import audit, emailed_links
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope
from notifier.services.common.tokens import InvalidToken, TokenPurpose, TokenSigner
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email


def reader_actor(subscriber_id: int) -> str:
    return f"reader:{subscriber_id}"


class SignInFailure(StrEnum):
    INVALID = "invalid"  # forged, damaged or another network's
    EXPIRED = "expired"
    USED = "used"
    NOT_A_READER = "not_a_reader"  # left every topic since the link was sent


class NotSignedIn(Exception):
    """No live reader session of this network came with the request."""


@dataclass(frozen=True)
class ReaderPolicy:
    link_minutes: int
    idle: timedelta
    absolute: timedelta
    signing_keys: tuple[str, ...]
    public_base_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> ReaderPolicy:
        return cls(
            link_minutes=settings.archive_sign_in_link_minutes,
            idle=timedelta(days=settings.archive_session_idle_days),
            absolute=timedelta(days=settings.archive_session_days),
            signing_keys=settings.signing_secrets,
            public_base_url=settings.public_base_url.rstrip("/"),
        )

    @property
    def signer(self) -> TokenSigner:
        return TokenSigner(self.signing_keys)


def request_sign_in(
    uow: UnitOfWork, queue: TaskQueue, scope: NetworkScope, email: str, policy: ReaderPolicy, *, now: datetime
) -> bool:
    """Email a one-time link when the address is someone who may read; the caller answers the same
    either way. A badly formed address raises AddressRejected (the form says so)."""
    network, session = scope.network, scope.session
    if not email.strip():
        raise AddressRejected("Enter your email address")
    try:
        address = checked_work_email(network, email)
    except AddressRejected:
        address = ""
    subscriber = subscriber_repo.get_subscriber_by_email(session, network.id, address) if address else None
    if subscriber is None or not reader_of(scope, subscriber).may_read:
        audit.record(
            session, network.id, audit.ANONYMOUS_ACTOR, "archive.sign_in_refused", "subscriber", None
        )
        return False
    link = ArchiveSignInLink(
        network_id=network.id,
        subscriber_id=subscriber.id,
        created_at=now,
        expires_at=now + timedelta(minutes=policy.link_minutes),
    )
    session.add(link)
    session.flush()
    token = policy.signer.sign(TokenPurpose.ARCHIVE_SIGN_IN, {"n": network.id, "l": link.id})
    context = {
        "sign_in_url": f"{policy.public_base_url}/archive/{network.slug}/sign-in/{token}",
        "expiry_minutes": policy.link_minutes,
    }
    queue_one_email(uow, queue, subscriber, EmailKind.ARCHIVE_SIGN_IN, context, now=now)
    audit.record(
        session,
        network.id,
        reader_actor(subscriber.id),
        "archive.sign_in_link_sent",
        "subscriber",
        subscriber.id,
    )
    return True


def _named_link(scope: NetworkScope, token: str, policy: ReaderPolicy) -> ArchiveSignInLink | SignInFailure:
    try:
        payload = policy.signer.verify(
            TokenPurpose.ARCHIVE_SIGN_IN, token, max_age_seconds=policy.link_minutes * 60
        )
    except InvalidToken as exc:
        return SignInFailure(emailed_links.token_failure(exc))
    link_id = payload.get("l")
    link = (
        scope.find(ArchiveSignInLink, link_id)
        if payload.get("n") == scope.network_id and isinstance(link_id, int)
        else None
    )
    return SignInFailure.INVALID if link is None else link


def check_link(
    scope: NetworkScope, token: str, policy: ReaderPolicy, *, now: datetime
) -> ArchiveSignInLink | SignInFailure:
    """The unused, unexpired link a token names, for the page with the button; nothing changes."""
    link = _named_link(scope, token, policy)
    if isinstance(link, SignInFailure):
        return link
    if spent := emailed_links.spent(link, now):
        return SignInFailure(spent)
    if not reader_of(scope, scope.session.get_one(Subscriber, link.subscriber_id)).may_read:
        return SignInFailure.NOT_A_READER
    return link


@dataclass(frozen=True)
class OpenedSession:
    row: ArchiveSession
    secret: str  # for the cookie; only its hash is kept


def complete_sign_in(
    scope: NetworkScope, token: str, policy: ReaderPolicy, *, now: datetime
) -> OpenedSession | SignInFailure:
    """Use the link once (a conditional UPDATE) and open a session; audit success and failure."""
    session = scope.session
    link = check_link(scope, token, policy, now=now)
    claimed = not isinstance(link, SignInFailure) and emailed_links.claim(session, link, now)
    if isinstance(link, SignInFailure) or not claimed:
        reason = link.value if isinstance(link, SignInFailure) else SignInFailure.USED.value
        audit.record(
            session,
            scope.network_id,
            audit.ANONYMOUS_ACTOR,
            "archive.sign_in_failed",
            "subscriber",
            None,
            reason=reason,
        )
        return link if isinstance(link, SignInFailure) else SignInFailure.USED
    secret, secret_hash = emailed_links.new_session_secret()
    opened = ArchiveSession(
        network_id=scope.network_id,
        subscriber_id=link.subscriber_id,
        secret_hash=secret_hash,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute,
    )
    session.add(opened)
    session.flush()
    audit.record(
        session,
        scope.network_id,
        reader_actor(link.subscriber_id),
        "archive.signed_in",
        "archive_session",
        opened.id,
    )
    return OpenedSession(opened, secret)


def signed_in_reader(scope: NetworkScope, secret: str, policy: ReaderPolicy, *, now: datetime) -> Reader:
    """The reader a cookie's secret belongs to, with what they may read now; NotSignedIn when the
    session is missing, ended, past a limit, another network's, or its person may no longer read."""
    if not secret or len(secret) > 100:
        raise NotSignedIn
    row = scope.session.scalars(
        select(ArchiveSession).where(
            ArchiveSession.secret_hash == emailed_links.secret_hash(secret),
            ArchiveSession.ended_at.is_(None),
        )
    ).one_or_none()
    if row is None or row.network_id != scope.network_id:
        raise NotSignedIn
    if row.expires_at <= now or row.last_seen_at + policy.idle <= now:
        raise NotSignedIn
    reader = reader_of(scope, scope.session.get_one(Subscriber, row.subscriber_id))
    if not reader.may_read:
        raise NotSignedIn
    row.last_seen_at = now
    return reader


def sign_out(scope: NetworkScope, secret: str, *, now: datetime) -> None:
    """End the session the cookie names, if it is this network's and still open."""
    row = scope.session.scalars(
        select(ArchiveSession).where(
            ArchiveSession.secret_hash == emailed_links.secret_hash(secret or "-"),
            ArchiveSession.ended_at.is_(None),
        )
    ).one_or_none()
    if row is None or row.network_id != scope.network_id:
        return
    row.ended_at = now
    audit.record(
        scope.session,
        scope.network_id,
        reader_actor(row.subscriber_id),
        "archive.signed_out",
        "archive_session",
        row.id,
    )
