"""Requests to join (approver role): each with the person, their department and the eligibility
statement they agreed to, to approve or decline. Decisions are audited, as in the admin API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.db.base import utcnow
from notifier.db.models import Subscriber
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import MembershipStatus
from notifier.repositories import signups as signup_repo
from notifier.services.common import audit
from notifier.services.subscribers import memberships
from notifier.services.subscribers.memberships import MembershipError
from notifier.web.deps import UowDep
from notifier.web.routes.admin_web.session import SignedInDep, not_found

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]


@router.get("/admin/{slug}/memberships", response_class=HTMLResponse)
def membership_requests(signed_in: SignedInDep, uow: UowDep, done: str = "") -> HTMLResponse:
    signed_in.require(AdminRole.APPROVER)
    waiting = signup_repo.memberships(uow.session, signed_in.network.id, MembershipStatus.REQUESTED)
    people = {m.subscriber_id: uow.session.get_one(Subscriber, m.subscriber_id) for m in waiting}
    return signed_in.page(
        "memberships.html",
        title="Requests to join",
        active="members",
        waiting=[(m, people[m.subscriber_id]) for m in waiting],
        notice={"approve": "Approved.", "decline": "Declined."}.get(done, ""),
    )


@router.post("/admin/{slug}/memberships/{membership_id}/{action}", response_class=HTMLResponse)
def decide(
    membership_id: int, action: str, signed_in: SignedInDep, uow: UowDep, note: FormText = ""
) -> Response:
    signed_in.require(AdminRole.APPROVER)
    network, now = signed_in.network, utcnow()
    try:
        if action == "approve":
            memberships.approve(uow.session, network, membership_id, now=now)
        elif action == "decline":
            memberships.decline(uow.session, network, membership_id, now=now, note=" ".join(note.split()))
        else:
            raise not_found()
    except MembershipError as exc:
        if signup_repo.get_membership(uow.session, network.id, membership_id) is None:
            raise not_found() from exc
        return signed_in.page(
            "problem.html",
            title="This request has already been decided",
            status_code=status.HTTP_409_CONFLICT,
            explanation="Nothing was changed.",
            next_url=f"{signed_in.base}/memberships",
            next_text="Back to requests to join",
        )
    audit.record(
        uow.session, network.id, signed_in.actor, f"membership.{action}", "membership", membership_id
    )
    return RedirectResponse(
        f"{signed_in.base}/memberships?done={action}", status_code=status.HTTP_303_SEE_OTHER
    )
