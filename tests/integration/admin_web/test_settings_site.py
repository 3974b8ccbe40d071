"""How the network's site is read, set in the browser on both databases: routing rules by collection,
category and tag, the default topics and the site's own front-matter names, checked by the same
service as the admin API and the CLI, with errors naming the field and nothing stored on a refusal."""

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

PAGE = "/admin/alpha/settings/site"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    return two_networks(sessions)


def test_rules_and_default_topics_are_set_replaced_and_removed(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    assert "No rules" in alice.get(PAGE).text
    made = post_form(
        alice, PAGE, f"{PAGE}/rules", kind="categories", name="Staff News", topics=["news", "pride"]
    )
    assert made.status_code == 303 and made.headers["location"] == f"{PAGE}?done=rule"
    assert post_form(alice, PAGE, f"{PAGE}/rules", kind="collections", name="events", topics=["events"])
    assert post_form(alice, PAGE, f"{PAGE}/default", default_topics=["news"]).status_code == 303
    assert network_settings(web)["routing"] == {
        "collections": {"events": ["events"]},
        "categories": {"Staff News": ["news", "pride"]},
        "tags": {},
        "default": ["news"],
    }
    # A rule for a name that already has one (as a page would match it) replaces it.
    again = post_form(alice, PAGE, f"{PAGE}/rules", kind="categories", name="staff-news", topics=["news"])
    assert again.status_code == 303
    assert network_settings(web)["routing"]["categories"] == {"staff-news": ["news"]}
    shown = alice.get(f"{PAGE}?done=rule")
    assert "Rule saved." in shown.text and "<strong>staff-news</strong>" in shown.text
    assert "<strong>Staff News</strong>" not in shown.text
    removed = post_form(alice, PAGE, f"{PAGE}/rules/remove", kind="collections", name="events")
    assert removed.status_code == 303
    assert network_settings(web)["routing"]["collections"] == {}
    missing = post_form(alice, PAGE, f"{PAGE}/rules/remove", kind="collections", name="events")
    assert missing.status_code == 404
    routing_audits = [
        (actor, detail) for action, actor, detail in audit_trail(web) if action == "site.routing"
    ]
    assert len(routing_audits) == 5 and all(actor.startswith("admin:") for actor, _ in routing_audits)
    assert routing_audits[-1][1] == {"change": "rule removed", "kind": "collections", "rule": "events"}


@pytest.mark.parametrize(
    ("form", "field_id", "message"),
    [
        ({"kind": "tags", "name": "x", "topics": ["nope"]}, "rule_topics", "'nope' is not a topic"),
        ({"kind": "tags", "name": "   ", "topics": ["news"]}, "rule_name", "Rule name: each rule needs"),
        ({"kind": "", "name": "x", "topics": ["news"]}, "rule_kind", "Select whether the rule is for"),
        ({"kind": "tags", "name": "x"}, "rule_topics", "Select the rule's topics"),
    ],
)  # fmt: skip
def test_a_bad_rule_names_its_field_and_stores_nothing(
    web: AdminWeb, form: dict[str, object], field_id: str, message: str
) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    before = network_settings(web)
    refused = post_form(alice, PAGE, f"{PAGE}/rules", **form)
    assert refused.status_code == 400
    assert "govuk-error-summary" in refused.text and f'href="#{field_id}"' in refused.text
    assert message in unescape(refused.text)
    assert network_settings(web) == before
    assert not [action for action, _, _ in audit_trail(web) if action == "site.routing"]


def test_a_forged_default_topic_is_refused(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    refused = post_form(alice, PAGE, f"{PAGE}/default", default_topics=["news", "secret"])
    assert refused.status_code == 400 and "Default topics: 'secret' is not a topic" in unescape(refused.text)
    assert "routing" not in network_settings(web)


def test_front_matter_names_are_the_sites_own_first(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    saved = post_form(
        alice, PAGE, f"{PAGE}/fields",
        **{"field-event-registration_deadline": "closes, booking_ends,", "field-event-location": " room "},
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?done=fields"
    assert network_settings(web)["fields"] == {
        "event.registration_deadline": ["closes", "booking_ends"],
        "event.location": ["room"],
    }
    page = alice.get(PAGE).text
    assert 'value="closes, booking_ends"' in page and "Understood already: registration_deadline" in page
    too_many = ",".join(f"key{n}" for n in range(11))
    refused = post_form(
        alice, PAGE, f"{PAGE}/fields", **{"field-event-start": too_many, "field-event-location": "hall"}
    )
    assert refused.status_code == 400 and 'href="#field-event-start"' in refused.text
    assert "event.start: at most 10 keys" in refused.text
    assert f'value="{too_many}"' in refused.text and 'value="hall"' in refused.text  # the form as sent
    assert network_settings(web)["fields"]["event.location"] == ["room"]  # nothing half-stored
    assert post_form(alice, PAGE, f"{PAGE}/fields").status_code == 303  # all blank: the common names
    assert network_settings(web)["fields"] == {}
    assert [a for a, actor, _ in audit_trail(web) if a == "site.fields" and actor.startswith("admin:")] == [
        "site.fields",
        "site.fields",
    ]
