"""The admin pages' Jinja2 environment: templates/admin first, then the GOV.UK Frontend macros."""

from __future__ import annotations

import functools
from typing import Any

from fastapi.responses import HTMLResponse
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


@functools.cache
def admin_environment() -> Environment:
    loader = ChoiceLoader(
        [
            FileSystemLoader(PROJECT_ROOT / "templates" / "admin"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]
    )
    return Environment(loader=loader, autoescape=select_autoescape(["html"]), undefined=ChainableUndefined)


def render_admin(name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = admin_environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
