"""No dead end for a damaged or old link: a form that emails a fresh preferences link, from which every
email can be stopped. The answer is the same whether or not the address is held."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.common.scope import NetworkScope
from notifier.services.subscribers.addresses import AddressRejected
from notifier.services.subscribers.new_links import send_new_link
from notifier.web import csrf
from notifier.web.csrf import CheckedForm
from notifier.web.deps import LinksDep, NetworkDep, NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.form_limit import form_limit
from notifier.web.pages import render_page

router = APIRouter(tags=["unsubscribe"])
FormText = Annotated[str, Form()]


def _form(
    request: Request, settings: SettingsDep, scope: NetworkScope, email: str = "", error: str | None = None
) -> Response:
    token = csrf.issue(request, settings)
    page = render_page(
        "new_link.html",
        status_code=400 if error else 200,
        title="Get a new link to stop or change your emails",
        page_title="Get a new link",
        error_title=bool(error),
        network=scope.network,
        email=email,
        error=error,
        action=f"/unsubscribe/new-link/{scope.network.slug}",
        csrf_token=token.form_value,
    )
    return csrf.attach(page, token, settings)


@router.get("/unsubscribe/new-link/{slug}", response_class=HTMLResponse)
def new_link_form(request: Request, scope: NetworkDep, settings: SettingsDep) -> Response:
    return _form(request, settings, scope)


@router.post(
    "/unsubscribe/new-link/{slug}",
    response_class=HTMLResponse,
    dependencies=[CheckedForm, form_limit("get a new link")],
)
def send_link(
    request: Request,
    scope: NetworkDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    links: LinksDep,
    now: NowDep,
    email: FormText = "",
) -> Response:
    try:
        send_new_link(uow, queue, scope.network, email, links, now)
    except AddressRejected as exc:
        return _form(request, settings, scope, email, str(exc))
    return RedirectResponse(
        f"/unsubscribe/new-link/{scope.network.slug}/sent", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/unsubscribe/new-link/{slug}/sent", response_class=HTMLResponse)
def link_sent(scope: NetworkDep) -> Response:
    return render_page("new_link_sent.html", title="Check your email", network=scope.network)
