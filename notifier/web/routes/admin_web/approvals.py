"""Approvals in the browser: everything waiting for a second person, and one request's check page with
the email exactly as it will be sent (in Notify's own preview) and to how many; approve, decline (with
a note) or, for whoever asked, withdraw. Deciding needs a person signed in here, with the role the
request needs, who did not ask for it (services/sources/approvals.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.common.scope import NotFound
from notifier.services.sources import approvals
from notifier.services.sources.approval_requests import ApprovalError
from notifier.services.sources.meetings import SourceDeps
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.email_preview import notify_html
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import SignedIn, SignedInDep

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
NOTICES = {
    "approved": "Approved: it is being sent.",
    "declined": "Declined: nothing was sent.",
    "withdrawn": "Withdrawn: nothing was sent.",
}


@router.get("/admin/{slug}/approvals", response_class=HTMLResponse)
def waiting(signed_in: SignedInDep) -> HTMLResponse:
    items = approvals.waiting_items(signed_in.scope, signed_in.acting_as)
    return signed_in.page("approvals.html", title="Waiting for approval", active="approvals", items=items)


def _page(
    signed_in: SignedIn, settings: SettingsDep, deps: SourceDeps, approval_id: int, *,
    error: ApprovalError | None = None, notice: str = "",
) -> HTMLResponse:  # fmt: skip
    view = approvals.request_view(signed_in.scope, approval_id, signed_in.acting_as, deps)
    code = 200
    if error is not None:
        code = status.HTTP_403_FORBIDDEN if error.forbidden else status.HTTP_409_CONFLICT
    return signed_in.page(
        "approval.html",
        title=view.request.title,
        active="approvals",
        status_code=code,
        error_title=error is not None,
        error=error.message if error else "",
        notice=notice,
        view=view,
        email=view.email,
        preview_html=notify_html(settings, signed_in.network.notify_template_id, view.email)
        if view.email
        else None,
    )


@router.get("/admin/{slug}/approvals/{approval_id}", response_class=HTMLResponse)
def check_page(
    approval_id: RowId, signed_in: SignedInDep, settings: SettingsDep, queue: QueueDep, done: str = ""
) -> HTMLResponse:
    deps = SourceDeps.from_settings(settings, queue)
    return _page(signed_in, settings, deps, approval_id, notice=NOTICES.get(done, ""))


@router.post("/admin/{slug}/approvals/{approval_id}/{decision}", response_class=HTMLResponse)
def decide(
    approval_id: RowId,
    decision: str,
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    note: FormText = "",
) -> Response:
    deps, person, scope = SourceDeps.from_settings(settings, queue), signed_in.acting_as, signed_in.scope
    try:
        with uow.attempt():
            if decision == "approve":
                approvals.approve(uow, deps, scope, approval_id, person)
            elif decision == "decline":
                approvals.decline(uow, deps, scope, approval_id, person, note=note)
            elif decision == "withdraw":
                approvals.withdraw(uow, deps, scope, approval_id, person)
            else:
                raise NotFound("decision")
    except ApprovalError as exc:
        return _page(signed_in, settings, deps, approval_id, error=exc)
    done = {"approve": "approved", "decline": "declined", "withdraw": "withdrawn"}[decision]
    return RedirectResponse(
        f"{signed_in.base}/approvals/{approval_id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )
