"""The steering group's decisions on membership, as the admin web, the admin API and the CLI make them:
the requests waiting, and approving, declining or revoking one, audited once per change. Approving or
declining a request emails the person (`membership_decided`, transactional): approved, with the
members-only topics they now get; declined, with a link to the contact form. The note an approver
keeps with a decision is the steering group's record and is never sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from notifier.db.models import Membership, Subscriber
from notifier.db.session import UnitOfWork
from notifier.domain.statuses import MembershipStatus
from notifier.rendering.emails import EmailKind
from notifier.repositories import signups as signup_repo
from notifier.services.common import audit
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope, NotFound
from notifier.services.delivery.direct_sends import queue_one_email
from notifier.services.subscribers import memberships


class Decision(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    REVOKE = "revoke"


@dataclass(frozen=True)
class DecisionMail:
    """How the person hears of a decision: an email queued in the decision's own unit of work."""

    uow: UnitOfWork
    queue: TaskQueue
    public_base_url: str


def memberships_of(scope: NetworkScope, status: MembershipStatus | None) -> list[Membership]:
    return signup_repo.memberships(scope.session, scope.network_id, status)


def requests_to_join(scope: NetworkScope) -> list[tuple[Membership, Subscriber]]:
    """The open requests, each with the person who asked."""
    waiting = memberships_of(scope, MembershipStatus.REQUESTED)
    return [(m, scope.session.get_one(Subscriber, m.subscriber_id)) for m in waiting]


def decide(
    scope: NetworkScope,
    membership_id: int,
    decision: Decision,
    *,
    note: str,
    actor: str,
    now: datetime,
    mail: DecisionMail,
) -> Membership:
    """Raises NotFound (not this network's) or MembershipError (the request was decided otherwise);
    a repeated decision changes nothing, is not audited twice and sends no second email."""
    session, network = scope.session, scope.network
    current = signup_repo.get_membership(session, network.id, membership_id)
    if current is None:
        raise NotFound("membership")
    before = current.status
    note = " ".join(note.split())
    if decision is Decision.APPROVE:
        decided = memberships.approve(session, network, membership_id, now=now)
    elif decision is Decision.DECLINE:
        decided = memberships.decline(session, network, membership_id, now=now, note=note)
    else:
        decided = memberships.revoke(session, network, membership_id, now=now, note=note)
    if decided.status is not before:
        audit.record(session, network.id, actor, f"membership.{decision.value}", "membership", membership_id)
        if decision is not Decision.REVOKE:
            _tell(scope, decided, mail, now)
    return decided


def _tell(scope: NetworkScope, decided: Membership, mail: DecisionMail, now: datetime) -> None:
    person = scope.session.get_one(Subscriber, decided.subscriber_id)
    approved = decided.status is MembershipStatus.APPROVED
    context = {
        "approved": approved,
        "topic_names": [t.name for t in scope.topics() if t.members_only] if approved else [],
        "contact_url": f"{mail.public_base_url.rstrip('/')}/contact/{scope.network.slug}",
    }
    queue_one_email(mail.uow, mail.queue, person, EmailKind.MEMBERSHIP_DECIDED, context, now=now)
