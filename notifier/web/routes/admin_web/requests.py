"""Data-subject requests for the steering group (admin role): the list with deadlines, overdue first;
each request's page with its record of what was done; verifying a request checked another way; the
person's export bundle (JSON or CSV, audited); marking a request done, or erasing now."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from notifier.db.base import utcnow
from notifier.db.models import AuditRecord, DataRequest, Subscriber
from notifier.domain.rights import DataRequestKind, DataRequestStatus
from notifier.domain.sources import AdminRole
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common import audit
from notifier.services.privacy import rights
from notifier.services.privacy.erasure import carry_out_erasure
from notifier.services.privacy.rights_export import bundle_as_csv, export_bundle
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.routes.admin_web.session import SignedIn, SignedInDep, not_found

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]


def _request(signed_in: SignedIn, uow: UowDep, request_id: int) -> DataRequest:
    signed_in.require(AdminRole.ADMIN)
    found = rights.open_request(uow.session, signed_in.network.id, request_id)
    if found is None:
        raise not_found()
    return found


@router.get("/admin/{slug}/requests", response_class=HTMLResponse)
def list_requests(signed_in: SignedInDep, uow: UowDep, closed: bool = False) -> HTMLResponse:
    signed_in.require(AdminRole.ADMIN)
    now = utcnow()
    found = rights.requests_for_admin(uow.session, signed_in.network.id, open_only=not closed)
    return signed_in.page(
        "requests.html",
        title="Data-subject requests",
        active="requests",
        rows=[(r, rights.deadline_summary(r, now)) for r in found],
        closed=closed,
    )


@router.get("/admin/{slug}/requests/{request_id}", response_class=HTMLResponse)
def show_request(request_id: int, signed_in: SignedInDep, uow: UowDep, done: str = "") -> HTMLResponse:
    request = _request(signed_in, uow, request_id)
    person = (
        subscriber_repo.get_subscriber(uow.session, request.network_id, request.subscriber_id)
        if request.subscriber_id
        else None
    )
    history = list(
        uow.session.scalars(
            select(AuditRecord)
            .where(
                AuditRecord.network_id == signed_in.network.id,
                AuditRecord.object_type == "data_request",
                AuditRecord.object_id == request.id,
            )
            .order_by(AuditRecord.id)
        )
    )
    return signed_in.page(
        "request.html",
        title=f"Request {request.id}: {request.kind.label}",
        active="requests",
        request=request,
        person=person,
        summary=rights.deadline_summary(request, utcnow()),
        history=history,
        notice={"verified": "Verified and acted on.", "done": "Marked as done.", "erased": "Erased."}.get(
            done, ""
        ),
        can_mark_done=request.status is DataRequestStatus.OPEN
        and request.kind is not DataRequestKind.ERASURE,
        can_erase=request.status is DataRequestStatus.OPEN and request.kind is DataRequestKind.ERASURE,
    )


@router.get("/admin/{slug}/requests/{request_id}/export.{fmt}")
def export_request(
    request_id: int, fmt: str, signed_in: SignedInDep, uow: UowDep, settings: SettingsDep
) -> Response:
    request = _request(signed_in, uow, request_id)
    if fmt not in ("json", "csv") or request.subscriber_id is None:
        raise not_found()
    person = uow.session.get(Subscriber, request.subscriber_id)
    if person is None or person.network_id != signed_in.network.id:
        raise not_found()
    bundle = export_bundle(
        uow.session, person, notify_retention_days=settings.notify_retention_days, now=utcnow()
    )
    audit.record(
        uow.session,
        signed_in.network.id,
        signed_in.actor,
        "data_request.exported",
        "data_request",
        request.id,
        format=fmt,
    )
    text = json.dumps(bundle, indent=2) if fmt == "json" else bundle_as_csv(bundle)
    return Response(
        text,
        media_type="application/json" if fmt == "json" else "text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="request-{request.id}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/admin/{slug}/requests/{request_id}/{step}", response_class=HTMLResponse)
def act_on_request(
    request_id: int,
    step: str,
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    outcome: FormText = "",
) -> Response:
    request = _request(signed_in, uow, request_id)
    now = utcnow()
    context = rights.RightsContext.from_settings(settings)
    if step == "verify" and request.status is DataRequestStatus.AWAITING_VERIFICATION:
        audit.record(
            uow.session,
            signed_in.network.id,
            signed_in.actor,
            "data_request.verified_by_admin",
            "data_request",
            request.id,
        )
        rights.verify(uow.session, context, request, now)
        done = "verified"
    elif step == "done" and rights.mark_done(uow.session, request, outcome, actor=signed_in.actor, now=now):
        done = "done"
    elif (
        step == "erase"
        and request.status is DataRequestStatus.OPEN
        and request.kind is DataRequestKind.ERASURE
    ):
        audit.record(
            uow.session,
            signed_in.network.id,
            signed_in.actor,
            "data_request.erase_now",
            "data_request",
            request.id,
        )
        carry_out_erasure(uow.session, request, notify_retention_days=settings.notify_retention_days, now=now)
        done = "erased"
    else:
        return signed_in.page(
            "problem.html",
            title="This request cannot change that way",
            status_code=status.HTTP_409_CONFLICT,
            explanation=f"It is {request.status.value.replace('_', ' ')}. Nothing was changed.",
            next_url=f"{signed_in.base}/requests/{request.id}",
            next_text="Back to the request",
        )
    return RedirectResponse(
        f"{signed_in.base}/requests/{request.id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )
