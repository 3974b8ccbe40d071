"""Setting a network's header colour and logo: the one check for `notifier network brand`, the admin
API's branding and the web admin's settings (a logo must be on the network's own site)."""

from __future__ import annotations

from notifier.db.models import Network
from notifier.domain.branding import (
    COLOUR_SETTING,
    LOGO_SETTING,
    Branding,
    branding_from,
    check_colour,
    check_logo_url,
)


def set_branding(
    network: Network, *, colour: str | None = None, logo_url: str | None = None, clear_logo: bool = False
) -> Branding:
    """Check both values first, then store them, so a bad one changes nothing."""
    checked_colour = None if colour is None else check_colour(colour)
    checked_logo = None if logo_url is None else check_logo_url(logo_url, network.site_url)
    updated = dict(network.settings)
    if checked_colour is not None:
        updated[COLOUR_SETTING] = checked_colour
    if checked_logo is not None:
        updated[LOGO_SETTING] = checked_logo
    elif clear_logo:
        updated.pop(LOGO_SETTING, None)
    network.settings = updated
    return branding_from(updated)
