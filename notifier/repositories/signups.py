"""Pending sign-ups, consent statements, memberships and form attempts (no commits here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from notifier.db.models import (
    ConsentEvent,
    ConsentText,
    FormAttempt,
    Membership,
    Signup,
    Subscriber,
    Suppression,
)
from notifier.domain.statuses import MembershipStatus, SubscriberStatus
from notifier.repositories.rows import affected


def get_signup(session: Session, network_id: int, signup_id: int) -> Signup | None:
    return session.scalars(
        select(Signup).where(Signup.network_id == network_id, Signup.id == signup_id)
    ).one_or_none()


def recent_open_signups(session: Session, subscriber_id: int, *, since: datetime) -> list[Signup]:
    return list(
        session.scalars(
            select(Signup).where(
                Signup.subscriber_id == subscriber_id,
                Signup.confirmed_at.is_(None),
                Signup.created_at >= since,
            )
        )
    )


def claim_confirmation(session: Session, signup_id: int, now: datetime) -> bool:
    """Mark the sign-up confirmed unless it already is: two clicks at once confirm it only once."""
    result = session.execute(
        update(Signup).where(Signup.id == signup_id, Signup.confirmed_at.is_(None)).values(confirmed_at=now)
    )
    return affected(result) == 1


def delete_expired_signups(session: Session, network_id: int, now: datetime) -> int:
    expired = delete(Signup).where(Signup.network_id == network_id, Signup.expires_at < now)
    return affected(session.execute(expired))


def never_confirmed_without_signup(session: Session, network_id: int) -> list[int]:
    """People of the network who never confirmed and have no sign-up left: they hold no consent, so
    they go."""
    has_signup = select(Signup.id).where(Signup.subscriber_id == Subscriber.id).exists()
    return list(
        session.scalars(
            select(Subscriber.id).where(
                Subscriber.network_id == network_id,
                Subscriber.status == SubscriberStatus.PENDING,
                Subscriber.confirmed_at.is_(None),
                ~has_signup,
            )
        )
    )


def lift_suppression(session: Session, network_id: int, email_hash: str) -> bool:
    result = session.execute(
        delete(Suppression).where(Suppression.network_id == network_id, Suppression.email_hash == email_hash)
    )
    return affected(result) > 0


def consent_text(session: Session, network_id: int, version: str) -> ConsentText | None:
    return session.scalars(
        select(ConsentText).where(ConsentText.network_id == network_id, ConsentText.version == version)
    ).one_or_none()


def consent_history(session: Session, subscriber_id: int) -> list[ConsentEvent]:
    return list(
        session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.subscriber_id == subscriber_id)
            .order_by(ConsentEvent.occurred_at, ConsentEvent.id)
        )
    )


def open_membership(session: Session, subscriber_id: int) -> Membership | None:
    return session.scalars(
        select(Membership).where(Membership.subscriber_id == subscriber_id, Membership.closed_at.is_(None))
    ).one_or_none()


def get_membership(session: Session, network_id: int, membership_id: int) -> Membership | None:
    return session.scalars(
        select(Membership).where(Membership.network_id == network_id, Membership.id == membership_id)
    ).one_or_none()


def memberships(session: Session, network_id: int, status: MembershipStatus | None) -> list[Membership]:
    query = select(Membership).where(Membership.network_id == network_id)
    if status is not None:
        query = query.where(Membership.status == status)
    return list(session.scalars(query.order_by(Membership.requested_at, Membership.id)))


def count_recent_attempts(session: Session, client_hash: str, *, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                FormAttempt.client_hash == client_hash, FormAttempt.created_at >= since
            )
        )
        or 0
    )


def oldest_recent_attempt(session: Session, client_hash: str, *, since: datetime) -> datetime | None:
    return session.scalar(
        select(func.min(FormAttempt.created_at)).where(
            FormAttempt.client_hash == client_hash, FormAttempt.created_at >= since
        )
    )


def forget_attempts_before(session: Session, client_hash: str, before: datetime) -> None:
    session.execute(
        delete(FormAttempt).where(FormAttempt.client_hash == client_hash, FormAttempt.created_at < before)
    )
