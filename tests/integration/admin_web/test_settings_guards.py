"""Every form of the site, branding and Notify settings pages on both databases: an editor is refused,
another network's admin gets 404, a post without the form's CSRF token is refused, and none of them
stores or audits anything, though each post is one the network's admin could make."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notifier.db.models import AuditRecord, NetworkNotifyService
from notifier.db.session import unit_of_work
from tests.integration.admin_web.settings_support import (
    ADMIN,
    EDITOR,
    OTHER_ADMIN,
    TEMPLATE,
    fake_key,
    network_settings,
    post_form,
    two_networks,
)
from tests.integration.admin_web.support import AdminWeb, csrf_from, sign_in

BASE = "/admin/alpha/settings"
PAGES = ("/site", "/branding", "/notify", "/notify/clear")
FORMS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("/site/rules", {"kind": "tags", "name": "pride", "topics": ["pride"]}),
    ("/site/rules/remove", {"kind": "tags", "name": "pride"}),
    ("/site/default", {"default_topics": ["news"]}),
    ("/site/fields", {"field-event-start": "starts_at"}),
    ("/branding", {"colour": "#5b2c86", "logo_url": "https://alpha.example.gov.uk/logo.png"}),
    ("/notify", {"api_key_live": fake_key("live"), "sending_key": "live", "template_id": TEMPLATE}),
    ("/notify/check", {}),
    ("/notify/clear", {}),
)


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    return two_networks(sessions)


def _state(web: AdminWeb) -> tuple[object, ...]:
    with unit_of_work(web.sessions) as uow:
        services = uow.session.scalar(select(func.count()).select_from(NetworkNotifyService))
        audits = uow.session.scalar(select(func.count()).select_from(AuditRecord))
    return network_settings(web), network_settings(web, "beta"), services, audits


def test_only_the_networks_admin_with_the_forms_token_changes_anything(web: AdminWeb) -> None:
    alice, eddie, bob = (
        sign_in(web, "alpha", ADMIN),
        sign_in(web, "alpha", EDITOR),
        sign_in(web, "beta", OTHER_ADMIN),
    )
    for page in PAGES:
        assert eddie.get(BASE + page, follow_redirects=False).status_code == 403, page
        assert bob.get(BASE + page, follow_redirects=False).status_code == 404, page
    before = _state(web)
    editor_token, other_token = csrf_from(eddie, "/admin/alpha"), csrf_from(bob, "/admin/beta")
    for action, data in FORMS:
        path = BASE + action
        as_editor = eddie.post(path, data={"csrf_token": editor_token, **data}, follow_redirects=False)
        assert as_editor.status_code == 403 and "needs the admin role" in as_editor.text, action
        as_other = bob.post(path, data={"csrf_token": other_token, **data}, follow_redirects=False)
        assert as_other.status_code == 404, action
        without_token = alice.post(path, data=data, follow_redirects=False)
        assert without_token.status_code == 403 and "could not be checked" in without_token.text, action
        assert _state(web) == before, action
    # The same forms, with the page's token, are the admin's to make.
    made = post_form(alice, f"{BASE}/site", f"{BASE}/site/rules", **FORMS[0][1])
    assert made.status_code == 303 and _state(web) != before
