"""Who is signed in to the web admin: the session cookie, the per-session CSRF token, roles, and the
answers for everyone else (a GET goes to the sign-in page, a POST is refused, another network's
session gets the same 404 as a network that does not exist); the admin pages' unit of work; and their
Jinja2 environment (templates/admin first, then the GOV.UK Frontend macros)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)

from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.models import AdminMember, AdminSession, Network, Subscriber
from notifier.domain.sources import AdminRole
from notifier.rendering.london_time import london_stamp
from notifier.repositories import networks as network_repo
from notifier.resources import TEMPLATES_DIR
from notifier.services.admin.web_sessions import (
    SessionPolicy,
    active_admin,
    find_session,
    is_live,
    touch,
)
from notifier.services.common.audit import admin_actor
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.pages import frame_context


@functools.cache
def admin_environment() -> Environment:
    loader = ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES_DIR / "admin"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates"),
                    "pages": FileSystemLoader(TEMPLATES_DIR / "pages"),  # the shared footer
                }
            ),
        ]
    )
    environment = Environment(
        loader=loader, autoescape=select_autoescape(["html"]), undefined=ChainableUndefined
    )
    # Times are stored in UTC; volunteers type and read them as UK wall-clock time.
    environment.filters["uk_time"] = london_stamp
    return environment


def render_admin(name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """An admin page in the network's own brand, as the public pages are (web/pages.py)."""
    frame = frame_context(context.pop("network", None))
    html = admin_environment().get_template(name).render(**frame, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


COOKIE_NAME = "notifier_admin"
COOKIE_PATH = "/admin"

NAVIGATION = (
    ("", "Dashboard"),
    ("announcements", "Announcements"),
    ("meetings", "Meetings"),
    ("members", "Members"),
    ("requests", "Requests"),
    ("team", "Team"),
    ("settings", "Settings"),
    ("audit", "Audit log"),
    ("sessions", "Your sessions"),
)


class AdminPageError(Exception):
    """Stops an admin request with a page (or a redirect to the sign-in page)."""

    def __init__(self, status_code: int, title: str, explanation: str, location: str | None = None) -> None:
        super().__init__(title)
        self.status_code, self.title, self.explanation, self.location = (
            status_code,
            title,
            explanation,
            location,
        )


def not_found() -> AdminPageError:
    return AdminPageError(
        status.HTTP_404_NOT_FOUND, "Page not found", "If you typed the web address, check it is correct."
    )


@dataclass(frozen=True)
class SignedIn:
    network: Network
    admin: AdminMember
    person: Subscriber
    session: AdminSession
    csrf_token: str

    @property
    def actor(self) -> str:
        return admin_actor(self.admin.id)

    @property
    def base(self) -> str:
        return f"/admin/{self.network.slug}"

    def require(self, role: AdminRole) -> None:
        if not self.admin.role.allows(role):
            raise AdminPageError(
                status.HTTP_403_FORBIDDEN,
                "You cannot do this",
                f"This needs the {role.value} role. Ask an admin of {self.network.name} if you need it.",
            )

    def page(self, name: str, *, title: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return render_admin(
            name,
            status_code=status_code,
            title=title,
            network=self.network,
            me=self.admin,
            me_person=self.person,
            csrf_token=self.csrf_token,
            base=self.base,
            navigation=NAVIGATION,
            **context,
        )


def policy_of(settings: Settings) -> SessionPolicy:
    return SessionPolicy.from_settings(settings)


async def _posted_csrf(request: Request) -> str:
    """The form's csrf_token on a POST. Starlette keeps the parsed form, so Form() fields still work."""
    if request.method != "POST":
        return ""
    value = (await request.form()).get("csrf_token")
    return value if isinstance(value, str) else ""


def _signed_in(
    slug: str,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    posted_csrf: Annotated[str, Depends(_posted_csrf)],
) -> SignedIn:
    network = network_repo.get_network_by_slug(uow.session, slug)
    if network is None:
        raise not_found()
    policy, now = policy_of(settings), utcnow()
    row = find_session(uow.session, request.cookies.get(COOKIE_NAME, ""))
    admin = active_admin(uow.session, row.network_id, row.admin_id) if row is not None else None
    if row is None or admin is None or not is_live(row, policy, now):
        if request.method in ("GET", "HEAD"):
            raise AdminPageError(
                status.HTTP_303_SEE_OTHER, "Sign in", "", location=f"/admin/{network.slug}/sign-in"
            )
        raise AdminPageError(
            status.HTTP_403_FORBIDDEN,
            "You are not signed in",
            "Your session has ended, so nothing was changed. Sign in again and try once more.",
        )
    if row.network_id != network.id:
        raise not_found()
    if request.method == "POST" and not policy.csrf_valid(row, posted_csrf):
        raise AdminPageError(
            status.HTTP_403_FORBIDDEN,
            "Your form could not be checked",
            "Nothing was changed. Go back, reload the page and submit the form again.",
        )
    touch(row, now)
    person = uow.session.get_one(Subscriber, admin.subscriber_id)
    return SignedIn(network, admin, person, row, policy.csrf_token(row))


SignedInDep = Annotated[SignedIn, Depends(_signed_in)]


def set_session_cookie(response: Response, secret: str, policy: SessionPolicy) -> None:
    response.set_cookie(
        COOKIE_NAME,
        secret,
        max_age=int(policy.absolute.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        secure=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, httponly=True, secure=True, samesite="lax")


def _handle(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, AdminPageError):  # only registered for AdminPageError
        raise exc
    if exc.location is not None:
        return RedirectResponse(exc.location, status_code=exc.status_code)
    return render_admin(
        "problem.html", status_code=exc.status_code, title=exc.title, explanation=exc.explanation
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AdminPageError, _handle)
