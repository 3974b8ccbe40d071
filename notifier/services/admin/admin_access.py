"""Who is signed in to a network's web admin: the session a cookie names, checked once per request.

`admin_access` gives the network's scope, the admin and the person behind them, or raises: the
network does not exist (`NotFound`), or nobody live is signed in to it (`NotSignedIn`). A session of
another network answers as a network that does not exist, so a session never learns what other
networks hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from notifier.config import Settings
from notifier.db.models import AdminMember, AdminSession, Network, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.sources import AdminRole
from notifier.services.admin.web_sessions import (
    SessionPolicy,
    active_admin,
    find_session,
    is_live,
    request_sign_in,
    touch,
)
from notifier.services.common import audit, form_limits
from notifier.services.common.audit import admin_actor
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope, NotFound, network_by_slug


class NotSignedIn(Exception):
    """No live session of an active admin of this network came with the request."""


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

    def allows(self, role: AdminRole) -> bool:
        return self.admin.role.allows(role)


def admin_access(
    session: Session, slug: str, secret: str, policy: SessionPolicy, now: datetime
) -> AdminAccess:
    scope = network_by_slug(session, slug)
    row = find_session(session, secret)
    admin = active_admin(session, row.network_id, row.admin_id) if row is not None else None
    if row is None or admin is None or not is_live(row, policy, now):
        raise NotSignedIn(slug)
    if row.network_id != scope.network_id:
        raise NotFound("network")
    touch(row, now)
    return AdminAccess(scope, admin, session.get_one(Subscriber, admin.subscriber_id), row)


class TooManySignIns(Exception):
    """This client has asked for too many sign-in links lately; the refusal is audited."""


def ask_for_sign_in(
    uow: UnitOfWork,
    queue: TaskQueue,
    scope: NetworkScope,
    email: str,
    *,
    client: str,
    settings: Settings,
    now: datetime,
) -> None:
    """Email a sign-in link if the address is an admin's (the page says the same either way); raises
    TooManySignIns when the client is over the forms' limit."""
    allowed = form_limits.allow_attempt(
        uow.session,
        hash_key=settings.hash_key,
        client=client,
        limit=settings.subscribe_rate_limit,
        window_seconds=settings.subscribe_rate_window_seconds,
        now=now,
    )
    if not allowed:
        audit.record(
            uow.session, scope.network_id, "anonymous", "sign_in_refused", "admin_member", None, reason="rate"
        )
        raise TooManySignIns(scope.network_id)
    request_sign_in(uow, queue, scope.network, email, SessionPolicy.from_settings(settings), now=now)
