"""Sign-off, on or off (admin role): one admin asks for the change here, and a second admin confirms it
on its check page (`/admin/{network}/approvals/{id}`); both steps are audited. Turning it on needs two
people who can approve."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.services.sources import sign_off_setting
from notifier.services.sources.approval_requests import ApprovalError
from notifier.web.deps import NowDep, QueueDep, SettingsDep, UowDep
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn
from notifier.web.routes.admin_web.settings.common import FormText, render_settings

router = APIRouter(tags=["admin pages"], include_in_schema=False)
DONE = {"asked": "Asked: a second admin must confirm the change before it takes effect."}


def _page(signed_in: SignedIn, *, errors: dict[str, str] | None = None, notice: str = "") -> HTMLResponse:
    view = sign_off_setting.setting_view(signed_in.scope, signed_in.acting_as)
    return render_settings(
        signed_in, "settings_sign_off.html", title="Sign-off", section="sign-off", errors=errors,
        notice=notice, view=view,
    )  # fmt: skip


@router.get("/admin/{slug}/settings/sign-off", response_class=HTMLResponse)
def sign_off_page(signed_in: AdminRoleDep, done: str = "") -> HTMLResponse:
    return _page(signed_in, notice=DONE.get(done, ""))


@router.post("/admin/{slug}/settings/sign-off", response_class=HTMLResponse)
def ask_for_change(
    signed_in: AdminRoleDep,
    uow: UowDep,
    settings: SettingsDep,
    queue: QueueDep,
    now: NowDep,
    turn: FormText = "",
) -> Response:
    if turn not in ("on", "off"):
        return _page(signed_in, errors={"turn": "Select whether sign-off should be on or off"})
    try:
        with uow.attempt():
            sign_off_setting.propose(
                uow,
                queue,
                signed_in.network,
                turn == "on",
                signed_in.acting_as,
                base_url=settings.public_base_url,
            )
    except ApprovalError as exc:
        return _page(signed_in, errors={"turn": exc.message[:1].upper() + exc.message[1:]})
    return RedirectResponse(
        f"{signed_in.base}/settings/sign-off?done=asked", status_code=status.HTTP_303_SEE_OTHER
    )
