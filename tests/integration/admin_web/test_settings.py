"""A network's settings in the web admin on both databases: the privacy notice and domains with
errors naming the field, topics, retention rules that can only be shortened, admin API tokens shown
once and revocable, and the hook secret rotated with the old one accepted for a grace period."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.base import utcnow
from notifier.db.models import ApiToken, AuditRecord, Network, RetentionRule, Topic
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.services.sources import webhooks
from tests.integration.admin_web.support import AdminWeb, csrf_from, invite, make_admin_web, sign_in
from tests.support.seeding import network_with_topics

pytestmark = pytest.mark.dates

ADMIN = "alice.admin@cabinetoffice.gov.uk"
PAGE = "/admin/alpha/settings"


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    with unit_of_work(sessions) as uow:
        network_with_topics(uow.session, "alpha", ["news"])
        network_with_topics(uow.session, "beta", ["news"])
    admin_web = make_admin_web(sessions)
    invite(admin_web, "alpha", ADMIN, AdminRole.ADMIN, name="Alice Admin")
    invite(admin_web, "alpha", "eddie.editor@justice.gov.uk", AdminRole.EDITOR, name="Eddie Editor")
    invite(admin_web, "beta", "bob.beta@justice.gov.uk", AdminRole.ADMIN, name="Bob Beta")
    return admin_web


def _network(web: AdminWeb) -> Network:
    with unit_of_work(web.sessions) as uow:
        return uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()


def _post(client, path: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_from(client, PAGE), **data}, follow_redirects=False)


def test_notice_domains_topics_and_retention(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    assert sign_in(web, "alpha", "eddie.editor@justice.gov.uk").get(PAGE).status_code == 403
    bad = _post(alice, f"{PAGE}/notice", url="http://x", version="")
    assert bad.status_code == 400 and "enter the https address of the privacy notice" in bad.text
    assert (
        _post(
            alice, f"{PAGE}/notice", url="https://alpha.example.gov.uk/privacy/v2", version="v2"
        ).status_code
        == 303
    )
    assert _network(web).privacy_notice_version == "v2"
    wrong = _post(alice, f"{PAGE}/domains", domains="cabinetoffice.gov.uk\nnot a domain")
    assert wrong.status_code == 400 and "is not a domain like" in wrong.text
    assert _post(alice, f"{PAGE}/domains", domains="cabinetoffice.gov.uk\n*.nhs.uk").status_code == 303
    assert _network(web).allowed_email_domains == ["cabinetoffice.gov.uk", "*.nhs.uk"]
    clash = _post(alice, f"{PAGE}/topics", topic_slug="news", topic_name="News again")
    assert clash.status_code == 400 and "already has a topic called" in clash.text
    assert (
        _post(
            alice, f"{PAGE}/topics", topic_slug="business", topic_name="Business", members_only="yes"
        ).status_code
        == 303
    )
    with unit_of_work(web.sessions) as uow:
        business = uow.session.scalars(select(Topic).where(Topic.slug == "business")).one()
        assert business.members_only
    longer = _post(alice, f"{PAGE}/retention", rule="contact_enquiry", months="7", days="0")
    assert longer.status_code == 400 and "can only be made shorter" in longer.text
    assert _post(alice, f"{PAGE}/retention", rule="contact_enquiry", months="3", days="0").status_code == 303
    again = _post(alice, f"{PAGE}/retention", rule="contact_enquiry", months="4", days="0")
    assert again.status_code == 400  # 3 months now: 4 would lengthen it
    with unit_of_work(web.sessions) as uow:
        (rule,) = uow.session.scalars(select(RetentionRule)).all()
        assert (rule.kind.value, rule.months, rule.days) == ("contact_enquiry", 3, 0)
        actions = list(
            uow.session.scalars(select(AuditRecord.action).where(AuditRecord.actor.like("admin:%")))
        )
    for action in (
        "privacy_notice_changed",
        "email_domains_changed",
        "topic_created",
        "retention_rule_shortened",
    ):
        assert action in actions
    bob = sign_in(web, "beta", "bob.beta@justice.gov.uk")
    assert bob.get(PAGE).status_code == 404
    token = csrf_from(bob, "/admin/beta/settings")
    assert (
        bob.post(f"{PAGE}/domains", data={"csrf_token": token, "domains": "evil.gov.uk"}).status_code == 404
    )


def test_tokens_are_shown_once_and_revocable(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    refused = _post(alice, f"{PAGE}/tokens", label="", email="x", role="editor")
    assert refused.status_code == 400 and "short label" in refused.text
    made = _post(alice, f"{PAGE}/tokens", label="Sam, comms", email="sam@cabinetoffice.gov.uk", role="editor")
    assert made.status_code == 200
    secret = re.search(r'id="secret-value">(ntf_[A-Za-z0-9_\-]+)<', made.text)
    assert secret
    listed = alice.get(
        "/admin/api/networks/alpha/announcements", headers={"Authorization": f"Bearer {secret.group(1)}"}
    )
    assert listed.status_code == 200
    assert secret.group(1) not in alice.get(PAGE).text  # shown once
    with unit_of_work(web.sessions) as uow:
        token_id = uow.session.scalars(select(ApiToken.id).where(ApiToken.label == "Sam, comms")).one()
    assert _post(alice, f"{PAGE}/tokens/{token_id}/revoke").status_code == 303
    gone = alice.get(
        "/admin/api/networks/alpha/announcements", headers={"Authorization": f"Bearer {secret.group(1)}"}
    )
    assert gone.status_code == 401


def test_the_hook_secret_rotates_with_a_grace_period(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    old = _network(web).webhook_secret
    rotated = _post(alice, f"{PAGE}/hook-secret")
    assert rotated.status_code == 200 and "keeps working for 24 hours" in rotated.text
    new = _network(web).webhook_secret
    assert new != old and new in rotated.text and new not in alice.get(PAGE).text

    def publish(secret: str, number: int) -> int:
        body = json.dumps(
            {"url": f"https://alpha.example.gov.uk/news/{number}/", "title": "T", "revision": "1"}
        ).encode()
        headers = webhooks.signed_headers(secret, body, now=time.time())
        return alice.post("/hooks/alpha/content", content=body, headers=headers).status_code

    assert publish(new, 1) == 202
    assert publish(old, 2) == 202  # the grace period
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        assert publish(old, 3) == 401
        assert publish(new, 4) == 202


def test_the_meeting_organiser_is_set_on_the_settings_page(web: AdminWeb) -> None:
    alice = sign_in(web, "alpha", ADMIN)
    page = alice.get(PAGE)
    assert 'id="organiser"' in page.text and "meetings@alpha.example.gov.uk" in page.text
    bad = _post(alice, f"{PAGE}/organiser", address="chair at alpha")
    assert bad.status_code == 400 and "Enter the organiser&#39;s email address" in bad.text
    assert _network(web).settings["meeting_organizer_email"] == "meetings@alpha.example.gov.uk"
    good = _post(alice, f"{PAGE}/organiser", address="Chair@Alpha.example.gov.uk")
    assert good.status_code == 303
    assert "Meeting organiser saved" in alice.get(good.headers["location"]).text
    assert _network(web).settings["meeting_organizer_email"] == "chair@alpha.example.gov.uk"
    editor = sign_in(web, "alpha", "eddie.editor@justice.gov.uk")
    token = csrf_from(editor, "/admin/alpha")
    refused = editor.post(
        f"{PAGE}/organiser", data={"csrf_token": token, "address": "x@alpha.example.gov.uk"}
    )
    assert refused.status_code == 403
