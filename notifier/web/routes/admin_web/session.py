"""Who is signed in to the web admin, as dependencies that raise: the signed-in admin (a GET without a
session goes to the sign-in page, a POST is refused, another network's session gets the same 404 as a
network that does not exist), a verified per-session CSRF token on every POST, and the role a route
needs. Also the admin pages' Jinja2 environment (templates/admin first, then the GOV.UK Frontend
macros) and the admin frame's problem page."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, status
from fastapi.responses import HTMLResponse, Response
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)

from notifier.domain.sources import AdminRole
from notifier.rendering.durations import in_words
from notifier.rendering.london_time import london_stamp
from notifier.resources import TEMPLATES_DIR
from notifier.services.admin.admin_access import AdminAccess, NotSignedIn, admin_access
from notifier.services.admin.web_sessions import SessionPolicy
from notifier.web.cookies import ADMIN_SESSION_COOKIE, ADMIN_SESSION_PATH
from notifier.web.deps import NowDep, SettingsDep, UowDep
from notifier.web.pages import frame_context
from notifier.web.problems import ADMIN_PAGES_PREFIX, Problem, register_surface, remember_frame


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
    environment.filters["in_words"] = in_words  # "1 day before", not "1440 minutes before"
    return environment


def render_admin(name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """An admin page in the network's own brand, as the public pages are (web/pages.py)."""
    frame = frame_context(context.pop("network", None))
    html = admin_environment().get_template(name).render(**frame, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


COOKIE_NAME = ADMIN_SESSION_COOKIE
COOKIE_PATH = ADMIN_SESSION_PATH

# Each page of the menu with the role its route requires: a menu shows only what the role may use.
NAVIGATION = (
    ("", "Dashboard", AdminRole.EDITOR),
    ("approvals", "Approvals", AdminRole.EDITOR),
    ("announcements", "Announcements", AdminRole.EDITOR),
    ("meetings", "Meetings", AdminRole.EDITOR),
    ("archive", "Archive", AdminRole.ADMIN),
    ("members", "Members", AdminRole.EDITOR),
    ("requests", "Requests", AdminRole.ADMIN),
    ("enquiries", "Enquiries", AdminRole.APPROVER),
    ("team", "Team", AdminRole.ADMIN),
    ("settings", "Settings", AdminRole.ADMIN),
    ("audit", "Audit log", AdminRole.ADMIN),
    ("sessions", "Your sessions", AdminRole.EDITOR),
)


def not_found() -> Problem:
    return Problem(
        status.HTTP_404_NOT_FOUND, "Page not found", "If you typed the web address, check it is correct."
    )


def refused(
    title: str, explanation: str, *, status_code: int = status.HTTP_409_CONFLICT, **links: str
) -> Problem:
    """A change the service will not make, said on the admin problem page (`next_url`, `next_text`)."""
    return Problem(status_code, title, explanation, context=dict(links))


@dataclass(frozen=True)
class SignedIn(AdminAccess):
    """The signed-in admin of the network in the path, and their form token for this session."""

    csrf_token: str = ""

    @property
    def base(self) -> str:
        return f"/admin/{self.network.slug}"

    def require(self, role: AdminRole) -> None:
        if not self.allows(role):
            raise Problem(
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
            navigation=[(path, label) for path, label, role in NAVIGATION if self.allows(role)],
            can={role.value: self.allows(role) for role in AdminRole},
            **context,
        )


def policy_of(settings: SettingsDep) -> SessionPolicy:
    return SessionPolicy.from_settings(settings)


async def _posted_csrf(request: Request) -> str:
    """The form's csrf_token on a POST. Starlette keeps the parsed form, so Form() fields still work."""
    if request.method != "POST":
        return ""
    value = (await request.form()).get("csrf_token")
    return value if isinstance(value, str) else ""


PostedCsrfDep = Annotated[str, Depends(_posted_csrf)]


def _signed_in(
    slug: str,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    now: NowDep,
    posted_csrf: PostedCsrfDep,
) -> SignedIn:
    policy = policy_of(settings)
    try:
        access = admin_access(uow.session, slug, request.cookies.get(COOKIE_NAME, ""), policy, now)
    except NotSignedIn as exc:
        if request.method in ("GET", "HEAD"):  # the network's own sign-in page, which leads back here
            raise Problem(status.HTTP_303_SEE_OTHER, "Sign in", location=f"/admin/{slug}/sign-in") from exc
        raise Problem(
            status.HTTP_403_FORBIDDEN,
            "You are not signed in",
            "Your session has ended, so nothing was changed. Sign in again and try once more.",
        ) from exc
    remember_frame(request, access.network)
    if request.method == "POST" and not policy.csrf_valid(access.session_row, posted_csrf):
        raise Problem(
            status.HTTP_403_FORBIDDEN,
            "Your form could not be checked",
            "Nothing was changed. Go back, reload the page and submit the form again.",
        )
    return SignedIn(
        access.scope, access.admin, access.person, access.session_row, policy.csrf_token(access.session_row)
    )


SignedInDep = Annotated[SignedIn, Depends(_signed_in)]


def _role(role: AdminRole) -> Any:
    def _with_role(signed_in: SignedInDep) -> SignedIn:
        signed_in.require(role)
        return signed_in

    return Depends(_with_role)


EditorDep = Annotated[SignedIn, _role(AdminRole.EDITOR)]
ApproverDep = Annotated[SignedIn, _role(AdminRole.APPROVER)]
AdminRoleDep = Annotated[SignedIn, _role(AdminRole.ADMIN)]


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


def _render_problem(request: Request, problem: Problem) -> Response:
    context = dict(problem.context)
    # A page shared with the public surface (the form sent again, say) is the pages folder's.
    template = f"pages/{context.pop('template')}" if "template" in context else "problem.html"
    network = (
        problem.network if problem.network is not None else getattr(request.state, "network_frame", None)
    )
    return render_admin(
        template,
        status_code=problem.status_code,
        title=problem.title,
        explanation=problem.explanation,
        network=network,
        **context,
    )


def install_handlers(app: FastAPI) -> None:
    register_surface(app, ADMIN_PAGES_PREFIX, _render_problem)
