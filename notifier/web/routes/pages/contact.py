"""The contact form: an enquiry to the network's steering group, forwarded through Notify when the
network has the group's address, else kept for the admin's Enquiries page; the "sent" page says which."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.common.scope import NetworkScope
from notifier.services.privacy.contact import EnquiryRefused, forwarding_works, submit_enquiry
from notifier.web import csrf
from notifier.web.csrf import CheckedForm
from notifier.web.deps import NetworkDep, NowDep, SettingsDep, UowDep
from notifier.web.form_limit import form_limit
from notifier.web.forms import error_list
from notifier.web.pages import render_page

router = APIRouter(tags=["contact"])
FormText = Annotated[str, Form()]


def _form(
    request: Request,
    settings: SettingsDep,
    scope: NetworkScope,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    token, network = csrf.issue(request, settings), scope.network
    page = render_page(
        "contact.html",
        status_code=400 if errors else 200,
        title=f"Contact {network.name}",
        page_title="Contact the steering group",
        error_title=bool(errors),
        network=network,
        values=values or {},
        errors=errors or {},
        error_list=error_list(errors or {}),
        action=f"/contact/{network.slug}",
        csrf_token=token.form_value,
        privacy_notice_url=network.privacy_notice_url,
    )
    return csrf.attach(page, token, settings)


@router.get("/contact/{slug}", response_class=HTMLResponse)
def contact_form(request: Request, scope: NetworkDep, settings: SettingsDep) -> Response:
    return _form(request, settings, scope)


@router.post(
    "/contact/{slug}", response_class=HTMLResponse, dependencies=[CheckedForm, form_limit("send a message")]
)
def send_enquiry(
    request: Request,
    scope: NetworkDep,
    uow: UowDep,
    settings: SettingsDep,
    now: NowDep,
    name: FormText = "",
    email: FormText = "",
    message: FormText = "",
) -> Response:
    try:
        submit_enquiry(uow.session, scope.network, name=name, email=email, message=message, now=now)
    except EnquiryRefused as exc:
        values = {"name": name, "email": email, "message": message}
        return _form(request, settings, scope, values, exc.errors)
    return RedirectResponse(f"/contact/{scope.network.slug}/sent", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/contact/{slug}/sent", response_class=HTMLResponse)
def sent(scope: NetworkDep) -> Response:
    """Says where the message is: on its way by email, or kept for the steering group's admin pages."""
    forwarded = forwarding_works(scope.session, scope.network)
    return render_page("contact_sent.html", title="Message sent", network=scope.network, forwarded=forwarded)
