"""Messages from the contact form (approver role and above): the list, those waiting here first; each
message with a reply-by-email link; closing one. Viewing and closing are audited (ids only)."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.privacy.enquiries_admin import close_enquiry, enquiry_list, view_enquiry
from notifier.web.deps import NowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import ApproverDep

router = APIRouter(tags=["admin pages"], include_in_schema=False)


@router.get("/admin/{slug}/enquiries", response_class=HTMLResponse)
def enquiries(signed_in: ApproverDep, show: str = "", page: int = 1, done: str = "") -> HTMLResponse:
    return signed_in.page(
        "enquiries.html",
        title="Enquiries",
        active="enquiries",
        found=enquiry_list(signed_in.scope, show=show, page=page),
        notice="Closed." if done == "closed" else "",
    )


@router.get("/admin/{slug}/enquiries/{enquiry_id}", response_class=HTMLResponse)
def enquiry(enquiry_id: RowId, signed_in: ApproverDep) -> HTMLResponse:
    view = view_enquiry(signed_in.scope, enquiry_id, actor=signed_in.actor)
    return signed_in.page("enquiry.html", title=view.enquiry.name, active="enquiries", view=view)


@router.post("/admin/{slug}/enquiries/{enquiry_id}/close", response_class=HTMLResponse)
def close(enquiry_id: RowId, signed_in: ApproverDep, now: NowDep) -> Response:
    close_enquiry(signed_in.scope, enquiry_id, actor=signed_in.actor, now=now)
    return RedirectResponse(f"{signed_in.base}/enquiries?done=closed", status_code=status.HTTP_303_SEE_OTHER)
