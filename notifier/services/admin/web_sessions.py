"""Signing admins in to the web admin: invitations, emailed one-time links and server-side sessions.

An admin is a person the network holds (their `subscriber` row has the work address) with a role in
that network (`admin_member`). Signing in is an emailed link, signed for the admin-sign-in purpose
only, that names an `admin_sign_in_link` row: it works until `expires_at` and only once (its use is a
conditional UPDATE). Using it opens an `admin_session`; the browser's cookie holds a random secret and
the row only its SHA-256. A session ends when the admin signs out, revokes it, stops being an admin,
or has not used it for the idle limit, and in any case at its absolute limit. Every step is audited
with ids only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import AdminMember, AdminSession, AdminSignInLink, Network, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.emails import keyed_email_hash
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import SubscriberStatus
from notifier.rendering.emails import EmailKind
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common import audit
from notifier.services.common.audit import admin_actor
from notifier.services.common.ports import TaskQueue
from notifier.services.common.tokens import InvalidToken, TokenPurpose, TokenSigner
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email


class AdminError(ValueError):
    """The admin cannot be added or changed as asked; the message starts with the field's name."""


class SignInFailure(StrEnum):
    INVALID = "invalid"  # forged, damaged or for another network
    EXPIRED = "expired"
    USED = "used"  # a second use of a single-use link
    NOT_ADMIN = "not_admin"  # removed since the link was sent


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    link_minutes: int
    idle: timedelta
    absolute: timedelta
    signing_keys: tuple[str, ...]  # newest first: the newest signs, every one verifies
    public_base_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(
            link_minutes=settings.admin_sign_in_link_minutes,
            idle=timedelta(minutes=settings.admin_session_idle_minutes),
            absolute=timedelta(hours=settings.admin_session_hours),
            signing_keys=settings.signing_secrets,
            public_base_url=settings.public_base_url.rstrip("/"),
        )

    @property
    def signer(self) -> TokenSigner:
        return TokenSigner(self.signing_keys)

    def csrf_token(self, admin_session: AdminSession, key: str | None = None) -> str:
        """The form token of one session: an HMAC of the session's secret hash, never stored."""
        message = f"admin-csrf:{admin_session.secret_hash}".encode()
        return hmac.new((key or self.signing_keys[0]).encode(), message, hashlib.sha256).hexdigest()

    def csrf_valid(self, admin_session: AdminSession, value: str) -> bool:
        """A form made before a key rotation still posts while its key is listed."""
        return bool(value) and any(
            hmac.compare_digest(self.csrf_token(admin_session, key).encode(), value.encode())
            for key in self.signing_keys
        )


# Admins ---------------------------------------------------------------------------------------


def invite_admin(
    session: Session,
    network: Network,
    *,
    email: str,
    name: str,
    role: AdminRole,
    invited_by: str,
    hash_key: str,
    now: datetime,
) -> AdminMember:
    """Make the person with this work address an admin of the network (adding them if needed)."""
    try:
        address = checked_work_email(network, email)
    except AddressRejected as exc:
        raise AdminError(f"email: {exc}") from exc
    subscriber = subscriber_repo.get_subscriber_by_email(session, network.id, address)
    if subscriber is None:
        if not name.strip() or len(name.strip()) > 200:
            raise AdminError("name: enter the admin's full name")
        subscriber = Subscriber(
            network_id=network.id,
            email=address,
            email_hash=keyed_email_hash(hash_key, address),
            name=name.strip(),
            department="",
            status=SubscriberStatus.ACTIVE,
            created_at=now,
            confirmed_at=now,
        )
        session.add(subscriber)
        session.flush()
    member = session.scalars(
        select(AdminMember).where(
            AdminMember.network_id == network.id, AdminMember.subscriber_id == subscriber.id
        )
    ).one_or_none()
    if member is not None and member.removed_at is None:
        raise AdminError("email: this person is already an admin of the network")
    if member is None:
        member = AdminMember(
            network_id=network.id,
            subscriber_id=subscriber.id,
            role=role,
            invited_by=invited_by,
            created_at=now,
        )
        session.add(member)
    else:
        member.role, member.removed_at, member.invited_by, member.created_at = role, None, invited_by, now
    session.flush()
    audit.record(session, network.id, invited_by, "admin_invited", "admin_member", member.id, role=role.value)
    return member


def active_admin(session: Session, network_id: int, admin_id: int) -> AdminMember | None:
    return session.scalars(
        select(AdminMember).where(
            AdminMember.network_id == network_id, AdminMember.id == admin_id, AdminMember.removed_at.is_(None)
        )
    ).one_or_none()


def list_admins(session: Session, network_id: int) -> list[tuple[AdminMember, Subscriber]]:
    rows = session.execute(
        select(AdminMember, Subscriber)
        .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
        .where(AdminMember.network_id == network_id, AdminMember.removed_at.is_(None))
        .order_by(Subscriber.name, AdminMember.id)
    ).all()
    return [(member, subscriber) for member, subscriber in rows]


# Signing in -----------------------------------------------------------------------------------


