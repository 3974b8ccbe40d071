"""The Team page (admin role): who can sign in, with which role; invite, change a role, remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.domain.sources import ROLE_ABILITIES, AdminRole
from notifier.services.admin import team
from notifier.services.admin.web_sessions import AdminError, invite_admin, list_admins
from notifier.web.deps import NowDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn, not_found

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
        abilities=ROLE_ABILITIES,
        errors=errors or {},
        form=form or {"role": AdminRole.EDITOR.value},
        notice=notice,
    )


@router.get("/admin/{slug}/team", response_class=HTMLResponse)
def team_page(signed_in: AdminRoleDep, uow: UowDep, done: str = "") -> HTMLResponse:
    notices = {
        "invited": "Invited: they can now ask for a sign-in link.",
        "changed": "Role changed.",
        "removed": "Removed.",
    }
    return _page(signed_in, uow, notice=notices.get(done, ""))


@router.post("/admin/{slug}/team", response_class=HTMLResponse)
def invite(
    signed_in: AdminRoleDep,
    uow: UowDep,
    settings: SettingsDep,
    now: NowDep,
    email: FormText = "",
    name: FormText = "",
    role: FormText = "",
) -> Response:
    form = {"email": email, "name": name, "role": role}
    if role not in {r.value for r in AdminRole}:
        return _page(signed_in, uow, errors={"role": "Select a role"}, form=form)
    try:
        with uow.attempt():
            invite_admin(
                uow.session,
                signed_in.network,
                email=email,
                name=name,
                role=AdminRole(role),
                invited_by=signed_in.actor,
                hash_key=settings.hash_key,
                now=now,
            )
    except AdminError as exc:
        field, _, message = str(exc).partition(": ")
        return _page(signed_in, uow, errors={field: message}, form=form)
    return RedirectResponse(f"{signed_in.base}/team?done=invited", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/admin/{slug}/team/{admin_id}/{step}", response_class=HTMLResponse)
def change(
    admin_id: RowId, step: str, signed_in: AdminRoleDep, uow: UowDep, now: NowDep, role: FormText = ""
) -> Response:
    try:
        with uow.attempt():
            if step == "role" and role in {r.value for r in AdminRole}:
                team.change_role(
                    uow.session, signed_in.admin, admin_id, AdminRole(role), actor_name=signed_in.actor
                )
                done = "changed"
            elif step == "remove":
                team.remove_admin(uow.session, signed_in.admin, admin_id, actor_name=signed_in.actor, now=now)
                done = "removed"
            else:
                raise not_found()
    except AdminError as exc:
        return _page(signed_in, uow, errors={"admin": str(exc).partition(": ")[2]})
    return RedirectResponse(f"{signed_in.base}/team?done={done}", status_code=status.HTTP_303_SEE_OTHER)
