"""A network's own look on its pages: a header colour and a logo, checked before they are kept.

The header puts white text on the colour, so a colour is refused unless white on it reaches WCAG's
4.5:1 contrast; a logo must be an https image URL (pages never load anything over plain http).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

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


def contrast_with_white(colour: str) -> float:
    """WCAG 2.2's contrast ratio between white text and `colour` (#rrggbb)."""
    return 1.05 / (_luminance(colour) + 0.05)


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


def check_logo_url(raw: str) -> str:
    url = raw.strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or len(url) > 500:
        raise BrandingRejected(
            "logo_url", "Enter the logo's address as an https URL of 500 characters or fewer"
        )
    return url


def branding_from(settings: dict[str, object]) -> Branding:
    """What a network's stored settings say. Checked when stored, and again here (a value that goes
    into a style attribute is never trusted to be only a colour), falling back to the defaults."""
    colour = settings.get(COLOUR_SETTING)
    logo = settings.get(LOGO_SETTING)
    return Branding(
        colour=colour if isinstance(colour, str) and _HEX.fullmatch(colour) else DEFAULT_COLOUR,
        logo_url=logo if isinstance(logo, str) and logo.startswith("https://") else None,
    )
