"""Who may read what of a network's archive, decided afresh on every request from how things stand:
a confirmed subscriber reads the items of the topics they subscribe to now (members-only topics only
while an approved member), including what was sent before they joined, unless the network chose "from
the date they joined"; an admin of the network reads everything. Nobody else reads anything."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.db.models import AdminMember, Membership, Network, Subscriber, Subscription, Topic
from notifier.domain.statuses import MembershipStatus, SubscriberStatus
from notifier.repositories.archive import Visibility
from notifier.services.common.scope import NetworkScope

FROM_JOINED = "from_joined"  # network.settings["archive"][FROM_JOINED]: read only what came after joining


@dataclass(frozen=True)
class Reader:
    """A signed-in reader of one network's archive, with what they may see now."""

    scope: NetworkScope
    subscriber: Subscriber
    is_admin: bool
    visibility: Visibility

    @property
    def network(self) -> Network:
        return self.scope.network

    @property
    def may_read(self) -> bool:
        return self.visibility.everything or bool(self.visibility.topics)


def reads_from_joining(network: Network) -> bool:
    archive = network.settings.get("archive")
    return bool(archive.get(FROM_JOINED)) if isinstance(archive, dict) else False


def is_active_admin(session: Session, network_id: int, subscriber_id: int) -> bool:
    return (
        session.scalar(
            select(AdminMember.id).where(
                AdminMember.network_id == network_id,
                AdminMember.subscriber_id == subscriber_id,
                AdminMember.removed_at.is_(None),
            )
        )
        is not None
    )


def _approved_member(session: Session, network_id: int, subscriber_id: int) -> bool:
    return (
        session.scalar(
            select(Membership.id).where(
                Membership.network_id == network_id,
                Membership.subscriber_id == subscriber_id,
                Membership.status == MembershipStatus.APPROVED,
                Membership.closed_at.is_(None),
            )
        )
        is not None
    )


def visibility_of(session: Session, network: Network, subscriber: Subscriber) -> tuple[bool, Visibility]:
    """(is an admin, what they may see)."""
    if is_active_admin(session, network.id, subscriber.id):
        return True, Visibility(network.id, everything=True)
    if subscriber.status is not SubscriberStatus.ACTIVE or subscriber.network_id != network.id:
        return False, Visibility(network.id)
    rows = session.execute(
        select(Subscription.topic_id, Subscription.started_at, Topic.members_only)
        .join(Topic, Topic.id == Subscription.topic_id)
        .where(
            Subscription.network_id == network.id,
            Subscription.subscriber_id == subscriber.id,
            Subscription.ended_at.is_(None),
        )
    ).all()
    member = any(members_only for _, _, members_only in rows) and _approved_member(
        session, network.id, subscriber.id
    )
    from_joining = reads_from_joining(network)
    topics = {
        topic_id: (started if from_joining else None)
        for topic_id, started, members_only in rows
        if member or not members_only
    }
    return False, Visibility(network.id, topics=topics)


def reader_of(scope: NetworkScope, subscriber: Subscriber) -> Reader:
    is_admin, visibility = visibility_of(scope.session, scope.network, subscriber)
    return Reader(scope, subscriber, is_admin, visibility)
