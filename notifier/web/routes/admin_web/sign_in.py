"""Signing in and out of the web admin, and the list of one's own sessions.

The sign-in form looks the same whether or not the address is an admin's. The emailed link's GET
shows a button (a link scanner opening it signs nobody in); its POST uses the link, once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.db.base import utcnow
from notifier.db.models import Network
from notifier.repositories import networks as network_repo
from notifier.services.admin.web_sessions import (
    SignInFailure,
    check_sign_in_link,
    complete_sign_in,
    end_session,
    find_session,
    request_sign_in,
    revoke_session,
    sessions_of,
)
from notifier.services.common import audit, form_limits
from notifier.web import csrf
from notifier.web.deps import QueueDep, SettingsDep, UowDep
from notifier.web.routes.admin_web.session import (
    COOKIE_NAME,
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


def _network(uow: UowDep, slug: str) -> Network:
    network = network_repo.get_network_by_slug(uow.session, slug)
    if network is None:
        raise not_found()
    return network


def _sign_in_form(
    request: Request, settings: SettingsDep, network: Network, *, email: str = "", error: str = ""
) -> Response:
    token = csrf.issue(request, settings)
    page = render_admin(
        "sign_in.html",
        status_code=400 if error else 200,
        title=f"Sign in to {network.name} admin",
        network=network,
        email=email,
        error=error,
        csrf_token=token.form_value,
        signed_out=request.query_params.get("signed_out") == "1",
    )
    return csrf.attach(page, token, settings)


@router.get("/admin/{slug}/sign-in", response_class=HTMLResponse)
def sign_in_form(slug: str, request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    return _sign_in_form(request, settings, _network(uow, slug))


@router.post("/admin/{slug}/sign-in", response_class=HTMLResponse)
def ask_for_link(
    slug: str,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    email: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    network = _network(uow, slug)
    if not csrf.is_valid(request, settings, csrf_token):
        return _sign_in_form(
            request, settings, network, email=email, error="Your form has timed out. Submit it again"
        )
    if not email.strip():
        return _sign_in_form(request, settings, network, error="Enter your work email address")
    allowed = form_limits.allow_attempt(
        uow.session,
        hash_key=settings.hash_key,
        client=request.client.host if request.client else "unknown",
        limit=settings.subscribe_rate_limit,
        window_seconds=settings.subscribe_rate_window_seconds,
        now=utcnow(),
    )
    if not allowed:
        audit.record(
            uow.session, network.id, "anonymous", "sign_in_refused", "admin_member", None, reason="rate"
        )
        return render_admin(
            "problem.html",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            title="There have been too many attempts",
            explanation="Wait a few minutes, then ask for a sign-in link again.",
        )
    request_sign_in(uow, queue, network, email, policy_of(settings), now=utcnow())
    return RedirectResponse(
        f"/admin/{network.slug}/sign-in/check-email", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/admin/{slug}/sign-in/check-email", response_class=HTMLResponse)
def check_email(slug: str, uow: UowDep, settings: SettingsDep) -> HTMLResponse:
    network = _network(uow, slug)
    return render_admin(
        "check_email.html",
        title="Check your email",
        network=network,
        minutes=settings.admin_sign_in_link_minutes,
    )


def _link_problem(network: Network, failure: SignInFailure) -> HTMLResponse:
    title, explanation = FAILURE_TEXT[failure]
    return render_admin(
        "problem.html",
        status_code=status.HTTP_400_BAD_REQUEST,
        title=title,
        explanation=explanation,
        next_url=f"/admin/{network.slug}/sign-in",
        next_text="Ask for a new sign-in link",
    )


@router.get("/admin/{slug}/sign-in/{token}", response_class=HTMLResponse)
def sign_in_page(slug: str, token: str, request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    network = _network(uow, slug)
    link = check_sign_in_link(uow.session, network, token, policy_of(settings), now=utcnow())
    if isinstance(link, SignInFailure):
        audit.record(
            uow.session,
            network.id,
            "anonymous",
            "sign_in_failed",
            "admin_sign_in_link",
            None,
            reason=link.value,
        )
        return _link_problem(network, link)
    form_token = csrf.issue(request, settings)
    page = render_admin(
        "sign_in_confirm.html",
        title=f"Sign in to {network.name} admin",
        network=network,
        action=f"/admin/{network.slug}/sign-in/{token}",
        csrf_token=form_token.form_value,
    )
    return csrf.attach(page, form_token, settings)


@router.post("/admin/{slug}/sign-in/{token}", response_class=HTMLResponse)
def use_link(
    slug: str, token: str, request: Request, uow: UowDep, settings: SettingsDep, csrf_token: FormText = ""
) -> Response:
    network = _network(uow, slug)
    if not csrf.is_valid(request, settings, csrf_token):
        return RedirectResponse(
            f"/admin/{network.slug}/sign-in/{token}", status_code=status.HTTP_303_SEE_OTHER
        )
    policy, now = policy_of(settings), utcnow()
    opened = complete_sign_in(uow.session, network, token, policy, now=now)
    if isinstance(opened, SignInFailure):
        return _link_problem(network, opened)
    previous = find_session(uow.session, request.cookies.get(COOKIE_NAME, ""))
    if previous is not None:  # one browser, one session: the one it had ends now
        end_session(uow.session, previous, reason="replaced", actor="anonymous", now=now)
    response = RedirectResponse(f"/admin/{network.slug}", status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, opened.secret, policy)
    return response


@router.post("/admin/{slug}/sign-out", response_class=HTMLResponse)
def sign_out(slug: str, signed_in: SignedInDep, uow: UowDep) -> Response:
    end_session(uow.session, signed_in.session, reason="signed_out", actor=signed_in.actor, now=utcnow())
    response = RedirectResponse(f"/admin/{slug}/sign-in?signed_out=1", status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response


@router.get("/admin/{slug}/sessions", response_class=HTMLResponse)
def my_sessions(signed_in: SignedInDep, uow: UowDep, settings: SettingsDep) -> HTMLResponse:
    rows = sessions_of(uow.session, signed_in.admin, policy_of(settings), utcnow())
    return signed_in.page(
        "sessions.html", title="Your sessions", sessions=rows, current_id=signed_in.session.id
    )


@router.post("/admin/{slug}/sessions/{session_id}/revoke", response_class=HTMLResponse)
def revoke(session_id: int, signed_in: SignedInDep, uow: UowDep) -> Response:
    if not revoke_session(uow.session, signed_in.admin, session_id, now=utcnow()):
        raise not_found()
    if session_id == signed_in.session.id:
        response = RedirectResponse(
            f"{signed_in.base}/sign-in?signed_out=1", status_code=status.HTTP_303_SEE_OTHER
        )
        clear_session_cookie(response)
        return response
    return RedirectResponse(f"{signed_in.base}/sessions", status_code=status.HTTP_303_SEE_OTHER)
