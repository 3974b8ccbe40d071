"""Requests to join (approver role): each with the person, their department and the eligibility
statement they agreed to, to approve or decline. Decisions are audited, as in the admin API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.common.scope import NotFound
from notifier.services.subscribers.membership_decisions import (
    Decision,
    DecisionMail,
    decide,
    requests_to_join,
)
from notifier.services.subscribers.memberships import MembershipError
from notifier.web.deps import NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import ApproverDep, refused

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]


@router.get("/admin/{slug}/memberships", response_class=HTMLResponse)
def membership_requests(signed_in: ApproverDep, done: str = "") -> HTMLResponse:
    return signed_in.page(
        "memberships.html",
        title="Requests to join",
        active="members",
        waiting=requests_to_join(signed_in.scope),
        notice={
            "approve": "Approved. We have emailed them to say so.",
            "decline": "Declined. We have emailed them to say so.",
        }.get(done, ""),
    )


@router.post("/admin/{slug}/memberships/{membership_id}/{action}", response_class=HTMLResponse)
def decide_request(
    membership_id: RowId,
    action: str,
    signed_in: ApproverDep,
    uow: UowDep,
    queue: QueueDep,
    settings: SettingsDep,
    now: NowDep,
    note: FormText = "",
) -> Response:
    """Approve or decline; the person is emailed the answer."""
    if action not in (Decision.APPROVE, Decision.DECLINE):
        raise NotFound("decision")
    mail = DecisionMail(uow, queue, settings.public_base_url)
    try:
        decide(
            signed_in.scope,
            membership_id,
            Decision(action),
            note=note,
            actor=signed_in.actor,
            now=now,
            mail=mail,
        )
    except MembershipError as exc:
        raise refused(
            "This request has already been decided",
            "Nothing was changed.",
            next_url=f"{signed_in.base}/memberships",
            next_text="Back to requests to join",
        ) from exc
    return RedirectResponse(
        f"{signed_in.base}/memberships?done={action}", status_code=status.HTTP_303_SEE_OTHER
    )
