"""Subscribing and joining: the forms, "check your email", and the confirmation link.

Every POST is answered with a redirect (or the form again with its errors), so refreshing or going back
never sends a form twice by surprise; the services make a repeat harmless anyway.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.common.scope import NetworkScope
from notifier.services.subscribers.signup_form import SignupForm
from notifier.services.subscribers.signup_pages import (
    ConfirmLinkRefused,
    LinkState,
    SignupRefused,
    confirm_from_link,
    confirmation_of,
    sign_up,
    signup_page,
)
from notifier.web import csrf
from notifier.web.csrf import CheckedForm
from notifier.web.deps import LinksDep, NetworkDep, NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.form_limit import form_limit
from notifier.web.forms import FREQUENCIES, error_list
from notifier.web.pages import render_page
from notifier.web.problems import Problem

router = APIRouter(tags=["subscribe"])
FormText = Annotated[str, Form()]


def _form_page(
    request: Request,
    settings: SettingsDep,
    scope: NetworkScope,
    *,
    joining: bool,
    form: SignupForm | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    token, view, network = csrf.issue(request, settings), signup_page(scope), scope.network
    title = f"Request to join {network.name}" if joining else f"Subscribe to emails from {network.name}"
    page = render_page(
        "subscribe.html",
        status_code=400 if errors else 200,
        title=title,
        page_title="Request to join" if joining else "Subscribe to emails",
        error_title=bool(errors),
        network=network,
        allowed_domains=view.allowed_domains,
        joining=joining,
        form=form or SignupForm(membership=joining),
        errors=errors or {},
        error_list=error_list(errors or {}),
        topics=view.topics,
        frequencies=FREQUENCIES,
        consent_statement=view.consent_statement,
        eligibility_statement=view.eligibility_statement,
        csrf_token=token.form_value,
        action=f"/{'join' if joining else 'subscribe'}/{network.slug}",
    )
    return csrf.attach(page, token, settings)


def _joining(request: Request) -> bool:
    return request.url.path.startswith("/join/")


@router.get("/subscribe/{slug}", response_class=HTMLResponse)
@router.get("/join/{slug}", response_class=HTMLResponse)
def signup_form(request: Request, scope: NetworkDep, settings: SettingsDep) -> Response:
    return _form_page(request, settings, scope, joining=_joining(request))


@router.post(
    "/subscribe/{slug}", response_class=HTMLResponse, dependencies=[CheckedForm, form_limit("subscribe")]
)
@router.post("/join/{slug}", response_class=HTMLResponse, dependencies=[CheckedForm, form_limit("subscribe")])
def submit_signup(
    request: Request,
    scope: NetworkDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    now: NowDep,
    name: FormText = "",
    email: FormText = "",
    department: FormText = "",
    topics: Annotated[list[str] | None, Form()] = None,
    frequency: FormText = "",
    consent: FormText = "",
    eligible: FormText = "",
) -> Response:
    joining = _joining(request)
    form = SignupForm(
        name=name,
        email=email,
        department=department,
        topics=topics or [],
        frequency=frequency,
        consent=consent == "yes",
        membership=joining,
        eligible=eligible == "yes",
    )
    try:
        sign_up(uow, queue, scope, form, settings, now)
    except SignupRefused as refused:
        return _form_page(request, settings, scope, joining=joining, form=form, errors=refused.errors)
    kind = "join" if joining else "subscribe"
    return RedirectResponse(
        f"/{kind}/{scope.network.slug}/check-email", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/subscribe/{slug}/check-email", response_class=HTMLResponse)
@router.get("/join/{slug}/check-email", response_class=HTMLResponse)
def check_email(request: Request, scope: NetworkDep, settings: SettingsDep) -> HTMLResponse:
    joining = _joining(request)
    return render_page(
        "check_email.html",
        title="Check your email",
        network=scope.network,
        joining=joining,
        days=settings.confirm_link_days,
        form_url=f"/{'join' if joining else 'subscribe'}/{scope.network.slug}",
    )


def _confirm_problem(refused: ConfirmLinkRefused, days: int) -> Problem:
    return Problem(
        status.HTTP_400_BAD_REQUEST,
        "This confirmation link has expired" if refused.expired else "This confirmation link is not valid",
        f"Confirmation links work for {days} days. We delete requests nobody confirms in time."
        if refused.expired
        else "It may have been copied incompletely. Check the link in the email we sent you.",
        network=refused.network,
        context={"next_step": "You can fill in the form on the network's website again."},
    )


def _confirmed_title(membership: bool, *, done: bool) -> str:
    if membership:
        return "Request to join sent" if done else "You have already sent this request"
    return "Subscription confirmed" if done else "You have already confirmed"


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(
    token: str,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    links: LinksDep,
    now: NowDep,
    done: bool = False,
) -> Response:
    """Shows a button: a link scanner fetching the URL confirms nothing."""
    try:
        view = confirmation_of(uow.session, settings, links, token, now)
    except ConfirmLinkRefused as refused:
        raise _confirm_problem(refused, settings.confirm_link_days) from refused
    if view.state is LinkState.CONFIRMED:
        return render_page(
            "confirmed.html",
            title=_confirmed_title(view.membership, done=done),
            network=view.network,
            membership=view.membership,
            manage_url=view.manage_url,
        )
    token_for_form = csrf.issue(request, settings)
    page = render_page(
        "confirm.html",
        title="Confirm your request to join" if view.membership else "Confirm your subscription",
        network=view.network,
        action=f"/confirm/{token}",
        csrf_token=token_for_form.form_value,
        membership=view.membership,
    )
    return csrf.attach(page, token_for_form, settings)


@router.post("/confirm/{token}", response_class=HTMLResponse, dependencies=[CheckedForm])
def confirm_now(token: str, uow: UowDep, settings: SettingsDep, links: LinksDep, now: NowDep) -> Response:
    try:
        confirm_from_link(uow.session, settings, links, token, now)
    except ConfirmLinkRefused as refused:
        raise _confirm_problem(refused, settings.confirm_link_days) from refused
    return RedirectResponse(f"/confirm/{token}?done=true", status_code=status.HTTP_303_SEE_OTHER)
