"""The contact form: an enquiry to the network's steering group, forwarded through Notify."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.db.base import utcnow
from notifier.db.models import Network
from notifier.services.privacy.contact import EnquiryRefused, submit_enquiry
from notifier.web import csrf
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.form_limit import refused_over_limit
from notifier.web.lookups import network_or_404
from notifier.web.pages import render_page

router = APIRouter(tags=["contact"])
FormText = Annotated[str, Form()]
CSRF_ERROR = "Your form has timed out or could not be checked. Check your message and send it again"


def _form(
    request: Request,
    settings: SettingsDep,
    network: Network,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    token = csrf.issue(request, settings)
    page = render_page(
        "contact.html",
        status_code=400 if errors else 200,
        title=f"Contact {network.name}",
        page_title="Contact the steering group",
        error_title=bool(errors),
        network=network,
        values=values or {},
        errors=errors or {},
        error_list=[{"text": t, "href": f"#{f}"} for f, t in (errors or {}).items()],
        action=f"/contact/{network.slug}",
        csrf_token=token.form_value,
        privacy_notice_url=network.privacy_notice_url,
    )
    return csrf.attach(page, token, settings)


@router.get("/contact/{slug}", response_class=HTMLResponse)
def contact_form(slug: str, request: Request, uow: UowDep, settings: SettingsDep) -> Response:
    network = network_or_404(uow, slug)
    if isinstance(network, HTMLResponse):
        return network
    return _form(request, settings, network)


@router.post("/contact/{slug}", response_class=HTMLResponse)
def send_enquiry(
    slug: str,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    name: FormText = "",
    email: FormText = "",
    message: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    network = network_or_404(uow, slug)
    if isinstance(network, HTMLResponse):
        return network
    values = {"name": name, "email": email, "message": message}
    if not csrf.is_valid(request, settings, csrf_token):
        return _form(request, settings, network, values, {"name": CSRF_ERROR})
    refused = refused_over_limit(request, uow, settings, network, what="send a message")
    if refused is not None:
        return refused
    try:
        submit_enquiry(uow.session, network, name=name, email=email, message=message, now=utcnow())
    except EnquiryRefused as exc:
        return _form(request, settings, network, values, exc.errors)
    return RedirectResponse(f"/contact/{slug}/sent", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/contact/{slug}/sent", response_class=HTMLResponse)
def sent(slug: str, uow: UowDep) -> Response:
    network = network_or_404(uow, slug)
    if isinstance(network, HTMLResponse):
        return network
    return render_page("contact_sent.html", title="Message sent", network=network)
