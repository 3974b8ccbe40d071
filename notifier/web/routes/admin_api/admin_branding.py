"""Admin API for the network's look: the header colour and logo its pages wear (admin role).

The same checks as `notifier network brand`: white text on the colour must reach 4.5:1 and the logo
must be an https URL; a bad value is a 422 naming the field and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from notifier.domain.branding import BrandingRejected, branding_from
from notifier.services.admin.branding import set_branding
from notifier.services.common import audit
from notifier.web.deps import UowDep
from notifier.web.routes.admin_api.admin_api import PREFIX
from notifier.web.routes.admin_api.admin_auth import AdminDep, AdminTokenDep, problem

router = APIRouter(prefix=PREFIX, tags=["admin: branding"])


class BrandingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    colour: str | None = Field(default=None, max_length=7, description="Header colour, #rrggbb")
    logo_url: str | None = Field(default=None, max_length=500, description="https URL of the logo image")
    remove_logo: bool = Field(default=False, description="Take the logo off the pages")


def _out(settings: dict[str, Any]) -> dict[str, Any]:
    branding = branding_from(settings)
    return {"colour": branding.colour, "logo_url": branding.logo_url}


@router.get("/branding")
def get_branding(admin: AdminDep) -> dict[str, Any]:
    return _out(admin.network.settings)


@router.put("/branding")
def put_branding(body: BrandingIn, admin: AdminTokenDep, uow: UowDep) -> dict[str, Any]:
    """Set the colour and/or logo; fields left out keep their value."""
    try:
        set_branding(admin.network, colour=body.colour, logo_url=body.logo_url, clear_logo=body.remove_logo)
    except BrandingRejected as exc:
        raise problem(exc.field, str(exc)) from exc
    audit.record(uow.session, admin.network.id, admin.actor, "network.branding", "network", admin.network.id)
    return _out(admin.network.settings)
