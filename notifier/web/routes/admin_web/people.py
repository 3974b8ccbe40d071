"""The members list (paged, searchable by name or exact address, exported as CSV) and each person's
page. Every view of a person and every export is audited (ids only)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from notifier.services.admin import people
from notifier.services.common import audit
from notifier.web.deps import UowDep
from notifier.web.routes.admin_web.session import SignedInDep, not_found

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
def export_members(signed_in: SignedInDep, uow: UowDep, q: str = "", everyone: bool = False) -> Response:
    network = signed_in.network
    audit.record(
        uow.session,
        network.id,
        signed_in.actor,
        "people_exported",
        "network",
        network.id,
        everyone=everyone,
        searched=bool(q.strip()),
    )
    # Read inside the unit of work (a steering group's list is thousands of rows, not millions).
    text = "".join(people.export_csv(uow.session, network.id, query=q[:320], members_only=not everyone))
    name = f"{network.slug}-{'people' if everyone else 'members'}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/admin/{slug}/people/{subscriber_id}", response_class=HTMLResponse)
def person(subscriber_id: int, signed_in: SignedInDep, uow: UowDep) -> HTMLResponse:
    record = people.person_record(uow.session, signed_in.network.id, subscriber_id)
    if record is None:
        raise not_found()
    audit.record(
        uow.session, signed_in.network.id, signed_in.actor, "person_viewed", "subscriber", subscriber_id
    )
    return signed_in.page("person.html", title=record.subscriber.name, active="members", record=record)
