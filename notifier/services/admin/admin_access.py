"""Who is signed in to a network's web admin: the person a session cookie names, checked once per
request against their role in the network in the path.

`admin_access` gives the network's scope, the admin and the person behind them, or raises: the network
does not exist (`NotFound`), or nobody live is signed in (`NotSignedIn`). A live session of a person
who holds no live role in this network answers as a network that does not exist, so a session never
learns what other networks hold. `signed_in_networks` lists the networks one sign-in reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import AdminMember, AdminSession, Network, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.emails import normalise_email
from notifier.domain.sources import AdminRole
from notifier.repositories import admins as admin_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.admin.sign_in_limits import SignInLimits, count_sign_in
from notifier.services.admin.web_sessions import SessionPolicy, find_session, is_live, request_sign_in, touch
from notifier.services.common.actors import Actor, command_line_actor, person_actor
from notifier.services.common.audit import admin_actor
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope, NotFound, network_by_slug
from notifier.services.subscribers.addresses import checked_email


class NotSignedIn(Exception):
    """No live session came with the request."""


@dataclass(frozen=True)
class AdminAccess:
    scope: NetworkScope
    admin: AdminMember
    person: Subscriber
    session_row: AdminSession

    @property
    def network(self) -> Network:
        return self.scope.network

    @property
    def actor(self) -> str:
        return admin_actor(self.admin.id)

    @property
    def acting_as(self) -> Actor:
        """This person, signed in: the only kind of actor that approves."""
        return person_actor(self.admin, self.person)

    def allows(self, role: AdminRole) -> bool:
        return self.admin.role.allows(role)


def live_session(session: Session, secret: str, policy: SessionPolicy, now: datetime) -> AdminSession:
    row = find_session(session, secret)
    if row is None or not is_live(row, policy, now):
        raise NotSignedIn()
    return row


def admin_access(
    session: Session, slug: str, secret: str, policy: SessionPolicy, now: datetime
) -> AdminAccess:
    scope = network_by_slug(session, slug)
    row = live_session(session, secret, policy, now)
    role = admin_repo.role_of_address(session, scope.network_id, row.email_hash)
    if role is None:
        if not admin_repo.roles_of_address(session, row.email_hash):
            raise NotSignedIn(slug)  # no role anywhere now: sign in again to find out
        raise NotFound("network")
    touch(row, now)
    return AdminAccess(scope, role[0], role[1], row)


@dataclass(frozen=True)
class SignedInNetwork:
    slug: str
    name: str
    role: AdminRole


def signed_in_networks(
    session: Session, secret: str, policy: SessionPolicy, now: datetime
) -> tuple[AdminSession, list[SignedInNetwork]]:
    """The networks a live session reaches, by name; raises NotSignedIn."""
    row = live_session(session, secret, policy, now)
    roles = admin_repo.roles_of_address(session, row.email_hash)
    if not roles:
        raise NotSignedIn()
    touch(row, now)
    return row, [SignedInNetwork(network.slug, network.name, member.role) for member, _, network in roles]


def ask_for_sign_in(
    uow: UnitOfWork,
    queue: TaskQueue,
    email: str,
    *,
    client: str,
    settings: Settings,
    now: datetime,
    network: Network | None = None,
) -> None:
    """Email a sign-in link if the address is an admin's anywhere (the page says the same either way).
    Raises AddressRejected for a form error (not counted) and TooManySignIns over the limits."""
    address = checked_email(email)
    count_sign_in(uow.session, SignInLimits.from_settings(settings), client=client, address=address, now=now)
    request_sign_in(uow, queue, address, SessionPolicy.from_settings(settings), now=now, network=network)


class NotAnAdmin(ValueError):
    """The command line was told to act for someone who holds no live role of that kind here."""


def command_line_admin(session: Session, network: Network, email: str, needs: AdminRole) -> Actor:
    """The admin a command acts for (`--as`): audited as them on the command line; it never approves."""
    person = subscriber_repo.get_subscriber_by_email(session, network.id, normalise_email(email))
    member = admin_repo.member_of(session, network.id, person.id) if person is not None else None
    if person is None or member is None or member.removed_at is not None or member.suspended_at is not None:
        raise NotAnAdmin(f"{email} holds no live role in {network.slug}: see the Team page")
    if not member.role.allows(needs):
        raise NotAnAdmin(
            f"{email} is {member.role.value} in {network.slug}; this needs {needs.value} or above"
        )
    return command_line_actor(member, person)
