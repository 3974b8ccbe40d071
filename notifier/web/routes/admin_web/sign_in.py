"""Signing in and out of the web admin, and the list of one's own sessions.

`/admin` asks for a work address and emails one link listing every network that address administers;
once signed in, `/admin` lists those networks, and one session reaches each of them. A network's own
`/admin/{slug}/sign-in` asks the same in that network's frame, and its link leads back there. The
form looks the same whether or not the address is an admin's; a form error is not counted against
the sign-in limits, and a lock-out page says how long to wait. The emailed link's GET shows a button
(a link scanner opening it signs nobody in); its POST uses the link, once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.admin.admin_access import NotSignedIn, ask_for_sign_in, signed_in_networks
from notifier.services.admin.sign_in_limits import TooManySignIns
from notifier.services.admin.web_sessions import (
    SignInFailure,
    check_sign_in_link,
    complete_sign_in,
    end_session,
    find_session,
    link_failed,
    revoke_session,
    sessions_of,
)
from notifier.services.common.scope import NetworkScope
from notifier.services.subscribers.addresses import AddressRejected
from notifier.web import csrf
from notifier.web.csrf import CheckedForm
from notifier.web.deps import NetworkDep, NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.problems import Problem
from notifier.web.routes.admin_web.session import (
    COOKIE_NAME,
    PostedCsrfDep,
    SignedInDep,
    clear_session_cookie,
    not_found,
    policy_of,
    render_admin,
    set_session_cookie,
)

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]

FAILURE_TEXT = {
    SignInFailure.INVALID: ("This sign-in link is not valid", "It may have been copied incompletely."),
    SignInFailure.EXPIRED: ("This sign-in link has expired", "Sign-in links work for a short time only."),
    SignInFailure.USED: ("This sign-in link has already been used", "Each sign-in link works once."),
    SignInFailure.NOT_ADMIN: ("You are no longer an admin", "Ask an admin of the network to add you again."),
}


def _sign_in_form(
    request: Request, settings: SettingsDep, scope: NetworkScope | None, *, email: str = "", error: str = ""
) -> Response:
    token, network = csrf.issue(request, settings), scope.network if scope else None
    page = render_admin(
        "sign_in.html",
        status_code=400 if error else 200,
        title=f"Sign in to {network.name} admin" if network else "Sign in to your staff network's admin",
        network=network,
        action=f"/admin/{network.slug}/sign-in" if network else "/admin",
        email=email,
        error=error,
        csrf_token=token.form_value,
        signed_out=request.query_params.get("signed_out") == "1",
    )
    return csrf.attach(page, token, settings)


def _too_many(wait: TooManySignIns, scope: NetworkScope | None) -> Problem:
    minutes = f"{wait.minutes} {'minute' if wait.minutes == 1 else 'minutes'}"
    return Problem(
        status.HTTP_429_TOO_MANY_REQUESTS,
        "There have been too many attempts to sign in",
        f"For your security, wait {minutes}, then ask for a sign-in link again.",
        network=scope.network if scope else None,
        headers={"Retry-After": str(max(1, int(wait.wait.total_seconds())))},
    )


def _ask(
    request: Request, uow: UowDep, settings: SettingsDep, queue: QueueDep, now: NowDep, email: str,
    scope: NetworkScope | None,
) -> Response | None:  # fmt: skip
    """The form again for a form error, None once asked; raises the lock-out page."""
    if not email.strip():
        return _sign_in_form(request, settings, scope, error="Enter your work email address")
    client = request.client.host if request.client else "unknown"
    network = scope.network if scope else None
    try:
        with uow.attempt():
            ask_for_sign_in(uow, queue, email, client=client, settings=settings, now=now, network=network)
    except AddressRejected as exc:
        return _sign_in_form(request, settings, scope, email=email, error=str(exc))
    except TooManySignIns as exc:
        raise _too_many(exc, scope) from exc
    return None


@router.get("/admin", response_class=HTMLResponse)
def admin_home(request: Request, uow: UowDep, settings: SettingsDep, now: NowDep) -> Response:
    """Signed in: the networks this sign-in reaches. Otherwise: the sign-in form."""
    policy = policy_of(settings)
    try:
        row, networks = signed_in_networks(uow.session, request.cookies.get(COOKIE_NAME, ""), policy, now)
    except NotSignedIn:
        return _sign_in_form(request, settings, None)
    return render_admin(
        "networks.html", title="Your networks", networks=networks, csrf_token=policy.csrf_token(row)
    )


@router.post("/admin", response_class=HTMLResponse, dependencies=[CheckedForm])
def ask_for_link(
    request: Request, uow: UowDep, settings: SettingsDep, queue: QueueDep, now: NowDep, email: FormText = ""
) -> Response:
    form = _ask(request, uow, settings, queue, now, email, None)
    return form or RedirectResponse("/admin/check-email", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/admin/check-email", response_class=HTMLResponse)
def check_email(settings: SettingsDep) -> HTMLResponse:
    return render_admin(
        "check_email.html",
        title="Check your email",
        network=None,
        minutes=settings.admin_sign_in_link_minutes,
    )


def _link_problem(failure: SignInFailure) -> HTMLResponse:
    title, explanation = FAILURE_TEXT[failure]
    return render_admin(
        "problem.html",
        status_code=status.HTTP_400_BAD_REQUEST,
        title=title,
        explanation=explanation,
        next_url="/admin",
        next_text="Ask for a new sign-in link",
    )


@router.get("/admin/sign-in/{token}", response_class=HTMLResponse)
def sign_in_page(token: str, request: Request, uow: UowDep, settings: SettingsDep, now: NowDep) -> Response:
    policy = policy_of(settings)
    link = check_sign_in_link(uow.session, token, policy, now=now)
    if isinstance(link, SignInFailure):
        link_failed(uow.session, token, policy, link)
        return _link_problem(link)
    form_token = csrf.issue(request, settings)
    page = render_admin(
        "sign_in_confirm.html",
        title="Sign in to your staff network's admin",
        network=None,
        action=f"/admin/sign-in/{token}",
        csrf_token=form_token.form_value,
    )
    return csrf.attach(page, form_token, settings)


@router.post("/admin/sign-in/{token}", response_class=HTMLResponse, dependencies=[CheckedForm])
def use_link(token: str, request: Request, uow: UowDep, settings: SettingsDep, now: NowDep) -> Response:
    policy = policy_of(settings)
    opened = complete_sign_in(uow.session, token, policy, now=now)
    if isinstance(opened, SignInFailure):
        link_failed(uow.session, token, policy, opened)
        return _link_problem(opened)
    previous = find_session(uow.session, request.cookies.get(COOKIE_NAME, ""))
    if previous is not None:  # one browser, one session: the one it had ends now
        end_session(uow.session, previous, reason="replaced", now=now)
    where = f"/admin/{opened.network_slug}" if opened.network_slug else "/admin"
    response = RedirectResponse(where, status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, opened.secret, policy)
    return response


@router.post("/admin/sign-out", response_class=HTMLResponse)
def sign_out_everywhere(
    request: Request, uow: UowDep, settings: SettingsDep, now: NowDep, posted: PostedCsrfDep
) -> Response:
    """From the list of networks: the session's own form token is checked as on every admin page."""
    policy = policy_of(settings)
    row = find_session(uow.session, request.cookies.get(COOKIE_NAME, ""))
    if row is None or not policy.csrf_valid(row, posted):
        raise Problem(
            status.HTTP_403_FORBIDDEN,
            "Your form could not be checked",
            "Nothing was changed. Go back, reload the page and submit the form again.",
        )
    end_session(uow.session, row, reason="signed_out", now=now)
    response = RedirectResponse("/admin?signed_out=1", status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response


# One network's sign-in, in its own frame -----------------------------------------------------


@router.get("/admin/{slug}/sign-in", response_class=HTMLResponse)
def network_sign_in_form(request: Request, scope: NetworkDep, settings: SettingsDep) -> Response:
    return _sign_in_form(request, settings, scope)


@router.post("/admin/{slug}/sign-in", response_class=HTMLResponse, dependencies=[CheckedForm])
def ask_for_network_link(
    request: Request,
    scope: NetworkDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    now: NowDep,
    email: FormText = "",
) -> Response:
    form = _ask(request, uow, settings, queue, now, email, scope)
    if form is not None:
        return form
    return RedirectResponse(
        f"/admin/{scope.network.slug}/sign-in/check-email", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/admin/{slug}/sign-in/check-email", response_class=HTMLResponse)
def network_check_email(scope: NetworkDep, settings: SettingsDep) -> HTMLResponse:
    return render_admin(
        "check_email.html",
        title="Check your email",
        network=scope.network,
        minutes=settings.admin_sign_in_link_minutes,
    )


@router.post("/admin/{slug}/sign-out", response_class=HTMLResponse)
def sign_out(slug: str, signed_in: SignedInDep, uow: UowDep, now: NowDep) -> Response:
    end_session(uow.session, signed_in.session_row, reason="signed_out", now=now)
    response = RedirectResponse(f"/admin/{slug}/sign-in?signed_out=1", status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response


@router.get("/admin/{slug}/sessions", response_class=HTMLResponse)
def my_sessions(signed_in: SignedInDep, uow: UowDep, settings: SettingsDep, now: NowDep) -> HTMLResponse:
    rows = sessions_of(uow.session, signed_in.session_row.email_hash, policy_of(settings), now)
    return signed_in.page(
        "sessions.html", title="Your sessions", sessions=rows, current_id=signed_in.session_row.id
    )


@router.post("/admin/{slug}/sessions/{session_id}/revoke", response_class=HTMLResponse)
def revoke(session_id: RowId, signed_in: SignedInDep, uow: UowDep, now: NowDep) -> Response:
    if not revoke_session(uow.session, signed_in.session_row.email_hash, session_id, now=now):
        raise not_found()
    if session_id == signed_in.session_row.id:
        response = RedirectResponse(
            f"{signed_in.base}/sign-in?signed_out=1", status_code=status.HTTP_303_SEE_OTHER
        )
        clear_session_cookie(response)
        return response
    return RedirectResponse(f"{signed_in.base}/sessions", status_code=status.HTTP_303_SEE_OTHER)
