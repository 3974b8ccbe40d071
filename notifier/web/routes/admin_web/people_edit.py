"""Adding one person (consent recorded as given to the steering group), removing a person (their
data erased everywhere, as for an erasure), and the suppression list (admin role; audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.domain.statuses import Frequency
from notifier.services.admin.people_changes import NewPerson, PersonRefused, add_person, suppression_list
from notifier.services.privacy.erasure import CannotRemoveSelf, remove_person
from notifier.web.deps import NowDep, SettingsDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn, refused

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]


def _form(
    signed_in: SignedIn, form: NewPerson | None = None, errors: dict[str, str] | None = None
) -> HTMLResponse:
    return signed_in.page(
        "person_new.html",
        title="Add a person",
        active="members",
        status_code=400 if errors else 200,
        error_title=bool(errors),
        topics=signed_in.scope.topics(),
        frequencies=list(Frequency),
        form=form or NewPerson(),
        errors=errors or {},
    )


@router.get("/admin/{slug}/people/new", response_class=HTMLResponse)
def new_person(signed_in: AdminRoleDep) -> HTMLResponse:
    return _form(signed_in)


@router.post("/admin/{slug}/people/new", response_class=HTMLResponse)
def add(
    signed_in: AdminRoleDep,
    settings: SettingsDep,
    now: NowDep,
    name: FormText = "",
    email: FormText = "",
    department: FormText = "",
    topics: Annotated[list[str] | None, Form()] = None,
    frequency: FormText = "",
    consent: FormText = "",
) -> Response:
    form = NewPerson(name, email, department, topics or [], frequency, consent == "yes")
    try:
        person = add_person(signed_in.scope, form, settings, actor=signed_in.actor, now=now)
    except PersonRefused as exc:
        return _form(signed_in, form, exc.errors)
    return RedirectResponse(f"{signed_in.base}/people/{person.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/admin/{slug}/people/{subscriber_id}/remove", response_class=HTMLResponse)
def remove(subscriber_id: RowId, signed_in: AdminRoleDep) -> Response:
    try:
        remove_person(signed_in.scope, subscriber_id, me=signed_in.person, actor=signed_in.actor)
    except CannotRemoveSelf as exc:
        raise refused(
            "You cannot remove yourself", "Ask another admin to remove you from the team first."
        ) from exc
    return RedirectResponse(f"{signed_in.base}/members?removed=1", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/admin/{slug}/suppressions", response_class=HTMLResponse)
def suppressions(signed_in: AdminRoleDep) -> HTMLResponse:
    rows = suppression_list(signed_in.scope)
    return signed_in.page("suppressions.html", title="Suppression list", active="members", rows=rows)
