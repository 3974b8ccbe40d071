"""Subscribing and joining: the forms, "check your email", and the confirmation link.

Every POST is answered with a redirect (or the form again with its errors), so refreshing or going back
never sends a form twice by surprise; the services make a repeat harmless anyway.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.db.base import utcnow
from notifier.db.models import Network
from notifier.repositories import networks as network_repo
from notifier.repositories import signups as signup_repo
from notifier.services.common.links import SubscriberRef
from notifier.services.common.tokens import ExpiredToken, InvalidToken
from notifier.services.subscribers.addresses import readable_domains
from notifier.services.subscribers.signup_form import (
    SignupForm,
    check_signup,
    consent_statement,
    eligibility_statement,
    public_topics,
)
from notifier.services.subscribers.signups import (
    Confirmation,
    ConfirmLinks,
    SignupContext,
    confirm_signup,
    request_signup,
)
from notifier.web import csrf
from notifier.web.deps import LinksDep, QueueDep, SettingsDep, UowDep
from notifier.web.form_limit import refused_over_limit
from notifier.web.lookups import hinted_network, network_or_404
from notifier.web.pages import render_page

router = APIRouter(tags=["subscribe"])

FREQUENCIES = [
    ("immediate", "As soon as something is published"),
    ("daily", "Once a day, in a summary"),
    ("weekly", "Once a week, in a summary"),
]
CSRF_ERROR = "Your form has timed out or could not be checked. Check your answers and submit it again"


def error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    """The error summary's links: each goes to its field (the first box of a group)."""
    return [
        {"text": text, "href": f"#{'name' if field == 'csrf' else field}"} for field, text in errors.items()
    ]


def _form_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    network: Network,
    *,
    joining: bool,
    form: SignupForm | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    token = csrf.issue(request, settings)
    topics = public_topics(network_repo.list_topics(uow.session, network.id))
    title = f"Request to join {network.name}" if joining else f"Subscribe to emails from {network.name}"
    page = render_page(
        "subscribe.html",
        status_code=400 if errors else 200,
        title=title,
        page_title="Request to join" if joining else "Subscribe to emails",
        error_title=bool(errors),
        network=network,
        allowed_domains=readable_domains(network.allowed_email_domains)
        if network.allowed_email_domains
        else "",
        joining=joining,
        form=form or SignupForm(membership=joining),
        errors=errors or {},
        error_list=error_list(errors or {}),
        topics=topics,
        frequencies=FREQUENCIES,
        consent_statement=consent_statement(network),
        eligibility_statement=eligibility_statement(network),
        csrf_token=token.form_value,
        action=f"/{'join' if joining else 'subscribe'}/{network.slug}",
    )
    return csrf.attach(page, token, settings)


