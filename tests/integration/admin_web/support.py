"""Driving the web admin over HTTP as a browser without JavaScript would: the sign-in link comes out
of the email the real Sender composes, and every form's CSRF token out of the page."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.repositories import networks as network_repo
from notifier.services.admin.invitations import invite_admin
from notifier.services.delivery.emails import TemplateComposer
from notifier.services.delivery.sending import Sender
from notifier.web.app import create_app
from tests.support.fakes import RecordingQueue, ScriptedGateway, UnlimitedLimiter
from tests.support.settings import make_settings
from tests.support.webapp import WEB_SECRET_KEY

PUBLIC = "http://127.0.0.1:8000"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SIGN_IN_LINK = re.compile(r"http://127\.0\.0\.1:8000(/admin/sign-in/[A-Za-z0-9_.\-]+)")


@dataclass
class AdminWeb:
    settings: Settings
    sessions: sessionmaker[Session]
    queue: RecordingQueue
    gateway: ScriptedGateway

    def browser(self) -> TestClient:
        """A new browser: its own cookie jar. https, so the Secure session cookie is sent back."""
        app = create_app(self.settings, self.queue, self.sessions)
        return TestClient(app, base_url="https://testserver")

    def send_queued(self) -> None:
        sender = Sender(
            self.sessions, self.gateway, UnlimitedLimiter(), TemplateComposer.from_settings(self.settings)
        )
        for message_id, first, last, _lane in self.queue.sends:
            sender.send_chunk(message_id, first, last)
        self.queue.sends.clear()

    def last_link(self) -> str:
        found = SIGN_IN_LINK.search(self.gateway.sent[-1].body)
        assert found, self.gateway.sent[-1].body
        return found.group(1)


def make_admin_web(sessions: sessionmaker[Session], **overrides: object) -> AdminWeb:
    settings = make_settings(
        secret_key=WEB_SECRET_KEY,
        public_base_url=PUBLIC,
        one_click_base_url="https://testserver",
        **overrides,
    )
    return AdminWeb(settings, sessions, RecordingQueue(), ScriptedGateway())


def invite(web: AdminWeb, slug: str, email: str, role: AdminRole, name: str = "Sam Admin") -> int:
    """The admin, added as the command line would (no invitation email)."""
    with unit_of_work(web.sessions) as uow:
        network = network_repo.get_network_by_slug(uow.session, slug)
        assert network is not None
        member = invite_admin(
            uow.session,
            network,
            email=email,
            name=name,
            role=role,
            invited_by="cli",
            hash_key=WEB_SECRET_KEY,
            now=utcnow(),
        )
        member_id: int = member.id
        return member_id


def csrf_from(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF_FIELD.search(page.text)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def ask_for_link(web: AdminWeb, client: TestClient, slug: str, email: str) -> httpx2.Response:
    token = csrf_from(client, f"/admin/{slug}/sign-in")
    return client.post(
        f"/admin/{slug}/sign-in", data={"email": email, "csrf_token": token}, follow_redirects=False
    )


def use_link(client: TestClient, path: str) -> httpx2.Response:
    token = csrf_from(client, path)
    return client.post(path, data={"csrf_token": token}, follow_redirects=False)


def sign_in(web: AdminWeb, slug: str, email: str) -> TestClient:
    client = web.browser()
    assert ask_for_link(web, client, slug, email).status_code == 303
    web.send_queued()
    done = use_link(client, web.last_link())
    assert done.status_code == 303 and done.headers["location"] == f"/admin/{slug}", done.text
    return client
