"""Pages every visitor can reach without a link from an email: the start page (and the bare `/subscribe/`
style paths, which answer it rather than JSON), the accessibility statement, the cookies page, and the
"Page not found" page for every unknown address outside the APIs."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from notifier.db.models import Network
from notifier.db.session import unit_of_work
from notifier.repositories import networks as network_repo
from notifier.web.csrf import COOKIE_NAME
from notifier.web.deps import UowDep
from notifier.web.pages import render_page
from notifier.web.routes.admin_web.session import COOKIE_NAME as ADMIN_COOKIE_NAME

router = APIRouter(tags=["pages"], include_in_schema=False)

# Machines, not people, call these: they keep FastAPI's JSON errors.
API_PREFIXES = ("/admin/api", "/hooks", "/notify", "/healthz", "/metrics", "/openapi.json", "/docs", "/redoc")
BARE_PATHS = (
    "/subscribe",
    "/join",
    "/contact",
    "/preferences",
    "/unsubscribe",
    "/confirm",
    "/rights",
    "/meetings",
)


def _named_network(uow: UowDep, slug: str | None) -> Network | None:
    return None if not slug else network_repo.get_network_by_slug(uow.session, slug)


@router.get("/", response_class=HTMLResponse)
def start_page(uow: UowDep) -> HTMLResponse:
    return render_page(
        "start.html",
        title="Get emails from a staff network",
        networks=network_repo.list_networks(uow.session),
    )


for _bare in BARE_PATHS:
    router.add_api_route(_bare, start_page, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(f"{_bare}/", start_page, methods=["GET"], response_class=HTMLResponse)


@router.get("/accessibility", response_class=HTMLResponse)
def accessibility_statement(uow: UowDep, network: str | None = None) -> HTMLResponse:
    return render_page(
        "accessibility.html", title="Accessibility statement", network=_named_network(uow, network)
    )


@router.get("/cookies", response_class=HTMLResponse)
def cookies_page(uow: UowDep, network: str | None = None) -> HTMLResponse:
    return render_page(
        "cookies.html",
        title="Cookies",
        network=_named_network(uow, network),
        csrf_cookie=COOKIE_NAME,
        admin_cookie=ADMIN_COOKIE_NAME,
    )


def not_found_page(network: Network | None = None) -> HTMLResponse:
    return render_page(
        "link_problem.html",
        status_code=404,
        title="Page not found",
        network=network,
        explanation="If you typed the web address, check it is correct. "
        "If you pasted the web address, check you copied the entire address.",
        next_step=None,
    )


def _network_in_path(request: Request) -> Network | None:
    """`/contact/alpha/oops` is alpha's page that does not exist: it keeps alpha's header."""
    parts = [part for part in request.url.path.split("/") if part]
    if len(parts) < 2 or len(parts[1]) > 63:
        return None
    with unit_of_work(request.app.state.sessions) as uow:
        network = network_repo.get_network_by_slug(uow.session, parts[1])
        if network is not None:
            uow.session.expunge(network)
        return network


async def _page_or_json(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code != 404 or request.url.path.startswith(API_PREFIXES):
        return await http_exception_handler(request, exc)
    return not_found_page(await run_in_threadpool(_network_in_path, request))


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.add_exception_handler(StarletteHTTPException, _page_or_json)
