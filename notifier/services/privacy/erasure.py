"""Erasing people: every area registers what it holds about a subscriber, and erasure runs them all.

An eraser takes (session, network id, subscriber ids) and removes or unlinks that area's rows about
them, set-based, returning how many rows it touched. `erase_subscribers` runs every registered eraser
and then deletes the subscriber rows. What survives: delivery rows without their personal link (Notify
ids and counts, for statistics) and, when the person objected or an address bounced, the keyed hash
in the suppression list, so that an import cannot bring them back.

A new table that holds a subscriber's data registers its eraser here with `register_eraser`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from notifier.db.base import utcnow
from notifier.db.models import (
    AdminMember,
    ApiToken,
    ArchiveFeed,
    ArchiveSession,
    ArchiveSignInLink,
    ConsentEvent,
    DataRequest,
    Delivery,
    MeetingInvitee,
    Membership,
    Message,
    Signup,
    Subscriber,
    Subscription,
)
from notifier.db.session import scrub_after_commit
from notifier.domain.retention import notify_forgets_at
from notifier.domain.rights import DataRequestStatus
from notifier.domain.statuses import Lane
from notifier.repositories import admin_access
from notifier.repositories.retention import SUBSCRIBER_SIDE
from notifier.repositories.rows import affected, one_of
from notifier.services.common import audit as audit_trail
from notifier.services.common.scope import NetworkScope

Eraser = Callable[[Session, int, Sequence[int]], int]


@dataclass(frozen=True)
class RegisteredEraser:
    table: str  # the table (or what) it clears, for the evidence counts and the docs
    erase: Eraser


ERASERS: list[RegisteredEraser] = []


def register_eraser(table: str, erase: Eraser) -> None:
    if any(e.table == table for e in ERASERS):
        raise ValueError(f"an eraser for {table} is registered already")
    ERASERS.append(RegisteredEraser(table, erase))


def _rendered_content(session: Session, network_id: int, ids: Sequence[int]) -> int:
    """Transactional messages are written to one person: their stored context goes with them."""
    theirs = exists().where(
        Delivery.message_id == Message.id,
        Delivery.network_id == network_id,
        one_of(session, Delivery.subscriber_id, ids),
    )
    statement = (
        update(Message)
        .where(Message.network_id == network_id, Message.lane == Lane.TRANSACTIONAL, theirs)
        .values(context={})
    )
    return affected(session.execute(statement))


def _delivery_links(session: Session, network_id: int, ids: Sequence[int]) -> int:
    statement = (
        update(Delivery)
        .where(Delivery.network_id == network_id, one_of(session, Delivery.subscriber_id, ids))
        .values(subscriber_id=None)
    )
    return affected(session.execute(statement))


def _data_requests(session: Session, network_id: int, ids: Sequence[int]) -> int:
    """Requests become anonymous: kind, dates and outcome stay as evidence; who and what they asked go."""
    statement = (
        update(DataRequest)
        .where(DataRequest.network_id == network_id, one_of(session, DataRequest.subscriber_id, ids))
        .values(subscriber_id=None, details={}, identity_check=None)
    )
    return affected(session.execute(statement))


def _token_holders(session: Session, network_id: int, ids: Sequence[int]) -> int:
    """API tokens keep no address of an erased person. An admin's role goes with them, so, as when an
    admin is removed, every token they made, act through or hold is revoked. Any other token held in
    their name (the CLI's, for automation) loses the address, so its test sends stop; whoever manages
    the network's tokens decides whether that one is revoked."""
    admins = session.execute(
        select(AdminMember.id, AdminMember.removed_at, Subscriber.email)
        .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
        .where(AdminMember.network_id == network_id, AdminMember.subscriber_id.in_(ids))
    ).all()
    admin_access.revoke_tokens(
        session,
        network_id,
        [admin_id for admin_id, _, _ in admins],
        [email for _, removed_at, email in admins if removed_at is None],
        now=utcnow(),
    )
    addresses = select(Subscriber.email).where(Subscriber.network_id == network_id, Subscriber.id.in_(ids))
    statement = (
        update(ApiToken)
        .where(
            ApiToken.network_id == network_id,
            or_(
                ApiToken.acting_admin_id.in_([admin_id for admin_id, _, _ in admins]),
                ApiToken.holder_email.in_(addresses),
            ),
            ApiToken.holder_email != "",
        )
        .values(holder_email="")
    )
    return affected(session.execute(statement))


def _deleting(
    model: type[
        ConsentEvent
        | Subscription
        | Signup
        | Membership
        | MeetingInvitee
        | AdminMember
        | ArchiveSignInLink
        | ArchiveSession
        | ArchiveFeed
    ],
) -> Eraser:
    def erase(session: Session, network_id: int, ids: Sequence[int]) -> int:
        theirs = one_of(session, model.subscriber_id, ids)
        statement = delete(model).where(model.network_id == network_id, theirs)
        return affected(session.execute(statement))

    return erase


# Order matters only where a foreign key points at the subscriber without a cascade.
register_eraser("message.context (transactional)", _rendered_content)
register_eraser("delivery.subscriber_id", _delivery_links)
register_eraser("data_request", _data_requests)
register_eraser("consent_event", _deleting(ConsentEvent))
register_eraser("subscription", _deleting(Subscription))
register_eraser("signup", _deleting(Signup))
register_eraser("membership", _deleting(Membership))
register_eraser("meeting_invitee", _deleting(MeetingInvitee))
# The archive's readers: their links, sessions and feeds (the items themselves hold nobody).
register_eraser("archive_sign_in_link", _deleting(ArchiveSignInLink))
register_eraser("archive_session", _deleting(ArchiveSession))
register_eraser("archive_feed", _deleting(ArchiveFeed))
# Before the admin role, whose id finds the tokens it made.
register_eraser("api_token.holder_email", _token_holders)
# An admin role goes with the person; their sign-in links and sessions cascade from it.
register_eraser("admin_member", _deleting(AdminMember))


# The subscriber row goes last, and with it `pending_email` (a new address awaiting confirmation).
def erase_subscribers(session: Session, network_id: int, subscriber_ids: Sequence[int]) -> dict[str, int]:
    """Remove these subscribers of one network from every registered table; counts per table."""
    ids = list(subscriber_ids)
    if not ids:
        return {}
    scrub_after_commit(session)
    counts = {eraser.table: eraser.erase(session, network_id, ids) for eraser in ERASERS}
    removed = session.execute(
        delete(Subscriber).where(Subscriber.network_id == network_id, one_of(session, Subscriber.id, ids))
    )
    counts["subscriber"] = affected(removed)
    session.expire_all()  # loaded objects may describe rows that no longer exist
    return counts


def minimise_to_admin(session: Session, network_id: int, subscriber_ids: Sequence[int]) -> dict[str, int]:
    """Keep only what an admin role needs of people who left as subscribers more than the retention
    period ago but still hold a role: their name and work address (to sign in, and for the team and
    the sign-off rule). Their subscriber side goes (consent ledger, ended subscriptions, sign-ups,
    memberships, invitations, department, an address change awaiting confirmation); their deliveries
    and data requests follow their own rules. Retention deletes them once the period has passed after
    their role is removed (repositories/retention.left_subscribers)."""
    ids = list(subscriber_ids)
    if not ids:
        return {}
    scrub_after_commit(session)
    tables = {model.__tablename__ for model in SUBSCRIBER_SIDE}
    counts = {e.table: e.erase(session, network_id, ids) for e in ERASERS if e.table in tables}
    session.execute(
        update(Subscriber)
        .where(Subscriber.network_id == network_id, Subscriber.id.in_(ids))
        .values(department="", pending_email=None)
    )
    session.expire_all()
    return counts


def last_email_at(session: Session, network_id: int, subscriber_id: int) -> datetime | None:
    """When Notify last took an email for this person (None if never): its copy lives from then."""
    return session.scalar(
        select(func.max(func.coalesce(Delivery.accepted_at, Delivery.updated_at))).where(
            Delivery.network_id == network_id,
            Delivery.subscriber_id == subscriber_id,
            Delivery.notify_id.is_not(None),
        )
    )


def carry_out_erasure(
    session: Session, request: DataRequest, *, notify_retention_days: int, now: datetime
) -> int:
    """Erase the requester everywhere; the request waits for Notify's copy of their last email to expire.

    Returns how many subscriber rows were removed (0 when an earlier rule had erased them already).
    """
    subscriber_id = request.subscriber_id
    last = last_email_at(session, request.network_id, subscriber_id) if subscriber_id else None
    clear_at = max(now, notify_forgets_at(last, notify_retention_days)) if last else now
    counts = erase_subscribers(session, request.network_id, [subscriber_id] if subscriber_id else [])
    request.acted_at, request.notify_clear_at = now, clear_at
    request.subscriber_id, request.details = None, {}
    if clear_at <= now:
        request.status, request.completed_at = DataRequestStatus.COMPLETED, now
        request.outcome = "erased; Notify held no copy"
    else:
        request.status = DataRequestStatus.AWAITING_NOTIFY
        request.outcome = "erased here; waiting for Notify's copy to expire"
    _audit(session, request)
    return counts.get("subscriber", 0)


def _audit(session: Session, request: DataRequest) -> None:
    audit_trail.record(
        session,
        request.network_id,
        "service",
        f"data_request.{request.status.value}",
        "data_request",
        request.id,
        kind=request.kind.value,
        status=request.status.value,
    )


def complete_if_notify_clear(session: Session, request: DataRequest, now: datetime) -> bool:
    if request.status is not DataRequestStatus.AWAITING_NOTIFY or request.notify_clear_at is None:
        return False
    if request.notify_clear_at > now:
        return False
    request.status, request.completed_at = DataRequestStatus.COMPLETED, now
    request.outcome = "erased here and at Notify"
    _audit(session, request)
    return True


class CannotRemoveSelf(ValueError):
    """An admin cannot erase themselves from the admin web: another admin removes them from the team."""


def remove_people(scope: NetworkScope, subscriber_ids: Sequence[int], *, me: Subscriber, actor: str) -> int:
    """Erase the people an admin ticked and confirmed (only this network's; never the admin doing it),
    each audited as removed, in one transaction; how many went."""
    ids = [
        person_id
        for person_id in scope.session.scalars(
            select(Subscriber.id).where(
                Subscriber.network_id == scope.network_id,
                Subscriber.id.in_(list(dict.fromkeys(subscriber_ids))),
            )
        )
        if person_id != me.id
    ]
    erase_subscribers(scope.session, scope.network_id, ids)
    for person_id in ids:
        audit_trail.record(scope.session, scope.network_id, actor, "person_removed", "subscriber", person_id)
    return len(ids)


def remove_person(scope: NetworkScope, subscriber_id: int, *, me: Subscriber, actor: str) -> None:
    """Raises NotFound (not this network's) or CannotRemoveSelf."""
    person = scope.get(Subscriber, subscriber_id, what="person")
    if person.id == me.id:
        raise CannotRemoveSelf(subscriber_id)
    erase_subscribers(scope.session, scope.network_id, [subscriber_id])
    audit_trail.record(scope.session, scope.network_id, actor, "person_removed", "subscriber", subscriber_id)
