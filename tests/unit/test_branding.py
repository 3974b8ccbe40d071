"""A network's colour and logo are checked before they are kept: white text must stay readable."""

from __future__ import annotations

import pytest

from notifier.db.models import Network
from notifier.domain.branding import Branding, BrandingRejected, branding_from, contrast_with_white
from notifier.services.admin.branding import set_branding

SITE = "https://alpha.example.gov.uk"


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
        ("#5b2c86", "https://169.254.169.254/latest/meta-data/", "logo_url"),
        ("#5b2c86", "https://beta.example.gov.uk/logo.png", "logo_url"),
    ],
)
def test_a_bad_value_is_refused_by_name_and_nothing_is_stored(
    colour: str, logo: str | None, field: str
) -> None:
    network = Network(site_url=SITE, settings={"routing": {}})
    with pytest.raises(BrandingRejected) as refused:
        set_branding(network, colour=colour, logo_url=logo)
    assert refused.value.field == field
    assert network.settings == {"routing": {}}


def test_good_values_are_stored_and_the_logo_can_be_removed() -> None:
    network = Network(site_url=SITE, settings={"routing": {}})
    branding = set_branding(network, colour=" #5B2C86 ", logo_url="https://alpha.example.gov.uk/logo.png")
    assert branding.colour == "#5b2c86" and branding.logo_url == "https://alpha.example.gov.uk/logo.png"
    assert set_branding(network, clear_logo=True).logo_url is None
    assert network.settings["routing"] == {} and network.settings["brand_colour"] == "#5b2c86"


def test_stored_values_are_checked_again_before_they_reach_a_page() -> None:
    tampered = branding_from({"brand_colour": "red;background:url(x)", "logo_url": "javascript:alert(1)"})
    assert tampered == Branding()


@pytest.mark.parametrize(
    ("logo", "why"),
    [
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is an IP address"),
        ("https://[fd00::1]/logo.png", "fd00::1 is an IP address"),
        ("https://2852039166/logo.png", "2852039166 is an IP address"),  # 169.254.169.254 to a browser
        ("https://127.1/logo.png", "127.1 is an IP address"),
        ("https://metadata.google.internal/l.png", "metadata.google.internal is not on alpha.example.gov.uk"),
        ("https://alpha.example.gov.uk.evil.example/l.png", "is not on alpha.example.gov.uk"),
        ("https://notalpha.example.gov.uk/l.png", "notalpha.example.gov.uk is not on alpha.example.gov.uk"),
        ("https://me@alpha.example.gov.uk/l.png", "must not carry a user name or password"),
        ("https://alpha.example.gov.uk:8443/l.png", "names port 8443"),
    ],
)
def test_a_logo_off_the_networks_own_site_is_refused_saying_why(logo: str, why: str) -> None:
    network = Network(site_url=SITE, settings={})
    with pytest.raises(BrandingRejected, match="must be on the network's own site") as refused:
        set_branding(network, logo_url=logo)
    assert why in str(refused.value)
    assert network.settings == {}


@pytest.mark.parametrize(
    "logo",
    [
        "https://alpha.example.gov.uk/l.png",
        "https://assets.alpha.example.gov.uk/l.png",
        "https://ALPHA.example.gov.uk./l.png",
    ],
)
def test_a_logo_on_the_site_or_a_subdomain_is_kept(logo: str) -> None:
    assert set_branding(Network(site_url=SITE, settings={}), logo_url=logo).logo_url == logo


def test_a_logo_stored_before_the_rule_is_not_shown() -> None:
    stored: dict[str, object] = {"logo_url": "https://169.254.169.254/logo.png"}
    assert branding_from(stored).logo_url == "https://169.254.169.254/logo.png"  # the stored value, as set
    assert branding_from(stored, SITE).logo_url is None  # but no page shows it
