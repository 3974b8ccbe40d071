"""A data-subject request an admin records in the web for someone on the list who asked by email, by
post, by phone or in person: how it arrived and how the admin checked it was the person's are kept with
the request, which then follows the path of a request made from the preferences page (verified, acted
on, with its one-month deadline and its history)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from notifier.config import Settings
from notifier.db.models import AdminMember, DataRequest
from notifier.domain.emails import normalise_email
from notifier.domain.rights import DataRequestKind, RequestArrival
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.scope import NetworkScope
from notifier.services.privacy import rights

CHECK_MAX = 300
CORRECTION_WORDS = {
    "name": f"Enter the person's corrected full name, {rights.NAME_MAX} characters or fewer",
    "department": f"The corrected department must be {rights.DEPARTMENT_MAX} characters or fewer",
}


@dataclass
class OnBehalfForm:
    """The form as typed."""

    email: str = ""
    kind: str = ""
    arrived_by: str = ""
    identity_check: str = ""
    name: str = ""  # rectification: the corrected name
    department: str = ""


@dataclass
class OnBehalfRefused(ValueError):
    """What is wrong with the form, field by field; nothing was recorded."""

    errors: dict[str, str] = field(default_factory=dict)


def _form_errors(form: OnBehalfForm) -> dict[str, str]:
    errors = {}
    if form.kind not in set(DataRequestKind):
        errors["kind"] = "Select what the person asked for"
    if form.arrived_by not in set(RequestArrival):
        errors["arrived_by"] = "Select how the request arrived"
    if not form.identity_check.strip():
        errors["identity_check"] = "Say how you checked that the request is from the person"
    elif len(form.identity_check.strip()) > CHECK_MAX:
        errors["identity_check"] = f"How you checked must be {CHECK_MAX} characters or fewer"
    return errors


def record_on_behalf(
    scope: NetworkScope,
    settings: Settings,
    form: OnBehalfForm,
    *,
    admin: AdminMember,
    actor: str,
    now: datetime,
) -> DataRequest:
    """Record the request and act on it, or OnBehalfRefused naming each field to put right."""
    errors = _form_errors(form)
    person = subscriber_repo.get_subscriber_by_email(
        scope.session, scope.network_id, normalise_email(form.email.strip())
    )
    if person is None:
        errors["email"] = "Enter the address of someone on the members list"
    if errors or person is None:
        raise OnBehalfRefused(errors)
    on_behalf = rights.OnBehalf(RequestArrival(form.arrived_by), form.identity_check.strip(), admin.id, actor)
    details = {"name": form.name, "department": form.department}
    try:
        return rights.record_admin_request(
            scope.session, rights.RightsContext.from_settings(settings), person, DataRequestKind(form.kind),
            details, now, on_behalf,
        )  # fmt: skip
    except rights.RequestRefused as exc:  # the corrected details, worded for the person themselves
        name = str(exc).partition(": ")[0]
        raise OnBehalfRefused({name: CORRECTION_WORDS.get(name, str(exc))}) from exc
