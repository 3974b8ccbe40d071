"""The members list (paged, searchable by name or exact address, exported as CSV by an admin) and each
person's page. Every view of a person and every export is audited (ids only)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from notifier.services.admin import people
from notifier.services.admin.people_changes import export_people, view_person
from notifier.web.deps import UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedInDep

router = APIRouter(tags=["admin pages"], include_in_schema=False)


@router.get("/admin/{slug}/members", response_class=HTMLResponse)
def members(
    signed_in: SignedInDep, uow: UowDep, q: str = "", everyone: bool = False, page: int = 1
) -> HTMLResponse:
    found = people.find_people(
        uow.session, signed_in.network.id, query=q[:320], members_only=not everyone, page=page
    )
    return signed_in.page(
        "members.html",
        title="Everyone we hold" if everyone else "Members",
        active="members",
        found=found,
        q=q,
        everyone=everyone,
    )


@router.get("/admin/{slug}/members.csv")
def export_members(signed_in: AdminRoleDep, q: str = "", everyone: bool = False) -> Response:
    """Personal data leaves the service here: an admin's action, audited."""
    export = export_people(signed_in.scope, query=q, everyone=everyone, actor=signed_in.actor)
    return Response(
        export.text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/admin/{slug}/people/{subscriber_id}", response_class=HTMLResponse)
def person(subscriber_id: RowId, signed_in: SignedInDep) -> HTMLResponse:
    record = view_person(signed_in.scope, subscriber_id, actor=signed_in.actor)
    return signed_in.page("person.html", title=record.subscriber.name, active="members", record=record)
