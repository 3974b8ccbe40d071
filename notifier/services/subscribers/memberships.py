"""Membership as staff networks run it: a person asks, the steering group approves or declines, members
get the members-only topics, and a membership ends when the member cancels or an admin revokes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from notifier.db.models import Membership, Network, Subscriber
from notifier.domain.statuses import (
    ConsentSource,
    Frequency,
    MembershipStatus,
    SubscriberStatus,
    SubscriptionEndReason,
)
from notifier.repositories import networks as network_repo
from notifier.repositories import signups as signup_repo
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.subscribers.signup_form import eligibility_statement
from notifier.services.subscribers.subscriptions import subscribe_to_topic, unsubscribe


class MembershipError(ValueError):
    """The membership cannot change as asked; the message says why."""


def request_membership(
    session: Session, network: Network, subscriber: Subscriber, *, now: datetime
) -> Membership:
    """Open a request (idempotent: an open request or membership is returned as it is)."""
    current = signup_repo.open_membership(session, subscriber.id)
    if current is not None:
        return current
    membership = Membership(
        network_id=network.id,
        subscriber_id=subscriber.id,
        status=MembershipStatus.REQUESTED,
        eligibility_statement=eligibility_statement(network),
        requested_at=now,
    )
    session.add(membership)
    session.flush()
    return membership


def _membership_or_fail(session: Session, network: Network, membership_id: int) -> Membership:
    membership = signup_repo.get_membership(session, network.id, membership_id)
    if membership is None:
        raise MembershipError(f"{network.slug} has no membership {membership_id}")
    return membership


def approve(session: Session, network: Network, membership_id: int, *, now: datetime) -> Membership:
    """Approve a request: the member starts getting every members-only topic."""
    membership = _membership_or_fail(session, network, membership_id)
    if membership.status is MembershipStatus.APPROVED:
        return membership
    if membership.status is not MembershipStatus.REQUESTED:
        raise MembershipError(f"membership {membership_id} is {membership.status.value}, not requested")
    membership.status, membership.decided_at = MembershipStatus.APPROVED, now
    subscriber = session.get_one(Subscriber, membership.subscriber_id)
    subscriber.status, subscriber.left_at = SubscriberStatus.ACTIVE, None
    for topic in network_repo.list_topics(session, network.id):
        if topic.members_only:
            # The person's consent was given on the join form; approval only lets it take effect.
            subscribe_to_topic(
                session,
                network,
                subscriber,
                topic,
                frequency=Frequency.IMMEDIATE,
                source=ConsentSource.FORM,
                now=now,
            )
    return membership


def decline(
    session: Session, network: Network, membership_id: int, *, now: datetime, note: str = ""
) -> Membership:
    membership = _membership_or_fail(session, network, membership_id)
    if membership.status is MembershipStatus.DECLINED:
        return membership
    if membership.status is not MembershipStatus.REQUESTED:
        raise MembershipError(f"membership {membership_id} is {membership.status.value}, not requested")
    membership.status, membership.decided_at, membership.closed_at = MembershipStatus.DECLINED, now, now
    membership.note = note[:300]
    return membership


def revoke(
    session: Session, network: Network, membership_id: int, *, now: datetime, note: str = ""
) -> Membership:
    membership = _membership_or_fail(session, network, membership_id)
    if membership.status is MembershipStatus.REVOKED:
        return membership
    if membership.status is not MembershipStatus.APPROVED:
        raise MembershipError(f"membership {membership_id} is {membership.status.value}, not approved")
    _end(session, network, membership, MembershipStatus.REVOKED, ConsentSource.ADMIN, now)
    membership.note = note[:300]
    return membership


def cancel(session: Session, network: Network, subscriber: Subscriber, *, now: datetime) -> bool:
    """The member leaves (or withdraws a request); True when something ended now."""
    membership = signup_repo.open_membership(session, subscriber.id)
    if membership is None:
        return False
    _end(session, network, membership, MembershipStatus.CANCELLED, ConsentSource.FORM, now)
    return True


def _end(
    session: Session,
    network: Network,
    membership: Membership,
    status: MembershipStatus,
    source: ConsentSource,
    now: datetime,
) -> None:
    membership.status, membership.closed_at = status, now
    subscriber = session.get_one(Subscriber, membership.subscriber_id)
    for topic in network_repo.list_topics(session, network.id):
        if topic.members_only:
            unsubscribe(
                session,
                network,
                subscriber,
                topic_id=topic.id,
                source=source,
                reason=SubscriptionEndReason.MEMBERSHIP_ENDED,
                now=now,
            )
    # The retention clock starts once nothing active remains (unsubscribe marks it when topics ended).
    subscriber_repo.mark_left_if_nothing_active(session, subscriber, now)


def is_member(session: Session, subscriber_id: int) -> MembershipStatus | None:
    current = signup_repo.open_membership(session, subscriber_id)
    return None if current is None else current.status
