"""Server-rendered pages on the GOV.UK Design System (govuk-frontend-jinja macros).

The page environment is separate from the email one: GOV.UK's macros read optional parameters that
callers leave out (`params.classes` with no params), so it needs ChainableUndefined where the email
environment is strict; and pages need HTML autoescaping.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
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

from notifier.config import PROJECT_ROOT

GOVUK_FRONTEND_DIST = PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"


@functools.cache
def page_environment() -> Environment:
    loader = ChoiceLoader(
        [
            FileSystemLoader(PROJECT_ROOT / "templates" / "pages"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]
    )
    return Environment(loader=loader, autoescape=select_autoescape(["html"]), undefined=ChainableUndefined)


def render_page(name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = page_environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def mount_assets(app: FastAPI, dist: Path = GOVUK_FRONTEND_DIST) -> None:
    """GOV.UK Frontend as installed by npm: CSS/JS under /govuk, fonts and images under /assets."""
    if not (dist / "govuk-frontend.min.css").is_file():
        raise RuntimeError(f"GOV.UK Frontend is not installed at {dist}: run scripts/bootstrap.sh")
    app.mount("/govuk", StaticFiles(directory=dist), name="govuk")
    app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
