"""The steering group's decisions on membership, as the admin web and the admin API make them: the
requests waiting, and approving, declining or revoking one, audited once per change."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from notifier.db.models import Membership, Subscriber
from notifier.domain.statuses import MembershipStatus
from notifier.repositories import signups as signup_repo
from notifier.services.common import audit
from notifier.services.common.scope import NetworkScope, NotFound
from notifier.services.subscribers import memberships


class Decision(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    REVOKE = "revoke"


def memberships_of(scope: NetworkScope, status: MembershipStatus | None) -> list[Membership]:
    return signup_repo.memberships(scope.session, scope.network_id, status)


def requests_to_join(scope: NetworkScope) -> list[tuple[Membership, Subscriber]]:
    """The open requests, each with the person who asked."""
    waiting = memberships_of(scope, MembershipStatus.REQUESTED)
    return [(m, scope.session.get_one(Subscriber, m.subscriber_id)) for m in waiting]


def decide(
    scope: NetworkScope, membership_id: int, decision: Decision, *, note: str, actor: str, now: datetime
) -> Membership:
    """Raises NotFound (not this network's) or MembershipError (the request was decided otherwise);
    a repeated decision changes nothing and is not audited twice."""
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
    return decided
