"""The network's branding (admin role): the header colour and logo its public and admin pages wear.
The same checks as `notifier network brand` and `PUT /admin/api/networks/{slug}/branding`
(services/admin/branding.py): white text on the colour must reach 4.5:1 and the logo must be an https
URL. The form is the whole look: a blank logo address takes the logo off."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from notifier.domain.branding import MINIMUM_CONTRAST, BrandingRejected, branding_from, contrast_with_white
from notifier.services.admin.branding import set_branding
from notifier.services.common import audit
from notifier.web.deps import UowDep
from notifier.web.routes.admin_web.session import AdminRoleDep, SignedIn
from notifier.web.routes.admin_web.settings.common import FormText, render_settings, saved

router = APIRouter(tags=["admin pages"], include_in_schema=False)


def _page(
    signed_in: SignedIn,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    branding = branding_from(signed_in.network.settings)
    return render_settings(
        signed_in,
        "settings_branding.html",
        title="Branding",
        section="branding",
        errors=errors,
        notice=notice,
        form=form or {"colour": branding.colour, "logo_url": branding.logo_url or ""},
        contrast=f"{contrast_with_white(branding.colour):.1f}",
        minimum_contrast=MINIMUM_CONTRAST,
    )


@router.get("/admin/{slug}/settings/branding", response_class=HTMLResponse)
def branding_page(signed_in: AdminRoleDep, done: str = "") -> HTMLResponse:
    return _page(signed_in, notice="Branding saved." if done == "saved" else "")


@router.post("/admin/{slug}/settings/branding", response_class=HTMLResponse)
def save_branding(
    signed_in: AdminRoleDep, uow: UowDep, colour: FormText = "", logo_url: FormText = ""
) -> Response:
    network = signed_in.network
    logo = logo_url.strip()
    try:
        with uow.attempt():
            branding = set_branding(network, colour=colour, logo_url=logo or None, clear_logo=not logo)
    except BrandingRejected as exc:
        field = "logo_url" if exc.field == "logo_url" else "colour"
        return _page(signed_in, errors={field: str(exc)}, form={"colour": colour, "logo_url": logo_url})
    audit.record(
        uow.session, network.id, signed_in.actor, "network.branding", "network", network.id,
        colour=branding.colour, logo=branding.logo_url is not None,
    )  # fmt: skip
    return saved(signed_in, "branding", "saved")
