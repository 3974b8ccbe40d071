"""Steering-group turnover, run by beat with the event sources (every step idempotent):

- a term of office ends by itself at `term_ends_at`, after a reminder two weeks before to the person
  and to the network's admins; an end that would take the network below its floor (two people who
  can approve, one admin) is refused: the role carries on with no end date, and the audit says why;
- someone who has not signed in for `admin_inactive_months` is suspended and told how to come back
  (unless that would take the network below its floor: they stay, and the review shows it);
- once a quarter (from midnight in London on 1 January, April, July and October) each network's
  admins are emailed its access review: every admin and approver with their last sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from notifier.config import Settings
from notifier.db.models import AccessReview, AdminMember, Network, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.london_times import LONDON
from notifier.domain.retention import Period
from notifier.domain.sign_off import quarter_start
from notifier.domain.sources import AdminRole
from notifier.rendering.emails import EmailKind
from notifier.repositories import admins as admin_repo
from notifier.services.admin.team import end_role, floor_problem
from notifier.services.common import audit
from notifier.services.common.ports import TaskQueue
from notifier.services.delivery.direct_sends import queue_one_email

REMINDER_BEFORE = timedelta(days=14)
SERVICE_ACTOR = "service"


@dataclass(frozen=True)
class TurnoverPolicy:
    inactive: Period
    base_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> TurnoverPolicy:
        return cls(Period(months=settings.admin_inactive_months), settings.public_base_url.rstrip("/"))

    def team_url(self, network: Network) -> str:
        return f"{self.base_url}/admin/{network.slug}/team"


@dataclass(frozen=True)
class TurnoverRun:
    reminded: int = 0
    ended: int = 0
    kept: int = 0  # ends refused at the floor
    suspended: int = 0
    reviews: int = 0

    def __bool__(self) -> bool:
        return any((self.reminded, self.ended, self.kept, self.suspended, self.reviews))


def run_turnover(uow: UnitOfWork, queue: TaskQueue, policy: TurnoverPolicy, now: datetime) -> TurnoverRun:
    reminded = remind_terms(uow, queue, policy, now)
    ended, kept = end_terms(uow, now)
    return TurnoverRun(
        reminded,
        ended,
        kept,
        suspend_inactive(uow, queue, policy, now),
        send_access_reviews(uow, queue, policy, now),
    )


def _members(
    uow: UnitOfWork, *conditions: ColumnElement[bool]
) -> list[tuple[AdminMember, Subscriber, Network]]:
    rows = uow.session.execute(
        select(AdminMember, Subscriber, Network)
        .join(Subscriber, Subscriber.id == AdminMember.subscriber_id)
        .join(Network, Network.id == AdminMember.network_id)
        .where(AdminMember.removed_at.is_(None), *conditions)
        .order_by(AdminMember.network_id, AdminMember.id)
    ).all()
    return [(member, person, network) for member, person, network in rows]


def _admins_of(uow: UnitOfWork, network_id: int) -> list[tuple[AdminMember, Subscriber]]:
    return [(m, p) for m, p in admin_repo.live_team(uow.session, network_id) if m.role is AdminRole.ADMIN]


def remind_terms(uow: UnitOfWork, queue: TaskQueue, policy: TurnoverPolicy, now: datetime) -> int:
    """Two weeks before a term ends: the person and the network's other admins, once."""
    due = _members(
        uow,
        AdminMember.term_ends_at.is_not(None),
        AdminMember.term_reminder_sent_at.is_(None),
        AdminMember.term_ends_at <= now + REMINDER_BEFORE,
        AdminMember.term_ends_at > now,
    )
    for member, person, network in due:
        assert member.term_ends_at is not None
        context = {
            "person_name": person.name, "role": member.role.value, "ends_at": member.term_ends_at.isoformat(),
            "team_url": policy.team_url(network),
        }  # fmt: skip
        queue_one_email(
            uow, queue, person, EmailKind.ADMIN_TERM_ENDING, {**context, "to_the_person": True}, now=now
        )
        for admin, admin_person in _admins_of(uow, network.id):
            if admin.id != member.id:
                queue_one_email(
                    uow,
                    queue,
                    admin_person,
                    EmailKind.ADMIN_TERM_ENDING,
                    {**context, "to_the_person": False},
                    now=now,
                )
        member.term_reminder_sent_at = now
        audit.record(uow.session, network.id, SERVICE_ACTOR, "admin_term_reminded", "admin_member", member.id)
    return len(due)


