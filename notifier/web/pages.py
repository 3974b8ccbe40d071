"""Server-rendered pages on the GOV.UK Design System (govuk-frontend-jinja macros).

The page environment is separate from the email one: GOV.UK's macros read optional parameters that
callers leave out (`params.classes` with no params), so it needs ChainableUndefined where the email
environment is strict; and pages need HTML autoescaping.

Branding: a staff network is not on GOV.UK, so by default every page wears the network's name, colour
and logo in the Generic header, a footer without the crown or Royal Arms, no GOV.UK icons, and a
stylesheet without the GDS Transport font (`/brand/frontend.min.css`, GOV.UK Frontend's own CSS with
the font's rules taken out). `Settings.govuk_brand` restores the GOV.UK header, footer and font. The
deployment's choice reaches every page through a context variable that `PageFrameMiddleware` sets per
request, so no route has to pass it along.
"""

from __future__ import annotations

import functools
import re
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from notifier.config import Settings
from notifier.domain.branding import Branding, branding_from
from notifier.rendering.london_time import london_date
from notifier.resources import FRONTEND_STYLESHEET, TEMPLATES_DIR
from notifier.services.admin.networks import network_named
from notifier.web.problems import Problem, register_surface
from notifier.web.security_headers import csp_nonce

BRAND_STYLESHEET = "/brand/frontend.min.css"
_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
_STYLE_ATTRIBUTE = re.compile(r"(<[a-zA-Z][^<>]*?\s)style=")
_TRANSPORT = re.compile(r"font-family:\s*\"?GDS Transport\"?,\s*")


class FramedNetwork(Protocol):
    """What a page's frame reads of the network it belongs to."""

    @property
    def slug(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def site_url(self) -> str: ...

    @property
    def settings(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class PageFrame:
    """What the deployment decides about every page: the brand and the name used outside a network."""

    govuk_brand: bool = False
    service_name: str = "Staff network emails"

    @classmethod
    def from_settings(cls, settings: Settings) -> PageFrame:
        return cls(govuk_brand=settings.govuk_brand, service_name=settings.service_name)


_FRAME: ContextVar[PageFrame] = ContextVar("page_frame", default=PageFrame())  # noqa: B039


class PageFrameMiddleware:
    """Sets the deployment's PageFrame for the request, so render_page sees this app's settings."""

    def __init__(self, app: ASGIApp, frame: PageFrame) -> None:
        self.app = app
        self.frame = frame

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _FRAME.set(self.frame)
        try:
            await self.app(scope, receive, send)
        finally:
            _FRAME.reset(token)


@functools.cache
def page_environment() -> Environment:
    loader = ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES_DIR / "pages"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]
    )
    environment = Environment(
        loader=loader, autoescape=select_autoescape(["html", "xml"]), undefined=ChainableUndefined
    )
    environment.filters["london_day"] = london_date  # "Tuesday 3 March 2026", as the emails write days
    return environment


def frame_context(network: FramedNetwork | None) -> dict[str, Any]:
    """What every page template needs to wear the network's brand (or the deployment's GOV.UK one)."""
    frame = _FRAME.get()
    return {
        "network": network,
        "site_name": network.name if network is not None else frame.service_name,
        "brand": branding_from(network.settings, network.site_url) if network is not None else Branding(),
        "govuk_brand": frame.govuk_brand,
        "stylesheet": "/govuk/govuk-frontend.min.css" if frame.govuk_brand else BRAND_STYLESHEET,
        "cspNonce": csp_nonce(),  # govuk-frontend-jinja's name; our inline blocks use it too
        "styles_as_data": styles_as_data,
    }


def styles_as_data(html: str) -> str:
    """Notify's email HTML with each `style` attribute renamed `data-style`: the page's policy refuses
    style attributes, so the admin pages' script applies them through the CSSOM instead."""
    return _STYLE_ATTRIBUTE.sub(r"\1data-style=", html)


def render_page(
    name: str, *, status_code: int = 200, network: FramedNetwork | None = None, **context: Any
) -> HTMLResponse:
    """A page in the network's own frame: its name (or the deployment's), colour, logo and links."""
    html = page_environment().get_template(name).render(**frame_context(network), **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def without_transport_font(css: str) -> str:
    """GOV.UK Frontend's CSS with the GDS Transport font taken out: no @font-face, Arial first."""
    return _TRANSPORT.sub("font-family:", _FONT_FACE.sub("", css))


def mount_assets(app: FastAPI, dist: Path) -> None:
    """GOV.UK Frontend's built files (`resources.govuk_frontend_dir`): CSS/JS under /govuk, fonts and
    images under /assets, and the same CSS without GDS Transport for networks' own brand."""
    stylesheet = dist / FRONTEND_STYLESHEET
    branded = without_transport_font(stylesheet.read_text(encoding="utf-8")).encode()

    @app.get(BRAND_STYLESHEET, include_in_schema=False)
    def brand_stylesheet() -> Response:
        return Response(branded, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    app.mount("/govuk", StaticFiles(directory=dist), name="govuk")
    app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")


def _network_in_path(request: Request) -> FramedNetwork | None:
    """`/contact/alpha/oops` is alpha's page that does not exist: it keeps alpha's header (as do
    `/unsubscribe/new-link/alpha/...` pages, whose network is the third segment)."""
    parts = [part for part in request.url.path.split("/") if part]
    network: FramedNetwork | None = network_named(request.app.state.sessions, *parts[1:3])
    return network


def problem_frame(request: Request, problem: Problem) -> FramedNetwork | None:
    """The network a problem page wears: the problem's own, else the one the request's dependencies
    found before it stopped (`request.state.network_frame`), else the one its path names."""
    if problem.network is not None:
        found: FramedNetwork = problem.network
        return found
    known: FramedNetwork | None = getattr(request.state, "network_frame", None)
    return known if known is not None else _network_in_path(request)


def render_problem(request: Request, problem: Problem) -> Response:
    """A problem on a public page, in the frame of the network it concerns (or the one in its path)."""
    network = problem_frame(request, problem)
    context = {"explanation": problem.explanation, **problem.context}
    template = context.pop("template", "link_problem.html")
    return render_page(
        template, status_code=problem.status_code, title=problem.title, network=network, **context
    )


def install_public_problems(app: FastAPI) -> None:
    register_surface(app, "/", render_problem)
