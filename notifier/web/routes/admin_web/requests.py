"""Data-subject requests for the steering group (admin role): the list with deadlines, overdue first;
each request's page with its record of what was done; verifying a request checked another way; the
person's export bundle (JSON or CSV, audited); marking a request done, or erasing now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.domain.rights import DataRequestKind, RequestArrival
from notifier.services.common.scope import NotFound
from notifier.services.privacy.rights_admin import (
    Step,
    StepRefused,
    export_request,
    request_list,
    request_view,
    take_step,
)
from notifier.services.privacy.rights_on_behalf import OnBehalfForm, OnBehalfRefused, record_on_behalf
from notifier.web.deps import NowDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn, refused

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
NOTICES = {
    "verified": "Verified and acted on.",
    "done": "Marked as done.",
    "erased": "Erased.",
    "recorded": "Recorded, verified and acted on.",
}


@router.get("/admin/{slug}/requests", response_class=HTMLResponse)
def list_requests(signed_in: AdminRoleDep, now: NowDep, closed: bool = False) -> HTMLResponse:
    return signed_in.page(
        "requests.html",
        title="Data-subject requests",
        active="requests",
        rows=request_list(signed_in.scope, closed=closed, now=now),
        closed=closed,
    )


def on_behalf_form(
    email: FormText = "",
    kind: FormText = "",
    arrived_by: FormText = "",
    identity_check: FormText = "",
    name: FormText = "",
    department: FormText = "",
) -> OnBehalfForm:
    return OnBehalfForm(email, kind, arrived_by, identity_check, name, department)


def _new_page(signed_in: SignedIn, form: OnBehalfForm, errors: dict[str, str] | None = None) -> HTMLResponse:
    return signed_in.page(
        "request_new.html", title="Record a request made another way", active="requests",
        status_code=400 if errors else 200, error_title=bool(errors), form=form, errors=errors or {},
        kinds=list(DataRequestKind), arrivals=list(RequestArrival),
    )  # fmt: skip


@router.get("/admin/{slug}/requests/new", response_class=HTMLResponse)
def new_request(signed_in: AdminRoleDep) -> HTMLResponse:
    return _new_page(signed_in, OnBehalfForm())


@router.post("/admin/{slug}/requests/new", response_class=HTMLResponse)
def record_request(
    signed_in: AdminRoleDep,
    uow: UowDep,
    settings: SettingsDep,
    now: NowDep,
    form: Annotated[OnBehalfForm, Depends(on_behalf_form)],
) -> Response:
    try:
        with uow.attempt():
            request = record_on_behalf(
                signed_in.scope, settings, form, admin=signed_in.admin, actor=signed_in.actor, now=now
            )
    except OnBehalfRefused as exc:
        return _new_page(signed_in, form, exc.errors)
    return RedirectResponse(
        f"{signed_in.base}/requests/{request.id}?done=recorded", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/admin/{slug}/requests/{request_id}", response_class=HTMLResponse)
def show_request(request_id: RowId, signed_in: AdminRoleDep, now: NowDep, done: str = "") -> HTMLResponse:
    view = request_view(signed_in.scope, request_id, now)
    return signed_in.page(
        "request.html",
        title=f"Request {view.request.id}: {view.request.kind.label}",
        active="requests",
        request=view.request,
        person=view.person,
        summary=view.summary,
        history=view.history,
        recorded_by=view.recorded_by,
        notice=NOTICES.get(done, ""),
        can_mark_done=view.can_mark_done,
        can_erase=view.can_erase,
    )


@router.get("/admin/{slug}/requests/{request_id}/export.{fmt}")
def export(
    request_id: RowId, fmt: str, signed_in: AdminRoleDep, settings: SettingsDep, now: NowDep
) -> Response:
    found = export_request(signed_in.scope, settings, request_id, fmt, actor=signed_in.actor, now=now)
    return Response(
        found.text,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/admin/{slug}/requests/{request_id}/{step}", response_class=HTMLResponse)
def act_on_request(
    request_id: RowId,
    step: str,
    signed_in: AdminRoleDep,
    settings: SettingsDep,
    now: NowDep,
    outcome: FormText = "",
) -> Response:
    if step not in set(Step):
        raise NotFound("step")
    try:
        done = take_step(
            signed_in.scope, settings, request_id, Step(step), outcome=outcome, actor=signed_in.actor, now=now
        )
    except StepRefused as exc:
        raise refused(
            "This request cannot change that way",
            f"It is {exc.request.status.value.replace('_', ' ')}. Nothing was changed.",
            next_url=f"{signed_in.base}/requests/{request_id}",
            next_text="Back to the request",
        ) from exc
    return RedirectResponse(
        f"{signed_in.base}/requests/{request_id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )
