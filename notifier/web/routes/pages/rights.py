"""Data-subject requests from the preference pages, verified by the signed link we email.

/preferences/{token}/rights starts a request (the manage token proves the person holds the inbox's
link); /rights/verify/{token} is the emailed link: GET only shows a button, so a link scanner never
acts on a request; the POST does. An access request's bundle is downloaded with the same link.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.domain.rights import DataRequestKind, DataRequestStatus
from notifier.services.common.scope import NotFound
from notifier.services.common.tokens import ExpiredToken, InvalidToken, TokenPurpose
from notifier.services.privacy import rights
from notifier.services.privacy.rights_pages import (
    CorrectionRefused,
    RequestLink,
    access_download,
    choices_for,
    request_correction,
    request_from_link,
    start_request,
    verify_request,
)
from notifier.services.subscribers.linked_people import LinkedPerson
from notifier.web import csrf
from notifier.web.csrf import CheckedForm
from notifier.web.deps import LinksDep, NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.forms import error_list
from notifier.web.pages import render_page
from notifier.web.problems import Problem, remember_frame
from notifier.web.signed_links import LinkWording, person_link

router = APIRouter(tags=["rights"])
FormText = Annotated[str, Form()]
WORDING = LinkWording(
    expired="Start your request again from the link at the bottom of any email we sent you.",
    invalid="It may have been copied incompletely, or the request has already been dealt with.",
    show_network=False,
)
PersonDep = Annotated[LinkedPerson, person_link(TokenPurpose.MANAGE, WORDING)]

HINTS = {
    DataRequestKind.ACCESS: "A file with everything we hold about you, including your consent history.",
    DataRequestKind.RECTIFICATION: "Change the name, department or email address we hold.",
    DataRequestKind.RESTRICTION: "We keep your data but do not use it or send you anything until you say.",
    DataRequestKind.LIFT_RESTRICTION: "We start using your data and sending your emails again.",
    DataRequestKind.OBJECTION: "We stop sending you any email and will not add your address again.",
    DataRequestKind.ERASURE: "We delete everything we hold about you.",
}


def _start_page(
    request: Request, settings: SettingsDep, person: LinkedPerson, token: str, error: str = ""
) -> Response:
    form_token, network = csrf.issue(request, settings), person.network
    page = render_page(
        "rights_start.html",
        status_code=400 if error else 200,
        title="Your data",
        error_title=bool(error),
        error=error,
        network=network,
        choices=[
            {"value": k.value, "text": k.label, "hint": HINTS[k]} for k in choices_for(person.subscriber)
        ],
        action=f"/preferences/{token}/rights",
        back_url=f"/preferences/{token}",
        csrf_token=form_token.form_value,
        privacy_notice_url=network.privacy_notice_url,
    )
    return csrf.attach(page, form_token, settings)


@router.get("/preferences/{token}/rights", response_class=HTMLResponse)
def start(token: str, request: Request, person: PersonDep, settings: SettingsDep) -> Response:
    return _start_page(request, settings, person, token)


@router.post("/preferences/{token}/rights", response_class=HTMLResponse, dependencies=[CheckedForm])
def choose(
    token: str,
    request: Request,
    person: PersonDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    now: NowDep,
    kind: FormText = "",
) -> Response:
    chosen = next((k for k in choices_for(person.subscriber) if k.value == kind), None)
    if chosen is None:
        return _start_page(request, settings, person, token, "Select what you want us to do")
    if chosen is DataRequestKind.RECTIFICATION:
        return RedirectResponse(f"/preferences/{token}/rights/rectify", status_code=status.HTTP_303_SEE_OTHER)
    start_request(uow, queue, settings, person, chosen, now)
    return RedirectResponse(f"/preferences/{token}/rights/sent", status_code=status.HTTP_303_SEE_OTHER)


def _rectify_page(
    request: Request,
    settings: SettingsDep,
    person: LinkedPerson,
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
        error_list=error_list(errors or {}),
        values=values,
        network=person.network,
        action=f"/preferences/{token}/rights/rectify",
        back_url=f"/preferences/{token}/rights",
        csrf_token=form_token.form_value,
    )
    return csrf.attach(page, form_token, settings)


@router.get("/preferences/{token}/rights/rectify", response_class=HTMLResponse)
def rectify_form(token: str, request: Request, person: PersonDep, settings: SettingsDep) -> Response:
    values = {"name": person.subscriber.name, "department": person.subscriber.department, "email": ""}
    return _rectify_page(request, settings, person, token, values)


@router.post("/preferences/{token}/rights/rectify", response_class=HTMLResponse, dependencies=[CheckedForm])
def rectify(
    token: str,
    request: Request,
    person: PersonDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    now: NowDep,
    name: FormText = "",
    department: FormText = "",
    email: FormText = "",
) -> Response:
    values = {"name": name, "department": department, "email": email}
    try:
        request_correction(uow, queue, settings, person, values, now)
    except CorrectionRefused as refused:
        return _rectify_page(request, settings, person, token, values, refused.errors)
    return RedirectResponse(f"/preferences/{token}/rights/sent", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/preferences/{token}/rights/sent", response_class=HTMLResponse)
def sent(token: str, person: PersonDep, settings: SettingsDep) -> Response:
    return render_page(
        "rights_sent.html",
        title="Check your email",
        network=person.network,
        days=settings.data_request_link_days,
        back_url=f"/preferences/{token}",
    )


def _problem(exc: InvalidToken | None, *, status_code: int = status.HTTP_400_BAD_REQUEST) -> Problem:
    expired = isinstance(exc, ExpiredToken)
    return Problem(
        status_code,
        "This link has expired" if expired else "This link is not valid",
        WORDING.expired if expired else WORDING.invalid,
    )


def _request(token: str, request: Request, uow: UowDep, settings: SettingsDep) -> RequestLink:
    try:
        link = request_from_link(uow.session, settings, token)
    except InvalidToken as exc:
        raise _problem(exc) from exc
    except NotFound as gone:
        raise _problem(None, status_code=status.HTTP_404_NOT_FOUND) from gone
    remember_frame(request, link.network)
    return link


RequestDep = Annotated[RequestLink, Depends(_request)]


@router.get("/rights/verify/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request, link: RequestDep, settings: SettingsDep) -> Response:
    if not link.awaiting_verification:
        return RedirectResponse(f"/rights/verify/{token}/done", status_code=status.HTTP_303_SEE_OTHER)
    form_token = csrf.issue(request, settings)
    page = render_page(
        "rights_verify.html",
        title="Confirm your request",
        network=link.network,
        request_label=link.request.kind.label,
        details=link.request.details,
        action=f"/rights/verify/{token}",
        csrf_token=form_token.form_value,
    )
    return csrf.attach(page, form_token, settings)


@router.post("/rights/verify/{token}", response_class=HTMLResponse, dependencies=[CheckedForm])
def verify(
    token: str, link: RequestDep, uow: UowDep, settings: SettingsDep, queue: QueueDep, now: NowDep
) -> Response:
    verify_request(uow, queue, settings, link, now)
    return RedirectResponse(f"/rights/verify/{token}/done", status_code=status.HTTP_303_SEE_OTHER)


DONE_TITLES = {
    DataRequestKind.ACCESS: "Your data is ready",
    DataRequestKind.RECTIFICATION: "Your details have been corrected",
    DataRequestKind.RESTRICTION: "We have stopped using your data",
    DataRequestKind.LIFT_RESTRICTION: "We are using your data again",
    DataRequestKind.OBJECTION: "We have stopped all emails to you",
    DataRequestKind.ERASURE: "Your data has been deleted",
}
DEALING = "We are dealing with your request"


def _done_title(link: RequestLink) -> str:
    """What happened, in the person's words; the stored `outcome` is the steering group's record."""
    found = link.request
    if found.outcome == rights.NOTHING_HELD:
        return "We no longer hold any data about you"
    acted = found.status is DataRequestStatus.COMPLETED or (
        found.kind is DataRequestKind.ERASURE and found.status is DataRequestStatus.AWAITING_NOTIFY
    )
    return DONE_TITLES[found.kind] if acted else DEALING


def _corrected(outcome: str | None) -> str:
    """What a correction changed ("name and department", "department", or nothing), from its outcome."""
    what, found, _ = (outcome or "").partition(" corrected")
    return what if found else ""


@router.get("/rights/verify/{token}/done", response_class=HTMLResponse)
def done(token: str, link: RequestDep, settings: SettingsDep, links: LinksDep) -> Response:
    found, title = link.request, _done_title(link)
    return render_page(
        "rights_done.html",
        title=title,
        network=link.network,
        request=found,
        kind=found.kind.value,
        nothing_held=found.outcome == rights.NOTHING_HELD,
        acted=title != DEALING,
        deadline=f"{found.deadline_at:%-d %B %Y}",
        new_email=bool(found.outcome and "new email address" in found.outcome),
        corrected=_corrected(found.outcome),
        manage_url=links.manage_url(link.person) if link.person is not None else None,
        notify_days=settings.notify_retention_days,
        json_url=f"/rights/export/{token}.json" if link.downloadable else None,
        csv_url=f"/rights/export/{token}.csv" if link.downloadable else None,
    )


@router.get("/rights/export/{token}.{fmt}")
def export(fmt: str, link: RequestDep, uow: UowDep, settings: SettingsDep, now: NowDep) -> Response:
    try:
        download = access_download(uow.session, settings, link, fmt, now)
    except NotFound as gone:
        raise _problem(None, status_code=status.HTTP_404_NOT_FOUND) from gone
    headers = {"Content-Disposition": f'attachment; filename="your-data.{fmt}"', "Cache-Control": "no-store"}
    return Response(download.text, media_type=download.media_type, headers=headers)
