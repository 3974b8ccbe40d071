"""Admin API: how the network's site is read (its front-matter key names and its routing rules), and
its connection: connect it with its whole page list (the site hook's format: nothing is sent), and
see what notifier knows of it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from notifier.services.common import audit
from notifier.services.sources import site_settings
from notifier.services.sources.site import inventory, known_pages
from notifier.services.sources.site.inventory import ListMode
from notifier.web.deps import NowDep, QueueDep, UowDep
from notifier.web.routes.admin_api.admin_auth import AdminDep, AdminTokenDep, problem
from notifier.web.routes.site_hook import PageListIn, list_answer

router = APIRouter(prefix="/admin/api/networks/{network_slug}/site", tags=["admin"])


class FieldsIn(BaseModel):
    """notifier's field (e.g. `event.registration_deadline`) -> the site's front-matter key(s)."""

    model_config = ConfigDict(extra="forbid")

    fields: dict[str, str | list[str]] = Field(
        description="e.g. {'event.registration_deadline': 'deadline', 'event.contact_email': 'email'}"
    )


class RoutingIn(BaseModel):
    """Which topics a page goes to: by collection, category and tag, else the default topics."""

    model_config = ConfigDict(extra="forbid")

    collections: dict[str, list[str]] = Field(default_factory=dict)
    categories: dict[str, list[str]] = Field(default_factory=dict)
    tags: dict[str, list[str]] = Field(default_factory=dict)
    default: list[str] = Field(default_factory=list)


@router.get("")
def show_site_settings(admin: AdminDep) -> dict[str, Any]:
    return site_settings.show(admin.network)


@router.put("/fields")
def set_site_fields(body: FieldsIn, admin: AdminTokenDep, uow: UowDep) -> dict[str, Any]:
    try:
        site_settings.set_fields(uow.session, admin.network, body.fields)
    except site_settings.SiteSettingsError as exc:
        raise problem(exc.field, exc.message) from exc
    audit.record(uow.session, admin.network.id, admin.actor, "site.fields", "network", admin.network.id)
    return site_settings.show(admin.network)


@router.put("/routing")
def set_site_routing(body: RoutingIn, admin: AdminTokenDep, uow: UowDep) -> dict[str, Any]:
    try:
        site_settings.set_routing(uow.session, admin.network, body.model_dump())
    except site_settings.SiteSettingsError as exc:
        raise problem(exc.field, exc.message) from exc
    audit.record(uow.session, admin.network.id, admin.actor, "site.routing", "network", admin.network.id)
    return site_settings.show(admin.network)


@router.get("/connection")
def show_site_connection(admin: AdminDep, uow: UowDep) -> dict[str, Any]:
    """When the site was connected, its pages by collection and outcome, the newest, the unsent."""
    return known_pages.as_json(known_pages.connection(uow.session, admin.network))


@router.post("/connect")
def connect_site(
    body: PageListIn, admin: AdminTokenDep, uow: UowDep, queue: QueueDep, now: NowDep
) -> dict[str, Any]:
    """Connect the site with its page list, as `notifier hook connect` does: every page is recorded as
    known and nothing is sent; the answer says, per page, what would have been sent."""
    listing = body.page_list(mode=ListMode.CONNECT)
    answer = inventory.receive_list(uow, queue, admin.network, listing, now=now)
    audit.record(uow.session, admin.network.id, admin.actor, "site.connect", "network", admin.network.id)
    return list_answer(answer, dry_run=listing.dry_run)
