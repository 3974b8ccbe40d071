"""A network's own settings page (admin role): the privacy notice, work-email domains, the meeting
organiser's address, the steering group's address (where the contact form's messages go), topics,
retention rules (which can only be shortened here), admin API tokens and the publish hook's secret.
A new token or secret is shown once, on the answer to the POST that made it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from notifier.domain.retention import Period, RetentionKind, RuleTooLong
from notifier.domain.sources import AdminRole
from notifier.services.admin import admin_tokens, network_settings
from notifier.services.admin.admin_tokens import TokenError
from notifier.services.admin.network_settings import SettingsError
from notifier.services.admin.networks import NetworkError, create_topic
from notifier.services.common import audit
from notifier.services.common.actor_names import actor_names
from notifier.services.privacy.contact import AddressRefused, set_steering_group_address
from notifier.services.privacy.retention import rules_for, set_rule
from notifier.services.sources import organiser
from notifier.web.deps import NowDep, SettingsDep, UowDep
from notifier.web.params import RowId
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn, not_found
from notifier.web.routes.admin_web.settings.common import FormText, render_settings, saved

router = APIRouter(tags=["admin pages"], include_in_schema=False)
DONE = {
    "notice": "Privacy notice saved.",
    "domains": "Work email domains saved.",
    "organiser": "Meeting organiser saved. Calendars holding meetings still to come will be updated.",
    "contact": "Steering group's address saved. Messages from the contact form are forwarded to it.",
    "topic": "Topic added.",
    "retention": "Retention rule shortened.",
    "revoked": "Token revoked.",
}


def _page(
    signed_in: SignedIn,
    uow: UowDep,
    settings: SettingsDep,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    shown_once: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    network = signed_in.network
    return render_settings(
        signed_in,
        "settings.html",
        title="Settings",
        section="",
        errors=errors,
        notice=notice,
        form=form,
        shown_once=shown_once,
        topics=signed_in.scope.topics(),
        rules=rules_for(uow.session, network.id, settings),
        tokens=[
            t for t in admin_tokens.list_tokens(uow.session, network) if not t.label.startswith("web admin ")
        ],
        roles=list(admin_tokens.TOKEN_ROLES),
        maker=actor_names(uow.session, network.id),
    )


@router.get("/admin/{slug}/settings", response_class=HTMLResponse)
def settings_page(
    signed_in: AdminRoleDep, uow: UowDep, settings: SettingsDep, done: str = ""
) -> HTMLResponse:
    return _page(signed_in, uow, settings, notice=DONE.get(done, ""))


def _field_error(exc: Exception) -> dict[str, str]:
    field, _, message = str(exc).partition(": ")
    return {field: message}


@router.post("/admin/{slug}/settings/notice", response_class=HTMLResponse)
def save_notice(
    signed_in: AdminRoleDep, uow: UowDep, settings: SettingsDep, url: FormText = "", version: FormText = ""
) -> Response:
    try:
        with uow.attempt():
            network_settings.update_privacy_notice(
                uow.session, signed_in.network, url=url, version=version, actor=signed_in.actor
            )
    except SettingsError as exc:
        return _page(
            signed_in, uow, settings, errors=_field_error(exc), form={"url": url, "version": version}
        )
    return saved(signed_in, "", "notice")


@router.post("/admin/{slug}/settings/domains", response_class=HTMLResponse)
def save_domains(
    signed_in: AdminRoleDep, uow: UowDep, settings: SettingsDep, domains: FormText = ""
) -> Response:
    try:
        with uow.attempt():
            network_settings.update_domains(uow.session, signed_in.network, domains, actor=signed_in.actor)
    except SettingsError as exc:
        return _page(signed_in, uow, settings, errors=_field_error(exc), form={"domains": domains})
    return saved(signed_in, "", "domains")


@router.post("/admin/{slug}/settings/organiser", response_class=HTMLResponse)
def save_organiser(
    signed_in: AdminRoleDep, uow: UowDep, now: NowDep, settings: SettingsDep, address: FormText = ""
) -> Response:
    try:
        with uow.attempt():
            organiser.set_organiser(uow.session, signed_in.network, address, actor=signed_in.actor, now=now)
    except organiser.OrganiserError as exc:
        return _page(signed_in, uow, settings, errors={exc.field: exc.message}, form={"organiser": address})
    return saved(signed_in, "", "organiser")


@router.post("/admin/{slug}/settings/contact", response_class=HTMLResponse)
def save_contact_address(
    signed_in: AdminRoleDep, uow: UowDep, settings: SettingsDep, address: FormText = ""
) -> Response:
    try:
        with uow.attempt():
            set_steering_group_address(uow.session, signed_in.network, address, actor=signed_in.actor)
    except AddressRefused as exc:
        return _page(signed_in, uow, settings, errors={"contact": str(exc)}, form={"contact": address})
    return saved(signed_in, "", "contact")


@router.post("/admin/{slug}/settings/topics", response_class=HTMLResponse)
def add_topic(
    signed_in: AdminRoleDep,
    uow: UowDep,
    settings: SettingsDep,
    topic_slug: FormText = "",
    topic_name: FormText = "",
    description: FormText = "",
    members_only: FormText = "",
) -> Response:
    form = {"topic_slug": topic_slug, "topic_name": topic_name, "description": description}
    if not topic_name.strip() or len(topic_name) > 200:
        return _page(signed_in, uow, settings, errors={"topic_name": "Enter the topic's name"}, form=form)
    try:
        with uow.attempt():
            topic = create_topic(
                uow.session,
                signed_in.network,
                slug=topic_slug.strip(),
                name=topic_name,
                description=description.strip()[:1000],
                members_only=members_only == "yes",
            )
    except NetworkError as exc:
        message = str(exc).partition(": ")[2]
        return _page(signed_in, uow, settings, errors={"topic_slug": message}, form=form)
    audit.record(uow.session, signed_in.network.id, signed_in.actor, "topic_created", "topic", topic.id)
    return saved(signed_in, "", "topic")


@router.post("/admin/{slug}/settings/retention", response_class=HTMLResponse)
def shorten_rule(
    signed_in: AdminRoleDep,
    uow: UowDep,
    now: NowDep,
    settings: SettingsDep,
    rule: FormText = "",
    months: FormText = "",
    days: FormText = "",
) -> Response:
    network = signed_in.network
    if rule not in {k.value for k in RetentionKind}:
        raise not_found()
    kind = RetentionKind(rule)
    try:
        period = Period(int(months or 0), int(days or 0))
    except ValueError:
        return _page(
            signed_in, uow, settings, errors={f"months-{rule}": "Enter whole numbers of months and days"}
        )
    current = rules_for(uow.session, network.id, settings)[kind]
    if not period.fits_within(current) or period == current:
        message = f"A rule can only be made shorter here: it is {current.describe()} now"
        return _page(signed_in, uow, settings, errors={f"months-{rule}": message})
    try:
        with uow.attempt():
            set_rule(uow.session, network.id, kind, period, now)
    except RuleTooLong as exc:  # a default longer than the notice allows (a deployment setting)
        return _page(signed_in, uow, settings, errors={f"months-{rule}": str(exc)})
    audit.record(
        uow.session, network.id, signed_in.actor, "retention_rule_shortened", "network", network.id,
        rule=rule, months=period.months, days=period.days,
    )  # fmt: skip
    return saved(signed_in, "", "retention")


@router.post("/admin/{slug}/settings/tokens", response_class=HTMLResponse)
def create_token(
    signed_in: AdminRoleDep,
    uow: UowDep,
    settings: SettingsDep,
    label: FormText = "",
    email: FormText = "",
    role: FormText = "",
) -> Response:
    form = {"label": label, "email": email, "role": role}
    if role not in {r.value for r in AdminRole}:
        return _page(signed_in, uow, settings, errors={"token_role": "Select the token's role"}, form=form)
    try:
        with uow.attempt():
            issued = admin_tokens.issue_token(
                uow.session, signed_in.network, role=AdminRole(role), label=label, holder_email=email,
                created_by=signed_in.admin,
            )  # fmt: skip
    except TokenError as exc:
        field, _, message = str(exc).partition(": ")
        return _page(signed_in, uow, settings, errors={f"token_{field}": message}, form=form)
    audit.record(
        uow.session, signed_in.network.id, signed_in.actor, "token_created", "api_token", issued.token_id
    )
    shown = {
        "title": "Your new admin API token",
        "value": issued.secret,
        "hint": "Copy it now: it is not shown again.",
    }
    return _page(signed_in, uow, settings, shown_once=shown)


@router.post("/admin/{slug}/settings/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(token_id: RowId, signed_in: AdminRoleDep, uow: UowDep) -> Response:
    if not admin_tokens.revoke(uow.session, signed_in.network, token_id):
        raise not_found()
    audit.record(uow.session, signed_in.network.id, signed_in.actor, "token_revoked", "api_token", token_id)
    return saved(signed_in, "", "revoked")


@router.post("/admin/{slug}/settings/hook-secret", response_class=HTMLResponse)
def rotate_hook_secret(signed_in: AdminRoleDep, uow: UowDep, now: NowDep, settings: SettingsDep) -> Response:
    secret = network_settings.rotate_hook_secret(
        uow.session, signed_in.network, actor=signed_in.actor, now=now
    )
    hours = int(network_settings.HOOK_GRACE.total_seconds() // 3600)
    shown = {
        "title": "The publish hook's new secret",
        "value": secret,
        "hint": f"Put it in the site's CI secrets now. The old secret keeps working for {hours} hours.",
    }
    return _page(signed_in, uow, settings, shown_once=shown)
