"""What a network's dashboard shows: subscribers by topic and frequency, and what waits for admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from notifier.db.models import (
    Announcement,
    ApprovalRequest,
    DataRequest,
    Membership,
    Network,
    Subscription,
    Topic,
)
from notifier.domain.rights import DataRequestStatus
from notifier.domain.sign_off import ApprovalKind, ApprovalStatus
from notifier.domain.sources import AnnouncementStatus
from notifier.domain.statuses import Frequency, MembershipStatus
from notifier.repositories import enquiries as enquiry_repo

OPEN_REQUESTS = (DataRequestStatus.OPEN, DataRequestStatus.AWAITING_VERIFICATION)


@dataclass(frozen=True)
class TopicAudience:
    topic: Topic
    by_frequency: dict[Frequency, int]

    @property
    def total(self) -> int:
        return sum(self.by_frequency.values())


@dataclass(frozen=True)
class WaitingRequest:
    request: DataRequest
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


@dataclass(frozen=True)
class Waiting:
    announcements: int
    memberships: int
    requests: list[WaitingRequest]
    emails: int = 0  # other bulk email waiting for approval: meetings, minutes, pages
    settings: int = 0  # a sign-off setting change waiting for a second admin
    enquiries: int = 0  # contact-form messages nobody will forward (enquiry_repo.waiting_condition)
    newest_enquiry: datetime | None = None
    steering_group_address: str | None = None


def audiences(session: Session, network_id: int) -> list[TopicAudience]:
    """Active subscriptions per topic and frequency (one GROUP BY)."""
    topics = list(session.scalars(select(Topic).where(Topic.network_id == network_id).order_by(Topic.name)))
    counts: dict[tuple[int, Frequency], int] = {
        (topic_id, frequency): count
        for topic_id, frequency, count in session.execute(
            select(Subscription.topic_id, Subscription.frequency, func.count())
            .where(Subscription.network_id == network_id, Subscription.ended_at.is_(None))
            .group_by(Subscription.topic_id, Subscription.frequency)
        )
    }
    return [TopicAudience(t, {f: counts.get((t.id, f), 0) for f in Frequency}) for t in topics]


def waiting(session: Session, network_id: int, now: datetime) -> Waiting:
    announcements = session.scalar(
        select(func.count()).where(
            Announcement.network_id == network_id, Announcement.status == AnnouncementStatus.AWAITING_APPROVAL
        )
    )
    memberships = session.scalar(
        select(func.count()).where(
            Membership.network_id == network_id, Membership.status == MembershipStatus.REQUESTED
        )
    )
    by_kind = session.execute(
        select(ApprovalRequest.kind, func.count())
        .where(ApprovalRequest.network_id == network_id, ApprovalRequest.status == ApprovalStatus.AWAITING)
        .group_by(ApprovalRequest.kind)  # by the column: PostgreSQL groups no expression with parameters
    ).all()
    approvals = {False: 0, True: 0}
    for kind, count in by_kind:
        approvals[kind is ApprovalKind.SIGN_OFF_SETTING] += count
    requests = session.scalars(
        select(DataRequest)
        .where(DataRequest.network_id == network_id, DataRequest.status.in_(OPEN_REQUESTS))
        .order_by(DataRequest.deadline_at, DataRequest.id)
    )
    network = session.get_one(Network, network_id)
    enquiries, newest_enquiry = enquiry_repo.waiting_summary(session, network)
    return Waiting(
        announcements=announcements or 0,
        memberships=memberships or 0,
        requests=[WaitingRequest(r, (r.deadline_at - now).days) for r in requests],
        emails=approvals.get(False, 0),
        settings=approvals.get(True, 0),
        enquiries=enquiries,
        newest_enquiry=newest_enquiry,
        steering_group_address=enquiry_repo.steering_group_address(network),
    )


def subscriber_trend(
    session: Session, network_id: int, now: datetime, weeks: int = 12
) -> list[tuple[datetime, int]]:
    """Active subscriptions at the end of each of the last `weeks` weeks (one COUNT per week)."""
    points = []
    for back in range(weeks - 1, -1, -1):
        moment = now - timedelta(weeks=back)
        count = session.scalar(
            select(func.count()).where(
                Subscription.network_id == network_id,
                Subscription.started_at <= moment,
                or_(Subscription.ended_at.is_(None), Subscription.ended_at > moment),
            )
        )
        points.append((moment, count or 0))
    return points
