"""The link a new email address gets: GET shows a Confirm button (a link scanner changes nothing),
the POST makes it the subscriber's address (services/subscribers/email_change.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.db.base import utcnow
from notifier.db.models import Network
from notifier.services.common.tokens import ExpiredToken, InvalidToken
from notifier.services.subscribers import email_change
from notifier.services.subscribers.email_change import ChangeRef, ChangeState
from notifier.web import csrf
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.pages import render_page

router = APIRouter(tags=["rights"])
FormText = Annotated[str, Form()]


def _problem(exc: InvalidToken | None, *, status_code: int = 400) -> HTMLResponse:
    expired = isinstance(exc, ExpiredToken)
    return render_page(
        "link_problem.html",
        status_code=status_code,
        title="This link has expired" if expired else "This link is not valid",
        explanation="Ask again to change your email address from the link at the bottom of any of our emails."
        if expired
        else "It may have been copied incompletely, or a newer change of address has replaced it.",
    )


def _read(
    settings: SettingsDep, token: str
) -> tuple[email_change.EmailChangeContext, ChangeRef] | HTMLResponse:
    context = email_change.EmailChangeContext.from_settings(settings)
    try:
        return context, context.read(token)
    except InvalidToken as exc:
        return _problem(exc)


def _done(token: str) -> RedirectResponse:
    return RedirectResponse(f"/rights/email/{token}/done", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/rights/email/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    read = _read(settings, token)
    if isinstance(read, HTMLResponse):
        return read
    context, ref = read
    match email_change.state(uow.session, context, ref):
        case ChangeState.GONE:
            return _problem(None, status_code=404)
        case ChangeState.CHANGED:
            return _done(token)
    form_token = csrf.issue(request, settings)
    page = render_page(
        "email_change_confirm.html",
        title="Confirm your new email address",
        network=uow.session.get_one(Network, ref.network_id),
        action=f"/rights/email/{token}",
        csrf_token=form_token.form_value,
    )
    return csrf.attach(page, form_token, settings)


@router.post("/rights/email/{token}", response_class=HTMLResponse)
def confirm(
    token: str, request: Request, uow: UowDep, settings: SettingsDep, csrf_token: FormText = ""
) -> Response:
    read = _read(settings, token)
    if isinstance(read, HTMLResponse):
        return read
    if not csrf.is_valid(request, settings, csrf_token):
        return RedirectResponse(f"/rights/email/{token}", status_code=status.HTTP_303_SEE_OTHER)
    if email_change.confirm(uow.session, *read, utcnow()) is ChangeState.GONE:
        return _problem(None, status_code=404)
    return _done(token)


@router.get("/rights/email/{token}/done", response_class=HTMLResponse)
def done(token: str, uow: UowDep, settings: SettingsDep) -> Response:
    read = _read(settings, token)
    if isinstance(read, HTMLResponse):
        return read
    context, ref = read
    found = email_change.state(uow.session, context, ref)
    if found is ChangeState.GONE:
        return _problem(None, status_code=404)
    if found is ChangeState.PENDING:
        return RedirectResponse(f"/rights/email/{token}", status_code=status.HTTP_303_SEE_OTHER)
    changed = found is ChangeState.CHANGED
    return render_page(
        "email_change_done.html",
        status_code=200 if changed else 409,
        title="Your email address has been changed" if changed else "We could not change your email address",
        changed=changed,
        network=uow.session.get_one(Network, ref.network_id),
    )
