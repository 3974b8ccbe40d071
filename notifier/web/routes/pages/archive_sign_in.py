"""Signing in to a network's archive by an emailed link: the form (the same answer whether or not the
address may read, limited like the other public forms), the link's page with a button (a link scanner
signs nobody in), the POST that uses the link once and opens the reader's session, and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.archive.readers import (
    ReaderPolicy,
    SignInFailure,
    check_link,
    complete_sign_in,
    request_sign_in,
    sign_out,
)
from notifier.services.common.scope import NetworkScope
from notifier.services.subscribers.addresses import AddressRejected
from notifier.web import csrf
from notifier.web.cookies import READER_SESSION_COOKIE
from notifier.web.csrf import CheckedForm
from notifier.web.deps import NetworkDep, NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.form_limit import form_limit
from notifier.web.pages import render_page
from notifier.web.routes.pages.archive_session import clear_reader_cookie, set_reader_cookie

router = APIRouter(tags=["archive"], include_in_schema=False)
FormText = Annotated[str, Form()]

FAILURES = {
    SignInFailure.INVALID: "This sign-in link is not valid",
    SignInFailure.EXPIRED: "This sign-in link has expired",
    SignInFailure.USED: "This sign-in link has already been used",
    SignInFailure.NOT_A_READER: "You can no longer read this archive",
}


def _failed(scope: NetworkScope, failure: SignInFailure) -> Response:
    """A page, not a raised Problem: the failed attempt's audit record is kept (a raise rolls back)."""
    return render_page(
        "link_problem.html",
        status_code=status.HTTP_410_GONE if failure is SignInFailure.EXPIRED else status.HTTP_400_BAD_REQUEST,
        title=FAILURES[failure],
        explanation="Each link works once, for a short time, and only while you get emails from the network.",
        network=scope.network,
        next_step="",
        sign_in_url=f"/archive/{scope.network.slug}/sign-in",
    )


def _form(
    request: Request,
    settings: SettingsDep,
    scope: NetworkScope,
    *,
    email: str = "",
    error: str | None = None,
    signed_out: bool = False,
) -> Response:
    token = csrf.issue(request, settings)
    page = render_page(
        "archive_sign_in.html",
        status_code=400 if error else 200,
        title=f"Read {scope.network.name}'s past emails",
        page_title="Sign in to the archive",
        error_title=bool(error),
        network=scope.network,
        email=email,
        error=error,
        signed_out=signed_out,
        action=f"/archive/{scope.network.slug}/sign-in",
        csrf_token=token.form_value,
    )
    return csrf.attach(page, token, settings)


@router.get("/archive/{slug}/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, scope: NetworkDep, settings: SettingsDep, done: str = "") -> Response:
    return _form(request, settings, scope, signed_out=done == "signed-out")


@router.post(
    "/archive/{slug}/sign-in",
    response_class=HTMLResponse,
    dependencies=[CheckedForm, form_limit("sign in to the archive")],
)
def ask_for_link(
    request: Request,
    scope: NetworkDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    now: NowDep,
    email: FormText = "",
) -> Response:
    try:
        request_sign_in(uow, queue, scope, email, ReaderPolicy.from_settings(settings), now=now)
    except AddressRejected as exc:
        return _form(request, settings, scope, email=email, error=str(exc))
    return RedirectResponse(
        f"/archive/{scope.network.slug}/sign-in/sent", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/archive/{slug}/sign-in/sent", response_class=HTMLResponse)
def link_sent(scope: NetworkDep, settings: SettingsDep) -> Response:
    return render_page(
        "archive_sign_in_sent.html",
        title="Check your email",
        network=scope.network,
        minutes=settings.archive_sign_in_link_minutes,
        form_url=f"/archive/{scope.network.slug}/sign-in",
    )


@router.get("/archive/{slug}/sign-in/{token}", response_class=HTMLResponse)
def confirm_page(
    token: str, request: Request, scope: NetworkDep, settings: SettingsDep, now: NowDep
) -> Response:
    found = check_link(scope, token, ReaderPolicy.from_settings(settings), now=now)
    if isinstance(found, SignInFailure):
        return _failed(scope, found)
    form_token = csrf.issue(request, settings)
    page = render_page(
        "archive_sign_in_confirm.html",
        title=f"Sign in to {scope.network.name}'s archive",
        network=scope.network,
        action=f"/archive/{scope.network.slug}/sign-in/{token}",
        csrf_token=form_token.form_value,
    )
    return csrf.attach(page, form_token, settings)


@router.post("/archive/{slug}/sign-in/{token}", response_class=HTMLResponse, dependencies=[CheckedForm])
def use_link(token: str, scope: NetworkDep, settings: SettingsDep, now: NowDep) -> Response:
    policy = ReaderPolicy.from_settings(settings)
    opened = complete_sign_in(scope, token, policy, now=now)
    if isinstance(opened, SignInFailure):
        return _failed(scope, opened)
    response = RedirectResponse(f"/archive/{scope.network.slug}", status_code=status.HTTP_303_SEE_OTHER)
    set_reader_cookie(response, scope.network.slug, opened.secret, policy)
    return response


@router.post("/archive/{slug}/sign-out", response_class=HTMLResponse, dependencies=[CheckedForm])
def sign_out_now(request: Request, scope: NetworkDep, now: NowDep) -> Response:
    sign_out(scope, request.cookies.get(READER_SESSION_COOKIE, ""), now=now)
    response = RedirectResponse(
        f"/archive/{scope.network.slug}/sign-in?done=signed-out", status_code=status.HTTP_303_SEE_OTHER
    )
    clear_reader_cookie(response, scope.network.slug)
    return response
