"""What the settings pages share: their own navigation, the page frame (errors, a done notice, the
form as it was sent), and the redirect that follows a saved change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from notifier.web.routes.admin_web.session import SignedIn

FormText = Annotated[str, Form()]
FormList = Annotated[list[str] | None, Form()]


async def _posted_form(request: Request) -> FormData:
    """The whole form, for a form whose fields are not known in advance (Starlette keeps it parsed)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(_posted_form)]

# (path under /settings, the link's text): every settings page lists them all.
SETTINGS_PAGES = (
    ("", "Network"),
    ("site", "Publishing from the site"),
    ("branding", "Branding"),
    ("notify", "Notify service"),
    ("sign-off", "Sign-off"),
)


def render_settings(
    signed_in: SignedIn,
    template: str,
    *,
    title: str,
    section: str,
    errors: dict[str, str] | None = None,
    notice: str = "",
    form: dict[str, Any] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A settings page: 400 with the error summary when `errors` name fields, else 200."""
    return signed_in.page(
        template,
        title=title,
        active="settings",
        status_code=400 if errors else 200,
        error_title=bool(errors),
        errors=errors or {},
        notice=notice,
        form=form or {},
        settings_pages=SETTINGS_PAGES,
        section=section,
        **context,
    )


def saved(signed_in: SignedIn, section: str, done: str) -> Response:
    """After a change: back to its settings page, which says what was done (POST, redirect, GET)."""
    path = f"{signed_in.base}/settings" + (f"/{section}" if section else "")
    return RedirectResponse(f"{path}?done={done}", status_code=status.HTTP_303_SEE_OTHER)
