"""The admin API of one network (`alpha`, topics news and events) with tokens of each role, on a real
database and a recording queue: shared by the event-source tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.services.admin import admin_tokens
from notifier.web.app import create_app
from tests.support.fakes import RecordingQueue
from tests.support.seeding import network_with_topics, subscriber
from tests.support.settings import make_settings
from tests.support.webapp import WEB_SECRET_KEY, WebApp

API = "/admin/api/networks/alpha"
PUBLIC = "http://127.0.0.1:8000"  # links in emails may be http only on a loopback host


@dataclass
class Admins:
    web: WebApp
    editor: dict[str, str]
    editor_again: dict[str, str]  # the same person's second token
    approver: dict[str, str]
    other_network: dict[str, str]


def web_settings(**overrides: object) -> Settings:
    return make_settings(
        secret_key=WEB_SECRET_KEY,
        public_base_url=PUBLIC,
        one_click_base_url="https://notifier.example.gov.uk",
        **overrides,
    )


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def build_admins(sessions: sessionmaker[Session], **overrides: object) -> Admins:
    """On `sessions`; `overrides` of the settings, such as the database URL the CLI run beside it uses."""
    with unit_of_work(sessions) as uow:
        s = uow.session
        network, (news, events) = network_with_topics(s, "alpha", ("news", "events"))
        other, _ = network_with_topics(s, "beta")
        subscriber(s, network, "sam.editor@dept.gov.uk", [news])
        subscriber(s, network, "invitee@dept.gov.uk", [])
        subscriber(s, network, "reader@dept.gov.uk", [events])

        def issue(net: Any, role: AdminRole, email: str) -> dict[str, str]:
            return bearer(admin_tokens.issue_token(s, net, role=role, label="t", holder_email=email).secret)

        tokens = (
            issue(network, AdminRole.EDITOR, "sam.editor@dept.gov.uk"),
            issue(network, AdminRole.ADMIN, "Sam.Editor@dept.gov.uk"),
            issue(network, AdminRole.APPROVER, "chair@dept.gov.uk"),
            issue(other, AdminRole.ADMIN, "chair@dept.gov.uk"),
        )
    settings = web_settings(**overrides)
    queue = RecordingQueue()
    web = WebApp(TestClient(create_app(settings, queue, sessions)), queue, settings, sessions)
    return Admins(web, *tokens)
