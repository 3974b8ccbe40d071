"""The site's connection in the admin web, on both databases: an admin asks that the next whole list
connects the site (the workflow's next post then sends nothing), the page shows what notifier knows,
and a known page is sent on purpose through the announcements' sign-off: it waits for a second
person, then sends the page's own email once. The admin API connects with the list itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.cli import hook_site
from notifier.db.models import Announcement, Event, Message, Network
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole, AnnouncementStatus
from notifier.services.sources.announcements import send_due
from notifier.services.sources.meetings import SourceDeps
from tests.integration.admin_web.settings_support import (
    ADMIN,
    EDITOR,
    network_settings,
    post_form,
    two_networks,
)
from tests.integration.admin_web.support import AdminWeb, invite, sign_in
from tests.support.seeding import issue_test_token
from tests.support.site_generator import generate_site

pytestmark = pytest.mark.dates  # moves the clock (tests/conftest.py)

PAGE = "/admin/alpha/settings/site"
APPROVER = "alice.approver@cabinetoffice.gov.uk"
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> AdminWeb:
    admin_web = two_networks(sessions)
    with unit_of_work(sessions) as uow:
        network = uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()
        network.site_url = "https://big.example.gov.uk"
        network.privacy_notice_url = "https://big.example.gov.uk/privacy/"
    invite(admin_web, "alpha", APPROVER, AdminRole.APPROVER, name="Alice Approver")
    return admin_web


def post_list(web: AdminWeb, root: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    with unit_of_work(web.sessions) as uow:
        secret = uow.session.scalars(select(Network.webhook_secret).where(Network.slug == "alpha")).one()
    options = hook_site.PostOptions(
        network="alpha", endpoint="https://testserver", secret=secret, dry_run=False, as_json=True
    )
    capsys.readouterr()
    hook_site.post_site(root, None, None, None, options, client=web.browser())
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_connect_at_the_next_post_then_send_a_known_page_through_sign_off(
    web: AdminWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with unit_of_work(web.sessions) as uow:  # networks are seeded without sign-off; this one needs it
        uow.session.scalars(select(Network).where(Network.slug == "alpha")).one().requires_sign_off = True
    with time_machine.travel(NOW, tick=False):
        root = generate_site(tmp_path / "site", seed=5, now=NOW, posts=6, events=2).root
        alice = sign_in(web, "alpha", ADMIN)
        assert "The site is not connected yet" in alice.get(PAGE).text
        asked = post_form(alice, PAGE, f"{PAGE}/connect")
        assert asked.status_code == 303 and asked.headers["location"] == f"{PAGE}?done=connect"
        assert "site_connect_pending" in network_settings(web)
        assert "every page in it will be recorded as known" in alice.get(PAGE).text

        posted = post_list(web, root, capsys)
        assert {p["action"] for p in posted} == {"known"} and len(posted) == 48
        assert "site_connect_pending" not in network_settings(web)
        shown = alice.get(PAGE).text
        assert "The site was connected on" in shown and "notifier knows 48 of its pages" in shown

    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        with unit_of_work(web.sessions) as uow:
            assert uow.session.scalars(select(Event)).all() == []  # connecting sent nothing
        eddie = sign_in(web, "alpha", EDITOR)
        page_html = eddie.get(PAGE)
        assert page_html.status_code == 403  # site settings are for admins; sending is from their page
        alice = sign_in(web, "alpha", ADMIN)
        known = alice.get(PAGE).text
        first_id = int(known.split("/settings/site/pages/", 1)[1].split("/send", 1)[0])
        sent = post_form(alice, PAGE, f"{PAGE}/pages/{first_id}/send", topic="news")
        assert sent.status_code == 303 and "/admin/alpha/announcements/" in sent.headers["location"]
        with unit_of_work(web.sessions) as uow:
            announcement = uow.session.scalars(select(Announcement)).one()
            assert announcement.status is AnnouncementStatus.AWAITING_APPROVAL
            assert announcement.content_page_id == first_id
        deps = SourceDeps.from_settings(web.settings, web.queue)
        with unit_of_work(web.sessions) as uow:
            assert send_due(uow, deps, NOW + timedelta(hours=2)) == []  # waits for a second person
        approver = sign_in(web, "alpha", APPROVER)
        page = sent.headers["location"]
        assert post_form(approver, page, f"{page}/approve").status_code == 303
        with unit_of_work(web.sessions) as uow:
            assert send_due(uow, deps, NOW + timedelta(hours=2)) == [announcement.id]
        with unit_of_work(web.sessions) as uow:
            message = uow.session.scalars(select(Message).where(Message.email_kind == "content")).one()
            event = uow.session.get(Event, message.event_id)
            assert message.email_kind == "content" and event is not None
            assert event.title == announcement.subject and event.payload["url"].startswith("https://big.")
        other = post_form(alice, PAGE, f"{PAGE}/pages/{first_id + 100000}/send", topic="news")
        assert other.status_code == 404


def test_the_admin_api_connects_with_the_list_and_shows_the_connection(web: AdminWeb, tmp_path: Path) -> None:
    with unit_of_work(web.sessions) as uow:
        network = uow.session.scalars(select(Network).where(Network.slug == "alpha")).one()
        issued = issue_test_token(uow.session, network, AdminRole.ADMIN, "chair@dept.gov.uk")
    token = f"Bearer {issued.secret}"
    client = web.browser()
    entry = {
        "path": "_posts/2026-01-01-old.md",
        "url": "https://big.example.gov.uk/blog/2026/01/01/old/",
        "revision": "abc",
        "front_matter": "title: Old news\ndate: 2026-01-01",
        "summary": "Something old.",
    }
    connected = client.post(
        "/admin/api/networks/alpha/site/connect", json={"pages": [entry]}, headers={"Authorization": token}
    )
    assert connected.status_code == 200, connected.text
    assert [p["action"] for p in connected.json()["pages"]] == ["known"]
    shown = client.get("/admin/api/networks/alpha/site/connection", headers={"Authorization": token}).json()
    assert shown["pages"] == 1 and shown["by_collection"] == {"posts": 1} and shown["connected_at"]
    assert shown["newest"][0]["title"] == "Old news" and shown["newest"][0]["outcome"] == "connected"
    with unit_of_work(web.sessions) as uow:
        assert uow.session.scalars(select(Event)).all() == []
