"""Admin API for membership: the steering group lists requests and approves, declines or revokes them.

Deciding needs the approver role; every decision is audited. Answers carry ids, never names or
addresses (the steering group reads those in its own records or through a data-access request).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from notifier.db.base import utcnow
from notifier.db.models import Membership
from notifier.domain.ids import storable_id
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import MembershipStatus
from notifier.repositories import signups as signup_repo
from notifier.services.common import audit
from notifier.services.subscribers import memberships
from notifier.web.deps import UowDep
from notifier.web.routes.admin_api.admin_api import PREFIX, iso
from notifier.web.routes.admin_api.admin_auth import Admin, AdminDep, not_found, problem

router = APIRouter(prefix=PREFIX, tags=["admin: membership"])


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=300, description="Why, for the steering group's records")


def _out(membership: Membership) -> dict[str, Any]:
    return {
        "id": membership.id,
        "subscriber_id": membership.subscriber_id,
        "status": membership.status.value,
        "requested_at": iso(membership.requested_at),
        "decided_at": iso(membership.decided_at),
        "closed_at": iso(membership.closed_at),
        "note": membership.note,
    }


@router.get("/memberships")
def list_memberships(admin: AdminDep, uow: UowDep, status: MembershipStatus | None = None) -> dict[str, Any]:
    admin.require(AdminRole.APPROVER)
    found = signup_repo.memberships(uow.session, admin.network.id, status)
    return {"memberships": [_out(m) for m in found]}


def _decide(admin: Admin, uow: UowDep, membership_id: int, action: str, note: str) -> dict[str, Any]:
    admin.require(AdminRole.APPROVER)
    session, network, now = uow.session, admin.network, utcnow()
    if not storable_id(membership_id):
        raise not_found("membership")
    current = signup_repo.get_membership(session, network.id, membership_id)
    if current is None:
        raise not_found("membership")
    before = current.status
    try:
        if action == "approve":
            decided = memberships.approve(session, network, membership_id, now=now)
        elif action == "decline":
            decided = memberships.decline(session, network, membership_id, now=now, note=note)
        else:
            decided = memberships.revoke(session, network, membership_id, now=now, note=note)
    except memberships.MembershipError as exc:
        raise problem("status", str(exc), conflict=True) from exc
    if decided.status is not before:  # a repeated decision changes nothing and is not logged twice
        audit.record(session, network.id, admin.actor, f"membership.{action}", "membership", membership_id)
    return _out(decided)


@router.post("/memberships/{membership_id}/approve")
def approve_membership(membership_id: int, admin: AdminDep, uow: UowDep) -> dict[str, Any]:
    """Approve a request: the member starts getting every members-only topic."""
    return _decide(admin, uow, membership_id, "approve", "")


@router.post("/memberships/{membership_id}/decline")
def decline_membership(membership_id: int, body: DecisionIn, admin: AdminDep, uow: UowDep) -> dict[str, Any]:
    return _decide(admin, uow, membership_id, "decline", body.note)


@router.post("/memberships/{membership_id}/revoke")
def revoke_membership(membership_id: int, body: DecisionIn, admin: AdminDep, uow: UowDep) -> dict[str, Any]:
    """End a membership: members-only email stops; the retention clock starts if nothing else is active."""
    return _decide(admin, uow, membership_id, "revoke", body.note)
