"""The network's branding set in the browser on both databases, with the same checks as the admin API
and `notifier network brand`: a colour white text cannot be read on, or a logo not on https, is
refused naming the field, and nothing is stored; a saved brand is worn by the pages at once."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.admin_web.settings_support import (
    ADMIN,
    audit_trail,
    network_settings,
    post_form,
    two_networks,
)
from tests.integration.admin_web.support import AdminWeb, sign_in

PAGE = "/admin/alpha/settings/branding"
LOGO = "https://alpha.example.gov.uk/logo.png"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    return two_networks(sessions)


def test_a_brand_is_saved_worn_and_its_logo_taken_off(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    saved = post_form(alice, PAGE, PAGE, colour=" #5B2C86 ", logo_url=LOGO)
    assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?done=saved"
    assert {k: network_settings(web)[k] for k in ("brand_colour", "logo_url")} == {
        "brand_colour": "#5b2c86",
        "logo_url": LOGO,
    }
    page = alice.get(f"{PAGE}?done=saved").text
    assert "Branding saved." in page and "background-color: #5b2c86" in page and f'src="{LOGO}"' in page
    assert post_form(alice, PAGE, PAGE, colour="#5b2c86", logo_url="").status_code == 303
    assert "logo_url" not in network_settings(web)
    public = alice.get("/subscribe/alpha").text
    assert "background-color: #5b2c86" in public and LOGO not in public
    trail = [(actor, detail) for action, actor, detail in audit_trail(web) if action == "network.branding"]
    assert [detail for _, detail in trail] == [
        {"colour": "#5b2c86", "logo": True},
        {"colour": "#5b2c86", "logo": False},
    ]
    assert all(actor.startswith("admin:") for actor, _ in trail)


@pytest.mark.parametrize(
    ("colour", "logo_url", "field", "message"),
    [
        ("#ffdd00", LOGO, "colour", "White text on #ffdd00 has a contrast of"),
        ("purple", LOGO, "colour", "Enter the colour as # and six hex digits"),
        ("", LOGO, "colour", "Enter the colour as # and six hex digits"),
        ("#5b2c86", "http://alpha.example.gov.uk/logo.png", "logo_url", "as an https URL"),
        ("#5b2c86", "https://169.254.169.254/meta-data/", "logo_url", "169.254.169.254 is an IP address"),
        ("#5b2c86", "https://images.example.com/logo.png", "logo_url", "must be on the network's own site"),
    ],
)  # fmt: skip
def test_a_bad_value_names_its_field_and_stores_nothing(
    web: AdminWeb, colour: str, logo_url: str, field: str, message: str
) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    before = network_settings(web)
    refused = post_form(alice, PAGE, PAGE, colour=colour, logo_url=logo_url)
    assert refused.status_code == 400 and f'href="#{field}"' in refused.text
    assert message in unescape(refused.text)
    assert f'value="{logo_url}"' in refused.text  # the form as it was sent
    assert network_settings(web) == before
    assert "network.branding" not in [action for action, _, _ in audit_trail(web)]
