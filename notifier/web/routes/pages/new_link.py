"""No dead end for a damaged or old link: a form that emails a fresh preferences link, from which every
email can be stopped. The answer is the same whether or not the address is held."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.db.base import utcnow
from notifier.db.models import Network
from notifier.services.common import form_limits
from notifier.services.subscribers.addresses import AddressRejected
from notifier.services.subscribers.new_links import send_new_link
from notifier.web import csrf
from notifier.web.deps import LinksDep, QueueDep, SettingsDep, UowDep
from notifier.web.lookups import network_or_404
from notifier.web.pages import render_page

router = APIRouter(tags=["unsubscribe"])
FormText = Annotated[str, Form()]
CSRF_ERROR = "Your form has timed out or could not be checked. Enter your email address again"


def _form(
    request: Request, settings: SettingsDep, network: Network, email: str = "", error: str | None = None
) -> Response:
    token = csrf.issue(request, settings)
    page = render_page(
        "new_link.html",
        status_code=400 if error else 200,
        title="Get a new link to stop or change your emails",
        page_title="Get a new link",
        error_title=bool(error),
        network=network,
        email=email,
        error=error,
        action=f"/unsubscribe/new-link/{network.slug}",
        csrf_token=token.form_value,
    )
    return csrf.attach(page, token, settings)


@router.get("/unsubscribe/new-link/{slug}", response_class=HTMLResponse)
def new_link_form(slug: str, request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    network = network_or_404(uow, slug)
    if isinstance(network, HTMLResponse):
        return network
    return _form(request, settings, network)


@router.post("/unsubscribe/new-link/{slug}", response_class=HTMLResponse)
def send_link(
    slug: str,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    links: LinksDep,
    email: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    network = network_or_404(uow, slug)
    if isinstance(network, HTMLResponse):
        return network
    if not csrf.is_valid(request, settings, csrf_token):
        return _form(request, settings, network, email, CSRF_ERROR)
    if not email.strip():
        return _form(request, settings, network, email, "Enter your email address")
    allowed = form_limits.allow_attempt(
        uow.session,
        hash_key=settings.hash_key,
        client=request.client.host if request.client else "unknown",
        limit=settings.subscribe_rate_limit,
        window_seconds=settings.subscribe_rate_window_seconds,
        now=utcnow(),
    )
    if not allowed:
        refused = render_page(
            "too_many.html",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            title="There have been too many attempts",
            network=network,
            minutes=max(1, settings.subscribe_rate_window_seconds // 60),
        )
        refused.headers["Retry-After"] = str(settings.subscribe_rate_window_seconds)
        return refused
    try:
        send_new_link(uow, queue, network, email, links, utcnow())
    except AddressRejected as exc:
        return _form(request, settings, network, email, str(exc))
    return RedirectResponse(f"/unsubscribe/new-link/{slug}/sent", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/unsubscribe/new-link/{slug}/sent", response_class=HTMLResponse)
def link_sent(slug: str, uow: UowDep, settings: SettingsDep) -> Response:
    network = network_or_404(uow, slug)
    if isinstance(network, HTMLResponse):
        return network
    return render_page("new_link_sent.html", title="Check your email", network=network)
