"""The Team page (admin role): who can sign in, with which role, until when; invite (they are emailed),
change a role, set a term's end, remove, reinstate someone suspended; the quarterly access review
(confirm or remove each person with one button); and the team as CSV. A change that would leave the
network without two people who can approve, or without an admin, is refused with the reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.domain.sign_off import MIN_ADMINS, MIN_APPROVERS
from notifier.domain.sources import ROLE_ABILITIES, AdminRole
from notifier.services.admin import team
from notifier.services.admin.invitations import AdminError, invite
from notifier.services.admin.team_view import team_csv, team_line, team_lines
from notifier.web.deps import NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn, not_found, policy_of

router = APIRouter(tags=["admin pages"], include_in_schema=False)
FormText = Annotated[str, Form()]
NOTICES = {
    "invited": "Invited: we have emailed them a sign-in link.",
    "changed": "Role changed.",
    "removed": "Removed.",
    "reinstated": "Reinstated: they can sign in again.",
    "term": "End of term saved.",
    "confirmed": "Confirmed.",
}


def _page(
    signed_in: SignedIn,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    notice: str = "",
    review: bool = False,
) -> HTMLResponse:
    lines = team_lines(signed_in.scope)
    return signed_in.page(
        "team_review.html" if review else "team.html",
        title="Access review" if review else "Team",
        active="team",
        status_code=400 if errors else 200,
        error_title=bool(errors),
        lines=[line for line in lines if line.reviewed] if review else lines,
        roles=list(AdminRole),
        abilities=ROLE_ABILITIES,
        errors=errors or {},
        form=form or {"role": AdminRole.EDITOR.value},
        notice=notice,
        min_approvers=MIN_APPROVERS,
        min_admins=MIN_ADMINS,
    )


@router.get("/admin/{slug}/team", response_class=HTMLResponse)
def team_page(signed_in: AdminRoleDep, done: str = "") -> HTMLResponse:
    return _page(signed_in, notice=NOTICES.get(done, ""))


@router.get("/admin/{slug}/team/review", response_class=HTMLResponse)
def review_page(signed_in: AdminRoleDep, done: str = "") -> HTMLResponse:
    return _page(signed_in, notice=NOTICES.get(done, ""), review=True)


@router.get("/admin/{slug}/team.csv")
def team_export(signed_in: AdminRoleDep) -> Response:
    body = team_csv(signed_in.scope, actor=signed_in.actor)
    filename = f"{signed_in.network.slug}-team.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.post("/admin/{slug}/team", response_class=HTMLResponse)
def invite_someone(
    signed_in: AdminRoleDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    now: NowDep,
    email: FormText = "",
    name: FormText = "",
    role: FormText = "",
    term_ends: FormText = "",
) -> Response:
    form = {"email": email, "name": name, "role": role, "term_ends": term_ends}
    if role not in {r.value for r in AdminRole}:
        return _page(signed_in, errors={"role": "Select a role"}, form=form)
    try:
        with uow.attempt():
            invite(
                uow,
                queue,
                signed_in.network,
                policy_of(settings),
                email=email,
                name=name,
                role=AdminRole(role),
                invited_by=signed_in.actor,
                now=now,
                term_ends_at=team.term_end_from(term_ends),
            )
    except AdminError as exc:
        field, _, message = str(exc).partition(": ")
        return _page(signed_in, errors={field: message}, form=form)
    return RedirectResponse(f"{signed_in.base}/team?done=invited", status_code=status.HTTP_303_SEE_OTHER)


def _change(
    signed_in: SignedIn, uow: UowDep, admin_id: int, step: str, role: str, term_ends: str, now: NowDep
) -> str:
    me, actor, session = signed_in.admin, signed_in.actor, uow.session
    if step == "role" and role in {r.value for r in AdminRole}:
        team.change_role(session, me, admin_id, AdminRole(role), actor_name=actor, now=now)
        return "changed"
    if step == "remove":
        team.remove_admin(session, me, admin_id, actor_name=actor, now=now)
        return "removed"
    if step == "reinstate":
        team.reinstate(session, me, admin_id, actor_name=actor, now=now)
        return "reinstated"
    if step == "term":
        team.set_term(session, me, admin_id, team.term_end_from(term_ends), actor_name=actor, now=now)
        return "term"
    if step == "confirm":
        team.confirm_access(session, me, admin_id, actor_name=actor, now=now)
        return "confirmed"
    raise not_found()


@router.post("/admin/{slug}/team/{admin_id}/{step}", response_class=HTMLResponse)
def change(
    admin_id: RowId,
    step: str,
    signed_in: AdminRoleDep,
    uow: UowDep,
    now: NowDep,
    role: FormText = "",
    term_ends: FormText = "",
    back: FormText = "",
    confirmed: FormText = "",
) -> Response:
    review = back == "review"
    if step == "remove" and confirmed != "yes":  # removing someone asks first, on a page of its own
        line = team_line(signed_in.scope, admin_id)
        return signed_in.page(
            "team_remove.html", title=f"Remove {line.person.name} from the team?", active="team",
            line=line, back=back,
        )  # fmt: skip
    try:
        with uow.attempt():
            done = _change(signed_in, uow, admin_id, step, role, term_ends, now)
    except AdminError as exc:
        field, _, message = str(exc).partition(": ")
        return _page(
            signed_in, errors={"admin" if field != "term_ends_at" else field: message}, review=review
        )
    where = "team/review" if review else "team"
    return RedirectResponse(f"{signed_in.base}/{where}?done={done}", status_code=status.HTTP_303_SEE_OTHER)
