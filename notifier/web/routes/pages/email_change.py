"""The link a new email address gets: GET shows a Confirm button (a link scanner changes nothing),
the POST makes it the subscriber's address (services/subscribers/email_change.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.common.tokens import ExpiredToken, InvalidToken
from notifier.services.subscribers.email_change import ChangeLink, ChangeState, change_link
from notifier.web import csrf
from notifier.web.csrf import CheckedForm
from notifier.web.deps import NowDep, SettingsDep, UowDep
from notifier.web.pages import render_page
from notifier.web.problems import Problem

router = APIRouter(tags=["rights"])


def _problem(exc: InvalidToken | None, *, status_code: int = status.HTTP_400_BAD_REQUEST) -> Problem:
    expired = isinstance(exc, ExpiredToken)
    return Problem(
        status_code,
        "This link has expired" if expired else "This link is not valid",
        "Ask again to change your email address from the link at the bottom of any of our emails."
        if expired
        else "It may have been copied incompletely, or a newer change of address has replaced it.",
    )


def _link(token: str, uow: UowDep, settings: SettingsDep) -> ChangeLink:
    try:
        return change_link(uow.session, settings, token)
    except InvalidToken as exc:
        raise _problem(exc) from exc


LinkDep = Annotated[ChangeLink, Depends(_link)]


def _done(token: str) -> RedirectResponse:
    return RedirectResponse(f"/rights/email/{token}/done", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/rights/email/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request, link: LinkDep, uow: UowDep, settings: SettingsDep) -> Response:
    match link.state(uow.session):
        case ChangeState.GONE:
            raise _problem(None, status_code=status.HTTP_404_NOT_FOUND)
        case ChangeState.CHANGED:
            return _done(token)
    form_token = csrf.issue(request, settings)
    page = render_page(
        "email_change_confirm.html",
        title="Confirm your new email address",
        network=link.network,
        action=f"/rights/email/{token}",
        csrf_token=form_token.form_value,
    )
    return csrf.attach(page, form_token, settings)


@router.post("/rights/email/{token}", response_class=HTMLResponse, dependencies=[CheckedForm])
def confirm(token: str, link: LinkDep, uow: UowDep, now: NowDep) -> Response:
    if link.confirm(uow.session, now) is ChangeState.GONE:
        raise _problem(None, status_code=status.HTTP_404_NOT_FOUND)
    return _done(token)


@router.get("/rights/email/{token}/done", response_class=HTMLResponse)
def done(token: str, link: LinkDep, uow: UowDep) -> Response:
    found = link.state(uow.session)
    if found is ChangeState.GONE:
        raise _problem(None, status_code=status.HTTP_404_NOT_FOUND)
    if found is ChangeState.PENDING:
        return RedirectResponse(f"/rights/email/{token}", status_code=status.HTTP_303_SEE_OTHER)
    changed = found is ChangeState.CHANGED
    return render_page(
        "email_change_done.html",
        status_code=200 if changed else 409,
        title="Your email address has been changed" if changed else "We could not change your email address",
        changed=changed,
        network=link.network,
    )