def end_terms(uow: UnitOfWork, now: datetime) -> tuple[int, int]:
    """End every role whose term is over; (ended, kept at the floor)."""
    ended = kept = 0
    for member, _person, network in _members(uow, AdminMember.term_ends_at <= now):
        problem = (
            floor_problem(uow.session, network.id, member, None) if member.suspended_at is None else None
        )
        if problem:
            member.term_ends_at = None
            audit.record(uow.session, network.id, SERVICE_ACTOR, "admin_term_end_refused", "admin_member",
                         member.id, reason=problem)  # fmt: skip
            kept += 1
            continue
        end_role(uow.session, member, reason="term_ended", actor_name=SERVICE_ACTOR, now=now)
        ended += 1
    return ended, kept


def last_active(member: AdminMember) -> datetime:
    """When the inactivity clock started: the last sign-in, invitation or reinstatement."""
    return max(
        t for t in (member.created_at, member.last_signed_in_at, member.reinstated_at) if t is not None
    )


def suspend_inactive(uow: UnitOfWork, queue: TaskQueue, policy: TurnoverPolicy, now: datetime) -> int:
    suspended = 0
    for member, person, network in _members(uow, AdminMember.suspended_at.is_(None)):
        if policy.inactive.after(last_active(member)) > now:
            continue
        if floor_problem(uow.session, network.id, member, None):
            continue  # the last people who can approve or administer stay; the review shows them
        member.suspended_at = now
        context = {
            "role": member.role.value,
            "last_signed_in": member.last_signed_in_at.isoformat() if member.last_signed_in_at else None,
            "inactive_for": policy.inactive.describe(),
            "sign_in_url": f"{policy.base_url}/admin",
        }
        queue_one_email(uow, queue, person, EmailKind.ADMIN_SUSPENDED, context, now=now)
        audit.record(uow.session, network.id, SERVICE_ACTOR, "admin_suspended", "admin_member", member.id)
        suspended += 1
    return suspended


def quarter_name(start: datetime) -> str:
    local = start.astimezone(LONDON)
    last = {1: "March", 4: "June", 7: "September", 10: "December"}[local.month]
    return f"{local:%B} to {last} {local.year}"


def send_access_reviews(uow: UnitOfWork, queue: TaskQueue, policy: TurnoverPolicy, now: datetime) -> int:
    """The quarter's review of each network with an admin, once (the access_review row is the claim)."""
    quarter, sent = quarter_start(now), 0
    for network in uow.session.scalars(select(Network).order_by(Network.id)):
        admins = _admins_of(uow, network.id)
        if not admins or not _claim_review(uow, network, quarter, now):
            continue
        lines = [
            {
                "name": person.name, "role": member.role.value,
                "last_signed_in": member.last_signed_in_at.isoformat() if member.last_signed_in_at else None,
                "term_ends_at": member.term_ends_at.isoformat() if member.term_ends_at else None,
            }
            for member, person in admin_repo.team_of(uow.session, network.id)
            if member.role.allows(AdminRole.APPROVER)
        ]  # fmt: skip
        context = {
            "quarter": quarter_name(quarter),
            "people": lines,
            "review_url": f"{policy.team_url(network)}/review",
        }
        for _admin, person in admins:
            queue_one_email(uow, queue, person, EmailKind.ACCESS_REVIEW, context, now=now)
        audit.record(uow.session, network.id, SERVICE_ACTOR, "access_review_sent", "network", network.id,
                     admins=len(admins), listed=len(lines))  # fmt: skip
        sent += 1
    return sent


def _claim_review(uow: UnitOfWork, network: Network, quarter: datetime, now: datetime) -> bool:
    if uow.session.scalars(
        select(AccessReview.id).where(
            AccessReview.network_id == network.id, AccessReview.quarter_start == quarter
        )
    ).first():
        return False
    try:
        with uow.session.begin_nested():
            uow.session.add(AccessReview(network_id=network.id, quarter_start=quarter, sent_at=now))
            uow.session.flush()
    except IntegrityError:
        return False  # another run claimed it first
    return True
