"""A network's colour and logo are checked before they are kept: white text must stay readable."""

from __future__ import annotations

import pytest

from notifier.db.models import Network
from notifier.domain.branding import Branding, BrandingRejected, branding_from, contrast_with_white
from notifier.services.admin.branding import set_branding


def test_contrast_follows_wcag() -> None:
    assert round(contrast_with_white("#000000"), 1) == 21.0
    assert round(contrast_with_white("#ffffff"), 1) == 1.0
    assert round(contrast_with_white("#1d70b8"), 2) == 5.17  # GOV.UK blue, white text passes AA


@pytest.mark.parametrize(
    ("colour", "logo", "field"),
    [
        ("#ffdd00", None, "colour"),  # yellow: white text on it is unreadable
        ("purple", None, "colour"),
        ("#5b2c86", "http://alpha.example.gov.uk/logo.png", "logo_url"),
        ("#5b2c86", "javascript:alert(1)", "logo_url"),
    ],
)
def test_a_bad_value_is_refused_by_name_and_nothing_is_stored(
    colour: str, logo: str | None, field: str
) -> None:
    network = Network(settings={"routing": {}})
    with pytest.raises(BrandingRejected) as refused:
        set_branding(network, colour=colour, logo_url=logo)
    assert refused.value.field == field
    assert network.settings == {"routing": {}}


def test_good_values_are_stored_and_the_logo_can_be_removed() -> None:
    network = Network(settings={"routing": {}})
    branding = set_branding(network, colour=" #5B2C86 ", logo_url="https://alpha.example.gov.uk/logo.png")
    assert branding.colour == "#5b2c86" and branding.logo_url == "https://alpha.example.gov.uk/logo.png"
    assert set_branding(network, clear_logo=True).logo_url is None
    assert network.settings["routing"] == {} and network.settings["brand_colour"] == "#5b2c86"


def test_stored_values_are_checked_again_before_they_reach_a_page() -> None:
    tampered = branding_from({"brand_colour": "red;background:url(x)", "logo_url": "javascript:alert(1)"})
    assert tampered == Branding()
