"""The Team page (admin role): who can sign in, with which role; invite, change a role, remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.db.base import utcnow
from notifier.domain.sources import AdminRole
from notifier.services.admin import team
from notifier.services.admin.web_sessions import AdminError, invite_admin, list_admins
from notifier.web.deps import SettingsDep, UowDep
from notifier.web.routes.admin_web.session import SignedIn, SignedInDep, not_found

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]


def _page(
    signed_in: SignedIn,
    uow: UowDep,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    notice: str = "",
) -> HTMLResponse:
    return signed_in.page(
        "team.html",
        title="Team",
        active="team",
        status_code=400 if errors else 200,
        error_title=bool(errors),
        admins=list_admins(uow.session, signed_in.network.id),
        roles=list(AdminRole),
        errors=errors or {},
        form=form or {"role": AdminRole.EDITOR.value},
        notice=notice,
    )


@router.get("/admin/{slug}/team", response_class=HTMLResponse)
def team_page(signed_in: SignedInDep, uow: UowDep, done: str = "") -> HTMLResponse:
    signed_in.require(AdminRole.ADMIN)
    notices = {
        "invited": "Invited: they can now ask for a sign-in link.",
        "changed": "Role changed.",
        "removed": "Removed.",
    }
    return _page(signed_in, uow, notice=notices.get(done, ""))


@router.post("/admin/{slug}/team", response_class=HTMLResponse)
def invite(
    signed_in: SignedInDep,
    uow: UowDep,
    settings: SettingsDep,
    email: FormText = "",
    name: FormText = "",
    role: FormText = "",
) -> Response:
    signed_in.require(AdminRole.ADMIN)
    form = {"email": email, "name": name, "role": role}
    if role not in {r.value for r in AdminRole}:
        return _page(signed_in, uow, errors={"role": "Select a role"}, form=form)
    try:
        invite_admin(
            uow.session,
            signed_in.network,
            email=email,
            name=name,
            role=AdminRole(role),
            invited_by=signed_in.actor,
            hash_key=settings.hash_key,
            now=utcnow(),
        )
    except AdminError as exc:
        field, _, message = str(exc).partition(": ")
        uow.session.rollback()
        return _page(signed_in, uow, errors={field: message}, form=form)
    return RedirectResponse(f"{signed_in.base}/team?done=invited", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/admin/{slug}/team/{admin_id}/{step}", response_class=HTMLResponse)
def change(admin_id: int, step: str, signed_in: SignedInDep, uow: UowDep, role: FormText = "") -> Response:
    signed_in.require(AdminRole.ADMIN)
    try:
        if step == "role" and role in {r.value for r in AdminRole}:
            team.change_role(
                uow.session, signed_in.admin, admin_id, AdminRole(role), actor_name=signed_in.actor
            )
            done = "changed"
        elif step == "remove":
            team.remove_admin(
                uow.session, signed_in.admin, admin_id, actor_name=signed_in.actor, now=utcnow()
            )
            done = "removed"
        else:
            raise not_found()
    except LookupError as exc:
        raise not_found() from exc
    except AdminError as exc:
        return _page(signed_in, uow, errors={"admin": str(exc).partition(": ")[2]})
    return RedirectResponse(f"{signed_in.base}/team?done={done}", status_code=status.HTTP_303_SEE_OTHER)
