"""Inviting someone to a network's web admin: the role (with an optional end date, a term of office),
and an email to them naming the network and who invited them, with a sign-in link that works once.

An admin is a person the network holds (their `subscriber` row has the address, so the email goes
through `direct_sends.queue_one_email` like any transactional email) with a role in that network
(`admin_member`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from notifier.db.models import AdminMember, Network, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.emails import keyed_email_hash
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import SubscriberStatus
from notifier.rendering.emails import EmailKind
from notifier.repositories import admins as admin_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.admin.web_sessions import SessionPolicy, new_link
from notifier.services.common import audit
from notifier.services.common.actor_names import actor_names
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email


class AdminError(ValueError):
    """The admin cannot be added or changed as asked; the message starts with the field's name."""


def _person(
    session: Session, network: Network, address: str, name: str, hash_key: str, now: datetime
) -> Subscriber:
    subscriber = subscriber_repo.get_subscriber_by_email(session, network.id, address)
    if subscriber is not None:
        return subscriber
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
    return subscriber


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
    term_ends_at: datetime | None = None,
) -> AdminMember:
    """Make the person with this work address an admin of the network (adding them if needed)."""
    try:
        address = checked_work_email(network, email)
    except AddressRejected as exc:
        raise AdminError(f"email: {exc}") from exc
    if term_ends_at is not None and term_ends_at <= now:
        raise AdminError("term_ends_at: the end of the term must be in the future")
    subscriber = _person(session, network, address, name, hash_key, now)
    member = admin_repo.member_of(session, network.id, subscriber.id)
    if member is not None and member.removed_at is None:
        raise AdminError("email: this person is already an admin of the network")
    if member is None:
        member = AdminMember(
            network_id=network.id, subscriber_id=subscriber.id, role=role, invited_by=invited_by
        )
        session.add(member)
    member.role, member.invited_by, member.created_at, member.term_ends_at = (
        role,
        invited_by,
        now,
        term_ends_at,
    )
    member.removed_at = member.removed_reason = member.suspended_at = member.term_reminder_sent_at = None
    session.flush()
    audit.record(session, network.id, invited_by, "admin_invited", "admin_member", member.id, role=role.value)
    return member


def send_invitation(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    member: AdminMember,
    policy: SessionPolicy,
    *,
    now: datetime,
) -> None:
    """The invitation email: who invited them, to which network and role, and a link that works once."""
    person = uow.session.get_one(Subscriber, member.subscriber_id)
    inviter = actor_names(uow.session, network.id).actor(member.invited_by)
    url = new_link(
        uow, policy, person.email_hash, lifetime=timedelta(days=policy.invitation_days), now=now,
        network_id=network.id, invited_by=member.invited_by,
    )  # fmt: skip
    context = {
        "invited_by": inviter[0].upper() + inviter[1:],
        "role": member.role.value,
        "sign_in_url": url,
        "expiry_days": policy.invitation_days,
    }
    queue_one_email(uow, queue, person, EmailKind.ADMIN_INVITATION, context, now=now)


def invite(
    uow: UnitOfWork,
    queue: TaskQueue,
    network: Network,
    policy: SessionPolicy,
    *,
    email: str,
    name: str,
    role: AdminRole,
    invited_by: str,
    now: datetime,
    term_ends_at: datetime | None = None,
) -> AdminMember:
    """Add the admin and email them their invitation, in the caller's unit of work."""
    member = invite_admin(
        uow.session, network, email=email, name=name, role=role, invited_by=invited_by,
        hash_key=policy.hash_key, now=now, term_ends_at=term_ends_at,
    )  # fmt: skip
    send_invitation(uow, queue, network, member, policy, now=now)
    return member


def list_admins(session: Session, network_id: int) -> list[tuple[AdminMember, Subscriber]]:
    """Everyone with a role, suspended ones included (removed ones are history)."""
    return admin_repo.team_of(session, network_id)
