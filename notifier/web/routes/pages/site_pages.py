"""Pages every visitor can reach without a link from an email: the start page (and the bare `/subscribe/`
style paths, which answer it rather than JSON), the accessibility statement, the cookies page, and the
"Page not found" page for every unknown address outside the APIs."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from notifier.services.admin.networks import list_networks, network_or_none
from notifier.web.cookies import ADMIN_SESSION_COOKIE, CSRF_COOKIE
from notifier.web.deps import UowDep
from notifier.web.pages import install_public_problems, render_page
from notifier.web.problems import API_PREFIXES, answer, page_not_found

router = APIRouter(tags=["pages"], include_in_schema=False)

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


@router.get("/", response_class=HTMLResponse)
def start_page(uow: UowDep) -> HTMLResponse:
    return render_page(
        "start.html", title="Get emails from a staff network", networks=list_networks(uow.session)
    )


for _bare in BARE_PATHS:
    router.add_api_route(_bare, start_page, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(f"{_bare}/", start_page, methods=["GET"], response_class=HTMLResponse)


@router.get("/accessibility", response_class=HTMLResponse)
def accessibility_statement(uow: UowDep, network: str | None = None) -> HTMLResponse:
    return render_page(
        "accessibility.html", title="Accessibility statement", network=network_or_none(uow.session, network)
    )


@router.get("/cookies", response_class=HTMLResponse)
def cookies_page(uow: UowDep, network: str | None = None) -> HTMLResponse:
    return render_page(
        "cookies.html",
        title="Cookies",
        network=network_or_none(uow.session, network),
        csrf_cookie=CSRF_COOKIE,
        admin_cookie=ADMIN_SESSION_COOKIE,
    )


async def _page_or_json(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code != 404 or request.url.path.startswith(API_PREFIXES):
        return await http_exception_handler(request, exc)
    return await run_in_threadpool(answer, request, page_not_found())


def install(app: FastAPI) -> None:
    app.include_router(router)
    install_public_problems(app)
    app.add_exception_handler(StarletteHTTPException, _page_or_json)
