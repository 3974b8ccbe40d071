"""Signing people in to the web admin: emailed one-time links and server-side sessions.

A link and a session are a person's, not one network's: they name the keyed hash of the work address
(the `email_hash` the person's subscriber row has in every network). One sign-in therefore reaches
each network where that address holds a live role, and which networks those are is checked on every
request (`admin_access.py`), so a role removed or suspended stops working at once.

Signing in is an emailed link, signed for the admin-sign-in purpose only, that names an
`admin_sign_in_link` row: it works until `expires_at` and only once (its use is a conditional
UPDATE). Using it opens an `admin_session`; the browser's cookie holds a random secret and the row
only its SHA-256. A session ends when the person signs out or revokes it, or has not used it for the
idle limit, and in any case at its absolute limit. Every step is audited, with ids only, in each
network the person administers.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import AdminSession, AdminSignInLink, Network
from notifier.db.session import UnitOfWork
from notifier.domain.emails import keyed_email_hash
from notifier.rendering.emails import EmailKind
from notifier.repositories import admins as admin_repo
from notifier.services.common import audit, emailed_links
from notifier.services.common.audit import admin_actor
from notifier.services.common.ports import TaskQueue
from notifier.services.common.tokens import InvalidToken, TokenPurpose, TokenSigner
from notifier.services.delivery.direct_sends import queue_one_email


class SignInFailure(StrEnum):
    INVALID = "invalid"  # forged or damaged
    EXPIRED = "expired"
    USED = "used"  # a second use of a single-use link
    NOT_ADMIN = "not_admin"  # no live role any more


@dataclass(frozen=True)
class SessionPolicy:
    link_minutes: int
    invitation_days: int
    idle: timedelta
    absolute: timedelta
    signing_keys: tuple[str, ...]  # newest first: the newest signs, every one verifies
    hash_key: str  # keys the stored hashes of addresses (never rotated)
    public_base_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(
            link_minutes=settings.admin_sign_in_link_minutes,
            invitation_days=settings.admin_invitation_days,
            idle=timedelta(minutes=settings.admin_session_idle_minutes),
            absolute=timedelta(hours=settings.admin_session_hours),
            signing_keys=settings.signing_secrets,
            hash_key=settings.hash_key,
            public_base_url=settings.public_base_url.rstrip("/"),
        )

    @property
    def signer(self) -> TokenSigner:
        return TokenSigner(self.signing_keys)

    def email_hash(self, address: str) -> str:
        return keyed_email_hash(self.hash_key, address)

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


def audit_everywhere(
    session: Session, email_hash: str, action: str, object_type: str, object_id: int | None
) -> None:
    """One audit record in each network where the person holds a live role, as that network's admin."""
    for member, _person, network in admin_repo.roles_of_address(session, email_hash):
        audit.record(session, network.id, admin_actor(member.id), action, object_type, object_id)


# Links ----------------------------------------------------------------------------------------


def new_link(
    uow: UnitOfWork,
    policy: SessionPolicy,
    email_hash: str,
    *,
    lifetime: timedelta,
    now: datetime,
    network_id: int | None = None,
    invited_by: str | None = None,
) -> str:
    """Store a one-time link and return its URL."""
    link = AdminSignInLink(
        email_hash=email_hash,
        network_id=network_id,
        invited_by=invited_by,
        created_at=now,
        expires_at=now + lifetime,
    )
    uow.session.add(link)
    uow.session.flush()
    token = policy.signer.sign(TokenPurpose.ADMIN_SIGN_IN, {"l": link.id})
    return f"{policy.public_base_url}/admin/sign-in/{token}"


def request_sign_in(
    uow: UnitOfWork,
    queue: TaskQueue,
    address: str,
    policy: SessionPolicy,
    *,
    now: datetime,
    network: Network | None = None,
) -> bool:
    """Email one sign-in link listing every network where the address holds a live role (through the
    first of them); False, and nothing sent, when it holds none. The caller shows the same page either
    way, so the form never tells who is an admin. `network`: where to go once signed in."""
    email_hash = policy.email_hash(address)
    roles = admin_repo.roles_of_address(uow.session, email_hash)
    if not roles:
        if network is not None:
            audit.record(
                uow.session, network.id, audit.ANONYMOUS_ACTOR, "sign_in_refused", "admin_member", None
            )
        return False
    wanted = network.id if network is not None and any(n.id == network.id for _, _, n in roles) else None
    url = new_link(uow, policy, email_hash, lifetime=timedelta(minutes=policy.link_minutes), now=now,
                   network_id=wanted)  # fmt: skip
    # Sent through the network asked for when it is one of theirs (its own Notify service, its name in
    # From), else through the first.
    _member, person, _network = next((r for r in roles if r[2].id == wanted), roles[0])
    context = {
        "sign_in_url": url,
        "expiry_minutes": policy.link_minutes,
        "network_names": [n.name for _, _, n in roles],
    }
    queue_one_email(uow, queue, person, EmailKind.ADMIN_SIGN_IN, context, now=now)
    audit_everywhere(uow.session, email_hash, "sign_in_link_sent", "admin_member", None)
    return True