def request_sign_in(
    uow: UnitOfWork, queue: TaskQueue, network: Network, email: str, policy: SessionPolicy, *, now: datetime
) -> bool:
    """Email a one-time sign-in link if the address is an admin's; audit the attempt either way.

    The caller shows the same page whatever this returns, so the form never tells who is an admin.
    """
    session = uow.session
    try:
        address = checked_work_email(network, email)
    except AddressRejected:
        address = ""
    subscriber = subscriber_repo.get_subscriber_by_email(session, network.id, address) if address else None
    member = (
        session.scalars(
            select(AdminMember).where(
                AdminMember.network_id == network.id,
                AdminMember.subscriber_id == subscriber.id,
                AdminMember.removed_at.is_(None),
            )
        ).one_or_none()
        if subscriber is not None
        else None
    )
    if subscriber is None or member is None:
        audit.record(session, network.id, audit.ANONYMOUS_ACTOR, "sign_in_refused", "admin_member", None)
        return False
    link = AdminSignInLink(
        network_id=network.id,
        admin_id=member.id,
        created_at=now,
        expires_at=now + timedelta(minutes=policy.link_minutes),
    )
    session.add(link)
    session.flush()
    token = policy.signer.sign(TokenPurpose.ADMIN_SIGN_IN, {"n": network.id, "l": link.id})
    context = {
        "sign_in_url": f"{policy.public_base_url}/admin/{network.slug}/sign-in/{token}",
        "expiry_minutes": policy.link_minutes,
    }
    queue_one_email(uow, queue, subscriber, EmailKind.ADMIN_SIGN_IN, context, now=now)
    audit.record(session, network.id, admin_actor(member.id), "sign_in_link_sent", "admin_member", member.id)
    return True


def _named_link(
    session: Session, network: Network, token: str, policy: SessionPolicy
) -> AdminSignInLink | SignInFailure:
    try:
        payload = policy.signer.verify(
            TokenPurpose.ADMIN_SIGN_IN, token, max_age_seconds=policy.link_minutes * 60
        )
    except InvalidToken as exc:
        return SignInFailure.INVALID if type(exc) is InvalidToken else SignInFailure.EXPIRED
    if payload.get("n") != network.id or not isinstance(payload.get("l"), int):
        return SignInFailure.INVALID
    link = session.get(AdminSignInLink, payload["l"])
    if link is None or link.network_id != network.id:
        return SignInFailure.INVALID
    return link


def check_sign_in_link(
    session: Session, network: Network, token: str, policy: SessionPolicy, *, now: datetime
) -> AdminSignInLink | SignInFailure:
    """The unused, unexpired link a token names (for the page with the button); nothing changes."""
    link = _named_link(session, network, token, policy)
    if isinstance(link, SignInFailure):
        return link
    if link.used_at is not None:
        return SignInFailure.USED
    if link.expires_at <= now:
        return SignInFailure.EXPIRED
    if active_admin(session, network.id, link.admin_id) is None:
        return SignInFailure.NOT_ADMIN
    return link


@dataclass(frozen=True)
class OpenedSession:
    session: AdminSession
    secret: str  # for the cookie; only its hash is kept


def complete_sign_in(
    session: Session, network: Network, token: str, policy: SessionPolicy, *, now: datetime
) -> OpenedSession | SignInFailure:
    """Use the link (once: a conditional UPDATE) and open a session; audit success and failure."""
    link = check_sign_in_link(session, network, token, policy, now=now)
    if isinstance(link, SignInFailure):
        audit.record(
            session,
            network.id,
            audit.ANONYMOUS_ACTOR,
            "sign_in_failed",
            "admin_sign_in_link",
            None,
            reason=link.value,
        )
        return link
    claimed = session.execute(
        update(AdminSignInLink)
        .where(AdminSignInLink.id == link.id, AdminSignInLink.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        audit.record(
            session,
            network.id,
            audit.ANONYMOUS_ACTOR,
            "sign_in_failed",
            "admin_sign_in_link",
            link.id,
            reason=SignInFailure.USED.value,
        )
        return SignInFailure.USED
    secret = secrets.token_urlsafe(32)
    opened = AdminSession(
        network_id=network.id,
        admin_id=link.admin_id,
        secret_hash=_hash(secret),
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute,
    )
    session.add(opened)
    session.flush()
    audit.record(session, network.id, admin_actor(link.admin_id), "signed_in", "admin_session", opened.id)
    return OpenedSession(opened, secret)


# Sessions -------------------------------------------------------------------------------------


def find_session(session: Session, secret: str) -> AdminSession | None:
    """The open session a cookie's secret belongs to, whichever network it is for."""
    if not secret or len(secret) > 100:
        return None
    return session.scalars(
        select(AdminSession).where(AdminSession.secret_hash == _hash(secret), AdminSession.ended_at.is_(None))
    ).one_or_none()


def is_live(admin_session: AdminSession, policy: SessionPolicy, now: datetime) -> bool:
    return admin_session.expires_at > now and admin_session.last_seen_at + policy.idle > now


def touch(admin_session: AdminSession, now: datetime) -> None:
    admin_session.last_seen_at = now


def end_session(
    session: Session, admin_session: AdminSession, *, reason: str, actor: str, now: datetime
) -> None:
    if admin_session.ended_at is not None:
        return
    admin_session.ended_at, admin_session.ended_reason = now, reason
    audit.record(
        session, admin_session.network_id, actor, f"session_{reason}", "admin_session", admin_session.id
    )


def sessions_of(
    session: Session, admin: AdminMember, policy: SessionPolicy, now: datetime
) -> list[AdminSession]:
    """The admin's sessions that could still be used, newest first."""
    rows = session.scalars(
        select(AdminSession)
        .where(
            AdminSession.network_id == admin.network_id,
            AdminSession.admin_id == admin.id,
            AdminSession.ended_at.is_(None),
            AdminSession.expires_at > now,
        )
        .order_by(AdminSession.id.desc())
    )
    return [row for row in rows if is_live(row, policy, now)]


def revoke_session(session: Session, admin: AdminMember, session_id: int, *, now: datetime) -> bool:
    """End one of the admin's own sessions; False when it is not theirs or already ended."""
    target = session.get(AdminSession, session_id)
    if target is None or target.network_id != admin.network_id or target.admin_id != admin.id:
        return False
    if target.ended_at is not None:
        return False
    end_session(session, target, reason="revoked", actor=admin_actor(admin.id), now=now)
    return True
