"""Queries for retention: what each rule finds due, in bounded batches, and the rules and evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Select,
    Table,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Tuple

from notifier.db.base import BigId, UTCDateTime
from notifier.db.models import (
    AdminMember,
    ConsentEvent,
    ContactEnquiry,
    DataRequest,
    Delivery,
    MeetingInvitee,
    Membership,
    Message,
    Signup,
    Subscriber,
    Subscription,
)
from notifier.domain.rights import CLOSED_STATUSES, DataRequestKind, DataRequestStatus
from notifier.domain.statuses import IN_FLIGHT_DELIVERY_STATUSES, Lane, SubscriberStatus
from notifier.repositories.rows import affected, literal_of, literals

# Linked deliveries no longer in flight: the predicate of ix_delivery_link_due, as literals so that
# both databases can prove the query fits it.
_DELIVERY = cast(Table, Delivery.__table__)
LINK_DUE = (
    _DELIVERY.c.subscriber_id.is_not(None),
    _DELIVERY.c.status.not_in(literals(IN_FLIGHT_DELIVERY_STATUSES)),
)


# What a person holds as a subscriber (consent, subscriptions, sign-ups, memberships, invitations):
# an admin who left keeps none of it once the period has passed, only what their role needs.
SUBSCRIBER_SIDE: tuple[type[Any], ...] = (ConsentEvent, Subscription, Signup, Membership, MeetingInvitee)


def _left_before(network_id: int, cutoff: datetime) -> tuple[ColumnElement[bool], ...]:
    """People whose last subscription and membership ended at or before the cutoff."""
    active_subscription = exists().where(
        Subscription.subscriber_id == Subscriber.id, Subscription.ended_at.is_(None)
    )
    recent_membership = exists().where(
        Membership.subscriber_id == Subscriber.id,
        or_(Membership.closed_at.is_(None), Membership.closed_at > cutoff),
    )
    return (
        Subscriber.network_id == network_id,
        Subscriber.status == literal_of(SubscriberStatus.LEFT),  # ix_subscriber_left
        Subscriber.left_at <= cutoff,
        ~active_subscription,
        ~recent_membership,
    )


def _holds_role(cutoff: datetime) -> ColumnElement[bool]:
    """An admin role held now, or removed after the cutoff: the period runs from the removal too."""
    return exists().where(
        AdminMember.subscriber_id == Subscriber.id,
        or_(AdminMember.removed_at.is_(None), AdminMember.removed_at > cutoff),
    )


def left_subscribers(network_id: int, cutoff: datetime) -> Select[int]:
    """People due for deletion: they left at or before the cutoff and hold no admin role since it."""
    return select(Subscriber.id).where(*_left_before(network_id, cutoff), ~_holds_role(cutoff))


def left_admins(network_id: int, cutoff: datetime) -> Select[int]:
    """People past the period who are kept because they hold an admin role (or lost it since the
    cutoff): only what the role needs stays (services/privacy/erasure.minimise_to_admin)."""
    return select(Subscriber.id).where(*_left_before(network_id, cutoff), _holds_role(cutoff))


def left_admins_to_minimise(network_id: int, cutoff: datetime) -> Select[int]:
    """Those of `left_admins` still holding more than their role needs."""
    subscriber_side = [exists().where(model.subscriber_id == Subscriber.id) for model in SUBSCRIBER_SIDE]
    more = or_(Subscriber.department != "", Subscriber.pending_email.is_not(None), *subscriber_side)
    return left_admins(network_id, cutoff).where(more)


def next_left_stamp(session: Session, network_id: int, cutoff: datetime) -> datetime | None:
    """The stamp the next person to fall due is counted from: a leaving date, or an admin role's
    removal (an admin holding a role falls due only once it is removed)."""
    left = (Subscriber.network_id == network_id, Subscriber.status == SubscriberStatus.LEFT)
    stamps = [
        earliest(session, Subscriber.left_at, *left, Subscriber.left_at > cutoff, ~_holds_role(cutoff)),
        earliest(
            session,
            AdminMember.removed_at,
            AdminMember.removed_at > cutoff,
            exists().where(Subscriber.id == AdminMember.subscriber_id, *left),
        ),
    ]
    found = [stamp for stamp in stamps if stamp is not None]
    return min(found) if found else None


def first_leavers(session: Session, network_id: int, cutoff: datetime, limit: int) -> list[int]:
    """The next `limit` leavers due, longest gone first: read in the order of ix_subscriber_left, so
    the plan cannot be a walk of the primary key hoping to meet leavers soon (after a batch has
    erased them, the statistics still promise half the network)."""
    query = left_subscribers(network_id, cutoff)
    return list(session.scalars(query.order_by(Subscriber.left_at, Subscriber.id).limit(limit)))


def delete_expired_signups(
    session: Session, network_id: int, *, now: datetime, cutoff: datetime, limit: int
) -> int:
    """Unconfirmed sign-ups whose link has expired (or that are older than a shortened rule)."""
    due = (
        select(Signup.id)
        .where(
            Signup.network_id == network_id,
            Signup.confirmed_at.is_(None),
            or_(Signup.expires_at <= now, Signup.created_at <= cutoff),
        )
        .order_by(Signup.id)
        .limit(limit)
    )
    ids = list(session.scalars(due))
    if not ids:
        return 0
    return affected(session.execute(delete(Signup).where(Signup.id.in_(ids))))


def unconfirmed_subscribers(network_id: int, cutoff: datetime) -> Select[int]:
    """Never-confirmed people with no sign-up left waiting and nothing they consented to."""
    return select(Subscriber.id).where(Subscriber.created_at <= cutoff, *_unconfirmed(network_id))


def _unconfirmed(network_id: int) -> tuple[Any, ...]:
    return (
        Subscriber.network_id == network_id,
        Subscriber.status == literal_of(SubscriberStatus.PENDING),  # ix_subscriber_pending
        ~exists().where(Signup.subscriber_id == Subscriber.id),
        ~exists().where(Subscription.subscriber_id == Subscriber.id),
        ~exists().where(Membership.subscriber_id == Subscriber.id),
    )


def next_unconfirmed_stamp(session: Session, network_id: int, cutoff: datetime) -> datetime | None:
    """The creation time of the next never-confirmed person (with no sign-up waiting) to fall due."""
    return earliest(session, Subscriber.created_at, Subscriber.created_at > cutoff, *_unconfirmed(network_id))


def first_ids(session: Session, query: Select[int], limit: int) -> list[int]:
    return list(session.scalars(query.order_by(query.selected_columns[0]).limit(limit)))


def count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def earliest(session: Session, column: Any, *conditions: Any) -> datetime | None:
    """The earliest value of a datetime column among rows matching the conditions: the next one due."""
    found: datetime | None = session.scalar(select(func.min(column)).where(*conditions))
    return found


def delete_old_enquiries(session: Session, network_id: int, cutoff: datetime, limit: int) -> int:
    ids = list(
        session.scalars(
            select(ContactEnquiry.id)
            .where(ContactEnquiry.network_id == network_id, ContactEnquiry.received_at <= cutoff)
            .order_by(ContactEnquiry.id)
            .limit(limit)
        )
    )
    if not ids:
        return 0
    return affected(session.execute(delete(ContactEnquiry).where(ContactEnquiry.id.in_(ids))))


@dataclass(frozen=True)
class LinkCursor:
    """The last delivery the link rule cleared, in the order of ix_delivery_link_due."""

    network_id: int
    updated_at: datetime
    delivery_id: int


def unlink_deliveries(
    session: Session, network_id: int, cutoff: datetime, start: LinkCursor | None, limit: int
) -> tuple[int, LinkCursor | None]:
    """Clear the personal link of one network's settled deliveries last changed at or before the cutoff:
    up to `limit` of them after `start`, walking ix_delivery_link_due, set-based, so no batch reads what
    an earlier one cleared (a cleared row leaves the index). Returns the rows cleared and, when the
    batch was full, its last row: the cursor the next batch goes on from."""
    delivery = _DELIVERY.c
    due = [delivery.network_id == network_id, *LINK_DUE, delivery.updated_at <= cutoff]
    if start is not None:
        due.append(tuple_(delivery.updated_at, delivery.id) > _position(start.updated_at, start.delivery_id))
    in_order = (delivery.updated_at, delivery.id)
    last = session.execute(
        select(*in_order).where(*due).order_by(*in_order).offset(limit - 1).limit(1)
    ).first()
    # The batch by LIMIT, not as a range up to `last`: SQLite bounds an index range by a row value's
    # first column only, so a range would read every row sharing that timestamp.
    batch = select(delivery.id).where(*due).order_by(*in_order).limit(limit).scalar_subquery()
    # A transactional message was written to this one person: its stored content goes with the link.
    # First, while the batch's rows are still in the index that finds them.
    theirs = select(delivery.message_id).where(delivery.id.in_(batch))
    session.execute(
        update(Message).where(Message.lane == Lane.TRANSACTIONAL, Message.id.in_(theirs)).values(context={})
    )
    # Core, not the ORM: the rows are only counted, and no loaded object describes them. A row changed
    # since the batch was read (a late receipt) is left for the next run; only that is checked again,
    # so that both databases find the rows by primary key.
    still_due = delivery.updated_at <= cutoff
    statement = update(_DELIVERY).where(delivery.id.in_(batch), still_due).values(subscriber_id=None)
    cleared = affected(session.connection().execute(statement))
    return cleared, None if last is None else LinkCursor(network_id, last.updated_at, last.id)


def _position(updated_at: datetime, delivery_id: int) -> Tuple:
    return tuple_(literal(updated_at, UTCDateTime()), literal(delivery_id, BigId))


def erasure_requests_due(
    session: Session, network_id: int, cutoff: datetime, limit: int
) -> list[DataRequest]:
    return list(
        session.scalars(
            select(DataRequest)
            .where(
                DataRequest.network_id == network_id,
                DataRequest.kind == DataRequestKind.ERASURE,
                DataRequest.status == DataRequestStatus.OPEN,
                DataRequest.verified_at <= cutoff,
            )
            .order_by(DataRequest.id)
            .limit(limit)
        )
    )


def erasures_clear_of_notify(
    session: Session, network_id: int, now: datetime, limit: int
) -> list[DataRequest]:
    return list(
        session.scalars(
            select(DataRequest)
            .where(
                DataRequest.network_id == network_id,
                DataRequest.status == DataRequestStatus.AWAITING_NOTIFY,
                DataRequest.notify_clear_at <= now,
            )
            .order_by(DataRequest.id)
            .limit(limit)
        )
    )


def expire_unverified_requests(session: Session, network_id: int, before: datetime, now: datetime) -> int:
    statement = (
        update(DataRequest)
        .where(
            DataRequest.network_id == network_id,
            DataRequest.status == DataRequestStatus.AWAITING_VERIFICATION,
            DataRequest.received_at <= before,
        )
        .values(status=DataRequestStatus.EXPIRED, completed_at=now, details={}, outcome="never verified")
    )
    return affected(session.execute(statement))


def anonymise_closed_requests(session: Session, network_id: int, cutoff: datetime, limit: int) -> int:
    ids = list(
        session.scalars(
            select(DataRequest.id)
            .where(
                DataRequest.network_id == network_id,
                DataRequest.status.in_(CLOSED_STATUSES),
                DataRequest.completed_at <= cutoff,
                DataRequest.subscriber_id.is_not(None),
            )
            .limit(limit)
        )
    )
    if not ids:
        return 0
    statement = update(DataRequest).where(DataRequest.id.in_(ids)).values(subscriber_id=None, details={})
    return affected(session.execute(statement))
