"""The network's own GOV.UK Notify service (admin role): its keys, which key sends, its template and
reply-to ids and its callback bearer token; a check that Notify accepts the key; and going back to
the deployment's service, once confirmed. The same rules as `notifier network notify set|show|check|
clear` (services/admin/notify_services.py), which audits each change. A key or token is typed into a
password field and never sent back: not on the page, not after a refusal, not in a redirect."""

from __future__ import annotations

import functools

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.config import NotifyKeyType
from notifier.gateway.notify import check_key
from notifier.services.admin import notify_services
from notifier.services.admin.notify_services import NotifyServiceEntry, NotifyServiceRefused
from notifier.services.common.secrets_at_rest import SecretBox, SecretUnreadable
from notifier.web.deps import NowDep, SettingsDep, UowDep
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn
from notifier.web.routes.admin_web.settings.common import FormText, render_settings, saved

router = APIRouter(tags=["admin pages"], include_in_schema=False)
LABELS = {
    "api_keys": "API keys",
    "api_key_live": "Live key",
    "api_key_team": "Team key",
    "api_key_test": "Test key",
    "template_id": "Template id",
    "reply_to_id": "Reply-to id",
    "callback_token": "Callback bearer token",
}
DONE = {
    "set": "Saved. Check the connection to make sure Notify accepts the key.",
    "cleared": "The network now sends through the deployment's Notify service. Its keys were deleted.",
    "none": "The network already sends through the deployment's Notify service.",
}


def _page(
    signed_in: SignedIn,
    uow: UowDep,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    form: dict[str, str] | None = None,
    check: dict[str, str] | None = None,
) -> HTMLResponse:
    network = signed_in.network
    summary = notify_services.describe(uow.session, network)
    stored = {
        "sending_key": (summary.sending_key if summary else NotifyKeyType.LIVE).value,
        "template_id": network.notify_template_id or "",
        "reply_to_id": network.notify_reply_to_id or "",
    }
    return render_settings(
        signed_in,
        "settings_notify.html",
        title="Notify service",
        section="notify",
        errors=errors,
        notice=notice,
        form=form or stored,
        summary=summary,
        key_kinds=list(NotifyKeyType),
        check=check,
    )


@router.get("/admin/{slug}/settings/notify", response_class=HTMLResponse)
def notify_page(signed_in: AdminRoleDep, uow: UowDep, done: str = "") -> HTMLResponse:
    return _page(signed_in, uow, notice=DONE.get(done, ""))


@router.post("/admin/{slug}/settings/notify", response_class=HTMLResponse)
def set_service(
    signed_in: AdminRoleDep,
    uow: UowDep,
    now: NowDep,
    settings: SettingsDep,
    sending_key: FormText = "",
    api_key_live: FormText = "",
    api_key_team: FormText = "",
    api_key_test: FormText = "",
    template_id: FormText = "",
    reply_to_id: FormText = "",
    callback_token: FormText = "",
) -> Response:
    form = {"sending_key": sending_key, "template_id": template_id, "reply_to_id": reply_to_id}  # no secret
    if sending_key not in {kind.value for kind in NotifyKeyType}:
        return _page(signed_in, uow, errors={"sending_key": "Select which key sends"}, form=form)
    typed = {
        NotifyKeyType.LIVE: api_key_live,
        NotifyKeyType.TEAM: api_key_team,
        NotifyKeyType.TEST: api_key_test,
    }
    entry = NotifyServiceEntry(
        sending_key=NotifyKeyType(sending_key),
        template_id=template_id,
        api_keys={kind: key.strip() for kind, key in typed.items() if key.strip()},  # blank: keep it
        reply_to_id=reply_to_id,
        callback_token=callback_token or None,
    )
    try:
        with uow.attempt():
            notify_services.set_notify_service(
                uow.session,
                SecretBox.from_settings(settings),
                signed_in.network,
                entry,
                actor=signed_in.actor,
                now=now,
            )
    except NotifyServiceRefused as refused:  # its message never repeats a secret
        message = str(refused).partition(": ")[2]
        field = refused.field if refused.field in LABELS else "api_keys"
        return _page(signed_in, uow, errors={field: f"{LABELS[field]}: {message}"}, form=form)
    return saved(signed_in, "notify", "set")


@router.post("/admin/{slug}/settings/notify/check", response_class=HTMLResponse)
def check_service(signed_in: AdminRoleDep, uow: UowDep, now: NowDep, settings: SettingsDep) -> Response:
    """Fetch the template from Notify with the sending key (nothing is sent); the page says how it went."""
    try:
        result = notify_services.check_notify_service(
            uow.session,
            SecretBox.from_settings(settings),
            signed_in.network,
            functools.partial(check_key, settings),
            actor=signed_in.actor,
            now=now,
        )
    except SecretUnreadable:
        check = {
            "ok": "",
            "text": "A stored key cannot be read with this deployment's encryption keys. Enter the keys "
            "again, or ask whoever runs the deployment to check NOTIFIER_ENCRYPTION_KEYS.",
        }
        return _page(signed_in, uow, check=check)
    if result is None:
        check = {"ok": "", "text": "This network has no Notify service of its own to check."}
    elif result.problem is None:
        check = {
            "ok": "yes",
            "text": f"Notify service {result.service_id} accepted the key and has the template.",
        }
    else:
        check = {"ok": "", "text": f"The check failed: {result.problem}"}
    return _page(signed_in, uow, check=check)


@router.get("/admin/{slug}/settings/notify/clear", response_class=HTMLResponse)
def confirm_clear(signed_in: AdminRoleDep, uow: UowDep) -> Response:
    summary = notify_services.describe(uow.session, signed_in.network)
    if summary is None:
        return RedirectResponse(f"{signed_in.base}/settings/notify", status_code=status.HTTP_303_SEE_OTHER)
    return render_settings(
        signed_in,
        "settings_notify_clear.html",
        title="Stop using the network's own Notify service?",
        section="notify",
        summary=summary,
    )


@router.post("/admin/{slug}/settings/notify/clear", response_class=HTMLResponse)
def clear_service(signed_in: AdminRoleDep, uow: UowDep) -> Response:
    had = notify_services.clear_notify_service(uow.session, signed_in.network, actor=signed_in.actor)
    return saved(signed_in, "notify", "cleared" if had else "none")
