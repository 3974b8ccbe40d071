"""The admin API of one network (`alpha`, topics news and events) with automation tokens made by its
chair (an admin), an approver who holds no token, and another network's token, on a real database
and a recording queue: shared by the event-source tests.

Tokens never approve: `Admins.person` gives the actor of a person signed in to the web admin, for
the tests that approve through the services (the web admin's own tests approve through its pages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from notifier.config import Settings
from notifier.db.base import utcnow
from notifier.db.models import AdminMember, Network, Subscriber
from notifier.db.session import unit_of_work
from notifier.domain.sources import AdminRole
from notifier.services.admin import admin_tokens
from notifier.services.admin.invitations import invite_admin
from notifier.services.common.actors import Actor, person_actor
from notifier.web.app import create_app
from tests.support.fakes import RecordingQueue
from tests.support.seeding import HASH_KEY, network_with_topics, subscriber
from tests.support.settings import make_settings
from tests.support.webapp import WEB_SECRET_KEY, WebApp

API = "/admin/api/networks/alpha"
PUBLIC = "http://127.0.0.1:8000"  # links in emails may be http only on a loopback host
CHAIR, APPROVER = "chair@dept.gov.uk", "ola.approver@dept.gov.uk"


@dataclass
class Admins:
    web: WebApp
    editor: dict[str, str]  # an editor token, made by the chair
    editor_again: dict[str, str]  # an admin-role token, made by the same chair: the same person behind
    admin: dict[str, str]  # an admin-role token held by the chair
    other_network: dict[str, str]
    chair_id: int  # the admin who made alpha's tokens
    approver_id: int  # a person with the approver role and no token

    def person(self, admin_id: int) -> Actor:
        """A person signed in to the web admin."""
        with unit_of_work(self.web.sessions) as uow:
            member = uow.session.get_one(AdminMember, admin_id)
            return person_actor(member, uow.session.get_one(Subscriber, member.subscriber_id))

    def sign_off(self, on: bool = True) -> None:
        with unit_of_work(self.web.sessions) as uow:
            network = uow.session.query(Network).filter_by(slug="alpha").one()
            network.requires_sign_off = on


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

        def admin(net: Any, email: str, name: str, role: AdminRole) -> AdminMember:
            return invite_admin(
                s, net, email=email, name=name, role=role, invited_by="cli", hash_key=HASH_KEY, now=utcnow()
            )

        chair, approver, elsewhere = (
            admin(network, CHAIR, "Cat Chair", AdminRole.ADMIN),
            admin(network, APPROVER, "Ola Approver", AdminRole.APPROVER),
            admin(other, CHAIR, "Cat Chair", AdminRole.ADMIN),
        )

        def issue(net: Any, role: AdminRole, email: str, maker: AdminMember) -> dict[str, str]:
            made = admin_tokens.issue_token(
                s, net, role=role, label="t", holder_email=email, created_by=maker
            )
            return bearer(made.secret)

        tokens = (
            issue(network, AdminRole.EDITOR, "sam.editor@dept.gov.uk", chair),
            issue(network, AdminRole.ADMIN, "Sam.Editor@dept.gov.uk", chair),
            issue(network, AdminRole.ADMIN, CHAIR, chair),
            issue(other, AdminRole.ADMIN, CHAIR, elsewhere),
        )
        ids = chair.id, approver.id
    settings = web_settings(**overrides)
    queue = RecordingQueue()
    web = WebApp(TestClient(create_app(settings, queue, sessions)), queue, settings, sessions)
    return Admins(web, *tokens, *ids)
