"""Adding one person (consent recorded as given to the steering group), removing a person (their
data erased everywhere, as for an erasure), and the suppression list (admin role; audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from notifier.db.base import utcnow
from notifier.db.models import Subscriber, Suppression
from notifier.domain.sources import AdminRole
from notifier.domain.statuses import ConsentSource, Frequency
from notifier.repositories import networks as network_repo
from notifier.services.common import audit
from notifier.services.privacy.erasure import erase_subscribers
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email
from notifier.services.subscribers.subscriptions import add_confirmed_subscriber
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.routes.admin_web.session import SignedIn, SignedInDep, not_found

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]


def _form(
    signed_in: SignedIn,
    uow: UowDep,
    form: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    return signed_in.page(
        "person_new.html",
        title="Add a person",
        active="members",
        status_code=400 if errors else 200,
        error_title=bool(errors),
        topics=network_repo.list_topics(uow.session, signed_in.network.id),
        frequencies=list(Frequency),
        form=form or {"topics": [], "frequency": Frequency.IMMEDIATE.value},
        errors=errors or {},
    )


@router.get("/admin/{slug}/people/new", response_class=HTMLResponse)
def new_person(signed_in: SignedInDep, uow: UowDep) -> HTMLResponse:
    signed_in.require(AdminRole.ADMIN)
    return _form(signed_in, uow)


@router.post("/admin/{slug}/people/new", response_class=HTMLResponse)
def add_person(
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    name: FormText = "",
    email: FormText = "",
    department: FormText = "",
    topics: Annotated[list[str] | None, Form()] = None,
    frequency: FormText = "",
    consent: FormText = "",
) -> Response:
    signed_in.require(AdminRole.ADMIN)
    network = signed_in.network
    form: dict[str, object] = {"name": name, "email": email, "department": department}
    form |= {"topics": topics or [], "frequency": frequency}
    chosen = [t for t in network_repo.list_topics(uow.session, network.id) if t.slug in (topics or [])]
    errors: dict[str, str] = {}
    if not name.strip() or len(name) > 200:
        errors["name"] = "Enter the person's full name"
    if len(department) > 200:
        errors["department"] = "Department must be 200 characters or fewer"
    if not chosen:
        errors["topics"] = "Select at least one topic"
    if frequency not in {f.value for f in Frequency}:
        errors["frequency"] = "Select how often they get email"
    if consent != "yes":
        errors["consent"] = "Confirm that the person agreed to get these emails"
    try:
        checked_work_email(network, email)
    except AddressRejected as exc:
        errors["email"] = str(exc)
    if errors:
        return _form(signed_in, uow, form, errors)
    person = add_confirmed_subscriber(
        uow.session, network, email=email, name=name, department=department, topics=chosen,
        frequency=Frequency(frequency), source=ConsentSource.ADMIN,
        hash_key=settings.hash_key, now=utcnow(),
    )  # fmt: skip
    audit.record(
        uow.session, network.id, signed_in.actor, "person_added", "subscriber", person.id, topics=len(chosen)
    )
    return RedirectResponse(f"{signed_in.base}/people/{person.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/admin/{slug}/people/{subscriber_id}/remove", response_class=HTMLResponse)
def remove_person(subscriber_id: int, signed_in: SignedInDep, uow: UowDep) -> Response:
    signed_in.require(AdminRole.ADMIN)
    person = uow.session.get(Subscriber, subscriber_id)
    if person is None or person.network_id != signed_in.network.id:
        raise not_found()
    if person.id == signed_in.person.id:
        return signed_in.page(
            "problem.html",
            title="You cannot remove yourself",
            status_code=status.HTTP_409_CONFLICT,
            explanation="Ask another admin to remove you from the team first.",
        )
    erase_subscribers(uow.session, signed_in.network.id, [subscriber_id])
    audit.record(
        uow.session, signed_in.network.id, signed_in.actor, "person_removed", "subscriber", subscriber_id
    )
    return RedirectResponse(f"{signed_in.base}/members?removed=1", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/admin/{slug}/suppressions", response_class=HTMLResponse)
def suppressions(signed_in: SignedInDep, uow: UowDep) -> HTMLResponse:
    signed_in.require(AdminRole.ADMIN)
    rows = list(
        uow.session.scalars(
            select(Suppression)
            .where(Suppression.network_id == signed_in.network.id)
            .order_by(Suppression.id.desc())
            .limit(1000)
        )
    )
    return signed_in.page("suppressions.html", title="Suppression list", active="members", rows=rows)
