"""Admin API for membership: the steering group lists requests and approves, declines or revokes them.

Deciding needs the approver role; every decision is audited. Answers carry ids, never names or
addresses (the steering group reads those in its own records or through a data-access request).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from notifier.domain.statuses import MembershipStatus
from notifier.services.subscribers.membership_decisions import (
    Decision,
    DecisionMail,
    decide,
    memberships_of,
)
from notifier.services.subscribers.memberships import MembershipError
from notifier.web.deps import NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_api.admin_api import PREFIX, iso
from notifier.web.routes.admin_api.admin_auth import Admin, ApproverTokenDep, problem

router = APIRouter(prefix=PREFIX, tags=["admin: membership"])


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=300, description="Why, for the steering group's records")


def _out(membership: Any) -> dict[str, Any]:
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
def list_memberships(admin: ApproverTokenDep, status: MembershipStatus | None = None) -> dict[str, Any]:
    return {"memberships": [_out(m) for m in memberships_of(admin.scope, status)]}


def _mail(uow: UowDep, queue: QueueDep, settings: SettingsDep) -> DecisionMail:
    """Approving or declining emails the person, in the request's unit of work."""
    return DecisionMail(uow, queue, settings.public_base_url)


MailDep = Annotated[DecisionMail, Depends(_mail)]


def _decide(
    admin: Admin, membership_id: int, decision: Decision, note: str, now: NowDep, mail: DecisionMail
) -> dict[str, Any]:
    try:
        decided = decide(
            admin.scope, membership_id, decision, note=note, actor=admin.actor, now=now, mail=mail
        )
    except MembershipError as exc:
        raise problem("status", str(exc), conflict=True) from exc
    return _out(decided)


@router.post("/memberships/{membership_id}/approve")
def approve_membership(
    membership_id: RowId, admin: ApproverTokenDep, now: NowDep, mail: MailDep
) -> dict[str, Any]:
    """Approve a request: the member starts getting every members-only topic, and is emailed."""
    return _decide(admin, membership_id, Decision.APPROVE, "", now, mail)


@router.post("/memberships/{membership_id}/decline")
def decline_membership(
    membership_id: RowId, body: DecisionIn, admin: ApproverTokenDep, now: NowDep, mail: MailDep
) -> dict[str, Any]:
    """Decline a request: the person is emailed (the note stays with the steering group)."""
    return _decide(admin, membership_id, Decision.DECLINE, body.note, now, mail)


@router.post("/memberships/{membership_id}/revoke")
def revoke_membership(
    membership_id: RowId, body: DecisionIn, admin: ApproverTokenDep, now: NowDep, mail: MailDep
) -> dict[str, Any]:
    """End a membership: members-only email stops; the retention clock starts if nothing else is active."""
    return _decide(admin, membership_id, Decision.REVOKE, body.note, now, mail)
