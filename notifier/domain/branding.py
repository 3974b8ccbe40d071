"""A network's own look on its pages: a header colour and a logo, checked before they are kept.

The header puts white text on the colour, so a colour is refused unless white on it reaches WCAG's
4.5:1 contrast. Every visitor's browser fetches the logo, so it must be an https URL on the network's
own site (its host or a subdomain of it): never plain http, never an IP address (an internal one such
as 169.254.169.254 would have every visitor's browser probe it), never another site's.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

COLOUR_SETTING = "brand_colour"  # keys in network.settings
LOGO_SETTING = "logo_url"
DEFAULT_COLOUR = "#0b0c0c"  # GOV.UK Frontend's black, the Generic header's own background
MINIMUM_CONTRAST = 4.5
_HEX = re.compile(r"#[0-9a-f]{6}")


class BrandingRejected(ValueError):
    """`field` names what was wrong, for a 4xx or a CLI error naming the option."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Branding:
    colour: str = DEFAULT_COLOUR
    logo_url: str | None = None


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(foreground: str, background: str) -> float:
    """WCAG 2.2's contrast ratio between two colours (#rrggbb), the lighter's over the darker's."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_with_white(colour: str) -> float:
    """WCAG 2.2's contrast ratio between white text and `colour` (#rrggbb)."""
    return contrast("#ffffff", colour)


def check_colour(raw: str) -> str:
    colour = raw.strip().lower()
    if not _HEX.fullmatch(colour):
        raise BrandingRejected("colour", "Enter the colour as # and six hex digits, like #5b2c86")
    ratio = contrast_with_white(colour)
    if ratio < MINIMUM_CONTRAST:
        raise BrandingRejected(
            "colour",
            f"White text on {colour} has a contrast of {ratio:.1f}:1; choose a darker colour "
            f"(at least {MINIMUM_CONTRAST}:1)",
        )
    return colour


def check_logo_url(raw: str, site_url: str) -> str:
    """The logo's URL, if it is an https URL on the network's own site (`site_url`'s host or below)."""
    url = raw.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = urlsplit(""), None
    if parts.scheme != "https" or not parts.hostname or len(url) > 500:
        raise BrandingRejected(
            "logo_url", "Enter the logo's address as an https URL of 500 characters or fewer"
        )
    site = _host(site_url)
    problem = _off_site(parts, port, site)
    if problem:
        raise BrandingRejected(
            "logo_url",
            f"The logo must be on the network's own site ({site} or a subdomain of it), because every "
            f"visitor's browser fetches it: {problem}",
        )
    return url


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _off_site(parts: SplitResult, port: int | None, site: str) -> str:
    """Why a logo URL is not on the site's domain, or "" when it is."""
    host = (parts.hostname or "").rstrip(".")
    if parts.username is not None or parts.password is not None:
        return "the address must not carry a user name or password"
    if _is_ip_address(host):
        return f"{host} is an IP address, not the site's domain name"
    if port not in (None, 443):
        return f"the address names port {port}; use the site's own https address"
    if not site or not (host == site or host.endswith("." + site)):
        return f"{host} is not on {site or 'the site'}"
    return ""


def _is_ip_address(host: str) -> bool:
    """An IP literal, or a host a browser reads as IPv4 (WHATWG: its last label is a number, as in
    2852039166, 127.1 or 0xa9.0xfe.0xa9.0xfe)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(re.fullmatch(r"[0-9]+|0x[0-9a-f]*", host.rsplit(".", 1)[-1]))
    return True


def branding_from(settings: dict[str, object], site_url: str | None = None) -> Branding:
    """What a network's stored settings say. Checked when stored, and again here (a value that goes
    into a stylesheet is never trusted to be only a colour; with `site_url`, a logo stored before the
    rule above is shown only if it keeps it), falling back to the defaults."""
    colour = settings.get(COLOUR_SETTING)
    logo = settings.get(LOGO_SETTING)
    shown = isinstance(logo, str) and logo.startswith("https://")
    if shown and site_url is not None:
        try:
            check_logo_url(str(logo), site_url)
        except BrandingRejected:
            shown = False
    return Branding(
        colour=colour if isinstance(colour, str) and _HEX.fullmatch(colour) else DEFAULT_COLOUR,
        logo_url=str(logo) if shown else None,
    )