@router.get("/subscribe/{slug}", response_class=HTMLResponse)
def subscribe_form(slug: str, request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    network = network_or_404(uow, slug)
    if isinstance(network, HTMLResponse):
        return network
    return _form_page(request, uow, settings, network, joining=False)


@router.get("/join/{slug}", response_class=HTMLResponse)
def join_form(slug: str, request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    network = network_or_404(uow, slug)
    if isinstance(network, HTMLResponse):
        return network
    return _form_page(request, uow, settings, network, joining=True)


FormText = Annotated[str, Form()]


@router.post("/subscribe/{slug}", response_class=HTMLResponse)
@router.post("/join/{slug}", response_class=HTMLResponse)
def submit_signup(
    slug: str,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    name: FormText = "",
    email: FormText = "",
    department: FormText = "",
    topics: Annotated[list[str] | None, Form()] = None,
    frequency: FormText = "",
    consent: FormText = "",
    eligible: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    network = network_or_404(uow, slug)
    if isinstance(network, HTMLResponse):
        return network
    joining = request.url.path.startswith("/join/")
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
    if not csrf.is_valid(request, settings, csrf_token):
        return _form_page(
            request, uow, settings, network, joining=joining, form=form, errors={"csrf": CSRF_ERROR}
        )
    refused = refused_over_limit(request, uow, settings, network, what="subscribe")
    if refused is not None:
        return refused
    checked, errors = check_signup(network, network_repo.list_topics(uow.session, network.id), form)
    if checked is None:
        return _form_page(request, uow, settings, network, joining=joining, form=form, errors=errors)
    context = SignupContext(
        links=ConfirmLinks.from_settings(settings),
        hash_key=settings.hash_key,
        expiry_days=settings.confirm_link_days,
        now=utcnow(),
    )
    request_signup(uow, queue, network, checked, context, wants_membership=joining)
    kind = "join" if joining else "subscribe"
    return RedirectResponse(f"/{kind}/{network.slug}/check-email", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/subscribe/{slug}/check-email", response_class=HTMLResponse)
@router.get("/join/{slug}/check-email", response_class=HTMLResponse)
def check_email(slug: str, request: Request, uow: UowDep, settings: SettingsDep) -> HTMLResponse:
    network = network_or_404(uow, slug)
    if isinstance(network, HTMLResponse):
        return network
    joining = request.url.path.startswith("/join/")
    return render_page(
        "check_email.html",
        title="Check your email",
        network=network,
        joining=joining,
        days=settings.confirm_link_days,
        form_url=f"/{'join' if joining else 'subscribe'}/{network.slug}",
    )


def _confirm_links(settings: SettingsDep) -> ConfirmLinks:
    return ConfirmLinks.from_settings(settings)


def _confirm_problem(
    exc: InvalidToken | None, *, expired: bool, days: int, network: Network | None = None
) -> HTMLResponse:
    expired = expired or isinstance(exc, ExpiredToken)
    return render_page(
        "link_problem.html",
        status_code=400,
        network=network,
        title="This confirmation link has expired" if expired else "This confirmation link is not valid",
        explanation=f"Confirmation links work for {days} days. We delete requests nobody confirms in time."
        if expired
        else "It may have been copied incompletely. Check the link in the email we sent you.",
        next_step="You can fill in the form on the network's website again.",
    )


def _confirmed_title(membership: bool, *, done: bool) -> str:
    if membership:
        return "Request to join sent" if done else "You have already sent this request"
    return "Subscription confirmed" if done else "You have already confirmed"


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(
    token: str, request: Request, uow: UowDep, settings: SettingsDep, links: LinksDep, done: bool = False
) -> Response:
    """Shows a button: a link scanner fetching the URL confirms nothing."""
    try:
        ref = _confirm_links(settings).read(token)
    except InvalidToken as exc:
        return _confirm_problem(
            exc, expired=False, days=settings.confirm_link_days, network=hinted_network(uow, links, token)
        )
    network = uow.session.get(Network, ref.network_id)
    if network is None:
        return _confirm_problem(None, expired=False, days=settings.confirm_link_days)
    signup = signup_repo.get_signup(uow.session, network.id, ref.signup_id)
    if signup is None or signup.subscriber_id != ref.subscriber_id:
        return _confirm_problem(
            None, expired=signup is None, days=settings.confirm_link_days, network=network
        )
    if signup.confirmed_at is None and signup.expires_at < utcnow():
        return _confirm_problem(None, expired=True, days=settings.confirm_link_days, network=network)
    if signup.confirmed_at is not None:
        return render_page(
            "confirmed.html",
            title=_confirmed_title(signup.wants_membership, done=done),
            network=network,
            membership=signup.wants_membership,
            manage_url=links.manage_url(SubscriberRef(ref.network_id, ref.subscriber_id)),
        )
    token_for_form = csrf.issue(request, settings)
    page = render_page(
        "confirm.html",
        title="Confirm your request to join" if signup.wants_membership else "Confirm your subscription",
        network=network,
        action=f"/confirm/{token}",
        csrf_token=token_for_form.form_value,
        membership=signup.wants_membership,
    )
    return csrf.attach(page, token_for_form, settings)


@router.post("/confirm/{token}", response_class=HTMLResponse)
def confirm_now(
    token: str,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    links: LinksDep,
    csrf_token: FormText = "",
) -> Response:
    try:
        ref = _confirm_links(settings).read(token)
    except InvalidToken as exc:
        return _confirm_problem(
            exc, expired=False, days=settings.confirm_link_days, network=hinted_network(uow, links, token)
        )
    network = uow.session.get(Network, ref.network_id)
    if network is None:
        return _confirm_problem(None, expired=False, days=settings.confirm_link_days)
    if not csrf.is_valid(request, settings, csrf_token):
        return RedirectResponse(f"/confirm/{token}", status_code=status.HTTP_303_SEE_OTHER)
    result = confirm_signup(uow.session, network, ref, now=utcnow())
    if result.outcome in (Confirmation.EXPIRED, Confirmation.NOT_FOUND):
        expired = result.outcome is Confirmation.EXPIRED
        return _confirm_problem(None, expired=expired, days=settings.confirm_link_days, network=network)
    return RedirectResponse(f"/confirm/{token}?done=true", status_code=status.HTTP_303_SEE_OTHER)
