"""Data-subject requests from the preference pages, verified by the signed link we email.

/preferences/{token}/rights starts a request (the manage token proves the person holds the inbox's
link); /rights/verify/{token} is the emailed link: GET only shows a button, so a link scanner never
acts on a request; the POST does. An access request's bundle is downloaded with the same link.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.db.base import utcnow
from notifier.db.models import DataRequest, Network, Subscriber
from notifier.domain.rights import DataRequestKind, DataRequestStatus
from notifier.domain.statuses import SubscriberStatus
from notifier.repositories import subscribers as subscriber_repo
from notifier.services.common.links import SubscriberRef
from notifier.services.common.tokens import InvalidToken
from notifier.services.privacy import rights
from notifier.services.privacy.rights_export import bundle_as_csv, export_bundle
from notifier.services.subscribers.addresses import AddressRejected, checked_work_email
from notifier.web import csrf
from notifier.web.deps import LinksDep, QueueDep, SettingsDep, UowDep
from notifier.web.lookups import Person, link_problem, person_from_preferences_link
from notifier.web.pages import render_page

router = APIRouter(tags=["rights"])
FormText = Annotated[str, Form()]
CSRF_ERROR = "Your form has timed out or could not be checked. Submit it again"


def _problem(exc: InvalidToken | None, *, status_code: int = 400) -> HTMLResponse:
    return link_problem(
        exc,
        expired_explanation="Start your request again from the link at the bottom of any email we sent you.",
        invalid_explanation=(
            "It may have been copied incompletely, or the request has already been dealt with."
        ),
        status_code=status_code,
    )


def _person(uow: UowDep, links: LinksDep, token: str) -> tuple[Network, Subscriber] | HTMLResponse:
    found = person_from_preferences_link(uow, links, token)
    return (found.network, found.subscriber) if isinstance(found, Person) else _problem(found)


def _choices(subscriber: Subscriber) -> list[DataRequestKind]:
    restricted = subscriber.status is SubscriberStatus.RESTRICTED
    middle = DataRequestKind.LIFT_RESTRICTION if restricted else DataRequestKind.RESTRICTION
    return [
        DataRequestKind.ACCESS,
        DataRequestKind.RECTIFICATION,
        middle,
        DataRequestKind.OBJECTION,
        DataRequestKind.ERASURE,
    ]


def _start_page(
    request: Request,
    settings: SettingsDep,
    network: Network,
    subscriber: Subscriber,
    token: str,
    error: str = "",
) -> Response:
    form_token = csrf.issue(request, settings)
    page = render_page(
        "rights_start.html",
        status_code=400 if error else 200,
        title="Your data",
        error_title=bool(error),
        error=error,
        network=network,
        choices=[{"value": k.value, "text": k.label, "hint": HINTS[k]} for k in _choices(subscriber)],
        action=f"/preferences/{token}/rights",
        back_url=f"/preferences/{token}",
        csrf_token=form_token.form_value,
        privacy_notice_url=network.privacy_notice_url,
    )
    return csrf.attach(page, form_token, settings)


HINTS = {
    DataRequestKind.ACCESS: "A file with everything we hold about you, including your consent history.",
    DataRequestKind.RECTIFICATION: "Change the name, department or email address we hold.",
    DataRequestKind.RESTRICTION: "We keep your data but do not use it or send you anything until you say.",
    DataRequestKind.LIFT_RESTRICTION: "We start using your data and sending your emails again.",
    DataRequestKind.OBJECTION: "We stop sending you any email and will not add your address again.",
    DataRequestKind.ERASURE: "We delete everything we hold about you.",
}


@router.get("/preferences/{token}/rights", response_class=HTMLResponse)
def start(token: str, request: Request, uow: UowDep, links: LinksDep, settings: SettingsDep) -> Response:
    person = _person(uow, links, token)
    if isinstance(person, HTMLResponse):
        return person
    return _start_page(request, settings, *person, token)


@router.post("/preferences/{token}/rights", response_class=HTMLResponse)
def choose(
    token: str,
    request: Request,
    uow: UowDep,
    links: LinksDep,
    settings: SettingsDep,
    queue: QueueDep,
    kind: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    person = _person(uow, links, token)
    if isinstance(person, HTMLResponse):
        return person
    network, subscriber = person
    if not csrf.is_valid(request, settings, csrf_token):
        return _start_page(request, settings, network, subscriber, token, CSRF_ERROR)
    chosen = next((k for k in _choices(subscriber) if k.value == kind), None)
    if chosen is None:
        return _start_page(request, settings, network, subscriber, token, "Select what you want us to do")
    if chosen is DataRequestKind.RECTIFICATION:
        return RedirectResponse(f"/preferences/{token}/rights/rectify", status_code=status.HTTP_303_SEE_OTHER)
    context = rights.RightsContext.from_settings(settings)
    rights.request_from_preferences(uow, queue, context, subscriber, chosen, {}, utcnow())
    return RedirectResponse(f"/preferences/{token}/rights/sent", status_code=status.HTTP_303_SEE_OTHER)


def _rectify_page(
    request: Request,
    settings: SettingsDep,
    network: Network,
    token: str,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> Response:
    form_token = csrf.issue(request, settings)
    page = render_page(
        "rights_rectify.html",
        status_code=400 if errors else 200,
        title="Correct your details",
        error_title=bool(errors),
        errors=errors or {},
        error_list=[{"text": t, "href": f"#{f}"} for f, t in (errors or {}).items()],
        values=values,
        network=network,
        action=f"/preferences/{token}/rights/rectify",
        back_url=f"/preferences/{token}/rights",
        csrf_token=form_token.form_value,
    )
    return csrf.attach(page, form_token, settings)


@router.get("/preferences/{token}/rights/rectify", response_class=HTMLResponse)
def rectify_form(
    token: str, request: Request, uow: UowDep, links: LinksDep, settings: SettingsDep
) -> Response:
    person = _person(uow, links, token)
    if isinstance(person, HTMLResponse):
        return person
    network, subscriber = person
    values = {"name": subscriber.name, "department": subscriber.department, "email": ""}
    return _rectify_page(request, settings, network, token, values)


@router.post("/preferences/{token}/rights/rectify", response_class=HTMLResponse)
def rectify(
    token: str,
    request: Request,
    uow: UowDep,
    links: LinksDep,
    settings: SettingsDep,
    queue: QueueDep,
    name: FormText = "",
    department: FormText = "",
    email: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    person = _person(uow, links, token)
    if isinstance(person, HTMLResponse):
        return person
    network, subscriber = person
    values = {"name": name, "department": department, "email": email}
    if not csrf.is_valid(request, settings, csrf_token):
        return _rectify_page(request, settings, network, token, values, {"name": CSRF_ERROR})
    try:
        new_email = checked_work_email(network, email) if email.strip() else ""
    except AddressRejected as exc:
        return _rectify_page(request, settings, network, token, values, {"email": str(exc)})
    try:
        details = rights.checked_details(
            DataRequestKind.RECTIFICATION,
            # The address held now is no change: it is dropped rather than confirmed again.
            {**values, "email": "" if new_email == subscriber.email else new_email},
        )
    except rights.RequestRefused as exc:
        field, _, text = str(exc).partition(": ")
        return _rectify_page(request, settings, network, token, values, {field: text[:1].upper() + text[1:]})
    context = rights.RightsContext.from_settings(settings)
    rights.request_from_preferences(
        uow, queue, context, subscriber, DataRequestKind.RECTIFICATION, details, utcnow()
    )
    return RedirectResponse(f"/preferences/{token}/rights/sent", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/preferences/{token}/rights/sent", response_class=HTMLResponse)
def sent(token: str, uow: UowDep, links: LinksDep, settings: SettingsDep) -> Response:
    person = _person(uow, links, token)
    if isinstance(person, HTMLResponse):
        return person
    return render_page(
        "rights_sent.html",
        title="Check your email",
        network=person[0],
        days=settings.data_request_link_days,
        back_url=f"/preferences/{token}",
    )


def _request(uow: UowDep, settings: SettingsDep, token: str) -> DataRequest | HTMLResponse:
    context = rights.RightsContext.from_settings(settings)
    try:
        network_id, request_id = context.read_token(token)
    except InvalidToken as exc:
        return _problem(exc)
    found = rights.open_request(uow.session, network_id, request_id)
    return found if found is not None else _problem(None, status_code=404)


@router.get("/rights/verify/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    found = _request(uow, settings, token)
    if isinstance(found, HTMLResponse):
        return found
    if found.status is not DataRequestStatus.AWAITING_VERIFICATION:
        return RedirectResponse(f"/rights/verify/{token}/done", status_code=status.HTTP_303_SEE_OTHER)
    form_token = csrf.issue(request, settings)
    page = render_page(
        "rights_verify.html",
        title="Confirm your request",
        network=uow.session.get_one(Network, found.network_id),
        request_label=found.kind.label,
        details=found.details,
        action=f"/rights/verify/{token}",
        csrf_token=form_token.form_value,
    )
    return csrf.attach(page, form_token, settings)


@router.post("/rights/verify/{token}", response_class=HTMLResponse)
def verify(
    token: str,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    csrf_token: FormText = "",
) -> Response:
    found = _request(uow, settings, token)
    if isinstance(found, HTMLResponse):
        return found
    if not csrf.is_valid(request, settings, csrf_token):
        return RedirectResponse(f"/rights/verify/{token}", status_code=status.HTTP_303_SEE_OTHER)
    rights.verify_from_link(uow, queue, rights.RightsContext.from_settings(settings), found, utcnow())
    return RedirectResponse(f"/rights/verify/{token}/done", status_code=status.HTTP_303_SEE_OTHER)


DONE_TITLES = {
    DataRequestKind.ACCESS: "Your data is ready",
    DataRequestKind.RECTIFICATION: "Your details have been corrected",
    DataRequestKind.RESTRICTION: "We have stopped using your data",
    DataRequestKind.LIFT_RESTRICTION: "We are using your data again",
    DataRequestKind.OBJECTION: "We have stopped all emails to you",
    DataRequestKind.ERASURE: "Your data has been deleted",
}


def _done_title(found: DataRequest) -> str:
    """What happened, in the person's words; the stored `outcome` is the steering group's record."""
    if found.outcome == rights.NOTHING_HELD:
        return "We no longer hold any data about you"
    acted = found.status is DataRequestStatus.COMPLETED or (
        found.kind is DataRequestKind.ERASURE and found.status is DataRequestStatus.AWAITING_NOTIFY
    )
    return DONE_TITLES[found.kind] if acted else "We are dealing with your request"


@router.get("/rights/verify/{token}/done", response_class=HTMLResponse)
def done(token: str, uow: UowDep, settings: SettingsDep, links: LinksDep) -> Response:
    found = _request(uow, settings, token)
    if isinstance(found, HTMLResponse):
        return found
    downloads = found.kind is DataRequestKind.ACCESS and found.subscriber_id is not None
    title = _done_title(found)
    return render_page(
        "rights_done.html",
        title=title,
        network=uow.session.get_one(Network, found.network_id),
        request=found,
        kind=found.kind.value,
        nothing_held=found.outcome == rights.NOTHING_HELD,
        acted=title != "We are dealing with your request",
        deadline=f"{found.deadline_at:%-d %B %Y}",
        new_email=bool(found.outcome and "new email address" in found.outcome),
        manage_url=links.manage_url(SubscriberRef(found.network_id, found.subscriber_id))
        if found.subscriber_id is not None
        else None,
        notify_days=settings.notify_retention_days,
        json_url=f"/rights/export/{token}.json" if downloads else None,
        csv_url=f"/rights/export/{token}.csv" if downloads else None,
    )


@router.get("/rights/export/{token}.{fmt}")
def export(token: str, fmt: str, uow: UowDep, settings: SettingsDep) -> Response:
    found = _request(uow, settings, token)
    if isinstance(found, HTMLResponse):
        return found
    verified = found.kind is DataRequestKind.ACCESS and found.status is DataRequestStatus.COMPLETED
    subscriber = (
        subscriber_repo.get_subscriber(uow.session, found.network_id, found.subscriber_id)
        if found.subscriber_id is not None
        else None
    )
    if not verified or subscriber is None or fmt not in ("json", "csv"):
        return _problem(None, status_code=404)
    bundle = export_bundle(
        uow.session, subscriber, notify_retention_days=settings.notify_retention_days, now=utcnow()
    )
    headers = {"Content-Disposition": f'attachment; filename="your-data.{fmt}"', "Cache-Control": "no-store"}
    if fmt == "json":
        return Response(json.dumps(bundle, indent=2), media_type="application/json", headers=headers)
    return Response(bundle_as_csv(bundle), media_type="text/csv; charset=utf-8", headers=headers)