def named_link(session: Session, token: str, policy: SessionPolicy) -> AdminSignInLink | SignInFailure:
    """The link a token names; the signature's age is only a backstop: the row's expiry decides."""
    longest = max(policy.link_minutes * 60, policy.invitation_days * 86_400)
    try:
        payload = policy.signer.verify(TokenPurpose.ADMIN_SIGN_IN, token, max_age_seconds=longest)
    except InvalidToken as exc:
        return SignInFailure(emailed_links.token_failure(exc))
    link_id = payload.get("l")
    link = session.get(AdminSignInLink, link_id) if isinstance(link_id, int) else None
    return link if link is not None else SignInFailure.INVALID


def check_sign_in_link(
    session: Session, token: str, policy: SessionPolicy, *, now: datetime
) -> AdminSignInLink | SignInFailure:
    """The unused, unexpired link a token names (for the page with the button); nothing changes."""
    link = named_link(session, token, policy)
    if isinstance(link, SignInFailure):
        return link
    if spent := emailed_links.spent(link, now):
        return SignInFailure(spent)
    if not admin_repo.roles_of_address(session, link.email_hash):
        return SignInFailure.NOT_ADMIN
    return link


@dataclass(frozen=True)
class OpenedSession:
    session: AdminSession
    secret: str  # for the cookie; only its hash is kept
    network_slug: str | None  # where the link leads: its network, or the list of networks


def complete_sign_in(
    session: Session, token: str, policy: SessionPolicy, *, now: datetime
) -> OpenedSession | SignInFailure:
    """Use the link (once: a conditional UPDATE) and open a session; audit success and failure."""
    link = check_sign_in_link(session, token, policy, now=now)
    if isinstance(link, SignInFailure):
        return link
    if not emailed_links.claim(session, link, now):
        return SignInFailure.USED
    secret, secret_hash = emailed_links.new_session_secret()
    opened = AdminSession(
        email_hash=link.email_hash,
        secret_hash=secret_hash,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute,
    )
    session.add(opened)
    session.flush()
    slug = None
    for member, _person, network in admin_repo.roles_of_address(session, link.email_hash):
        member.last_signed_in_at = now
        audit.record(session, network.id, admin_actor(member.id), "signed_in", "admin_session", opened.id,
                     invitation=link.invited_by is not None)  # fmt: skip
        if network.id == link.network_id:
            slug = network.slug
    return OpenedSession(opened, secret, slug)


def link_failed(session: Session, token: str, policy: SessionPolicy, failure: SignInFailure) -> None:
    """Audit a failed use in the networks of the person the link was for (nowhere when it names none)."""
    link = named_link(session, token, policy)
    if isinstance(link, AdminSignInLink):
        for _member, _person, network in admin_repo.roles_of_address(session, link.email_hash):
            audit.record(
                session,
                network.id,
                audit.ANONYMOUS_ACTOR,
                "sign_in_failed",
                "admin_sign_in_link",
                link.id,
                reason=failure.value,
            )


# Sessions -------------------------------------------------------------------------------------


def find_session(session: Session, secret: str) -> AdminSession | None:
    """The open session a cookie's secret belongs to."""
    if not secret or len(secret) > 100:
        return None
    return session.scalars(
        select(AdminSession).where(
            AdminSession.secret_hash == emailed_links.secret_hash(secret), AdminSession.ended_at.is_(None)
        )
    ).one_or_none()


def is_live(admin_session: AdminSession, policy: SessionPolicy, now: datetime) -> bool:
    return admin_session.expires_at > now and admin_session.last_seen_at + policy.idle > now


def touch(admin_session: AdminSession, now: datetime) -> None:
    admin_session.last_seen_at = now


def end_session(session: Session, admin_session: AdminSession, *, reason: str, now: datetime) -> None:
    if admin_session.ended_at is not None:
        return
    admin_session.ended_at, admin_session.ended_reason = now, reason
    audit_everywhere(
        session, admin_session.email_hash, f"session_{reason}", "admin_session", admin_session.id
    )


def sessions_of(
    session: Session, email_hash: str, policy: SessionPolicy, now: datetime
) -> list[AdminSession]:
    """The person's sessions that could still be used, newest first."""
    rows = session.scalars(
        select(AdminSession)
        .where(
            AdminSession.email_hash == email_hash,
            AdminSession.ended_at.is_(None),
            AdminSession.expires_at > now,
        )
        .order_by(AdminSession.id.desc())
    )
    return [row for row in rows if is_live(row, policy, now)]


def revoke_session(session: Session, email_hash: str, session_id: int, *, now: datetime) -> bool:
    """End one of the person's own sessions; False when it is not theirs or already ended."""
    target = session.get(AdminSession, session_id)
    if target is None or target.email_hash != email_hash or target.ended_at is not None:
        return False
    end_session(session, target, reason="revoked", now=now)
    return True
