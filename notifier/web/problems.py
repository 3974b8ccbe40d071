"""Why a request stops before its route has anything to show, as exceptions, and the one place that
turns each into the answer its surface gives.

Dependencies and routes raise; they never return an error page in place of their result. The three
surfaces answer in their own way: the machine APIs (the admin API, hooks, receipts) with JSON, the
steering group's pages in the admin frame, and everyone else's pages in the network's frame. Each
surface registers its renderer when the app is built, so the surfaces stay independent of each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from notifier.services.common.scope import NotFound

# Machines, not people, call these: they answer JSON.
API_PREFIXES = ("/admin/api", "/hooks", "/notify", "/healthz", "/metrics", "/openapi.json", "/docs", "/redoc")
ADMIN_PAGES_PREFIX = "/admin/"

NOT_FOUND_TITLE = "Page not found"
NOT_FOUND_EXPLANATION = (
    "If you typed the web address, check it is correct. "
    "If you pasted the web address, check you copied the entire address."
)


@dataclass(frozen=True)
class NetworkFrame:
    """What a problem page shows of its network, copied while the request's session is open: the page
    is rendered after the request's unit of work has rolled back."""

    slug: str
    name: str
    site_url: str
    privacy_notice_url: str
    settings: dict[str, Any]

    @classmethod
    def of(cls, network: Any) -> NetworkFrame:
        if isinstance(network, NetworkFrame):
            return network
        return cls(
            network.slug, network.name, network.site_url, network.privacy_notice_url, dict(network.settings)
        )


@dataclass(eq=False)  # an exception: compared and hashed by identity
class Problem(Exception):
    """Stops a request with a page saying what happened (or a redirect, when `location` is set).

    `network` is the network whose frame the page wears, when the request shows which one it is;
    `context` carries what a surface's page needs beyond the title and explanation."""

    status_code: int
    title: str
    explanation: str = ""
    network: Any = None
    location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.title)
        if self.network is not None:
            self.network = NetworkFrame.of(self.network)


def remember_frame(request: Request, network: Any) -> None:
    """Called by the dependencies that find a request's network: a problem raised later in the request
    (a 404 for a row, a refused form) still wears that network's frame."""
    request.state.network_frame = NetworkFrame.of(network)


def page_not_found(network: Any = None) -> Problem:
    return Problem(status.HTTP_404_NOT_FOUND, NOT_FOUND_TITLE, NOT_FOUND_EXPLANATION, network=network)


def form_not_checked(action: str, fields: list[tuple[str, str]], csrf_token: str) -> Problem:
    """A form whose CSRF token is missing, forged or too old: nothing it asked for was done. The page
    holds what was sent, under a fresh token, so one button sends it again and nothing typed is lost."""
    return Problem(
        status.HTTP_400_BAD_REQUEST,
        "Your form has timed out or could not be checked",
        "Nothing has been changed or sent yet. We kept what you entered: send the form again to finish.",
        context={
            "template": "form_resubmit.html",
            "action": action,
            "fields": fields,
            "csrf_token": csrf_token,
            "next_step": None,
        },
    )


Renderer = Callable[[Request, Problem], Response]


def _json(request: Request, problem: Problem) -> Response:
    return JSONResponse(
        {"detail": problem.explanation or problem.title},
        status_code=problem.status_code,
        headers=problem.headers,
    )


@dataclass
class Surfaces:
    """Which renderer answers a path: the APIs' JSON, then the registered page surfaces by prefix."""

    pages: list[tuple[str, Renderer]] = field(default_factory=list)

    def renderer_for(self, path: str) -> Renderer | None:
        if path.startswith(API_PREFIXES):
            return _json
        for prefix, renderer in self.pages:
            if path.startswith(prefix):
                return renderer
        return None


def surfaces(app: FastAPI) -> Surfaces:
    found: Surfaces | None = getattr(app.state, "problem_surfaces", None)
    if found is None:
        found = Surfaces()
        app.state.problem_surfaces = found
    return found


def register_surface(app: FastAPI, prefix: str, renderer: Renderer) -> None:
    """Pages under `prefix` answer problems with `renderer`; longer prefixes are tried first."""
    registry = surfaces(app)
    registry.pages.append((prefix, renderer))
    registry.pages.sort(key=lambda entry: len(entry[0]), reverse=True)


def answer(request: Request, problem: Problem) -> Response:
    if problem.location is not None:
        return RedirectResponse(problem.location, status_code=problem.status_code, headers=problem.headers)
    renderer = surfaces(request.app).renderer_for(request.url.path) or _json
    response = renderer(request, problem)
    response.headers.update(problem.headers)
    return response


def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)  # registered for Problem only
    return answer(request, exc)


def _not_found(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotFound)
    if request.url.path.startswith(API_PREFIXES):
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)
    return answer(request, page_not_found())


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """A path whose parameters name nothing (an id out of range, say) is a page that does not exist;
    a bad query or body keeps FastAPI's 422 naming the field."""
    assert isinstance(exc, RequestValidationError)
    in_path = [error["loc"] for error in exc.errors() if tuple(error.get("loc", ("",)))[:1] == ("path",)]
    if in_path:
        if request.url.path.startswith(API_PREFIXES):
            what = str(in_path[0][-1]).removesuffix("_id").replace("_", " ")
            return JSONResponse({"detail": str(NotFound(what))}, status_code=status.HTTP_404_NOT_FOUND)
        # The page's frame may need a database read: not on the event loop.
        return await run_in_threadpool(answer, request, page_not_found())
    return await request_validation_exception_handler(request, exc)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(RequestValidationError, _invalid_request)
